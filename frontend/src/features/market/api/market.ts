import {
  infiniteQueryOptions,
  queryOptions,
  useInfiniteQuery,
  useQuery,
} from '@tanstack/react-query';
import type { InfiniteData } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { ApiError, unwrap } from '@/lib/api-errors';

export type SymbolInfo = components['schemas']['SymbolOut'];
export type Ticker = components['schemas']['TickerOut'];
export type Kline = components['schemas']['KlineOut'];
/** pages[0] holds the newest candles; each further page is older (loaded on pan). */
export type KlinePages = InfiniteData<Kline[]>;

export const INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];
export const KLINE_PAGE = 500;

export const marketKeys = {
  all: ['market'] as const,
  symbols: () => [...marketKeys.all, 'symbols'] as const,
  tickers: () => [...marketKeys.all, 'tickers'] as const,
  ticker: (symbol: string) => [...marketKeys.all, 'ticker', symbol] as const,
  klines: (symbol: string, interval: Interval) =>
    [...marketKeys.all, 'klines', symbol, interval] as const,
};

export function symbolsQuery() {
  return queryOptions({
    queryKey: marketKeys.symbols(),
    queryFn: async () => (await unwrap(api().GET('/api/v1/market/symbols'))).symbols,
    // The rules the server enforces, parsed. It re-reads Binance's exchangeInfo hourly
    // (MARKET_RULES_REFRESH_S); a change reaches an open page at its next focus after 5 minutes.
    staleTime: 5 * 60_000,
  });
}

export function useSymbols() {
  return useQuery(symbolsQuery());
}

/** The filters of one symbol (tick size for price formatting), from the cached list. */
export function useSymbolInfo(symbol: string): SymbolInfo | undefined {
  return useQuery({
    ...symbolsQuery(),
    select: (list) => list.find((s) => s.symbol === symbol),
  }).data;
}

export function tickersQuery() {
  return queryOptions({
    queryKey: marketKeys.tickers(),
    queryFn: async () => (await unwrap(api().GET('/api/v1/market/tickers'))).tickers,
    // the !miniTicker@arr stream keeps it fresh
    staleTime: Infinity,
  });
}

export function useTickers() {
  return useQuery(tickersQuery());
}

/**
 * One symbol's 24 h ticker; null until the feed's first event for it (the API answers 503
 * `ticker_unavailable` then). `<symbol>@ticker` frames fill it in: no error, no reload.
 */
export function tickerQuery(symbol: string) {
  return queryOptions({
    queryKey: marketKeys.ticker(symbol),
    queryFn: async (): Promise<Ticker | null> => {
      try {
        return await unwrap(api().GET('/api/v1/market/ticker', { params: { query: { symbol } } }));
      } catch (error) {
        if (error instanceof ApiError && error.code === 'ticker_unavailable') return null;
        throw error;
      }
    },
    staleTime: Infinity,
  });
}

export function useTicker(symbol: string) {
  return useQuery(tickerQuery(symbol));
}

export function klinesQuery(symbol: string, interval: Interval) {
  return infiniteQueryOptions({
    queryKey: marketKeys.klines(symbol, interval),
    queryFn: async ({ pageParam }) => {
      const page = await unwrap(
        api().GET('/api/v1/market/klines', {
          params: {
            query: {
              symbol,
              interval,
              limit: KLINE_PAGE,
              ...(pageParam === undefined ? {} : { end_time: pageParam }),
            },
          },
        }),
      );
      return page.klines;
    },
    initialPageParam: undefined as number | undefined,
    // older page: everything that closed before the oldest candle we hold
    getNextPageParam: (lastPage: Kline[]) => {
      const oldest = lastPage[0];
      return lastPage.length < KLINE_PAGE || !oldest ? undefined : oldest.open_time - 1;
    },
    staleTime: Infinity,
  });
}

export type MarketStatus = components['schemas']['StatusOut'];

/** Feed source, replay clock and the intervals the server stores (optional endpoint). */
export function marketStatusQuery() {
  return queryOptions({
    queryKey: [...marketKeys.all, 'status'] as const,
    queryFn: () => unwrap(api().GET('/api/v1/market/status')),
    staleTime: 60_000,
    retry: false,
  });
}

export function useMarketStatus() {
  return useQuery(marketStatusQuery());
}

export function useKlines(symbol: string, interval: Interval) {
  return useInfiniteQuery(klinesQuery(symbol, interval));
}
