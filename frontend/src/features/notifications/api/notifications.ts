import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

/** One in-app notification (GET /api/v1/notifications items). */
export type AppNotification = components['schemas']['NotificationOut'];
/** A page of notifications, newest first, with the user's unread count. */
export type NotificationPage = components['schemas']['NotificationPage'];

export const notificationKeys = {
  all: ['notifications'] as const,
  list: () => [...notificationKeys.all, 'list'] as const,
};

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: notificationKeys.list(),
    queryFn: () => unwrap(api().GET('/api/v1/notifications')),
    enabled,
  });
}

function markReadLocally(page: NotificationPage, id: number | null): NotificationPage {
  const now = new Date().toISOString();
  let changed = 0;
  const items = page.items.map((n) => {
    if (n.read_at !== null || (id !== null && n.id !== id)) return n;
    changed += 1;
    return { ...n, read_at: now };
  });
  const unread = id === null ? 0 : Math.max(0, page.unread_count - changed);
  return { ...page, items, unread_count: unread };
}

/** Mark one read (id) or all read (null); the count drops at once, then the list is refetched. */
export function useMarkReadMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number | null): Promise<void> => {
      if (id === null) {
        await unwrap(api().POST('/api/v1/notifications/read-all'));
        return;
      }
      await unwrap(
        api().POST('/api/v1/notifications/{notification_id}/read', {
          params: { path: { notification_id: id } },
        }),
      );
    },
    onSuccess: (_data, id) => {
      queryClient.setQueryData<NotificationPage>(notificationKeys.list(), (old) =>
        old ? markReadLocally(old, id) : old,
      );
      void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
    },
  });
}
