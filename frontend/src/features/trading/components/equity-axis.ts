import { formatMarketAxisTime, formatMarketTime } from '@/lib/format';

/** Past this span the axis labels days instead of times. */
const DAY_LABELS_FROM_MS = 36 * 3_600_000;

/**
 * The equity curve's time axis on the market clock, in the app's formats (lib/format.ts):
 * Chart.js's own labels were wall-clock times with milliseconds ("4:19:55.763 p.m.") when the
 * points lay close together. Never finer than a minute (snapshots are minutes apart).
 */
export function equityTimeAxis(locale: string, firstMs: number, lastMs: number) {
  const withDate = lastMs - firstMs > DAY_LABELS_FROM_MS;
  return {
    // whole minutes at both ends: points seconds apart still get labels
    bounds: 'ticks' as const,
    time: { minUnit: 'minute' as const },
    ticks: {
      callback: (value: string | number) => formatMarketAxisTime(Number(value), locale, withDate),
    },
    /** The tooltip's title: the point's full market time. */
    title: (epochMs: number) => formatMarketTime(epochMs, locale),
  };
}
