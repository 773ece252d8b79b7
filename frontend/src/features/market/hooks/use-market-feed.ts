import { useQueryClient } from '@tanstack/react-query';

import { useStream } from '@/lib/ws-context';

import { useResyncOnReconnect } from './use-resync';
import { marketKeys } from '../api/market';
import type { Ticker } from '../api/market';
import { isMiniTicker, mergeMiniTickers } from '../api/stream-merge';

/** Keeps the cached tickers list live from `!miniTicker@arr` while mounted. */
export function useMiniTickerFeed(): void {
  const queryClient = useQueryClient();
  useResyncOnReconnect(marketKeys.tickers());
  useStream('!miniTicker@arr', (data, frame) => {
    if (!Array.isArray(data)) return;
    const events = data.filter(isMiniTicker);
    queryClient.setQueryData<Ticker[]>(marketKeys.tickers(), (old) =>
      mergeMiniTickers(old, events, frame.source),
    );
  });
}
