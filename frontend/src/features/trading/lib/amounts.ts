import { isDecimal, normalize } from '@/lib/decimal';

/**
 * An API amount ("0.00100000") without its padding zeros, grouped for the locale; exact, since
 * Intl formats decimal strings without a float (up to 8 decimals, as the API sends).
 */
export function formatAmount(value: string, locale: string, minDecimals = 2): string {
  if (!isDecimal(value)) return '—';
  const plain = normalize(value);
  const decimals = plain.includes('.') ? (plain.split('.')[1]?.length ?? 0) : 0;
  return new Intl.NumberFormat(locale, {
    minimumFractionDigits: Math.min(Math.max(decimals, minDecimals), 8),
    maximumFractionDigits: 8,
  }).format(plain as Intl.StringNumericLiteral);
}
