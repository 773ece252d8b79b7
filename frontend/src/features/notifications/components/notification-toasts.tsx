import Toast from 'react-bootstrap/Toast';
import ToastContainer from 'react-bootstrap/ToastContainer';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import type { NotificationEvent } from '../lib/notification-event';

/** Toasts of the notifications that arrived live; each hides itself after a while. */
export function NotificationToasts({
  toasts,
  onDismiss,
}: {
  readonly toasts: readonly NotificationEvent[];
  readonly onDismiss: (id: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <ToastContainer position="bottom-end" className="p-3 position-fixed" style={{ zIndex: 1090 }}>
      {toasts.map((toast) => (
        <Toast key={toast.id} onClose={() => onDismiss(toast.id)} delay={10_000} autohide>
          <Toast.Header closeLabel={t('notifications.dismiss')}>
            <strong className="me-auto">{toast.title}</strong>
          </Toast.Header>
          <Toast.Body>
            {/* the body's lines (price, the alert's note) as sent */}
            <p className="mb-1" style={{ whiteSpace: 'pre-line' }}>
              {toast.body}
            </p>
            {toast.alert_id !== null ? (
              <Link to="/alerts" onClick={() => onDismiss(toast.id)}>
                {t('notifications.openAlerts')}
              </Link>
            ) : null}
          </Toast.Body>
        </Toast>
      ))}
    </ToastContainer>
  );
}
