import type { Chart } from 'chart.js';
import { useEffect, useRef } from 'react';
import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';

import type { ChartOverlay } from '@/lib/chart-overlay';
import { useTheme } from '@/lib/theme';

import {
  createCandleChart,
  setCandles,
  setOverlays,
  showLatest,
  themeColors,
} from './candle-chart-setup';
import type { Kline } from '../api/market';

export interface CandleChartProps {
  readonly candles: readonly Kline[];
  readonly intervalMs: number;
  readonly tickSize: string | undefined;
  /** Changes (symbol, interval) reset the view to the newest candles. */
  readonly viewKey: string;
  readonly label: string;
  /** Called when the view reaches the oldest loaded candles. */
  readonly onNeedOlder: () => void;
  /** Indicator lines over the candles (SMA, EMA, Bollinger), from the symbol route. */
  readonly overlays?: readonly ChartOverlay[];
  /** The visible time range after it changes (pan, zoom, following the market): panels align. */
  readonly onRangeChange?: (range: TimeRange) => void;
}

export interface TimeRange {
  readonly min: number;
  readonly max: number;
}

const NO_OVERLAYS: readonly ChartOverlay[] = [];

/** How close (in candles) to the oldest loaded one a pan must come to load more. */
const PREFETCH_CANDLES = 20;

export function CandleChart({
  candles,
  intervalMs,
  tickSize,
  viewKey,
  label,
  onNeedOlder,
  overlays = NO_OVERLAYS,
  onRangeChange,
}: CandleChartProps) {
  const { t, i18n } = useTranslation();
  const [theme] = useTheme();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart | null>(null);
  const candlesRef = useRef(candles);
  const needOlderRef = useRef(onNeedOlder);
  const overlaysRef = useRef(overlays);
  overlaysRef.current = overlays;
  const rangeRef = useRef(onRangeChange);
  rangeRef.current = onRangeChange;
  const lastRange = useRef<TimeRange | null>(null);
  /** Tell the page the visible range, once per change. */
  const reportRange = (chart: Chart) => {
    // read after an update: the built scale holds what is on screen
    const scale = chart.scales.x;
    if (!scale) return;
    const { min, max } = scale;
    const prev = lastRange.current;
    if (prev?.min === min && prev.max === max) return;
    lastRange.current = { min, max };
    rangeRef.current?.(lastRange.current);
  };
  const reportRef = useRef(reportRange);
  reportRef.current = reportRange;
  const viewFor = useRef<string | null>(null);
  needOlderRef.current = onNeedOlder;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return undefined;
    const colors = themeColors(canvas);
    const chart = createCandleChart(canvas, {
      colors,
      locale: i18n.language,
      tickSize,
      minRangeMs: intervalMs * 10,
      labels: {
        open: t('symbol.open'),
        high: t('symbol.high'),
        low: t('symbol.low'),
        close: t('symbol.close'),
        volume: t('symbol.volume'),
      },
      getCandles: () => candlesRef.current,
      onViewChanged: (c) => {
        reportRef.current(c);
        const oldest = candlesRef.current[0];
        if (
          oldest &&
          c.scales.x &&
          c.scales.x.min <= oldest.open_time + PREFETCH_CANDLES * intervalMs
        ) {
          needOlderRef.current();
        }
      },
    });
    chartRef.current = chart;
    setCandles(chart, candlesRef.current, colors);
    setOverlays(chart, overlaysRef.current);
    viewFor.current = null;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
  }, [theme, i18n.language, tickSize, intervalMs, t]);

  useEffect(() => {
    const chart = chartRef.current;
    const canvas = canvasRef.current;
    if (!chart || !canvas) return;
    const previous = candlesRef.current;
    candlesRef.current = candles;
    setCandles(chart, candles, themeColors(canvas));
    const x = chart.options.scales?.x;
    if (viewFor.current !== viewKey && candles.length > 0) {
      showLatest(chart, candles, intervalMs);
      viewFor.current = viewKey;
    } else if (x && typeof x.max === 'number' && typeof x.min === 'number') {
      // follow the market: when the newest candle was in view and a new one opens, scroll with it
      const oldLast = previous[previous.length - 1]?.open_time;
      const newLast = candles[candles.length - 1]?.open_time;
      if (oldLast !== undefined && newLast !== undefined && newLast > oldLast && x.max >= oldLast) {
        x.min += newLast - oldLast;
        x.max += newLast - oldLast;
      }
    }
    chart.update('none');
    reportRef.current(chart);
  }, [candles, viewKey, intervalMs, theme, i18n.language, tickSize]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    setOverlays(chart, overlays);
    chart.update('none');
  }, [overlays, theme, i18n.language, tickSize, intervalMs]);

  const reset = () => {
    const chart = chartRef.current;
    if (!chart) return;
    showLatest(chart, candlesRef.current, intervalMs);
    chart.update('none');
    reportRange(chart);
  };

  return (
    <div>
      <div className="candle-chart">
        <canvas
          ref={canvasRef}
          role="img"
          aria-label={label}
          data-candles={candles.length}
          data-last-open-time={candles[candles.length - 1]?.open_time}
          data-last-close={candles[candles.length - 1]?.close}
          data-overlays={overlays.map((o) => o.id).join(' ')}
        />
      </div>
      <div className="d-flex justify-content-between align-items-center mt-2 gap-2 flex-wrap">
        <small className="text-body-secondary">{t('symbol.hint')}</small>
        <Button size="sm" variant="outline-secondary" onClick={reset}>
          {t('symbol.resetZoom')}
        </Button>
      </div>
    </div>
  );
}
