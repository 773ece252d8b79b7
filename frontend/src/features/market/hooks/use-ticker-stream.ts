import { useQueryClient } from '@tanstack/react-query';

import { useStream } from '@/lib/ws-context';

import { useResyncOnReconnect } from './use-resync';
import { marketKeys } from '../api/market';
import type { Ticker } from '../api/market';
import { isTickerEvent, tickerFromEvent } from '../api/stream-merge';

/** Keeps one symbol's cached 24 h ticker live from `<symbol>@ticker`. */
export function useTickerStream(symbol: string): void {
  const queryClient = useQueryClient();
  useResyncOnReconnect(marketKeys.ticker(symbol));
  useStream(`${symbol.toLowerCase()}@ticker`, (data, frame) => {
    if (!isTickerEvent(data) || data.s !== symbol) return;
    queryClient.setQueryData<Ticker | null>(marketKeys.ticker(symbol), (old) =>
      tickerFromEvent(data, old ?? undefined, frame.source),
    );
  });
}
