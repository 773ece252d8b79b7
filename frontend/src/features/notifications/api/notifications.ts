import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQueryClient,
} from '@tanstack/react-query';
import type { InfiniteData } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

/** One in-app notification (GET /api/v1/notifications items). */
export type AppNotification = components['schemas']['NotificationOut'];
/** A page of notifications, newest first, with the user's unread count. */
export type NotificationPage = components['schemas']['NotificationPage'];
/** The pages loaded so far (cursor-paged: each page's `next_cursor` asks for the older ones). */
export type NotificationPages = InfiniteData<NotificationPage, number | null>;

/** Notifications per page in the bell; "show more" loads the next (older) page. */
export const NOTIFICATION_PAGE_SIZE = 10;

export const notificationKeys = {
  all: ['notifications'] as const,
  lists: () => [...notificationKeys.all, 'list'] as const,
  list: (unreadOnly: boolean) => [...notificationKeys.lists(), { unreadOnly }] as const,
};

/** Newest first, NOTIFICATION_PAGE_SIZE at a time; `unreadOnly` asks for `unread=true`. */
export function useNotifications(unreadOnly = false, enabled = true) {
  return useInfiniteQuery({
    queryKey: notificationKeys.list(unreadOnly),
    queryFn: ({ pageParam }) =>
      unwrap(
        api().GET('/api/v1/notifications', {
          params: {
            query: {
              limit: NOTIFICATION_PAGE_SIZE,
              ...(unreadOnly ? { unread: true } : {}),
              ...(pageParam !== null ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: null as number | null,
    // null: the last page (no "show more")
    getNextPageParam: (last) => last.next_cursor,
    // switching to unread only keeps the count (and the old list) until the answer comes
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** What the views read of the loaded pages (a placeholder's page params are not typed). */
type LoadedPages = Pick<NotificationPages, 'pages'>;

/** The loaded notifications in order, each once (a live one may also come with a refetch). */
export function loadedItems(data: LoadedPages | undefined): AppNotification[] {
  const seen = new Set<number>();
  const items: AppNotification[] = [];
  for (const page of data?.pages ?? []) {
    for (const n of page.items) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      items.push(n);
    }
  }
  return items;
}

/** The user's unread count as the newest answer says. */
export function unreadCount(data: LoadedPages | undefined): number {
  return data?.pages[0]?.unread_count ?? 0;
}

/** A notification that arrived live on top of the first page, counted unread (once). */
export function addLive(data: NotificationPages, row: AppNotification): NotificationPages {
  if (data.pages.some((p) => p.items.some((n) => n.id === row.id))) return data;
  const pages = data.pages.map((p, i) => ({
    ...p,
    items: i === 0 ? [row, ...p.items] : p.items,
    unread_count: p.unread_count + 1,
  }));
  return { ...data, pages };
}

/** Mark one (id) or all (null) read in the loaded pages; the unread count drops to match. */
export function markReadLocally(data: NotificationPages, id: number | null): NotificationPages {
  const now = new Date().toISOString();
  let changed = 0;
  const pages = data.pages.map((p) => ({
    ...p,
    items: p.items.map((n) => {
      if (n.read_at !== null || (id !== null && n.id !== id)) return n;
      changed += 1;
      return { ...n, read_at: now };
    }),
  }));
  return {
    ...data,
    pages: pages.map((p) => ({
      ...p,
      unread_count: id === null ? 0 : Math.max(0, p.unread_count - Math.min(changed, 1)),
    })),
  };
}

/** Mark one read (id) or all read (null); the count drops at once, then the lists are refetched. */
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
      queryClient.setQueriesData<NotificationPages>(
        { queryKey: notificationKeys.lists() },
        (old) => (old ? markReadLocally(old, id) : old),
      );
      void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
    },
  });
}
