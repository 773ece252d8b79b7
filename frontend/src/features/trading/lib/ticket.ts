/**
 * Order-ticket arithmetic (rounding to tick and step, sizes from a total or a share of the
 * balance, the request body), on decimal strings only (lib/decimal.ts; never Number for money).
 * The pre-send checks live in checks.ts. Pure functions: the hooks and the tests share them.
 */
import type { components } from '@/api/schema';
import {
  add,
  compare,
  decimalsOfStep,
  divide,
  isDecimal,
  multiply,
  normalize,
  sign,
} from '@/lib/decimal';

import { enabled } from './filters';

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

/**
 * The symbol rules the ticket needs: the API's SymbolOut, which carries them parsed by the
 * server (the very object its engine enforces), so nothing here reads raw exchangeInfo filters.
 * `status` TRADING, else (BREAK, HALT, …) the server refuses every order: "Market is closed.";
 * `order_types` are the types the symbol takes.
 */
export type SymbolFilters = Pick<
  components['schemas']['SymbolOut'],
  | 'symbol'
  | 'status'
  | 'base_asset'
  | 'quote_asset'
  | 'quote_asset_precision'
  | 'tick_size'
  | 'step_size'
  | 'order_types'
  | 'filter_order'
  | 'price_filter'
  | 'lot_size'
  | 'market_lot_size'
  | 'percent_price'
  | 'notional'
  | 'max_num_orders'
  | 'max_num_algo_orders'
>;

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

/** The ticket's order types the symbol supports (all of them when it does not say). */
export function supportedTypes(f: SymbolFilters): OrderType[] {
  const listed = f.order_types;
  return ORDER_TYPES.filter((t) => listed.length === 0 || listed.includes(t));
}

export const needsPrice = (type: OrderType): boolean => type !== 'MARKET';
export const needsStop = (type: OrderType): boolean =>
  type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';
export const needsTimeInForce = (type: OrderType): boolean =>
  type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';

/** Exactly `decimals` places ("1.5", 3 -> "1.500"); the value must already fit. */
export function toFixed(value: string, decimals: number): string {
  const plain = normalize(value);
  const [intPart = '0', frac = ''] = plain.split('.');
  if (decimals === 0) return intPart;
  return `${intPart}.${frac.padEnd(decimals, '0').slice(0, decimals)}`;
}

/** The largest multiple of `step` not above `value` (value >= 0), with the step's decimals. */
export function floorToStep(value: string, step: string): string {
  if (!enabled(step)) return value;
  let n = BigInt(divide(value, step, 0));
  // divide rounds half away from zero: step back once when that went above the value
  if (compare(multiply(n.toString(), step), value) > 0) n -= 1n;
  if (n < 0n) n = 0n;
  return toFixed(multiply(n.toString(), step), decimalsOfStep(step));
}

/** The smallest multiple of `step` not below `value` (value >= 0), with the step's decimals. */
export function ceilToStep(value: string, step: string): string {
  const floor = floorToStep(value, step);
  return compare(floor, value) < 0 ? toFixed(add(floor, step), decimalsOfStep(step)) : floor;
}

/** The nearest multiple of `step` (half away from zero), with the step's decimals. */
export function roundToStep(value: string, step: string): string {
  if (!enabled(step)) return value;
  return toFixed(multiply(divide(value, step, 0), step), decimalsOfStep(step));
}

/** Whether `value` is an exact multiple of `step` (a step of 0 is no test: always true). */
export function isMultiple(value: string, step: string): boolean {
  if (!enabled(step)) return true;
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
