import {
  keepPreviousData,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';
import type { Role } from '@/lib/roles';

export type AdminUser = components['schemas']['AdminUserOut'];
export type AdminUserUpdate = components['schemas']['AdminUserUpdate'];
export type UserPage = components['schemas']['UserPage'];

/** Rows per page of the admin list (the API allows up to 100). */
export const PAGE_SIZE = 20;

export interface UserFilters {
  /** Text in the email or username; '' for any. */
  readonly q: string;
  readonly role: Role | null;
  /** true: active only, false: disabled only, null: both. */
  readonly active: boolean | null;
  /** 1-based. */
  readonly page: number;
}

export const adminKeys = {
  users: ['admin', 'users'] as const,
  userList: (filters: UserFilters) => [...adminKeys.users, filters] as const,
};

export function adminUsersQuery(filters: UserFilters) {
  return queryOptions({
    queryKey: adminKeys.userList(filters),
    queryFn: () =>
      unwrap(
        api().GET('/api/v1/admin/users', {
          params: {
            query: {
              page: filters.page,
              page_size: PAGE_SIZE,
              ...(filters.q ? { q: filters.q } : {}),
              ...(filters.role ? { role: filters.role } : {}),
              ...(filters.active === null ? {} : { active: filters.active }),
            },
          },
        }),
      ),
    // the previous page stays on screen while the next one loads (no flash of a spinner)
    placeholderData: keepPreviousData,
  });
}

export function useAdminUsers(filters: UserFilters) {
  return useQuery(adminUsersQuery(filters));
}

/** Show the changed row at once in every cached page, then refetch: it may leave a filter. */
function replaceUser(queryClient: ReturnType<typeof useQueryClient>, user: AdminUser): void {
  queryClient.setQueriesData<UserPage>({ queryKey: adminKeys.users }, (old) =>
    old ? { ...old, items: old.items.map((u) => (u.id === user.id ? user : u)) } : old,
  );
  void queryClient.invalidateQueries({ queryKey: adminKeys.users });
}

export function useUpdateUserMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: AdminUserUpdate }) =>
      unwrap(
        api().PATCH('/api/v1/admin/users/{user_id}', { params: { path: { user_id: id } }, body }),
      ),
    onSuccess: (user) => replaceUser(queryClient, user),
  });
}

export function useUnlockUserMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      unwrap(
        api().POST('/api/v1/admin/users/{user_id}/unlock', { params: { path: { user_id: id } } }),
      ),
    onSuccess: (user) => replaceUser(queryClient, user),
  });
}
