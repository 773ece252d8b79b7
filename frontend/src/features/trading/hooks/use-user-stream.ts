import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';

import { getSession, subscribeSession } from '@/lib/auth-session';
import { useStream, useWsStatus } from '@/lib/ws-context';

import { tradingKeys } from '../api/trading';
import type { Account } from '../api/trading';
import { applyAccountPosition, parseUserEvent } from '../lib/user-events';

/**
 * Keep the trading queries live from the private `user` stream while logged in: balance frames
 * patch the account in place; order frames refetch the order lists (and trades/portfolio on a
 * fill), since the frame alone lacks fields the tables show. Frames sent while the socket was
 * down are lost, so every return to `live` after a drop refetches the trading queries once.
 */
export function useUserStream(): void {
  const session = useSyncExternalStore(subscribeSession, getSession, getSession);
  const queryClient = useQueryClient();
  const stream = session.status === 'authenticated' && session.accessToken ? 'user' : null;
  const { state } = useWsStatus();
  const previous = useRef(state);
  useEffect(() => {
    if (state === 'live' && previous.current === 'reconnecting' && stream) {
      void queryClient.invalidateQueries({ queryKey: tradingKeys.all });
    }
    previous.current = state;
  }, [state, stream, queryClient]);
  useStream(stream, (data) => {
    const event = parseUserEvent(data);
    if (!event) return;
    if (event.e === 'outboundAccountPosition') {
      queryClient.setQueryData<Account>(tradingKeys.account(), (old) =>
        old ? applyAccountPosition(old, event) : old,
      );
      void queryClient.invalidateQueries({ queryKey: tradingKeys.portfolio() });
      return;
    }
    void queryClient.invalidateQueries({ queryKey: tradingKeys.orders() });
    if (event.x === 'TRADE') {
      void queryClient.invalidateQueries({ queryKey: tradingKeys.trades() });
      void queryClient.invalidateQueries({ queryKey: tradingKeys.portfolio() });
    }
  });
}
