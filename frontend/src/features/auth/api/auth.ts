import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';
import { acceptGrant, clearSession, logout, WEB_CLIENT_HEADERS } from '@/lib/auth-session';

import { useSession } from '../hooks/use-session';

export type User = components['schemas']['UserOut'];
export type UserCreate = components['schemas']['UserCreate'];
export type UserUpdate = components['schemas']['UserUpdate'];
export type PasswordChange = components['schemas']['PasswordChange'];

export const authKeys = {
  me: ['users', 'me'] as const,
};

export function meQuery() {
  return queryOptions({
    queryKey: authKeys.me,
    queryFn: () => unwrap(api().GET('/api/v1/users/me')),
    staleTime: 5 * 60_000,
  });
}

/** The signed-in user, fetched only while a session exists. */
export function useMe() {
  const session = useSession();
  return useQuery({ ...meQuery(), enabled: session.status === 'authenticated' });
}

export interface LoginInput {
  readonly username: string;
  readonly password: string;
}

export function useLoginMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: LoginInput) => {
      const grant = await unwrap(
        api().POST('/api/v1/auth/login', {
          body: { username: input.username, password: input.password, scope: '' },
          headers: { ...WEB_CLIENT_HEADERS, 'Content-Type': 'application/x-www-form-urlencoded' },
          // OAuth2 password form, as FastAPI's OAuth2PasswordRequestForm expects
          bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
        }),
      );
      acceptGrant(grant);
      return grant;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: authKeys.me }),
  });
}

export function useRegisterMutation() {
  return useMutation({
    mutationFn: (input: UserCreate) => unwrap(api().POST('/api/v1/auth/register', { body: input })),
  });
}

export function useLogoutMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => logout(),
    // every cached answer belonged to the user who just left
    onSettled: () => queryClient.clear(),
  });
}

/** Sign out everywhere: the API ends every session of the user, this one included. */
export function useLogoutAllMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(api().POST('/api/v1/auth/logout-all', { headers: WEB_CLIENT_HEADERS })),
    onSuccess: () => {
      clearSession('signed_out_everywhere');
      queryClient.clear();
    },
  });
}

export function useUpdateMeMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: UserUpdate) => unwrap(api().PATCH('/api/v1/users/me', { body: input })),
    onSuccess: (user) => queryClient.setQueryData(authKeys.me, user),
  });
}

export function useChangePasswordMutation() {
  return useMutation({
    mutationFn: (input: PasswordChange) =>
      unwrap(api().POST('/api/v1/users/me/password', { body: input })),
  });
}
