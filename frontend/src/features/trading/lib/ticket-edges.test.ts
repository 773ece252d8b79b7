import { describe, expect, it } from 'vitest';

import {
  buildOrder,
  effectivePrice,
  floorToStep,
  isMultiple,
  needsTimeInForce,
  ORDER_TYPES,
  orderQuantity,
  parseInput,
  quantityForTotal,
  roundQuantityInput,
  roundToStep,
  roundTotalInput,
  sizeForPercent,
  supportedTypes,
  toFixed,
} from './ticket';
import type { TicketValues } from './ticket';
import { realSymbol, withRules } from '../testing/real-symbols';

/**
 * The ticket arithmetic's edges (step 0 = off, junk input, no price yet, the quote precision):
 * the cases Stryker (`npm run mutate:web`) found unchecked. BTCUSDT's real rules.
 */
const BTC = realSymbol('BTCUSDT');

const base: TicketValues = {
  side: 'BUY',
  type: 'LIMIT',
  sizeMode: 'quantity',
  price: '50000.00',
  stopPrice: '',
  quantity: '0.001',
  total: '',
  timeInForce: 'GTC',
};
const market: TicketValues = { ...base, type: 'MARKET', price: '' };

describe('a step of 0 switches rounding off', () => {
  it('floor, round and the multiple test leave the value as it is', () => {
    expect(floorToStep('1.23456', '0')).toBe('1.23456');
    expect(roundToStep('1.23456', '0.00000000')).toBe('1.23456');
    expect(isMultiple('1.23456', '0')).toBe(true);
    expect(isMultiple('1.23456', '0.01')).toBe(false);
  });

  it('a floor is never below zero', () => {
    expect(floorToStep('-0.05', '0.01')).toBe('0.00');
  });
});

describe('toFixed pads (or cuts, never rounds) to the decimals asked', () => {
  it.each([
    ['1.5', 3, '1.500'],
    ['1.239', 2, '1.23'],
    ['2', 2, '2.00'],
    ['1.25', 0, '1'],
    ['0.1000', 2, '0.10'],
  ] as const)('%s to %d places: %s', (value, places, out) => {
    expect(toFixed(value, places)).toBe(out);
  });
});

describe('parseInput: unsigned plain decimals, comma or point, spaces trimmed', () => {
  it.each([
    [' 0,5 ', '0.5'],
    ['12', '12'],
    ['.5', '.5'],
  ])('%j -> %j', (raw, out) => {
    expect(parseInput(raw)).toBe(out);
  });
  it.each(['', '   ', '-1', '+1', '1e5', '1.2.3', '.', 'abc', '1 2', '5-'])('%j -> null', (raw) => {
    expect(parseInput(raw)).toBeNull();
  });
});

describe('input rounding on blur', () => {
  it('junk stays as typed for the checks to flag', () => {
    expect(roundQuantityInput('abc', BTC)).toBe('abc');
    expect(roundTotalInput('12x', BTC)).toBe('12x');
  });

  it('a total is floored to the quote precision (at most the tick decimals + 6)', () => {
    expect(roundTotalInput('12.3456789012', BTC)).toBe('12.34567890');
    expect(roundTotalInput('12.3456', withRules('BTCUSDT', { quote_asset_precision: 2 }))).toBe(
      '12.34',
    );
    expect(roundTotalInput('12.7', withRules('BTCUSDT', { quote_asset_precision: 0 }))).toBe('12');
    // a 5-decimal tick allows 11 quote decimals, but the asset's precision (8) is the cap
    const fine = withRules('BTCUSDT', { tick_size: '0.00001000' });
    expect(roundTotalInput('1.123456789012', fine)).toBe('1.12345678');
  });
});

describe('the price an order is valued at', () => {
  it('a limit price as typed, else a positive last price', () => {
    expect(effectivePrice({ ...base, price: '50000,5' }, '1')).toBe('50000.5');
    expect(effectivePrice(market, '30000.00')).toBe('30000.00');
    for (const last of [undefined, '', '0', '-1', 'abc']) {
      expect(effectivePrice(market, last)).toBeNull();
    }
  });

  it('no quantity can be bought at a price of 0', () => {
    expect(quantityForTotal('100', '0', BTC)).toBe('0.00000');
  });
});

describe('the quantity an order carries', () => {
  it('the typed quantity when sized by quantity, whatever the total says', () => {
    expect(orderQuantity({ ...base, total: '100' }, BTC, undefined)).toBe('0.001');
  });

  it('from the total at the limit or last price when sized by total', () => {
    const byTotal = { ...base, sizeMode: 'total', total: '100' } as const;
    expect(orderQuantity(byTotal, BTC, undefined)).toBe('0.00200');
    expect(orderQuantity({ ...byTotal, total: '' }, BTC, undefined)).toBeNull();
    expect(orderQuantity({ ...market, sizeMode: 'total', total: '100' }, BTC, undefined)).toBe(
      null,
    );
    expect(orderQuantity({ ...market, sizeMode: 'total', total: '90' }, BTC, '30000')).toBe(
      '0.00300',
    );
  });
});

describe('percent of the balance without a price yet', () => {
  it('a buy gets its total but no quantity, a sell its quantity but no total', () => {
    const free = { base: '0.002', quote: '100' };
    expect(sizeForPercent(50, market, BTC, free, undefined)).toEqual({
      quantity: '',
      total: '50.00000000',
    });
    expect(sizeForPercent(50, { ...market, side: 'SELL' }, BTC, free, undefined)).toEqual({
      quantity: '0.00100',
      total: '',
    });
  });
});

describe('the order body', () => {
  it('sends the typed numbers with a point for a comma', () => {
    const stop: TicketValues = {
      ...base,
      type: 'STOP_LOSS_LIMIT',
      price: '49000,5',
      stopPrice: '49500,25',
    };
    expect(buildOrder(stop, BTC, undefined)).toEqual({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'STOP_LOSS_LIMIT',
      quantity: '0.001',
      price: '49000.5',
      stop_price: '49500.25',
      time_in_force: 'GTC',
    });
    const byTotal: TicketValues = { ...market, sizeMode: 'total', total: '100,5' };
    expect(buildOrder(byTotal, BTC, '30000')).toEqual({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quote_quantity: '100.5',
    });
  });

  it('time in force only for the types that take it', () => {
    expect(ORDER_TYPES.filter(needsTimeInForce)).toEqual([
      'LIMIT',
      'STOP_LOSS_LIMIT',
      'TAKE_PROFIT_LIMIT',
    ]);
  });

  it('a symbol listing no order types takes them all', () => {
    expect(supportedTypes(withRules('BTCUSDT', { order_types: [] }))).toEqual([...ORDER_TYPES]);
  });
});
