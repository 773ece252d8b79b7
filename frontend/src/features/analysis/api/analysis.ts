import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';

import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';
import { useStream } from '@/lib/ws-context';

import type { CompareData, IndicatorData, Interval } from './types';
import type { CompareQuery } from '../components/compare-form';

/** Candles of indicator history drawn under the chart. */
export const INDICATOR_LIMIT = 300;
/** The forming candle changes many times a second: panels refetch at most this often. */
export const LIVE_REFETCH_MS = 2000;

export const analysisKeys = {
  all: ['analysis'] as const,
  indicators: (symbol: string, interval: string, specs: string) =>
    [...analysisKeys.all, 'indicators', symbol, interval, specs] as const,
  compare: (q: CompareQuery) =>
    [...analysisKeys.all, 'compare', q.symbols.join(','), q.interval, q.limit] as const,
};

/** The chosen indicators of a symbol with the forming candle included (the panels move live). */
export function useIndicators(symbol: string, interval: Interval, specs: readonly string[]) {
  const joined = specs.join(',');
  return useQuery({
    queryKey: analysisKeys.indicators(symbol, interval, joined),
    enabled: specs.length > 0,
    queryFn: async (): Promise<IndicatorData> =>
      unwrap(
        api().GET('/api/v1/analysis/indicators', {
          params: {
            query: {
              symbol,
              interval,
              indicators: joined,
              limit: INDICATOR_LIMIT,
              include_forming: true,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/**
 * Refetch the indicators when the symbol's candle stream moves, at most once per
 * LIVE_REFETCH_MS (a trailing refetch catches the last update of a burst).
 */
export function useLiveIndicators(symbol: string, interval: string, enabled: boolean): void {
  const queryClient = useQueryClient();
  const last = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useStream(enabled ? `${symbol.toLowerCase()}@kline_${interval}` : null, () => {
    const refetch = () => {
      last.current = Date.now();
      pending.current = null;
      void queryClient.invalidateQueries({
        queryKey: [...analysisKeys.all, 'indicators', symbol, interval],
      });
    };
    const wait = LIVE_REFETCH_MS - (Date.now() - last.current);
    if (wait <= 0) refetch();
    else pending.current ??= setTimeout(refetch, wait);
  });
}

export function useCompare(q: CompareQuery) {
  return useQuery({
    queryKey: analysisKeys.compare(q),
    enabled: q.symbols.length >= 2,
    queryFn: async (): Promise<CompareData> =>
      unwrap(
        api().GET('/api/v1/analysis/compare', {
          params: {
            query: {
              symbols: q.symbols.join(','),
              interval: q.interval as Interval,
              limit: q.limit,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    retry: false,
  });
}
