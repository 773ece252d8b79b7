/**
 * The indicators the symbol page offers, with their parameters (ranges and defaults as the API's
 * registry declares them) and where they are drawn: over the candles or in a panel below.
 * A chosen indicator is spelled as the API reads it: `name:param1:param2` ("bbands:20:2").
 */
export interface ParamSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly default: number;
}

export interface IndicatorSpec {
  readonly name: string;
  readonly placement: 'overlay' | 'panel';
  readonly params: readonly ParamSpec[];
  /** Fixed horizontal guide lines of a panel (RSI 30/70, Stochastic 20/80). */
  readonly guides?: readonly number[];
}

const period = (def: number, min: number, max: number): ParamSpec => ({
  name: 'period',
  min,
  max,
  step: 1,
  default: def,
});

export const INDICATORS: readonly IndicatorSpec[] = [
  { name: 'sma', placement: 'overlay', params: [period(20, 2, 1000)] },
  { name: 'ema', placement: 'overlay', params: [period(20, 2, 500)] },
  { name: 'wma', placement: 'overlay', params: [period(20, 2, 1000)] },
  {
    name: 'bbands',
    placement: 'overlay',
    params: [period(20, 2, 1000), { name: 'nbdev', min: 0.1, max: 10, step: 0.1, default: 2 }],
  },
  { name: 'rsi', placement: 'panel', params: [period(14, 2, 200)], guides: [30, 70] },
  {
    name: 'macd',
    placement: 'panel',
    params: [
      { name: 'fast', min: 2, max: 200, step: 1, default: 12 },
      { name: 'slow', min: 3, max: 400, step: 1, default: 26 },
      { name: 'signal', min: 1, max: 200, step: 1, default: 9 },
    ],
    guides: [0],
  },
  {
    name: 'stoch',
    placement: 'panel',
    params: [
      { name: 'fastk', min: 1, max: 500, step: 1, default: 14 },
      { name: 'slowk', min: 1, max: 500, step: 1, default: 3 },
      { name: 'slowd', min: 1, max: 500, step: 1, default: 3 },
    ],
    guides: [20, 80],
  },
  { name: 'obv', placement: 'panel', params: [] },
  { name: 'atr', placement: 'panel', params: [period(14, 1, 200)] },
  { name: 'adx', placement: 'panel', params: [period(14, 2, 200)], guides: [25] },
  { name: 'volatility', placement: 'panel', params: [period(30, 2, 1000)] },
];

export function findIndicator(name: string): IndicatorSpec | undefined {
  return INDICATORS.find((i) => i.name === name);
}

/** One chosen indicator with its parameter values. */
export interface ChosenIndicator {
  readonly name: string;
  readonly params: readonly number[];
}

export function specString(chosen: ChosenIndicator): string {
  return [chosen.name, ...chosen.params.map(String)].join(':');
}

export function withDefaults(spec: IndicatorSpec): ChosenIndicator {
  return { name: spec.name, params: spec.params.map((p) => p.default) };
}

/** A parameter list that fits the spec (count and ranges); otherwise null. */
export function validParams(spec: IndicatorSpec, params: readonly unknown[]): number[] | null {
  if (params.length !== spec.params.length) return null;
  const out: number[] = [];
  for (const [i, p] of spec.params.entries()) {
    const value = params[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) return null;
    if (value < p.min || value > p.max) return null;
    out.push(value);
  }
  return out;
}

/** The selection new users start with. */
export const DEFAULT_SELECTION: readonly ChosenIndicator[] = [];
