import { NotificationToasts } from './notification-toasts';
import { useNotificationStream } from '../hooks/use-notification-stream';

/** Mounted once in the layout: the live `notification` frames as toasts (and the bell's count). */
export function LiveNotifications() {
  const { toasts, dismiss } = useNotificationStream();
  return <NotificationToasts toasts={toasts} onDismiss={dismiss} />;
}
