import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { apiJson } from '@/lib/api-json';

/** One in-app notification (GET /api/v1/notifications items). */
export interface AppNotification {
  readonly id: number;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly alert_id: number | null;
  readonly read_at: string | null;
  readonly created_at: string;
}

/** A page of notifications, newest first, with the user's unread count. */
export interface NotificationPage {
  readonly items: AppNotification[];
  readonly unread_count: number;
  readonly next_cursor: number | null;
}

export const notificationKeys = {
  all: ['notifications'] as const,
  list: () => [...notificationKeys.all, 'list'] as const,
};

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: notificationKeys.list(),
    queryFn: () => apiJson<NotificationPage>('GET', '/api/v1/notifications'),
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
    mutationFn: (id: number | null) =>
      id === null
        ? apiJson<unknown>('POST', '/api/v1/notifications/read-all')
        : apiJson<unknown>('POST', `/api/v1/notifications/${id}/read`),
    onSuccess: (_data, id) => {
      queryClient.setQueryData<NotificationPage>(notificationKeys.list(), (old) =>
        old ? markReadLocally(old, id) : old,
      );
      void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
    },
  });
}
