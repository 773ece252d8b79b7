/**
 * A line drawn over the candle chart (an indicator's overlay: SMA, EMA, Bollinger bands).
 * Lives in lib/ so that the market chart draws what the analysis feature computes without either
 * importing the other; the symbol route passes one to the other.
 */
export interface ChartOverlay {
  /** Stable id (e.g. "bbands:20:2/upper"): the chart keeps a dataset per id. */
  readonly id: string;
  readonly label: string;
  readonly color: string;
  /** Dashed (a band's edges) or solid. */
  readonly dashed?: boolean;
  /** Open time (ms) -> value; null where the indicator has no value (warm-up). */
  readonly points: readonly { readonly x: number; readonly y: number | null }[];
}
