import { decimalsOfStep, isDecimal } from './decimal';

/**
 * Locale-aware formatting. Intl.NumberFormat formats decimal strings exactly
 * (ECMA-402 "Intl.NumberFormat v3"), so prices never pass through a float here.
 */

const cache = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let nf = cache.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, options);
    cache.set(key, nf);
  }
  return nf;
}

function asNumeric(value: string): Intl.StringNumericLiteral {
  return value as Intl.StringNumericLiteral;
}

/** A price shown with exactly as many decimals as the symbol's tick size allows. */
export function formatPrice(value: string, tickSize: string | undefined, locale: string): string {
  if (!isDecimal(value)) return '—';
  const decimals = tickSize && isDecimal(tickSize) ? decimalsOfStep(tickSize) : 2;
  return numberFormat(locale, {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(asNumeric(value));
}

/** A signed percentage from a string such as "-1.234" (already in percent units). */
export function formatPercent(value: string, locale: string): string {
  if (!isDecimal(value)) return '—';
  return `${numberFormat(locale, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: 'exceptZero',
  }).format(asNumeric(value))}\u00a0%`;
}

/** Large volumes in compact notation ("1.2 M", "1,2 млн"). */
export function formatVolume(value: string, locale: string): string {
  if (!isDecimal(value)) return '—';
  return numberFormat(locale, {
    notation: 'compact',
    maximumFractionDigits: 2,
  }).format(asNumeric(value));
}

/** A quantity with the decimals the symbol's step size allows. */
export function formatQuantity(
  value: string,
  stepSize: string | undefined,
  locale: string,
): string {
  return formatPrice(value, stepSize, locale);
}

const dateCache = new Map<string, Intl.DateTimeFormat>();

/** Local time unless options.timeZone says otherwise. */
export function formatDateTime(
  epochMs: number,
  locale: string,
  options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' },
): string {
  const key = `${locale}|${JSON.stringify(options)}`;
  let df = dateCache.get(key);
  if (!df) {
    df = new Intl.DateTimeFormat(locale, options);
    dateCache.set(key, df);
  }
  return df.format(new Date(epochMs));
}

export function formatIsoDate(iso: string, locale: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : formatDateTime(ms, locale, { dateStyle: 'medium' });
}

/** The market's clock: Binance's days and the replay clock (navbar badge) are in UTC. */
export const MARKET_TIME_ZONE = 'UTC';

/**
 * A moment on the market clock for a chart axis: "14:05" within a day, "3 Mar" across days,
 * 24 h in every language, never seconds or milliseconds.
 */
export function formatMarketAxisTime(epochMs: number, locale: string, withDate: boolean): string {
  return formatDateTime(
    epochMs,
    locale,
    withDate
      ? { day: 'numeric', month: 'short', timeZone: MARKET_TIME_ZONE }
      : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: MARKET_TIME_ZONE },
  );
}

/** A moment on the market clock in full ("3 Mar 2026, 14:05 UTC"), for tooltips. */
export function formatMarketTime(epochMs: number, locale: string): string {
  const text = formatDateTime(epochMs, locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
    timeZone: MARKET_TIME_ZONE,
  });
  return `${text} UTC`;
}
