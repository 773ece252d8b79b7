import type { Interval } from '../api/types';

const KNOWN: readonly Interval[] = [
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
];

export function isInterval(value: string | null | undefined): value is Interval {
  return KNOWN.includes(value as Interval);
}
