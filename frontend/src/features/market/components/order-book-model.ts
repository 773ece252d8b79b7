import {
  add,
  compare,
  divide,
  isDecimal,
  multiply,
  sign,
  subtract,
  toPlotNumber,
} from '@/lib/decimal';

/** Binance's partial-depth payload (`<symbol>@depth20@100ms`): best levels first, strings. */
export interface PartialDepth {
  readonly lastUpdateId: number;
  readonly bids: readonly (readonly [string, string])[];
  readonly asks: readonly (readonly [string, string])[];
}

export interface BookRow {
  readonly price: string;
  readonly qty: string;
  /** Cumulative base quantity from the best price to this level. */
  readonly total: string;
  /** total / the deeper side's total, 0..1: the width of the depth bar (drawing only). */
  readonly share: number;
}

export interface BookView {
  readonly lastUpdateId: number;
  /** Best first: asks lowest price first, bids highest first. */
  readonly asks: readonly BookRow[];
  readonly bids: readonly BookRow[];
  readonly spread: string | null;
  /** Spread as a percentage of the best ask, 8 decimals ("0.00001538"). */
  readonly spreadPercent: string | null;
}

function isLevel(value: unknown): value is [string, string] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    isDecimal(value[0]) &&
    isDecimal(value[1])
  );
}

export function isPartialDepth(data: unknown): data is PartialDepth {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return (
    typeof d.lastUpdateId === 'number' &&
    Array.isArray(d.bids) &&
    Array.isArray(d.asks) &&
    d.bids.every(isLevel) &&
    d.asks.every(isLevel)
  );
}

function cumulative(levels: readonly (readonly [string, string])[], rows: number): BookRow[] {
  let total = '0';
  return levels
    .filter(([, qty]) => sign(qty) > 0)
    .slice(0, rows)
    .map(([price, qty]) => {
      total = add(total, qty);
      return { price, qty, total, share: 0 };
    });
}

function withShares(rows: BookRow[], deepest: string): BookRow[] {
  if (sign(deepest) <= 0) return rows;
  return rows.map((r) => ({ ...r, share: toPlotNumber(divide(r.total, deepest, 4)) }));
}

/** The top `rows` levels per side with running totals and bar widths on one common scale. */
export function bookView(depth: PartialDepth, rows: number): BookView {
  const sortedBids = [...depth.bids].sort((a, b) => compare(b[0], a[0]));
  const sortedAsks = [...depth.asks].sort((a, b) => compare(a[0], b[0]));
  const bids = cumulative(sortedBids, rows);
  const asks = cumulative(sortedAsks, rows);
  const bidTotal = bids.at(-1)?.total ?? '0';
  const askTotal = asks.at(-1)?.total ?? '0';
  const deepest = compare(bidTotal, askTotal) >= 0 ? bidTotal : askTotal;
  const bestBid = bids[0]?.price;
  const bestAsk = asks[0]?.price;
  const spread = bestBid && bestAsk ? subtract(bestAsk, bestBid) : null;
  const spreadPercent =
    spread !== null && bestAsk && sign(bestAsk) > 0
      ? divide(multiply(spread, '100'), bestAsk, 8)
      : null;
  return {
    lastUpdateId: depth.lastUpdateId,
    asks: withShares(asks, deepest),
    bids: withShares(bids, deepest),
    spread,
    spreadPercent,
  };
}
