import { useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';

import { useStream } from '@/lib/ws-context';

import { useResyncOnReconnect } from './use-resync';
import { marketKeys } from '../api/market';
import type { Interval, KlinePages } from '../api/market';
import { flattenKlines, isKlineEvent, klineFromEvent, mergeKline } from '../api/stream-merge';

/**
 * Merges `<symbol>@kline_<interval>` frames (the forming candle) into the klines cache. History
 * fetched before the feed had stored any (the first seconds after a start) is empty: the first
 * frame then refetches it once instead, so the chart fills in without a reload (a symbol with
 * no history at all then shows its forming candles).
 */
export function useKlineStream(symbol: string, interval: Interval): void {
  const queryClient = useQueryClient();
  const key = marketKeys.klines(symbol, interval);
  const refetched = useRef(new Set<string>());
  useResyncOnReconnect(key);
  useStream(`${symbol.toLowerCase()}@kline_${interval}`, (data) => {
    if (!isKlineEvent(data) || data.k.i !== interval || data.s !== symbol) return;
    const held = queryClient.getQueryData<KlinePages>(key);
    if (held && flattenKlines(held).length === 0) {
      const id = `${symbol}:${interval}`;
      if (!refetched.current.has(id)) {
        refetched.current.add(id);
        // frames come faster than the history answers: don't cancel it for the next one
        void queryClient.invalidateQueries({ queryKey: key }, { cancelRefetch: false });
        return;
      }
      if (queryClient.getQueryState(key)?.fetchStatus === 'fetching') return;
    }
    queryClient.setQueryData<KlinePages>(key, (old) => mergeKline(old, klineFromEvent(data)));
  });
}
