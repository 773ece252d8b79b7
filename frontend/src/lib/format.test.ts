import { describe, expect, it } from 'vitest';

import { formatDateTime, formatPercent, formatPrice, formatVolume } from './format';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('format', () => {
  it('shows a price with the decimals of its tick size, per locale', () => {
    expect(formatPrice('46216.93000000', '0.01000000', 'en')).toBe('46,216.93');
    expect(nbsp(formatPrice('46216.93000000', '0.01000000', 'ru'))).toBe('46 216,93');
    expect(formatPrice('0.12345678', '0.00010000', 'en')).toBe('0.1235');
    expect(formatPrice('27000.5', '1.00000000', 'en')).toBe('27,001');
  });

  it('keeps digits a float would lose', () => {
    expect(formatPrice('12345678901234.12345678', '0.00000001', 'en')).toBe(
      '12,345,678,901,234.12345678',
    );
  });

  it('signs percentages and shows a dash for garbage', () => {
    expect(nbsp(formatPercent('1.5', 'en'))).toBe('+1.50 %');
    expect(nbsp(formatPercent('-0.333', 'ru'))).toBe('-0,33 %');
    expect(nbsp(formatPercent('0', 'en'))).toBe('0.00 %');
    expect(formatPrice('n/a', '0.01', 'en')).toBe('—');
  });

  it('compacts volumes', () => {
    expect(formatVolume('1234567.89', 'en')).toBe('1.23M');
    expect(nbsp(formatVolume('1234567.89', 'ru'))).toBe('1,23 млн');
  });

  it('formats dates per locale in the requested zone', () => {
    const ms = Date.UTC(2026, 1, 28, 23, 45);
    expect(
      formatDateTime(ms, 'en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
    ).toMatch(/Feb 28, 2026.*11:45\sPM/);
    expect(
      formatDateTime(ms, 'ru', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
    ).toMatch(/28 февр\. 2026 г\..*23:45/);
  });
});
