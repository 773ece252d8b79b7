import { describe, expect, it } from 'vitest';

import { checkTicket, stopTriggers } from './checks';
import type { FreeBalance, TicketIssue } from './checks';
import { countOpen, symbolRules } from './filters';
import type { OpenCounts } from './filters';
import { supportedTypes } from './ticket';
import type { SymbolFilters, TicketValues } from './ticket';
import { realSymbol, renamedFilter, withRules } from '../testing/real-symbols';

// Real rules from shared/binance/samples/rest_exchangeInfo_real.json (PROTOCOL.md §4.4–4.5),
// as the API serves them (testing/real-symbols.json)
const BTC = realSymbol('BTCUSDT');
const ETH = realSymbol('ETHUSDT');

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
const market: TicketValues = { ...limit, type: 'MARKET', price: '' };
const rich: FreeBalance = { base: '100000', quote: '100000000' };
const none: OpenCounts = { orders: 0, algo: 0 };

function check(
  v: Partial<TicketValues>,
  opts: {
    f?: SymbolFilters;
    last?: string;
    free?: FreeBalance | null;
    open?: OpenCounts | null;
  } = {},
): TicketIssue[] {
  return checkTicket(
    { ...limit, ...v },
    opts.f ?? BTC,
    opts.free === undefined ? rich : opts.free,
    opts.last,
    opts.open === undefined ? none : opts.open,
  );
}

/** What the server would answer first (rules.validate raises the first failure). */
const first = (issues: TicketIssue[]) => issues[0]?.binance?.msg ?? null;
const codes = (issues: TicketIssue[]) => issues.map((i) => i.code);

describe("the real rules are the API's parsed ones", () => {
  it('reads BTCUSDT as SymbolRules.from_exchange_info parsed it', () => {
    const r = symbolRules(BTC);
    expect(r.order).toEqual([
      'PRICE_FILTER',
      'LOT_SIZE',
      'ICEBERG_PARTS',
      'MARKET_LOT_SIZE',
      'TRAILING_DELTA',
      'PERCENT_PRICE_BY_SIDE',
      'NOTIONAL',
      'MAX_NUM_ORDERS',
      'MAX_NUM_ALGO_ORDERS',
    ]);
    expect(r.marketLot).toEqual({ min: '0.00000000', max: '128.52621715', step: '0.00000000' });
    expect(r.percent).toEqual({
      bidUp: '5.00000000',
      bidDown: '0.20000000',
      askUp: '5.00000000',
      askDown: '0.20000000',
    });
    expect(r.notional).toEqual({
      min: '5.00000000',
      max: '9000000.00000000',
      applyMinToMarket: true,
      applyMaxToMarket: false,
    });
    expect([r.maxNumOrders, r.maxNumAlgoOrders]).toEqual([200, 5]);
  });
});

describe('PROTOCOL.md §4.4 worked examples (BTCUSDT, reference price 60000)', () => {
  const last = '60000';
  it.each([
    [{ quantity: '0.001', price: '60000.005' }, 'Filter failure: PRICE_FILTER'],
    [{ quantity: '0.000015', price: '60000' }, 'Filter failure: LOT_SIZE'],
    [{ quantity: '0.00008', price: '60000' }, 'Filter failure: NOTIONAL'],
    [{ quantity: '0.0001', price: '30000' }, 'Filter failure: NOTIONAL'],
    [{ quantity: '0.0002', price: '30000' }, null],
    [{ quantity: '0.001', price: '11000' }, 'Filter failure: PERCENT_PRICE_BY_SIDE'],
    [{ side: 'SELL', quantity: '0.001', price: '300001' }, 'Filter failure: PERCENT_PRICE_BY_SIDE'],
    [{ type: 'MARKET', price: '', quantity: '0.00008' }, 'Filter failure: NOTIONAL'],
    [{ type: 'MARKET', price: '', quantity: '200' }, 'Filter failure: MARKET_LOT_SIZE'],
  ] as [Partial<TicketValues>, string | null][])('%o -> %s', (v, expected) => {
    const issues = check(v, { last });
    expect(first(issues)).toBe(expected);
    if (expected) expect(issues[0]?.binance?.code).toBe(-1013);
  });
});

describe('PERCENT_PRICE_BY_SIDE against the last price', () => {
  const last = '50000.00';
  it('BUY: last x 0.2 .. last x 5, both ends allowed', () => {
    expect(check({ price: '10000.00' }, { last })).toEqual([]);
    expect(check({ price: '250000.00' }, { last })).toEqual([]);
    expect(check({ price: '9999.99' }, { last })).toEqual([
      {
        field: 'price',
        code: 'percentPrice',
        params: { min: '10000', max: '250000', last: '50000' },
        binance: {
          code: -1013,
          msg: 'Filter failure: PERCENT_PRICE_BY_SIDE',
          filter: 'PERCENT_PRICE_BY_SIDE',
        },
      },
    ]);
    expect(codes(check({ price: '250000.01' }, { last }))).toEqual(['percentPrice']);
  });

  it('shows the band as tick prices inside it but compares exactly', () => {
    // 50000.03 x 0.2 = 10000.006: 10000.00 is below, 10000.01 is the first tick inside
    const odd = '50000.03';
    const [issue] = check({ price: '10000.00' }, { last: odd });
    expect(issue?.params).toEqual({ min: '10000.01', max: '250000.15', last: '50000.03' });
    expect(check({ price: '10000.01' }, { last: odd })).toEqual([]);
  });

  it('uses the bid multipliers for a BUY and the ask ones for a SELL', () => {
    const f = withRules('BTCUSDT', {
      percent_price: {
        bid_multiplier_up: '1.05',
        bid_multiplier_down: '0.8',
        ask_multiplier_up: '1.2',
        ask_multiplier_down: '0.95',
        avg_price_mins: 5,
        by_side: true,
      },
    });
    const at = (side: 'BUY' | 'SELL', price: string) =>
      codes(check({ side, price, quantity: '1' }, { f, last: '100.00' }));
    expect(at('BUY', '105.00')).toEqual([]);
    expect(at('BUY', '105.01')).toEqual(['percentPrice']);
    expect(at('BUY', '80.00')).toEqual([]);
    expect(at('BUY', '79.99')).toEqual(['percentPrice']);
    expect(at('SELL', '120.00')).toEqual([]);
    expect(at('SELL', '120.01')).toEqual(['percentPrice']);
    expect(at('SELL', '95.00')).toEqual([]);
    expect(at('SELL', '94.99')).toEqual(['percentPrice']);
  });

  it('PERCENT_PRICE holds both sides to the same multipliers and names itself', () => {
    const f = withRules('BTCUSDT', {
      filter_order: renamedFilter(BTC.filter_order, 'PERCENT_PRICE_BY_SIDE', 'PERCENT_PRICE'),
      percent_price: {
        bid_multiplier_up: '1.1',
        bid_multiplier_down: '0.9',
        ask_multiplier_up: '1.1',
        ask_multiplier_down: '0.9',
        avg_price_mins: 5,
        by_side: false,
      },
    });
    const last = '1000.00';
    const quantity = '0.01';
    expect(first(check({ price: '1100.01', quantity }, { f, last }))).toBe(
      'Filter failure: PERCENT_PRICE',
    );
    expect(first(check({ side: 'SELL', price: '899.99', quantity }, { f, last }))).toBe(
      'Filter failure: PERCENT_PRICE',
    );
    expect(check({ side: 'SELL', price: '1100.00', quantity }, { f, last })).toEqual([]);
    expect(check({ price: '900.00', quantity }, { f, last })).toEqual([]);
  });

  it('is skipped for MARKET orders, without a last price, and for the stop price', () => {
    expect(check({ price: '1.00', quantity: '10' })).toEqual([]);
    expect(check({ type: 'MARKET', price: '', quantity: '0.001' }, { last })).toEqual([]);
    const stop = { type: 'STOP_LOSS_LIMIT', side: 'SELL', stopPrice: '1.00' } as const;
    expect(check({ ...stop, price: '49000.00' }, { last })).toEqual([]);
  });
});

describe('MARKET_LOT_SIZE for MARKET orders', () => {
  const last = '50000.00';
  it('caps the quantity at maxQty 128.52621715; minQty and stepSize 0 are off', () => {
    expect(check({ ...market, quantity: '128.52621' }, { last })).toEqual([]);
    const over = check({ ...market, quantity: '128.52622' }, { last });
    expect(over).toEqual([
      {
        field: 'quantity',
        code: 'marketQtyMax',
        params: { max: '128.52621715' },
        binance: { code: -1013, msg: 'Filter failure: MARKET_LOT_SIZE', filter: 'MARKET_LOT_SIZE' },
      },
    ]);
    expect(check({ ...market, quantity: '0.0001' }, { last })).toEqual([]);
  });

  it('does not apply to a LIMIT order', () => {
    expect(check({ quantity: '128.52622' }, { last })).toEqual([]);
  });

  it('LOT_SIZE still comes first for an off-step market quantity', () => {
    expect(codes(check({ ...market, quantity: '128.52621715' }, { last }))).toEqual(['step']);
  });

  it('an estimated quantity (MARKET by total) fails as the engine does, -2010', () => {
    const byTotal = { ...market, sizeMode: 'total', total: '6426311' } as const; // 128.52622
    const [issue] = check(byTotal, { last });
    expect(issue?.code).toBe('marketQtyMax');
    expect(issue?.field).toBe('total');
    expect(issue?.binance).toEqual({
      code: -2010,
      msg: 'Order book liquidity is less than symbol minimum quantity.',
    });
  });

  it('is checked whenever the symbol lists it, with its min and step when set', () => {
    const f = withRules('BTCUSDT', {
      market_lot_size: { min_qty: '0.001', max_qty: '128.52621715', step_size: '0.001' },
    });
    expect(codes(check({ ...market, quantity: '0.00099' }, { f, last }))).toEqual(['marketQtyMin']);
    expect(codes(check({ ...market, quantity: '0.00101' }, { f, last }))).toEqual(['marketStep']);
    expect(check({ ...market, quantity: '0.002' }, { f, last })).toEqual([]);
  });
});

describe('NOTIONAL with applyMinToMarket / applyMaxToMarket', () => {
  it('a LIMIT order is held to both bounds, inclusive (ETHUSDT)', () => {
    const at = (quantity: string) => codes(check({ quantity, price: '4000.00' }, { f: ETH }));
    expect(at('2250')).toEqual([]); // 9 000 000 exactly
    expect(at('2250.0001')).toEqual(['notionalMax']);
    expect(at('0.00125')).toEqual(['step']); // 5 exactly but off the 0.0001 step
    expect(at('0.0013')).toEqual([]);
    expect(at('0.0012')).toEqual(['notionalMin']); // 4.8
  });

  it('a MARKET order: min at the last price (applyMinToMarket), no max (applyMaxToMarket false)', () => {
    const m = { ...market, quantity: '0.0001' };
    expect(codes(check(m, { last: '49999.99' }))).toEqual(['notionalMin']);
    expect(check(m, { last: '50000.00' })).toEqual([]);
    // 3000 ETH x 4000 = 12 000 000 > maxNotional, still accepted at market
    expect(check({ ...market, quantity: '3000' }, { f: ETH, last: '4000' })).toEqual([]);
    // without a last price the market notional is not tested, as in rules._notional
    expect(check(m)).toEqual([]);
  });

  it('a MARKET order by total is tested on the total itself', () => {
    const t = { ...market, sizeMode: 'total' } as const;
    expect(codes(check({ ...t, total: '4.99999999' }, { last: '50000' }))).toEqual(['notionalMin']);
    expect(check({ ...t, total: '5' }, { last: '50000' })).toEqual([]);
  });

  it('a LIMIT order by total is tested on price x the floored quantity it sends', () => {
    // 5.004 / 33333.33 = 0.000150120… -> 0.00015 -> 4.9999995 < 5
    const v = { sizeMode: 'total', total: '5.004', price: '33333.33' } as const;
    expect(codes(check(v))).toEqual(['notionalMin']);
  });

  it('applyMinToMarket false lets a small MARKET order through, not a small LIMIT one', () => {
    const notional = BTC.notional && { ...BTC.notional, apply_min_to_market: false };
    const f = withRules('BTCUSDT', { notional });
    expect(check({ ...market, quantity: '0.00001' }, { f, last: '50000' })).toEqual([]);
    expect(codes(check({ quantity: '0.00001' }, { f }))).toEqual(['notionalMin']);
  });

  it('the older MIN_NOTIONAL has no maximum and names itself', () => {
    const f = withRules('BTCUSDT', {
      filter_order: renamedFilter(BTC.filter_order, 'NOTIONAL', 'MIN_NOTIONAL'),
      notional: {
        min_notional: '10.00000000',
        max_notional: '0.00000000',
        apply_min_to_market: true,
        apply_max_to_market: false,
        legacy: true,
      },
    });
    expect(first(check({ quantity: '0.00019', price: '50000' }, { f }))).toBe(
      'Filter failure: MIN_NOTIONAL',
    );
    expect(check({ quantity: '0.0002', price: '50000' }, { f })).toEqual([]);
    expect(check({ quantity: '8999', price: '50000' }, { f, free: null })).toEqual([]);
  });
});

describe('MAX_NUM_ORDERS and MAX_NUM_ALGO_ORDERS against the open orders', () => {
  it('200 open orders on the symbol block the next one', () => {
    expect(check({}, { open: { orders: 199, algo: 0 } })).toEqual([]);
    expect(check({}, { open: { orders: 200, algo: 0 } })).toEqual([
      {
        field: 'order',
        code: 'maxOrders',
        params: { count: '200', max: '200' },
        binance: { code: -1013, msg: 'Filter failure: MAX_NUM_ORDERS', filter: 'MAX_NUM_ORDERS' },
      },
    ]);
    expect(
      codes(check({ ...market, quantity: '0.001' }, { open: { orders: 200, algo: 0 } })),
    ).toEqual(['maxOrders']);
  });

  it('5 open stop orders block a sixth stop order, not a plain one', () => {
    const stop = {
      type: 'STOP_LOSS_LIMIT',
      side: 'SELL',
      stopPrice: '45000.00',
      price: '44900.00',
    } as const;
    expect(check(stop, { last: '50000', open: { orders: 4, algo: 4 } })).toEqual([]);
    expect(first(check(stop, { last: '50000', open: { orders: 5, algo: 5 } }))).toBe(
      'Filter failure: MAX_NUM_ALGO_ORDERS',
    );
    expect(check({}, { open: { orders: 5, algo: 5 } })).toEqual([]);
  });

  it('is reported even while a field is still empty, and skipped when the count is unknown', () => {
    expect(codes(check({ quantity: '' }, { open: { orders: 200, algo: 0 } }))).toEqual([
      'required',
      'maxOrders',
    ]);
    expect(check({}, { open: null })).toEqual([]);
  });

  it('counts NEW and PARTIALLY_FILLED orders of the symbol, stop-limit ones as algo orders', () => {
    const o = (symbol: string, status: string, type: string) => ({ symbol, status, type });
    const orders = [
      o('BTCUSDT', 'NEW', 'LIMIT'),
      o('BTCUSDT', 'PARTIALLY_FILLED', 'LIMIT'),
      o('BTCUSDT', 'NEW', 'STOP_LOSS_LIMIT'),
      o('BTCUSDT', 'NEW', 'TAKE_PROFIT_LIMIT'),
      o('BTCUSDT', 'FILLED', 'STOP_LOSS_LIMIT'),
      o('BTCUSDT', 'CANCELED', 'LIMIT'),
      o('ETHUSDT', 'NEW', 'STOP_LOSS_LIMIT'),
    ];
    expect(countOpen(orders, 'BTCUSDT')).toEqual({ orders: 4, algo: 2 });
  });
});

describe('a stop that would trigger at once (-2010)', () => {
  const last = '50000.00';
  it.each([
    ['STOP_LOSS_LIMIT', 'SELL', '50000.00', true],
    ['STOP_LOSS_LIMIT', 'SELL', '49999.99', false],
    ['STOP_LOSS_LIMIT', 'BUY', '50000.00', true],
    ['STOP_LOSS_LIMIT', 'BUY', '50000.01', false],
    ['TAKE_PROFIT_LIMIT', 'SELL', '50000.00', true],
    ['TAKE_PROFIT_LIMIT', 'SELL', '50000.01', false],
    ['TAKE_PROFIT_LIMIT', 'BUY', '50000.00', true],
    ['TAKE_PROFIT_LIMIT', 'BUY', '49999.99', false],
  ] as const)('%s %s stop %s at last 50000 triggers: %s', (type, side, stopPrice, fires) => {
    expect(stopTriggers(side, type, stopPrice, last)).toBe(fires);
    const issues = check({ type, side, stopPrice, price: stopPrice }, { last });
    expect(issues).toEqual(
      fires
        ? [
            {
              field: 'stopPrice',
              code: 'wouldTrigger',
              params: { last: '50000' },
              binance: { code: -2010, msg: 'Order would trigger immediately.' },
            },
          ]
        : [],
    );
  });
});

describe('free balance (checked once every filter passes)', () => {
  const insufficient = (asset: string) => ({
    code: 'insufficient',
    params: { asset },
    binance: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
  });

  it('a LIMIT BUY locks price x quantity of the quote asset', () => {
    // 0.001 x 50000 = 50 USDT
    expect(check({}, { free: { base: '0', quote: '50' } })).toEqual([]);
    expect(check({}, { free: { base: '0', quote: '49.99999999' } })).toEqual([
      { field: 'quantity', ...insufficient('USDT') },
    ]);
  });

  it('a SELL locks its quantity of the base asset', () => {
    const sell = { side: 'SELL' } as const;
    expect(check(sell, { free: { base: '0.001', quote: '0' } })).toEqual([]);
    expect(check(sell, { free: { base: '0.00099999', quote: '1000000' } })).toEqual([
      { field: 'quantity', ...insufficient('BTC') },
    ]);
  });

  it('a MARKET BUY pays its total, or its quantity at the last price', () => {
    const byTotal = { ...market, sizeMode: 'total', total: '100' } as const;
    expect(check(byTotal, { last: '50000', free: { base: '0', quote: '100' } })).toEqual([]);
    expect(codes(check(byTotal, { last: '50000', free: { base: '0', quote: '99.99' } }))).toEqual([
      'insufficient',
    ]);
    const byQty = { ...market, quantity: '0.002' };
    expect(check(byQty, { last: '50000', free: { base: '0', quote: '100' } })).toEqual([]);
    expect(codes(check(byQty, { last: '50000.01', free: { base: '0', quote: '100' } }))).toEqual([
      'insufficient',
    ]);
  });

  it('is not reported over a filter failure (the server never gets that far)', () => {
    expect(codes(check({ quantity: '0.00001' }, { free: { base: '0', quote: '0' } }))).toEqual([
      'notionalMin',
    ]);
  });
});

describe('the symbol order decides which failure comes first', () => {
  it('NOTIONAL listed before LOT_SIZE is reported first', () => {
    const reordered: SymbolFilters = {
      ...BTC,
      filter_order: ['NOTIONAL', ...BTC.filter_order.filter((kind) => kind !== 'NOTIONAL')],
    };
    const v = { quantity: '0.000015', price: '60000' }; // off-step and 0.9 USDT
    expect(codes(check(v, { f: BTC }))).toEqual(['step', 'notionalMin']);
    expect(codes(check(v, { f: reordered }))).toEqual(['notionalMin', 'step']);
  });
});

describe('symbol status and order types (rules.check_parameters)', () => {
  it('a symbol that is not TRADING refuses every order: "Market is closed."', () => {
    const halted: SymbolFilters = { ...BTC, status: 'HALT' };
    expect(check({}, { f: halted })).toEqual([
      {
        field: 'order',
        code: 'marketClosed',
        params: { status: 'HALT' },
        binance: { code: -2010, msg: 'Market is closed.' },
      },
    ]);
    expect(check({}, { f: { ...BTC, status: 'TRADING' } })).toEqual([]);
  });

  it('the ticket offers only the order types the symbol lists', () => {
    expect(supportedTypes(BTC)).toEqual([
      'MARKET',
      'LIMIT',
      'LIMIT_MAKER',
      'STOP_LOSS_LIMIT',
      'TAKE_PROFIT_LIMIT',
    ]);
    expect(supportedTypes({ ...BTC, order_types: ['LIMIT', 'MARKET'] })).toEqual([
      'MARKET',
      'LIMIT',
    ]);
  });
});
