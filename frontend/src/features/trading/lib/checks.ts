/**
 * The ticket's pre-send checks: the same parameters, filters (in the symbol's own order), open-
 * order counts, stop placement and free balance the server tests in backend/trading/rules.py and
 * execution.py, with its semantics (which price, which side's multipliers, what 0 switches off).
 * Exact decimal strings only (lib/decimal.ts). Each issue names the Binance rejection the server
 * would answer with, so the pre-send text and the API's reason after sending agree.
 */
import { compare, isDecimal, multiply, normalize, sign } from '@/lib/decimal';

import { enabled, NOTIONAL_FILTERS, PERCENT_FILTERS, symbolRules } from './filters';
import type { OpenCounts, RangeRule, SymbolRules } from './filters';
import {
  ceilToStep,
  floorToStep,
  isMultiple,
  needsPrice,
  needsStop,
  parseInput,
  quantityForTotal,
} from './ticket';
import type { Side, SymbolFilters, TicketField, TicketValues } from './ticket';

/** rules.py's exact engine strings (PROTOCOL.md §7.4) */
export const MSG_INSUFFICIENT = 'Account has insufficient balance for requested action.';
export const MSG_WOULD_TRIGGER = 'Order would trigger immediately.';
export const MSG_NO_LIQUIDITY = 'Order book liquidity is less than symbol minimum quantity.';
export const MSG_MARKET_CLOSED = 'Market is closed.';

export type IssueCode =
  | 'required'
  | 'notNumber'
  | 'notPositive'
  | 'tick'
  | 'priceMin'
  | 'priceMax'
  | 'step'
  | 'qtyMin'
  | 'qtyMax'
  | 'marketQtyMin'
  | 'marketQtyMax'
  | 'marketStep'
  | 'percentPrice'
  | 'notionalMin'
  | 'notionalMax'
  | 'maxOrders'
  | 'maxAlgoOrders'
  | 'wouldTrigger'
  | 'marketClosed'
  | 'insufficient';

/** A field of the ticket, or `order` for a problem of the order as a whole (open-order count,
 * a symbol not trading). */
export type IssueField = TicketField | 'order';

export interface BinanceReason {
  /** -1013 for a filter failure, -2010 for an engine refusal */
  readonly code: number;
  /** the exact message, e.g. "Filter failure: PERCENT_PRICE_BY_SIDE" */
  readonly msg: string;
  readonly filter?: string;
}

export interface TicketIssue {
  readonly field: IssueField;
  /** i18n key under `trading.issues.` */
  readonly code: IssueCode;
  readonly params?: Readonly<Record<string, string>>;
  /** what the server would reject the order with (absent for a malformed input) */
  readonly binance?: BinanceReason;
}

export interface FreeBalance {
  readonly base: string;
  readonly quote: string;
}

export function filterFailure(filter: string): BinanceReason {
  return { code: -1013, msg: `Filter failure: ${filter}`, filter };
}

const noLiquidity: BinanceReason = { code: -2010, msg: MSG_NO_LIQUIDITY };

/** What every filter check sees: the order as it would be sent (or estimated). */
interface OrderFacts {
  readonly side: Side;
  readonly market: boolean;
  readonly stopType: boolean;
  readonly sizeField: TicketField;
  readonly price: string | null;
  readonly stop: string | null;
  /** the base quantity sent, or for a MARKET order by total the one estimated at `last` */
  readonly quantity: string | null;
  /** whether `quantity` is what the request carries (not an estimate) */
  readonly quantitySent: boolean;
  /** price x quantity, or the quote quantity of a MARKET order by total (rules._notional) */
  readonly notional: string | null;
  readonly last: string | null;
  readonly quoteAsset: string;
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

function priceIssue(field: TicketField, value: string, rule: RangeRule): TicketIssue | null {
  const binance = filterFailure('PRICE_FILTER');
  if (enabled(rule.min) && compare(value, rule.min) < 0)
    return { field, code: 'priceMin', params: { min: normalize(rule.min) }, binance };
  if (enabled(rule.max) && compare(value, rule.max) > 0)
    return { field, code: 'priceMax', params: { max: normalize(rule.max) }, binance };
  if (enabled(rule.step) && !isMultiple(value, rule.step))
    return { field, code: 'tick', params: { tick: normalize(rule.step) }, binance };
  return null;
}

function lotIssue(
  o: OrderFacts,
  rule: RangeRule,
  kind: 'LOT_SIZE' | 'MARKET_LOT_SIZE',
): TicketIssue | null {
  const q = o.quantity;
  if (q === null) return null;
  // an estimated quantity (MARKET by total) fails in the engine as -2010, not as a filter
  const binance = o.quantitySent ? filterFailure(kind) : noLiquidity;
  const lot = kind === 'LOT_SIZE';
  const field = o.sizeField;
  if (enabled(rule.min) && compare(q, rule.min) < 0)
    return {
      field,
      code: lot ? 'qtyMin' : 'marketQtyMin',
      params: { min: normalize(rule.min) },
      binance,
    };
  if (enabled(rule.max) && compare(q, rule.max) > 0)
    return {
      field,
      code: lot ? 'qtyMax' : 'marketQtyMax',
      params: { max: normalize(rule.max) },
      binance,
    };
  if (enabled(rule.step) && !isMultiple(q, rule.step))
    return {
      field,
      code: lot ? 'step' : 'marketStep',
      params: { step: normalize(rule.step) },
      binance,
    };
  return null;
}

/**
 * PERCENT_PRICE(_BY_SIDE) of a non-MARKET order's limit price against the last price (the
 * engine's stand-in for the avgPriceMins average): BUY within last x bidMultiplierDown ..
 * last x bidMultiplierUp, SELL with the ask multipliers, both ends allowed. No last price: skipped.
 */
function percentIssue(
  o: OrderFacts,
  r: SymbolRules,
  kind: string,
  tick: string,
): TicketIssue | null {
  if (!r.percent || o.market || o.last === null || o.price === null) return null;
  const p = r.percent;
  const [up, down] = o.side === 'BUY' ? [p.bidUp, p.bidDown] : [p.askUp, p.askDown];
  const low = multiply(o.last, down);
  const high = multiply(o.last, up);
  if (compare(low, o.price) <= 0 && compare(o.price, high) <= 0) return null;
  // shown as the tick prices inside the band
  const shown = (v: string, f: (v: string, s: string) => string) =>
    normalize(enabled(tick) ? f(v, tick) : v);
  return {
    field: 'price',
    code: 'percentPrice',
    params: {
      min: shown(low, ceilToStep),
      max: shown(high, floorToStep),
      last: normalize(o.last),
    },
    binance: filterFailure(kind),
  } as const;
}

/** rules.NotionalFilter.ok: a MARKET order is held to a bound only where applyM..ToMarket. */
function notionalIssue(o: OrderFacts, r: SymbolRules, kind: string): TicketIssue | null {
  const n = r.notional;
  if (!n || o.notional === null) return null;
  const binance = filterFailure(kind);
  const asset = o.quoteAsset;
  if ((!o.market || n.applyMinToMarket) && compare(o.notional, n.min) < 0)
    return {
      field: o.sizeField,
      code: 'notionalMin',
      params: { min: normalize(n.min), asset },
      binance,
    };
  if ((!o.market || n.applyMaxToMarket) && enabled(n.max) && compare(o.notional, n.max) > 0)
    return {
      field: o.sizeField,
      code: 'notionalMax',
      params: { max: normalize(n.max), asset },
      binance,
    };
  return null;
}

/** MAX_NUM_ORDERS counts every open order on the symbol, MAX_NUM_ALGO_ORDERS the stop ones. */
function countIssue(
  o: OrderFacts,
  r: SymbolRules,
  kind: string,
  open: OpenCounts | null,
): TicketIssue | null {
  if (open === null) return null;
  if (kind === 'MAX_NUM_ORDERS' && r.maxNumOrders !== null && open.orders + 1 > r.maxNumOrders)
    return {
      field: 'order',
      code: 'maxOrders',
      params: { count: String(open.orders), max: String(r.maxNumOrders) },
      binance: filterFailure(kind),
    };
  if (
    kind === 'MAX_NUM_ALGO_ORDERS' &&
    o.stopType &&
    r.maxNumAlgoOrders !== null &&
    open.algo + 1 > r.maxNumAlgoOrders
  )
    return {
      field: 'order',
      code: 'maxAlgoOrders',
      params: { count: String(open.algo), max: String(r.maxNumAlgoOrders) },
      binance: filterFailure(kind),
    };
  return null;
}

function filterIssues(o: OrderFacts, r: SymbolRules, open: OpenCounts | null): TicketIssue[] {
  const out: TicketIssue[] = [];
  const seen = new Set<string>();
  const push = (group: string, issue: TicketIssue | null) => {
    // PERCENT_PRICE and _BY_SIDE (or NOTIONAL and MIN_NOTIONAL) share one rule: report it once
    if (issue && !seen.has(group)) {
      seen.add(group);
      out.push(issue);
    }
  };
  const tick = r.price?.step ?? '0';
  for (const kind of r.order) {
    if (kind === 'PRICE_FILTER' && r.price && !o.market) {
      if (o.price !== null) push('price', priceIssue('price', o.price, r.price));
      if (o.stop !== null) push('stop', priceIssue('stopPrice', o.stop, r.price));
    } else if (kind === 'LOT_SIZE' && r.lot) {
      push(kind, lotIssue(o, r.lot, kind));
    } else if (kind === 'MARKET_LOT_SIZE' && r.marketLot && o.market) {
      push(kind, lotIssue(o, r.marketLot, kind));
    } else if (PERCENT_FILTERS.has(kind)) {
      push('percent', percentIssue(o, r, kind, tick));
    } else if (NOTIONAL_FILTERS.has(kind)) {
      push('notional', notionalIssue(o, r, kind));
    } else {
      push(kind, countIssue(o, r, kind, open));
    }
  }
  return out;
}

/** rules.stop_triggers: STOP_LOSS SELL / TAKE_PROFIT BUY fire at last <= stop, the others >=. */
export function stopTriggers(side: Side, type: string, stop: string, last: string): boolean {
  const falls = (type === 'STOP_LOSS_LIMIT') === (side === 'SELL');
  return falls ? compare(last, stop) <= 0 : compare(last, stop) >= 0;
}

function positive(value: string | undefined): string | null {
  return value && isDecimal(value) && sign(value) > 0 ? value : null;
}

/**
 * Everything the server would refuse, before sending: malformed inputs, then every filter in the
 * symbol's order (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, PERCENT_PRICE(_BY_SIDE),
 * (MIN_)NOTIONAL, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS), a stop that would trigger at once, and
 * (when nothing else is wrong) the free balance. `open` is the user's open orders on the symbol;
 * null skips the count checks, as an unknown last price skips what needs it.
 */
export function checkTicket(
  v: TicketValues,
  f: SymbolFilters,
  free: FreeBalance | null,
  lastPrice: string | undefined,
  open: OpenCounts | null = null,
): TicketIssue[] {
  const issues: TicketIssue[] = [];
  if (f.status !== 'TRADING') {
    // rules.check_parameters refuses before any filter
    issues.push({
      field: 'order',
      code: 'marketClosed',
      params: { status: f.status },
      binance: { code: -2010, msg: MSG_MARKET_CLOSED },
    });
  }
  const market = v.type === 'MARKET';
  const byTotal = v.sizeMode === 'total';
  const last = positive(lastPrice);
  const price = needsPrice(v.type) ? checkNumber('price', v.price, issues) : null;
  const stop = needsStop(v.type) ? checkNumber('stopPrice', v.stopPrice, issues) : null;
  const sizeField: TicketField = byTotal ? 'total' : 'quantity';
  const size = checkNumber(sizeField, byTotal ? v.total : v.quantity, issues);
  const at = market ? last : price;
  const quantity =
    size === null ? null : !byTotal ? size : at ? quantityForTotal(size, at, f) : null;
  const notional =
    size === null
      ? null
      : market && byTotal
        ? size
        : at !== null && quantity !== null
          ? multiply(quantity, at)
          : null;
  const facts: OrderFacts = {
    side: v.side,
    market,
    stopType: needsStop(v.type),
    sizeField,
    price,
    stop,
    quantity,
    quantitySent: !(market && byTotal),
    notional,
    last,
    quoteAsset: f.quote_asset,
  };
  issues.push(...filterIssues(facts, symbolRules(f), open));
  if (stop !== null && last !== null && !issues.some((i) => i.field === 'stopPrice')) {
    if (stopTriggers(v.side, v.type, stop, last)) {
      issues.push({
        field: 'stopPrice',
        code: 'wouldTrigger',
        params: { last: normalize(last) },
        binance: { code: -2010, msg: MSG_WOULD_TRIGGER },
      });
    }
  }
  if (free && issues.length === 0) {
    // a BUY locks (or, at market, pays) the order value in quote, a SELL its base quantity
    const need = v.side === 'BUY' ? notional : quantity;
    const have = v.side === 'BUY' ? free.quote : free.base;
    if (need !== null && compare(need, have) > 0) {
      issues.push({
        field: sizeField,
        code: 'insufficient',
        params: { asset: v.side === 'BUY' ? f.quote_asset : f.base_asset },
        binance: { code: -2010, msg: MSG_INSUFFICIENT },
      });
    }
  }
  return issues;
}
