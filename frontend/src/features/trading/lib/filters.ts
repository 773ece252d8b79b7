/**
 * A symbol's Binance filters as the server applies them (backend/trading/rules.py is the
 * reference): parsed from the raw exchangeInfo `filters` the API passes through, in the symbol's
 * own order, with 0 meaning "off". Decimal strings only (lib/decimal.ts).
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

/** A filter parameter as a decimal string; anything unreadable is "0" (off). */
function dec(value: unknown): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  return isDecimal(text) ? text.trim() : '0';
}

function int(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(n) ? n : null;
}

/** "0" (or empty) switches a bound off, as in Binance's exchangeInfo. */
export function enabled(bound: string): boolean {
  return isDecimal(bound) && sign(bound) > 0;
}

/** SymbolRules.from_exchange_info: a later filter of the same kind replaces an earlier one. */
function fromRaw(raw: readonly Readonly<Record<string, unknown>>[]): SymbolRules {
  const order: string[] = [];
  let price: RangeRule | null = null;
  let lot: RangeRule | null = null;
  let marketLot: RangeRule | null = null;
  let percent: PercentRule | null = null;
  let notional: NotionalRule | null = null;
  let maxNumOrders: number | null = null;
  let maxNumAlgoOrders: number | null = null;
  for (const f of raw) {
    const kind = typeof f.filterType === 'string' ? f.filterType : '';
    order.push(kind);
    if (kind === 'PRICE_FILTER') {
      price = { min: dec(f.minPrice), max: dec(f.maxPrice), step: dec(f.tickSize) };
    } else if (kind === 'LOT_SIZE' || kind === 'MARKET_LOT_SIZE') {
      const rule = { min: dec(f.minQty), max: dec(f.maxQty), step: dec(f.stepSize) };
      if (kind === 'LOT_SIZE') lot = rule;
      else marketLot = rule;
    } else if (kind === 'PERCENT_PRICE') {
      const up = dec(f.multiplierUp);
      const down = dec(f.multiplierDown);
      percent = { bidUp: up, bidDown: down, askUp: up, askDown: down };
    } else if (kind === 'PERCENT_PRICE_BY_SIDE') {
      percent = {
        bidUp: dec(f.bidMultiplierUp),
        bidDown: dec(f.bidMultiplierDown),
        askUp: dec(f.askMultiplierUp),
        askDown: dec(f.askMultiplierDown),
      };
    } else if (kind === 'NOTIONAL') {
      notional = {
        min: dec(f.minNotional),
        max: dec(f.maxNotional),
        applyMinToMarket: Boolean(f.applyMinToMarket),
        applyMaxToMarket: Boolean(f.applyMaxToMarket),
      };
    } else if (kind === 'MIN_NOTIONAL') {
      notional = {
        min: dec(f.minNotional),
        max: '0',
        applyMinToMarket: f.applyToMarket === undefined ? true : Boolean(f.applyToMarket),
        applyMaxToMarket: false,
      };
    } else if (kind === 'MAX_NUM_ORDERS') {
      maxNumOrders = int(f.maxNumOrders);
    } else if (kind === 'MAX_NUM_ALGO_ORDERS') {
      maxNumAlgoOrders = int(f.maxNumAlgoOrders);
    }
  }
  return { order, price, lot, marketLot, percent, notional, maxNumOrders, maxNumAlgoOrders };
}

/**
 * The rules of a symbol: from its raw filters when the API sent them, else (an older payload)
 * from the flat fields, with the notional bounds applied to every order type.
 */
export function symbolRules(f: SymbolFilters): SymbolRules {
  if (f.filters && f.filters.length > 0) return fromRaw(f.filters);
  return {
    order: DEFAULT_ORDER,
    price: { min: dec(f.min_price), max: dec(f.max_price), step: dec(f.tick_size) },
    lot: { min: dec(f.min_qty), max: dec(f.max_qty), step: dec(f.step_size) },
    marketLot: null,
    percent: null,
    notional: {
      min: dec(f.min_notional),
      max: dec(f.max_notional),
      applyMinToMarket: true,
      applyMaxToMarket: true,
    },
    maxNumOrders: null,
    maxNumAlgoOrders: null,
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
