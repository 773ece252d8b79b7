import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';

import { getSession, subscribeSession } from '@/lib/auth-session';
import { useStream, useWsStatus } from '@/lib/ws-context';

import { addLive, notificationKeys } from '../api/notifications';
import type { NotificationPages } from '../api/notifications';
import { parseNotificationEvent } from '../lib/notification-event';
import type { NotificationEvent } from '../lib/notification-event';

/** Shows a system notification when the page is hidden and the user allowed them. */
function showBrowserNotification(event: NotificationEvent): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (typeof document !== 'undefined' && document.visibilityState === 'visible') return;
  try {
    new Notification(event.title, { body: event.body, tag: `notification-${event.id}` });
  } catch {
    // some browsers allow notifications only from a service worker: the toast is enough
  }
}

/**
 * While logged in: every `notification` frame of the user stream bumps the bell at once (the
 * list is refetched for the full row), queues a toast, and raises a browser notification when
 * allowed and the tab is in the background. A frame seen twice (reconnect) toasts once; after a
 * reconnect the list is refetched (what arrived meanwhile counts, without a toast).
 */
export function useNotificationStream() {
  const session = useSyncExternalStore(subscribeSession, getSession, getSession);
  const stream = session.status === 'authenticated' && session.accessToken ? 'user' : null;
  const queryClient = useQueryClient();
  const [toasts, setToasts] = useState<NotificationEvent[]>([]);
  // frames sent while the socket was down are lost: the bell refetches once it is back
  const { state } = useWsStatus();
  const previous = useRef(state);
  useEffect(() => {
    if (state === 'live' && previous.current === 'reconnecting' && stream) {
      void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
    }
    previous.current = state;
  }, [state, stream, queryClient]);
  useStream(stream, (data) => {
    const event = parseNotificationEvent(data);
    if (!event) return;
    // on top of every loaded list (all, unread only): the count goes up before the refetch
    queryClient.setQueriesData<NotificationPages>({ queryKey: notificationKeys.lists() }, (old) =>
      old
        ? addLive(old, {
            id: event.id,
            kind: event.kind,
            title: event.title,
            body: event.body,
            alert_id: event.alert_id,
            data: null,
            read_at: null,
            created_at: new Date(event.E).toISOString(),
          })
        : old,
    );
    void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
    if (event.alert_id !== null) void queryClient.invalidateQueries({ queryKey: ['alerts'] });
    setToasts((current) =>
      current.some((t) => t.id === event.id) ? current : [...current, event].slice(-5),
    );
    showBrowserNotification(event);
  });
  const dismiss = useCallback(
    (id: number) => setToasts((current) => current.filter((t) => t.id !== id)),
    [],
  );
  return { toasts, dismiss, signedIn: stream !== null };
}
