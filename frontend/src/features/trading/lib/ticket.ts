/**
 * Order-ticket arithmetic and Binance's pre-send filter checks, on decimal strings only
 * (lib/decimal.ts; never Number for money). Pure functions: the hooks and the tests share them.
 */
import {
  compare,
  decimalsOfStep,
  divide,
  isDecimal,
  multiply,
  normalize,
  sign,
} from '@/lib/decimal';

export const ORDER_TYPES = [
  'MARKET',
  'LIMIT',
  'LIMIT_MAKER',
  'STOP_LOSS_LIMIT',
  'TAKE_PROFIT_LIMIT',
] as const;
export type OrderType = (typeof ORDER_TYPES)[number];
export const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK'] as const;
export type TimeInForce = (typeof TIME_IN_FORCE)[number];
export type Side = 'BUY' | 'SELL';
export type SizeMode = 'quantity' | 'total';
export const PERCENTS = [25, 50, 75, 100] as const;

/** The symbol filters the ticket needs (a subset of the API's SymbolOut). */
export interface SymbolFilters {
  readonly symbol: string;
  readonly base_asset: string;
  readonly quote_asset: string;
  readonly quote_asset_precision: number;
  readonly tick_size: string;
  readonly min_price: string;
  readonly max_price: string;
  readonly step_size: string;
  readonly min_qty: string;
  readonly max_qty: string;
  readonly min_notional: string;
  readonly max_notional: string;
}

export interface TicketValues {
  side: Side;
  type: OrderType;
  sizeMode: SizeMode;
  price: string;
  stopPrice: string;
  quantity: string;
  total: string;
  timeInForce: TimeInForce;
}

export type TicketField = 'price' | 'stopPrice' | 'quantity' | 'total';

export interface TicketIssue {
  readonly field: TicketField;
  /** i18n key under `trading.issues.` */
  readonly code:
    | 'required'
    | 'notNumber'
    | 'notPositive'
    | 'tick'
    | 'priceMin'
    | 'priceMax'
    | 'step'
    | 'qtyMin'
    | 'qtyMax'
    | 'notionalMin'
    | 'notionalMax'
    | 'insufficient';
  readonly params?: Readonly<Record<string, string>>;
}

export interface OrderBody {
  symbol: string;
  side: Side;
  type: OrderType;
  quantity?: string;
  quote_quantity?: string;
  price?: string;
  stop_price?: string;
  time_in_force?: TimeInForce;
}

export const needsPrice = (type: OrderType): boolean => type !== 'MARKET';
export const needsStop = (type: OrderType): boolean =>
  type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';
export const needsTimeInForce = (type: OrderType): boolean =>
  type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';

/** "0" (or empty) disables a bound, as in Binance's exchangeInfo. */
function enabled(bound: string): boolean {
  return isDecimal(bound) && sign(bound) > 0;
}

/** Exactly `decimals` places ("1.5", 3 -> "1.500"); the value must already fit. */
export function toFixed(value: string, decimals: number): string {
  const plain = normalize(value);
  const [intPart = '0', frac = ''] = plain.split('.');
  if (decimals === 0) return intPart;
  return `${intPart}.${frac.padEnd(decimals, '0').slice(0, decimals)}`;
}

/** The largest multiple of `step` not above `value` (value >= 0), with the step's decimals. */
export function floorToStep(value: string, step: string): string {
  let n = BigInt(divide(value, step, 0));
  // divide rounds half away from zero: step back once when that went above the value
  if (compare(multiply(n.toString(), step), value) > 0) n -= 1n;
  if (n < 0n) n = 0n;
  return toFixed(multiply(n.toString(), step), decimalsOfStep(step));
}

/** The nearest multiple of `step` (half away from zero), with the step's decimals. */
export function roundToStep(value: string, step: string): string {
  return toFixed(multiply(divide(value, step, 0), step), decimalsOfStep(step));
}

/** Whether `value` is an exact multiple of `step`. */
export function isMultiple(value: string, step: string): boolean {
  return compare(multiply(divide(value, step, 0), step), value) === 0;
}

/** A user's typed number, comma decimal accepted ("0,5" in Russian), else null. */
export function parseInput(raw: string): string | null {
  const text = raw.trim().replace(',', '.');
  if (text === '' || !/^\d*\.?\d*$/.test(text) || !isDecimal(text)) return null;
  return text;
}

/** Price rounded to the tick (on blur). Empty or junk stays as typed for the checks to flag. */
export function roundPriceInput(raw: string, f: SymbolFilters): string {
  const v = parseInput(raw);
  return v === null ? raw : roundToStep(v, f.tick_size);
}

/** Quantity floored to the lot step (on blur): never more than typed. */
export function roundQuantityInput(raw: string, f: SymbolFilters): string {
  const v = parseInput(raw);
  return v === null ? raw : floorToStep(v, f.step_size);
}

/** Total (quote) floored to the quote asset's precision. */
export function roundTotalInput(raw: string, f: SymbolFilters): string {
  const v = parseInput(raw);
  return v === null ? raw : floorToStep(v, quoteStep(f));
}

function quoteStep(f: SymbolFilters): string {
  const places = Math.min(f.quote_asset_precision, decimalsOfStep(f.tick_size) + 6);
  return places === 0 ? '1' : `0.${'0'.repeat(places - 1)}1`;
}

/** The price the order's value is estimated at: its limit price, else the last price. */
export function effectivePrice(v: TicketValues, lastPrice: string | undefined): string | null {
  if (needsPrice(v.type)) return parseInput(v.price);
  return lastPrice && isDecimal(lastPrice) && sign(lastPrice) > 0 ? lastPrice : null;
}

/** Quantity from a total at a price, floored to the step. */
export function quantityForTotal(total: string, price: string, f: SymbolFilters): string {
  if (sign(price) <= 0) return toFixed('0', decimalsOfStep(f.step_size));
  return floorToStep(divide(total, price, decimalsOfStep(f.step_size) + 2), f.step_size);
}

/** Total for a quantity at a price, at the quote precision (rounded down). */
export function totalForQuantity(quantity: string, price: string, f: SymbolFilters): string {
  return floorToStep(multiply(quantity, price), quoteStep(f));
}

/**
 * The size fields for "pct % of the available balance": a buy spends that share of the free
 * quote asset, a sell offers that share of the free base asset. Returns the new quantity and total.
 */
export function sizeForPercent(
  pct: number,
  v: TicketValues,
  f: SymbolFilters,
  free: { readonly base: string; readonly quote: string },
  lastPrice: string | undefined,
): { quantity: string; total: string } {
  const share = divide(String(pct), '100', 2);
  const price = effectivePrice(v, lastPrice);
  if (v.side === 'BUY') {
    const total = floorToStep(multiply(free.quote, share), quoteStep(f));
    const quantity = price ? quantityForTotal(total, price, f) : '';
    return { quantity, total };
  }
  const quantity = floorToStep(multiply(free.base, share), f.step_size);
  const total = price ? totalForQuantity(quantity, price, f) : '';
  return { quantity, total };
}

/** Whether the order is sized by its quote total (a MARKET buy/sell by quote_quantity). */
function byTotal(v: TicketValues): boolean {
  return v.sizeMode === 'total';
}

/** The quantity the order will carry (from the total at the effective price when sized so). */
export function orderQuantity(
  v: TicketValues,
  f: SymbolFilters,
  lastPrice: string | undefined,
): string | null {
  if (!byTotal(v)) return parseInput(v.quantity);
  const total = parseInput(v.total);
  const price = effectivePrice(v, lastPrice);
  return total && price ? quantityForTotal(total, price, f) : null;
}

function checkNumber(field: TicketField, raw: string, issues: TicketIssue[]): string | null {
  if (raw.trim() === '') {
    issues.push({ field, code: 'required' });
    return null;
  }
  const v = parseInput(raw);
  if (v === null) {
    issues.push({ field, code: 'notNumber' });
    return null;
  }
  if (sign(v) <= 0) {
    issues.push({ field, code: 'notPositive' });
    return null;
  }
  return v;
}

function checkPrice(field: TicketField, value: string, f: SymbolFilters, out: TicketIssue[]) {
  if (enabled(f.min_price) && compare(value, f.min_price) < 0) {
    out.push({ field, code: 'priceMin', params: { min: normalize(f.min_price) } });
  } else if (enabled(f.max_price) && compare(value, f.max_price) > 0) {
    out.push({ field, code: 'priceMax', params: { max: normalize(f.max_price) } });
  } else if (enabled(f.tick_size) && !isMultiple(value, f.tick_size)) {
    out.push({ field, code: 'tick', params: { tick: normalize(f.tick_size) } });
  }
}

/**
 * Binance's PRICE_FILTER, LOT_SIZE and (MIN_)NOTIONAL checks plus the free balance, before
 * sending. The server checks again (and more: percent price, market lot, open-order count).
 */
export function checkTicket(
  v: TicketValues,
  f: SymbolFilters,
  free: { readonly base: string; readonly quote: string } | null,
  lastPrice: string | undefined,
): TicketIssue[] {
  const issues: TicketIssue[] = [];
  let price: string | null = null;
  if (needsPrice(v.type)) {
    price = checkNumber('price', v.price, issues);
    if (price) checkPrice('price', price, f, issues);
  }
  if (needsStop(v.type)) {
    const stop = checkNumber('stopPrice', v.stopPrice, issues);
    if (stop) checkPrice('stopPrice', stop, f, issues);
  }
  const sizeField: TicketField = byTotal(v) ? 'total' : 'quantity';
  const size = checkNumber(sizeField, byTotal(v) ? v.total : v.quantity, issues);
  if (!size) return issues;
  const at = price ?? effectivePrice(v, lastPrice);
  const quantity = byTotal(v) ? (at ? quantityForTotal(size, at, f) : null) : size;
  if (quantity !== null) {
    if (enabled(f.min_qty) && compare(quantity, f.min_qty) < 0) {
      issues.push({ field: sizeField, code: 'qtyMin', params: { min: normalize(f.min_qty) } });
    } else if (enabled(f.max_qty) && compare(quantity, f.max_qty) > 0) {
      issues.push({ field: sizeField, code: 'qtyMax', params: { max: normalize(f.max_qty) } });
    } else if (!byTotal(v) && enabled(f.step_size) && !isMultiple(quantity, f.step_size)) {
      issues.push({ field: 'quantity', code: 'step', params: { step: normalize(f.step_size) } });
    }
  }
  const notional = byTotal(v) ? size : at && quantity ? multiply(quantity, at) : null;
  if (notional !== null) {
    if (enabled(f.min_notional) && compare(notional, f.min_notional) < 0) {
      issues.push({
        field: sizeField,
        code: 'notionalMin',
        params: { min: normalize(f.min_notional), asset: f.quote_asset },
      });
    } else if (enabled(f.max_notional) && compare(notional, f.max_notional) > 0) {
      issues.push({
        field: sizeField,
        code: 'notionalMax',
        params: { max: normalize(f.max_notional), asset: f.quote_asset },
      });
    }
  }
  if (free && issues.length === 0) {
    const need = v.side === 'BUY' ? notional : quantity;
    const have = v.side === 'BUY' ? free.quote : free.base;
    if (need !== null && compare(need, have) > 0) {
      issues.push({
        field: sizeField,
        code: 'insufficient',
        params: { asset: v.side === 'BUY' ? f.quote_asset : f.base_asset },
      });
    }
  }
  return issues;
}

/** The POST /orders body for the ticket (call after checkTicket found nothing). */
export function buildOrder(
  v: TicketValues,
  f: SymbolFilters,
  lastPrice: string | undefined,
): OrderBody {
  const body: OrderBody = { symbol: f.symbol, side: v.side, type: v.type };
  if (v.type === 'MARKET' && byTotal(v)) {
    body.quote_quantity = parseInput(v.total) ?? v.total;
  } else {
    body.quantity = orderQuantity(v, f, lastPrice) ?? v.quantity;
  }
  if (needsPrice(v.type)) body.price = parseInput(v.price) ?? v.price;
  if (needsStop(v.type)) body.stop_price = parseInput(v.stopPrice) ?? v.stopPrice;
  if (needsTimeInForce(v.type)) body.time_in_force = v.timeInForce;
  return body;
}
