import type { ChartOverlay } from '@/lib/chart-overlay';
import { toPlotNumber } from '@/lib/decimal';

import { findIndicator, specString } from './indicator-specs';
import type { ChosenIndicator } from './indicator-specs';
import type { IndicatorData } from '../api/types';

export const OVERLAY_COLORS = ['#f0b90b', '#3b82f6', '#a855f7', '#14b8a6', '#ec4899'];

export function plotValue(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : toPlotNumber(value);
}

/** One output of one indicator as plot points (null where it has no value). */
export function seriesPoints(data: IndicatorData, spec: string, output: string) {
  const values = data.series[spec]?.[output] ?? [];
  return data.open_times.map((x, i) => ({ x, y: plotValue(values[i]) }));
}

/** The chosen overlay indicators (SMA, EMA, Bollinger) as lines for the candle chart. */
export function overlaysFrom(
  data: IndicatorData | undefined,
  chosen: readonly ChosenIndicator[],
  label: (chosen: ChosenIndicator, output: string) => string,
): ChartOverlay[] {
  if (!data) return [];
  const out: ChartOverlay[] = [];
  chosen
    .filter((c) => findIndicator(c.name)?.placement === 'overlay')
    .forEach((c, n) => {
      const spec = specString(c);
      const color = OVERLAY_COLORS[n % OVERLAY_COLORS.length] ?? '#888';
      for (const output of Object.keys(data.series[spec] ?? {})) {
        out.push({
          id: `${spec}/${output}`,
          label: label(c, output),
          color,
          dashed: c.name === 'bbands' && output !== 'middle',
          points: seriesPoints(data, spec, output),
        });
      }
    });
  return out;
}

/** The last value that exists of one output (the live reading shown as text). */
export function lastValue(data: IndicatorData, spec: string, output: string): string | null {
  const values = data.series[spec]?.[output] ?? [];
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}
