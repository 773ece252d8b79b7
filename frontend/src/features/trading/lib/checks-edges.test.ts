import { describe, expect, it } from 'vitest';

import { checkTicket, filterFailure } from './checks';
import type { FreeBalance, TicketIssue } from './checks';
import { DEFAULT_ORDER, symbolRules } from './filters';
import type { OpenCounts } from './filters';
import type { SymbolFilters, TicketValues } from './ticket';
import { realSymbol, withRules } from '../testing/real-symbols';

/**
 * Each rule's exact issue (field, code, parameters shown to the user, Binance reason) and its
 * boundaries, on BTCUSDT's real rules: the cases Stryker (`npm run mutate:web`) found unchecked.
 * BTCUSDT: price 0.01 .. 1000000 by 0.01; quantity 0.00001 .. 9000 by 0.00001; notional 5 ..
 * 9000000; 200 open orders, 5 stop orders.
 */
const BTC = realSymbol('BTCUSDT');

const limit: TicketValues = {
  side: 'BUY',
  type: 'LIMIT',
  sizeMode: 'quantity',
  price: '50000.00',
  stopPrice: '',
  quantity: '0.001',
  total: '',
  timeInForce: 'GTC',
};
const rich: FreeBalance = { base: '100000', quote: '100000000000' };
const none: OpenCounts = { orders: 0, algo: 0 };

function check(
  v: Partial<TicketValues>,
  opts: { f?: SymbolFilters; last?: string; open?: OpenCounts | null } = {},
): TicketIssue[] {
  return checkTicket({ ...limit, ...v }, opts.f ?? BTC, rich, opts.last, opts.open ?? none);
}

const codes = (issues: TicketIssue[]) => issues.map((i) => i.code);

describe('PRICE_FILTER: bounds inclusive, then the tick', () => {
  const price = filterFailure('PRICE_FILTER');
  it('a price under minPrice, over maxPrice, or off the tick', () => {
    // 0.009 x 1000 = 9 USDT: nothing but the price is wrong
    expect(check({ price: '0.009', quantity: '1000' })).toEqual([
      { field: 'price', code: 'priceMin', params: { min: '0.01' }, binance: price },
    ]);
    expect(check({ price: '1000000.01', quantity: '0.001' })).toEqual([
      { field: 'price', code: 'priceMax', params: { max: '1000000' }, binance: price },
    ]);
    expect(check({ price: '50000.001' })).toEqual([
      { field: 'price', code: 'tick', params: { tick: '0.01' }, binance: price },
    ]);
  });

  it('minPrice and maxPrice themselves are allowed', () => {
    expect(check({ price: '0.01', quantity: '1000' })).toEqual([]);
    expect(check({ price: '1000000.00', quantity: '0.001' })).toEqual([]);
  });

  it("the stop price is held to the same filter, as the stop price's issue", () => {
    const stop = { type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '44900.00' } as const;
    expect(check({ ...stop, stopPrice: '45000.005' })).toEqual([
      { field: 'stopPrice', code: 'tick', params: { tick: '0.01' }, binance: price },
    ]);
  });

  it('a symbol without PRICE_FILTER takes any positive price', () => {
    const f = withRules('BTCUSDT', { price_filter: null });
    expect(check({ price: '50000.001' }, { f })).toEqual([]);
    // the percent band is then shown unrounded
    const [issue] = check({ price: '1.00', quantity: '10' }, { f, last: '50000.03' });
    expect(issue?.params).toEqual({ min: '10000.006', max: '250000.15', last: '50000.03' });
  });
});

describe('LOT_SIZE: its exact issues', () => {
  const lot = filterFailure('LOT_SIZE');
  it('under minQty, over maxQty, off the step', () => {
    expect(check({ quantity: '0.000001', price: '10000000' }, { f: noNotional() })).toEqual([
      { field: 'quantity', code: 'qtyMin', params: { min: '0.00001' }, binance: lot },
    ]);
    expect(check({ quantity: '9000.00001', price: '1.00' })).toEqual([
      { field: 'quantity', code: 'qtyMax', params: { max: '9000' }, binance: lot },
    ]);
    expect(check({ quantity: '0.001005' })).toEqual([
      { field: 'quantity', code: 'step', params: { step: '0.00001' }, binance: lot },
    ]);
    expect(check({ quantity: '9000', price: '1.00' })).toEqual([]);
  });
});

function noNotional(): SymbolFilters {
  return withRules('BTCUSDT', { notional: null, price_filter: null });
}

describe('NOTIONAL: its exact issues', () => {
  const notional = filterFailure('NOTIONAL');
  it('names the bound and the quote asset', () => {
    expect(check({ quantity: '0.0001', price: '49999.99' })).toEqual([
      {
        field: 'quantity',
        code: 'notionalMin',
        params: { min: '5', asset: 'USDT' },
        binance: notional,
      },
    ]);
    expect(check({ quantity: '180.00001', price: '50000.00' })).toEqual([
      {
        field: 'quantity',
        code: 'notionalMax',
        params: { max: '9000000', asset: 'USDT' },
        binance: notional,
      },
    ]);
  });
});

describe('symbols without a rule skip it', () => {
  it('no PERCENT_PRICE: any limit price against the last price', () => {
    const f = withRules('BTCUSDT', { percent_price: null });
    expect(check({ price: '1.00', quantity: '10' }, { f, last: '50000' })).toEqual([]);
  });

  it('no MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS: any count of open orders', () => {
    const f = withRules('BTCUSDT', { max_num_orders: null, max_num_algo_orders: null });
    const stop = {
      type: 'STOP_LOSS_LIMIT',
      side: 'SELL',
      stopPrice: '45000.00',
      price: '44900.00',
    } as const;
    expect(check(stop, { f, last: '50000', open: { orders: 10_000, algo: 10_000 } })).toEqual([]);
  });

  it('an empty filter order is rules.py default order', () => {
    const f = withRules('BTCUSDT', { filter_order: [] });
    expect(symbolRules(f).order).toEqual(DEFAULT_ORDER);
    expect(codes(check({ price: '50000.001', quantity: '0.0000001' }, { f }))).toEqual([
      'tick',
      'qtyMin',
      'notionalMin',
    ]);
  });
});

describe('MAX_NUM_ALGO_ORDERS: its exact issue', () => {
  it('counts the open stop orders against the limit', () => {
    const stop = {
      type: 'TAKE_PROFIT_LIMIT',
      side: 'SELL',
      stopPrice: '55000.00',
      price: '54900.00',
    } as const;
    expect(check(stop, { last: '50000', open: { orders: 7, algo: 5 } })).toEqual([
      {
        field: 'order',
        code: 'maxAlgoOrders',
        params: { count: '5', max: '5' },
        binance: filterFailure('MAX_NUM_ALGO_ORDERS'),
      },
    ]);
  });
});

describe('malformed and missing inputs', () => {
  it('blank (spaces only) is "required", on the field it belongs to', () => {
    expect(check({ price: '   ' })).toEqual([{ field: 'price', code: 'required' }]);
    expect(check({ price: '' })).toEqual([{ field: 'price', code: 'required' }]);
    const stop = { type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '44900.00' } as const;
    expect(check({ ...stop, stopPrice: ' ' }, { last: '50000' })).toEqual([
      { field: 'stopPrice', code: 'required' },
    ]);
  });

  it('a limit price that is no number is only that, even with a last price known', () => {
    expect(check({ price: '12a' }, { last: '50000' })).toEqual([
      { field: 'price', code: 'notNumber' },
    ]);
  });

  it('an empty total with a valid limit price is only "required"', () => {
    expect(check({ sizeMode: 'total', total: '' })).toEqual([{ field: 'total', code: 'required' }]);
  });
});

describe('the last price is known only when positive', () => {
  const market = { type: 'MARKET', price: '', quantity: '0.00001' } as const;
  it.each(['0', '-5', 'abc', ''])('last %j: the MARKET notional is not tested', (last) => {
    expect(check(market, { last })).toEqual([]);
  });
  it('a positive last price tests it', () => {
    expect(codes(check(market, { last: '50000' }))).toEqual(['notionalMin']);
  });
});

describe('a stop price that is wrong in itself is not also tested for triggering', () => {
  const last = '50000.00';
  it('an off-tick stop that would trigger reports the tick only', () => {
    const v = { type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '50000.00' } as const;
    expect(codes(check({ ...v, stopPrice: '50000.005' }, { last }))).toEqual(['tick']);
  });

  it('but a wrong limit price does not hide the trigger', () => {
    const v = { type: 'STOP_LOSS_LIMIT', side: 'SELL', stopPrice: '50000.00' } as const;
    expect(codes(check({ ...v, price: '50000.001' }, { last }))).toEqual(['tick', 'wouldTrigger']);
  });

  it('an unknown last price cannot trigger anything', () => {
    const v = { type: 'STOP_LOSS_LIMIT', side: 'SELL', price: '50000.00' } as const;
    expect(check({ ...v, stopPrice: '50000.00' })).toEqual([]);
  });
});
