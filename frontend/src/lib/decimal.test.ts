import { describe, expect, it } from 'vitest';

import {
  add,
  compare,
  decimalsOfStep,
  divide,
  multiply,
  normalize,
  sign,
  subtract,
} from './decimal';

describe('decimal', () => {
  it('adds and subtracts exactly where floats would not', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(subtract('46216.93000000', '46216.94')).toBe('-0.01000000');
    expect(subtract('1', '1.5')).toBe('-0.5');
  });

  it('compares numerically, not as text', () => {
    expect(compare('9.5', '10')).toBe(-1);
    expect(compare('1.10', '1.1')).toBe(0);
    expect(compare('-0.01', '-0.02')).toBe(1);
  });

  it('multiplies and divides with rounding half away from zero', () => {
    expect(multiply('0.5', '-3')).toBe('-1.5');
    expect(divide('1', '3', 4)).toBe('0.3333');
    expect(divide('2', '3', 2)).toBe('0.67');
    expect(divide('-2', '3', 2)).toBe('-0.67');
    expect(divide('0.005', '1', 2)).toBe('0.01');
    expect(() => divide('1', '0', 2)).toThrow(RangeError);
  });

  it('derives the decimals a tick size allows', () => {
    expect(decimalsOfStep('0.01000000')).toBe(2);
    expect(decimalsOfStep('1.00000000')).toBe(0);
    expect(decimalsOfStep('0.00001000')).toBe(5);
  });

  it('normalizes and reads the sign', () => {
    expect(normalize('46216.93000000')).toBe('46216.93');
    expect(normalize('-0.0')).toBe('0');
    expect(sign('-0.001')).toBe(-1);
    expect(sign('0.000')).toBe(0);
  });

  it('rejects text that is not a decimal', () => {
    expect(() => compare('abc', '1')).toThrow(RangeError);
    expect(() => sign('.')).toThrow(RangeError);
  });
});
