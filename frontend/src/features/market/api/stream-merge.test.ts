import { describe, expect, it } from 'vitest';

import type { Kline, KlinePages, SymbolInfo, Ticker } from './market';
import {
  changeFrom,
  flattenKlines,
  klineFromEvent,
  mergeKline,
  mergeMiniTickers,
} from './stream-merge';
import { buildMarketRows } from '../hooks/use-market-rows';

const kline = (t: number, close: string): Kline => ({
  open_time: t,
  close_time: t + 59_999,
  open: '100',
  high: '110',
  low: '90',
  close,
  volume: '1.5',
  quote_volume: '150',
  trades: 3,
  closed: false,
});

const pages = (...p: Kline[][]): KlinePages => ({ pages: p, pageParams: p.map(() => undefined) });

const ticker = (symbol: string, last: string, percent: string, quoteVolume: string): Ticker => ({
  symbol,
  last_price: last,
  price_change: '0',
  price_change_percent: percent,
  weighted_avg_price: last,
  open_price: last,
  bid_price: last,
  ask_price: last,
  high_price: last,
  low_price: last,
  volume: '1',
  quote_volume: quoteVolume,
  open_time: 0,
  close_time: 0,
  event_time: 0,
  source: 'replay',
});

describe('mergeKline', () => {
  it('replaces the forming candle, appends a new one and ignores late frames', () => {
    const start = pages([kline(0, '100'), kline(60_000, '101')], [kline(-60_000, '99')]);
    const updated = mergeKline(start, kline(60_000, '105'));
    expect(updated?.pages[0]?.map((k) => k.close)).toEqual(['100', '105']);
    const appended = mergeKline(updated, kline(120_000, '106'));
    expect(appended?.pages[0]?.map((k) => k.open_time)).toEqual([0, 60_000, 120_000]);
    expect(appended?.pages[1]).toBe(start.pages[1]);
    expect(mergeKline(appended, kline(0, '1'))).toBe(appended);
    expect(mergeKline(undefined, kline(0, '1'))).toBeUndefined();
  });

  it('flattens pages oldest first without duplicates', () => {
    const flat = flattenKlines(
      pages([kline(60_000, '2'), kline(120_000, '3')], [kline(0, '1'), kline(60_000, '2')]),
    );
    expect(flat.map((k) => k.open_time)).toEqual([0, 60_000, 120_000]);
  });

  it('maps a Binance kline event', () => {
    const event = {
      e: 'kline' as const,
      E: 1,
      s: 'BTCUSDT',
      k: {
        t: 0,
        T: 59_999,
        s: 'BTCUSDT',
        i: '1m',
        o: '1',
        c: '2',
        h: '3',
        l: '0.5',
        v: '10',
        q: '20',
        n: 4,
        x: false,
      },
    };
    expect(klineFromEvent(event)).toEqual({
      open_time: 0,
      close_time: 59_999,
      open: '1',
      high: '3',
      low: '0.5',
      close: '2',
      volume: '10',
      quote_volume: '20',
      trades: 4,
      closed: false,
    });
  });
});

describe('mergeMiniTickers', () => {
  it('updates only the symbols in the batch and derives the change exactly', () => {
    const list = [ticker('BTCUSDT', '100', '0', '5'), ticker('ETHUSDT', '10', '0', '5')];
    const merged = mergeMiniTickers(
      list,
      [
        {
          e: '24hrMiniTicker',
          E: 9,
          s: 'BTCUSDT',
          c: '110.10',
          o: '100',
          h: '111',
          l: '99',
          v: '7',
          q: '700',
        },
      ],
      'replay',
    );
    expect(merged[0]).toMatchObject({
      last_price: '110.10',
      price_change: '10.10',
      price_change_percent: '10.10',
      quote_volume: '700',
      event_time: 9,
    });
    expect(merged[1]).toBe(list[1]);
  });

  it('computes negative percentages and survives a zero open', () => {
    expect(changeFrom('99', '100')).toEqual({ change: '-1', percent: '-1.00' });
    expect(changeFrom('5', '0').percent).toBe('0.00');
  });
});

describe('buildMarketRows', () => {
  const tickers = [
    ticker('BTCUSDT', '100', '1', '900'),
    ticker('ETHUSDT', '9.5', '-2', '1000'),
    ticker('SOLUSDT', '20', '3', '10'),
  ];
  const symbols: SymbolInfo[] = [
    {
      symbol: 'ETHUSDT',
      status: 'TRADING',
      base_asset: 'ETH',
      quote_asset: 'USDT',
      base_asset_precision: 8,
      quote_asset_precision: 8,
      tick_size: '0.01',
      min_price: '0.01',
      max_price: '1000000',
      step_size: '0.0001',
      min_qty: '0.0001',
      max_qty: '9000',
      min_notional: '5',
      max_notional: '9000000',
      order_types: ['LIMIT', 'MARKET'],
      quote_order_qty_market_allowed: true,
      filter_order: ['PRICE_FILTER', 'LOT_SIZE'],
      price_filter: { min_price: '0.01', max_price: '1000000', tick_size: '0.01' },
      lot_size: { min_qty: '0.0001', max_qty: '9000', step_size: '0.0001' },
      market_lot_size: null,
      percent_price: null,
      notional: null,
      max_num_orders: null,
      max_num_algo_orders: null,
      rules_source: 'snapshot',
    },
  ];
  const base = {
    tickers,
    symbols,
    favourites: new Set<string>(),
    query: '',
    sort: 'last_price' as const,
    direction: 'desc' as const,
  };

  it('sorts by exact decimal value, not text', () => {
    expect(buildMarketRows(base).map((r) => r.ticker.symbol)).toEqual([
      'BTCUSDT',
      'SOLUSDT',
      'ETHUSDT',
    ]);
    expect(buildMarketRows({ ...base, direction: 'asc' }).map((r) => r.ticker.symbol)).toEqual([
      'ETHUSDT',
      'SOLUSDT',
      'BTCUSDT',
    ]);
  });

  it('puts favourites first and filters by symbol or asset', () => {
    const rows = buildMarketRows({ ...base, favourites: new Set(['ETHUSDT']) });
    expect(rows.map((r) => r.ticker.symbol)).toEqual(['ETHUSDT', 'BTCUSDT', 'SOLUSDT']);
    expect(buildMarketRows({ ...base, query: 'eth' }).map((r) => r.ticker.symbol)).toEqual([
      'ETHUSDT',
    ]);
    expect(buildMarketRows({ ...base, query: 'sol' }).map((r) => r.ticker.symbol)).toEqual([
      'SOLUSDT',
    ]);
  });
});
