import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

export type AdminUser = components['schemas']['AdminUserOut'];
export type AdminUserUpdate = components['schemas']['AdminUserUpdate'];

export const adminKeys = {
  users: ['admin', 'users'] as const,
};

export function adminUsersQuery() {
  return queryOptions({
    queryKey: adminKeys.users,
    queryFn: async () =>
      (await unwrap(api().GET('/api/v1/admin/users', { params: { query: { page_size: 100 } } })))
        .items,
  });
}

export function useAdminUsers() {
  return useQuery(adminUsersQuery());
}

function replaceUser(queryClient: ReturnType<typeof useQueryClient>, user: AdminUser): void {
  queryClient.setQueryData<AdminUser[]>(adminKeys.users, (old) =>
    old?.map((u) => (u.id === user.id ? user : u)),
  );
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
