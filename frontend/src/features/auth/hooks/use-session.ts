import { useSyncExternalStore } from 'react';

import { getSession, subscribeSession } from '@/lib/auth-session';
import type { SessionState } from '@/lib/auth-session';

export function useSession(): SessionState {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}
