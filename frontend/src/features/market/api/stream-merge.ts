import { divide, multiply, sign, subtract } from '@/lib/decimal';

import type { Kline, KlinePages, Ticker } from './market';

/** Binance event shapes of the streams we read (PROTOCOL.md §1.4). */
export interface MiniTickerEvent {
  readonly e: '24hrMiniTicker';
  readonly E: number;
  readonly s: string;
  readonly c: string;
  readonly o: string;
  readonly h: string;
  readonly l: string;
  readonly v: string;
  readonly q: string;
}

export interface TickerEvent {
  readonly e: '24hrTicker';
  readonly E: number;
  readonly s: string;
  readonly p: string;
  readonly P: string;
  readonly c: string;
  readonly o: string;
  readonly h: string;
  readonly l: string;
  readonly v: string;
  readonly q: string;
  readonly w: string;
  readonly b?: string;
  readonly a?: string;
  readonly O: number;
  readonly C: number;
}

export interface KlineEvent {
  readonly e: 'kline';
  readonly E: number;
  readonly s: string;
  readonly k: {
    readonly t: number;
    readonly T: number;
    readonly s: string;
    readonly i: string;
    readonly o: string;
    readonly c: string;
    readonly h: string;
    readonly l: string;
    readonly v: string;
    readonly q: string;
    readonly n: number;
    readonly x: boolean;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isMiniTicker(value: unknown): value is MiniTickerEvent {
  return isRecord(value) && typeof value.s === 'string' && typeof value.c === 'string';
}

export function isTickerEvent(value: unknown): value is TickerEvent {
  return isRecord(value) && value.e === '24hrTicker' && typeof value.c === 'string';
}

export function isKlineEvent(value: unknown): value is KlineEvent {
  return isRecord(value) && value.e === 'kline' && isRecord(value.k);
}

/** Mini tickers carry no change fields: derive them exactly from last and open. */
export function changeFrom(last: string, open: string): { change: string; percent: string } {
  const change = subtract(last, open);
  const percent = sign(open) === 0 ? '0.00' : divide(multiply(change, '100'), open, 2);
  return { change, percent };
}

/** The fields a mini ticker carries, in the tickers list's shape. */
function miniFields(event: MiniTickerEvent) {
  const { change, percent } = changeFrom(event.c, event.o);
  return {
    last_price: event.c,
    open_price: event.o,
    price_change: change,
    price_change_percent: percent,
    high_price: event.h,
    low_price: event.l,
    volume: event.v,
    quote_volume: event.q,
    event_time: event.E,
  };
}

/** A row for a symbol first seen on the stream; mini tickers carry no bid/ask (shown nowhere). */
function tickerFromMini(event: MiniTickerEvent, source: string | undefined): Ticker {
  return {
    symbol: event.s,
    ...miniFields(event),
    weighted_avg_price: sign(event.v) === 0 ? event.c : divide(event.q, event.v, 8),
    bid_price: '0',
    ask_price: '0',
    open_time: event.E - 86_400_000,
    close_time: event.E,
    source: source ?? null,
  };
}

/**
 * Apply a `!miniTicker@arr` batch (only symbols that changed) to the tickers list. A symbol the
 * list lacks is added: a list fetched before the feed's first events (empty, or missing a
 * symbol that starts later) fills in from the stream instead of staying short for good.
 */
export function mergeMiniTickers(
  tickers: readonly Ticker[] | undefined,
  events: readonly MiniTickerEvent[],
  source?: string,
): Ticker[] {
  const bySymbol = new Map(events.map((event) => [event.s, event]));
  const next = (tickers ?? []).map((ticker) => {
    const event = bySymbol.get(ticker.symbol);
    if (!event) return ticker;
    bySymbol.delete(ticker.symbol);
    return { ...ticker, ...miniFields(event), source: source ?? ticker.source };
  });
  for (const event of bySymbol.values()) next.push(tickerFromMini(event, source));
  return next;
}

export function tickerFromEvent(
  event: TickerEvent,
  previous: Ticker | undefined,
  source?: string,
): Ticker {
  return {
    symbol: event.s,
    last_price: event.c,
    price_change: event.p,
    price_change_percent: event.P,
    weighted_avg_price: event.w,
    open_price: event.o,
    bid_price: event.b ?? previous?.bid_price ?? '0',
    ask_price: event.a ?? previous?.ask_price ?? '0',
    high_price: event.h,
    low_price: event.l,
    volume: event.v,
    quote_volume: event.q,
    open_time: event.O,
    close_time: event.C,
    event_time: event.E,
    source: source ?? previous?.source ?? 'binance',
  };
}

export function klineFromEvent(event: KlineEvent): Kline {
  const { k } = event;
  return {
    open_time: k.t,
    close_time: k.T,
    open: k.o,
    high: k.h,
    low: k.l,
    close: k.c,
    volume: k.v,
    quote_volume: k.q,
    trades: k.n,
    closed: k.x,
  };
}

/**
 * Put a streamed candle into the newest page: replace the forming candle with the same open
 * time, append a new one, ignore anything older than the page's last candle (late frames).
 */
export function mergeKline(pages: KlinePages | undefined, kline: Kline): KlinePages | undefined {
  if (!pages) return undefined;
  const [newest = [], ...older] = pages.pages;
  const last = newest[newest.length - 1];
  let updated: Kline[];
  if (!last || kline.open_time > last.open_time) {
    updated = [...newest, kline];
  } else if (kline.open_time === last.open_time) {
    updated = [...newest.slice(0, -1), kline];
  } else {
    return pages;
  }
  return { ...pages, pages: [updated, ...older] };
}

/** All pages as one oldest-first series without duplicate open times. */
export function flattenKlines(pages: KlinePages | undefined): Kline[] {
  if (!pages) return [];
  const out: Kline[] = [];
  let lastOpen = -Infinity;
  for (let i = pages.pages.length - 1; i >= 0; i -= 1) {
    for (const kline of pages.pages[i] ?? []) {
      if (kline.open_time > lastOpen) {
        out.push(kline);
        lastOpen = kline.open_time;
      }
    }
  }
  return out;
}
