import { useMemo } from 'react';

import { compare } from '@/lib/decimal';

import type { SymbolInfo, Ticker } from '../api/market';

export type SortColumn = 'symbol' | 'last_price' | 'price_change_percent' | 'quote_volume';
export type SortDirection = 'asc' | 'desc';

export interface MarketRow {
  readonly ticker: Ticker;
  readonly info: SymbolInfo | undefined;
  readonly favourite: boolean;
}

export interface MarketRowsInput {
  readonly tickers: readonly Ticker[];
  readonly symbols: readonly SymbolInfo[];
  readonly favourites: ReadonlySet<string>;
  readonly query: string;
  readonly sort: SortColumn;
  readonly direction: SortDirection;
}

function compareBy(column: SortColumn, a: Ticker, b: Ticker): number {
  if (column === 'symbol') return a.symbol.localeCompare(b.symbol);
  return compare(a[column], b[column]);
}

/** Filter by search, sort by a column (exact decimal compare), favourites always on top. */
export function buildMarketRows(input: MarketRowsInput): MarketRow[] {
  const needle = input.query.trim().toUpperCase();
  const info = new Map(input.symbols.map((s) => [s.symbol, s]));
  const factor = input.direction === 'asc' ? 1 : -1;
  return input.tickers
    .filter((ticker) => {
      if (!needle) return true;
      const meta = info.get(ticker.symbol);
      return (
        ticker.symbol.includes(needle) ||
        (meta !== undefined &&
          (meta.base_asset.includes(needle) || meta.quote_asset.includes(needle)))
      );
    })
    .map((ticker) => ({
      ticker,
      info: info.get(ticker.symbol),
      favourite: input.favourites.has(ticker.symbol),
    }))
    .sort((a, b) => {
      if (a.favourite !== b.favourite) return a.favourite ? -1 : 1;
      return (
        factor * compareBy(input.sort, a.ticker, b.ticker) ||
        a.ticker.symbol.localeCompare(b.ticker.symbol)
      );
    });
}

export function useMarketRows(input: MarketRowsInput): MarketRow[] {
  const { tickers, symbols, favourites, query, sort, direction } = input;
  return useMemo(
    () => buildMarketRows({ tickers, symbols, favourites, query, sort, direction }),
    [tickers, symbols, favourites, query, sort, direction],
  );
}
