import { describe, expect, it } from 'vitest';

import { checkTicket } from './checks';
import {
  buildOrder,
  floorToStep,
  roundPriceInput,
  roundQuantityInput,
  roundToStep,
  sizeForPercent,
} from './ticket';
import type { SymbolFilters, TicketValues } from './ticket';
import { realSymbol } from '../testing/real-symbols';

// BTCUSDT's real rules as the API serves them (../shared/binance/samples exchangeInfo)
const BTC: SymbolFilters = realSymbol('BTCUSDT');

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
const rich = { base: '1.00000000', quote: '10000.00000000' };

describe('rounding to tick and step', () => {
  it('floors to the step without float error', () => {
    expect(floorToStep('0.123456789', '0.00001000')).toBe('0.12345');
    expect(floorToStep('0.3', '0.1')).toBe('0.3');
    expect(floorToStep('0.00000999', '0.00001')).toBe('0.00000');
    expect(floorToStep('7', '2')).toBe('6');
  });

  it('rounds prices to the nearest tick', () => {
    expect(roundToStep('50000.005', '0.01')).toBe('50000.01');
    expect(roundToStep('50000.004', '0.01')).toBe('50000.00');
    expect(roundPriceInput('50000,126', BTC)).toBe('50000.13');
    expect(roundPriceInput('abc', BTC)).toBe('abc');
  });

  it('never rounds a quantity up', () => {
    expect(roundQuantityInput('0.0012349', BTC)).toBe('0.00123');
  });
});

describe('percent of the available balance', () => {
  it('a buy spends that share of the quote balance at the limit price', () => {
    const size = sizeForPercent(25, base, BTC, rich, undefined);
    expect(size.total).toBe('2500.00000000');
    expect(size.quantity).toBe('0.05000');
  });

  it('a market buy uses the last price, floored to the step', () => {
    const v: TicketValues = { ...base, type: 'MARKET', price: '' };
    const size = sizeForPercent(100, v, BTC, { base: '0', quote: '100' }, '30000.00');
    expect(size.quantity).toBe('0.00333');
    expect(size.total).toBe('100.00000000');
  });

  it('a sell offers that share of the base balance', () => {
    const v: TicketValues = { ...base, side: 'SELL' };
    const size = sizeForPercent(75, v, BTC, { base: '0.00133', quote: '0' }, undefined);
    expect(size.quantity).toBe('0.00099');
    expect(size.total).toBe('49.50000000');
  });
});

describe('filter checks before sending', () => {
  it('accepts a valid limit order', () => {
    expect(checkTicket(base, BTC, rich, undefined)).toEqual([]);
  });

  it('flags an off-tick price and an off-step quantity', () => {
    const issues = checkTicket(
      { ...base, price: '50000.001', quantity: '0.0010001' },
      BTC,
      rich,
      undefined,
    );
    expect(issues.map((i) => [i.field, i.code])).toEqual([
      ['price', 'tick'],
      ['quantity', 'step'],
    ]);
  });

  it('flags the minimum notional at its edge', () => {
    const at = (quantity: string, price: string) =>
      checkTicket({ ...base, quantity, price }, BTC, rich, undefined).map((i) => i.code);
    expect(at('0.0001', '49999.99')).toEqual(['notionalMin']);
    expect(at('0.0001', '50000.00')).toEqual([]);
  });

  it('flags minimum quantity, empty and non-numeric fields', () => {
    expect(checkTicket({ ...base, quantity: '0.000001' }, BTC, rich, undefined)[0]?.code).toBe(
      'qtyMin',
    );
    expect(checkTicket({ ...base, price: '' }, BTC, rich, undefined)[0]?.code).toBe('required');
    expect(checkTicket({ ...base, price: '1e5' }, BTC, rich, undefined)[0]?.code).toBe('notNumber');
  });

  it('flags a buy the free quote balance does not cover', () => {
    const issues = checkTicket(base, BTC, { base: '0', quote: '49.99' }, undefined);
    expect(issues).toEqual([
      {
        field: 'quantity',
        code: 'insufficient',
        params: { asset: 'USDT' },
        binance: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
      },
    ]);
  });

  it('checks a stop price and a market total', () => {
    const stop: TicketValues = { ...base, type: 'STOP_LOSS_LIMIT', stopPrice: '0' };
    expect(checkTicket(stop, BTC, rich, undefined)[0]).toEqual({
      field: 'stopPrice',
      code: 'notPositive',
    });
    const market: TicketValues = { ...base, type: 'MARKET', sizeMode: 'total', total: '4.99' };
    expect(checkTicket(market, BTC, rich, '30000')[0]?.code).toBe('notionalMin');
  });
});

describe('order body', () => {
  it('sends only the parameters the type takes', () => {
    expect(buildOrder({ ...base, type: 'LIMIT_MAKER' }, BTC, undefined)).toEqual({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT_MAKER',
      quantity: '0.001',
      price: '50000.00',
    });
    const market: TicketValues = { ...base, type: 'MARKET', sizeMode: 'total', total: '100' };
    expect(buildOrder(market, BTC, '30000')).toEqual({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quote_quantity: '100',
    });
    const stop: TicketValues = {
      ...base,
      type: 'TAKE_PROFIT_LIMIT',
      stopPrice: '51000',
      timeInForce: 'IOC',
    };
    expect(buildOrder(stop, BTC, undefined)).toMatchObject({
      stop_price: '51000',
      time_in_force: 'IOC',
    });
    const byTotal: TicketValues = { ...base, sizeMode: 'total', total: '100' };
    expect(buildOrder(byTotal, BTC, undefined).quantity).toBe('0.00200');
  });
});
