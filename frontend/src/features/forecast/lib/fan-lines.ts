import type { TimeLine } from '@/components/time-line-chart';

import type { Forecast } from '../api/types';

export interface FanColors {
  readonly history: string;
  readonly forecast: string;
}

/**
 * The fan chart's lines: 95% and 80% bands (filled between their edges), the recent closes and
 * the forecast path, all starting from the last closed candle so the fan opens at the price.
 */
export function fanLines(
  forecast: Forecast,
  history: readonly { readonly x: number; readonly y: number }[],
  labels: { history: string; forecast: string; band80: string; band95: string },
  colors: FanColors,
): TimeLine[] {
  const origin = { x: forecast.from_open_time, y: forecast.from_close };
  const path = (pick: (p: Forecast['points'][number]) => number) => [
    origin,
    ...forecast.points.map((p) => ({ x: p.open_time, y: pick(p) })),
  ];
  const band = (alpha: string) => `${colors.forecast}${alpha}`;
  return [
    { label: labels.band95, color: band('55'), points: path((p) => p.lower95), quiet: true },
    {
      label: labels.band95,
      color: band('55'),
      points: path((p) => p.upper95),
      quiet: true,
      fillTo: 0,
      fillColor: band('1f'),
    },
    { label: labels.band80, color: band('88'), points: path((p) => p.lower80), quiet: true },
    {
      label: labels.band80,
      color: band('88'),
      points: path((p) => p.upper80),
      quiet: true,
      fillTo: 2,
      fillColor: band('33'),
    },
    { label: labels.history, color: colors.history, points: history },
    { label: labels.forecast, color: colors.forecast, points: path((p) => p.price), dashed: true },
  ];
}
