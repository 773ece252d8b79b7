/**
 * A symbol's Binance filters as the server applies them (backend/trading/rules.py is the
 * reference), taken from the API's parsed rules (SymbolOut: price_filter, lot_size, …, parsed
 * once by the market domain, backend/market/filters.py), in the symbol's own order, with 0
 * meaning "off". Decimal strings only (lib/decimal.ts).
 */
import { isDecimal, sign } from '@/lib/decimal';

import type { SymbolFilters } from './ticket';

export interface RangeRule {
  /** minPrice/minQty, "0" = off */
  readonly min: string;
  /** maxPrice/maxQty, "0" = off */
  readonly max: string;
  /** tickSize/stepSize, "0" = off */
  readonly step: string;
}

/** PERCENT_PRICE (both sides alike) or PERCENT_PRICE_BY_SIDE. */
export interface PercentRule {
  readonly bidUp: string;
  readonly bidDown: string;
  readonly askUp: string;
  readonly askDown: string;
}

/** NOTIONAL, or the older MIN_NOTIONAL (max "0" = off, never applied to MARKET). */
export interface NotionalRule {
  readonly min: string;
  readonly max: string;
  readonly applyMinToMarket: boolean;
  readonly applyMaxToMarket: boolean;
}

export interface SymbolRules {
  /** filter types in the symbol's order; the server reports the first that fails */
  readonly order: readonly string[];
  readonly price: RangeRule | null;
  readonly lot: RangeRule | null;
  readonly marketLot: RangeRule | null;
  readonly percent: PercentRule | null;
  readonly notional: NotionalRule | null;
  readonly maxNumOrders: number | null;
  readonly maxNumAlgoOrders: number | null;
}

/** rules.py's order when a symbol lists none. */
export const DEFAULT_ORDER = [
  'PRICE_FILTER',
  'LOT_SIZE',
  'MARKET_LOT_SIZE',
  'PERCENT_PRICE_BY_SIDE',
  'NOTIONAL',
  'MAX_NUM_ORDERS',
  'MAX_NUM_ALGO_ORDERS',
] as const;

export const PERCENT_FILTERS: ReadonlySet<string> = new Set([
  'PERCENT_PRICE',
  'PERCENT_PRICE_BY_SIDE',
]);
export const NOTIONAL_FILTERS: ReadonlySet<string> = new Set(['NOTIONAL', 'MIN_NOTIONAL']);

/** "0" (or empty) switches a bound off, as in Binance's exchangeInfo. */
export function enabled(bound: string): boolean {
  return isDecimal(bound) && sign(bound) > 0;
}

/**
 * The rules of a symbol in the checks' terms: the server's parsed filters (SymbolOut) renamed,
 * nothing re-read from raw exchangeInfo. A filter the symbol lacks is null.
 */
export function symbolRules(f: SymbolFilters): SymbolRules {
  const range = (min: string, max: string, step: string): RangeRule => ({ min, max, step });
  const { price_filter: price, lot_size: lot, market_lot_size: mlot } = f;
  const pct = f.percent_price;
  const notional = f.notional;
  return {
    order: f.filter_order.length > 0 ? f.filter_order : DEFAULT_ORDER,
    price: price ? range(price.min_price, price.max_price, price.tick_size) : null,
    lot: lot ? range(lot.min_qty, lot.max_qty, lot.step_size) : null,
    marketLot: mlot ? range(mlot.min_qty, mlot.max_qty, mlot.step_size) : null,
    percent: pct
      ? {
          bidUp: pct.bid_multiplier_up,
          bidDown: pct.bid_multiplier_down,
          askUp: pct.ask_multiplier_up,
          askDown: pct.ask_multiplier_down,
        }
      : null,
    notional: notional
      ? {
          min: notional.min_notional,
          max: notional.max_notional,
          applyMinToMarket: notional.apply_min_to_market,
          applyMaxToMarket: notional.apply_max_to_market,
        }
      : null,
    maxNumOrders: f.max_num_orders ?? null,
    maxNumAlgoOrders: f.max_num_algo_orders ?? null,
  };
}

/** The user's open orders on one symbol, as the server counts them for MAX_NUM_*. */
export interface OpenCounts {
  readonly orders: number;
  /** stop-limit orders (Binance's "algo" orders) */
  readonly algo: number;
}

const OPEN_STATUSES: ReadonlySet<string> = new Set(['NEW', 'PARTIALLY_FILLED']);
const ALGO_TYPES: ReadonlySet<string> = new Set(['STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT']);

export function countOpen(
  orders: readonly { readonly symbol: string; readonly status: string; readonly type: string }[],
  symbol: string,
): OpenCounts {
  const open = orders.filter((o) => o.symbol === symbol && OPEN_STATUSES.has(o.status));
  return { orders: open.length, algo: open.filter((o) => ALGO_TYPES.has(o.type)).length };
}
