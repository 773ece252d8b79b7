import { useQueryClient } from '@tanstack/react-query';

import { useStream } from '@/lib/ws-context';

import { useResyncOnReconnect } from './use-resync';
import { marketKeys } from '../api/market';
import type { Interval, KlinePages } from '../api/market';
import { isKlineEvent, klineFromEvent, mergeKline } from '../api/stream-merge';

/** Merges `<symbol>@kline_<interval>` frames (the forming candle) into the klines cache. */
export function useKlineStream(symbol: string, interval: Interval): void {
  const queryClient = useQueryClient();
  const key = marketKeys.klines(symbol, interval);
  useResyncOnReconnect(key);
  useStream(`${symbol.toLowerCase()}@kline_${interval}`, (data) => {
    if (!isKlineEvent(data) || data.k.i !== interval || data.s !== symbol) return;
    queryClient.setQueryData<KlinePages>(key, (old) => mergeKline(old, klineFromEvent(data)));
  });
}
