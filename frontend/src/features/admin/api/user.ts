import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

import { adminKeys } from './users';
import type { AdminUserUpdate } from './users';

export type AdminUserDetail = components['schemas']['AdminUserDetail'];

export const userKeys = {
  detail: (id: number) => ['admin', 'user', id] as const,
};

export function adminUserQuery(id: number) {
  return queryOptions({
    queryKey: userKeys.detail(id),
    queryFn: () =>
      unwrap(api().GET('/api/v1/admin/users/{user_id}', { params: { path: { user_id: id } } })),
  });
}

export function useAdminUser(id: number) {
  return useQuery(adminUserQuery(id));
}

export type UserAction =
  | { readonly kind: 'role'; readonly body: AdminUserUpdate }
  | { readonly kind: 'block' }
  | { readonly kind: 'unblock' }
  | { readonly kind: 'unlock' }
  | { readonly kind: 'revoke' };

function send(id: number, action: UserAction) {
  const path = { params: { path: { user_id: id } } };
  switch (action.kind) {
    case 'role':
      return unwrap(api().PATCH('/api/v1/admin/users/{user_id}', { ...path, body: action.body }));
    case 'block':
    case 'unblock':
      return unwrap(
        api().PATCH('/api/v1/admin/users/{user_id}', {
          ...path,
          body: { is_active: action.kind === 'unblock' },
        }),
      );
    case 'unlock':
      return unwrap(api().POST('/api/v1/admin/users/{user_id}/unlock', path));
    case 'revoke':
      return unwrap(api().POST('/api/v1/admin/users/{user_id}/revoke-sessions', path));
  }
}

/** One admin action on the user page; the page, the users list and the audit log refetch. */
export function useUserActionMutation(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: UserAction) => send(id, action),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: userKeys.detail(id) });
      void queryClient.invalidateQueries({ queryKey: adminKeys.users });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'audit'] });
    },
  });
}
