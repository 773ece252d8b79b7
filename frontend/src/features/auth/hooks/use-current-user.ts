import { useSession } from './use-session';
import { useMe } from '../api/auth';
import type { User } from '../api/auth';

export type CurrentUser =
  | { readonly state: 'loading'; readonly user: null }
  | { readonly state: 'anonymous'; readonly user: null }
  | { readonly state: 'signed-in'; readonly user: User };

/** Session + profile in one answer, for guards and the navbar. */
export function useCurrentUser(): CurrentUser {
  const session = useSession();
  const me = useMe();
  if (session.status === 'unknown') return { state: 'loading', user: null };
  if (session.status === 'anonymous') return { state: 'anonymous', user: null };
  if (me.data) return { state: 'signed-in', user: me.data };
  if (me.isError) return { state: 'anonymous', user: null };
  return { state: 'loading', user: null };
}
