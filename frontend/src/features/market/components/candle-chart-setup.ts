import {
  BarController,
  BarElement,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip,
} from 'chart.js';
import type { ChartConfiguration, Plugin, TooltipItem } from 'chart.js';
import 'chartjs-adapter-date-fns';
import { CandlestickController, CandlestickElement } from 'chartjs-chart-financial';
import zoomPlugin from 'chartjs-plugin-zoom';
import { enUS, ru } from 'date-fns/locale';

import type { ChartOverlay } from '@/lib/chart-overlay';
import { compare, toPlotNumber } from '@/lib/decimal';
import { formatDateTime, formatPrice, formatVolume } from '@/lib/format';

import type { Kline } from '../api/market';

let registered = false;

function register(): void {
  if (registered) return;
  Chart.register(
    CandlestickController,
    CandlestickElement,
    BarController,
    BarElement,
    LinearScale,
    LineController,
    LineElement,
    PointElement,
    TimeScale,
    Tooltip,
    zoomPlugin,
  );
  registered = true;
}

export interface ChartColors {
  readonly up: string;
  readonly down: string;
  readonly grid: string;
  readonly text: string;
  readonly crosshair: string;
}

/** Colours from Bootstrap's CSS variables, so the chart follows the light/dark theme. */
export function themeColors(element: Element): ChartColors {
  const style = getComputedStyle(element);
  const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    up: css('--app-up', '#0ecb81'),
    down: css('--app-down', '#f6465d'),
    grid: css('--bs-border-color-translucent', 'rgba(0,0,0,.1)'),
    text: css('--bs-secondary-color', '#6c757d'),
    crosshair: css('--bs-secondary-color', '#6c757d'),
  };
}

const pointer = new WeakMap<Chart, { x: number; y: number } | null>();

/** Dashed crosshair at the pointer, snapped horizontally to the hovered candle. */
const crosshair: Plugin = {
  id: 'crosshair',
  afterEvent(chart, args) {
    const { event } = args;
    const inside = event.type !== 'mouseout' && event.x !== null && event.y !== null;
    pointer.set(chart, inside ? { x: event.x ?? 0, y: event.y ?? 0 } : null);
    args.changed = true;
  },
  afterDatasetsDraw(chart, _args, options: { color?: string }) {
    const at = pointer.get(chart);
    const { chartArea: area, ctx } = chart;
    if (!at || at.x < area.left || at.x > area.right || at.y < area.top || at.y > area.bottom)
      return;
    const active = chart.tooltip?.getActiveElements()[0];
    const x = active ? active.element.x : at.x;
    ctx.save();
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = options.color ?? '#888';
    ctx.beginPath();
    ctx.moveTo(x, area.top);
    ctx.lineTo(x, area.bottom);
    ctx.moveTo(area.left, at.y);
    ctx.lineTo(area.right, at.y);
    ctx.stroke();
    ctx.restore();
  },
};

export interface CandleChartSettings {
  readonly colors: ChartColors;
  readonly locale: string;
  readonly tickSize: string | undefined;
  readonly labels: { open: string; high: string; low: string; close: string; volume: string };
  /** Raw candles (exact strings) behind the plotted points, for the tooltip. */
  readonly getCandles: () => readonly Kline[];
  readonly onViewChanged: (chart: Chart) => void;
  readonly minRangeMs: number;
}

export function createCandleChart(canvas: HTMLCanvasElement, settings: CandleChartSettings): Chart {
  register();
  const { colors, locale, tickSize, labels } = settings;
  const price = (value: string) => formatPrice(value, tickSize, locale);
  const config: ChartConfiguration<'candlestick' | 'bar' | 'line'> = {
    type: 'candlestick',
    data: {
      datasets: [
        {
          type: 'candlestick',
          label: 'OHLC',
          data: [],
          yAxisID: 'y',
          backgroundColors: { up: colors.up, down: colors.down, unchanged: colors.text },
          borderColors: { up: colors.up, down: colors.down, unchanged: colors.text },
        },
        {
          type: 'bar',
          label: labels.volume,
          data: [],
          yAxisID: 'volume',
          backgroundColor: [],
          barPercentage: 0.9,
          categoryPercentage: 1,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'index', intersect: false, axis: 'x' },
      scales: {
        x: {
          type: 'time',
          // 24 h clock everywhere: date-fns' "h a" would print ДП/ПП in Russian
          time: {
            displayFormats: {
              minute: 'HH:mm',
              hour: 'HH:mm',
              day: 'd MMM',
              week: 'd MMM',
              month: 'MMM yyyy',
            },
            tooltipFormat: 'PPpp',
          },
          adapters: { date: { locale: locale.startsWith('ru') ? ru : enUS } },
          grid: { color: colors.grid },
          ticks: { color: colors.text, maxRotation: 0, autoSkipPadding: 16 },
          offset: false,
        },
        y: {
          type: 'linear',
          position: 'right',
          grid: { color: colors.grid },
          ticks: { color: colors.text, callback: (value) => price(String(value)) },
          // leave the lower quarter to the volume bars
          afterDataLimits: (scale) => {
            scale.min -= (scale.max - scale.min) * 0.33;
          },
        },
        volume: {
          type: 'linear',
          display: false,
          beginAtZero: true,
          afterDataLimits: (scale) => {
            scale.max *= 4;
          },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          animation: false,
          callbacks: {
            title: (items) => {
              const x = items[0]?.parsed.x;
              return typeof x === 'number' ? formatDateTime(x, locale) : '';
            },
            label: (item: TooltipItem<'candlestick' | 'bar' | 'line'>) => {
              if (item.datasetIndex > 1) {
                const y = item.parsed.y;
                return typeof y === 'number'
                  ? `${item.dataset.label ?? ''} ${price(String(y))}`
                  : '';
              }
              const candle = settings.getCandles()[item.dataIndex];
              if (!candle) return '';
              if (item.datasetIndex === 1)
                return `${labels.volume} ${formatVolume(candle.volume, locale)}`;
              return [
                `${labels.open} ${price(candle.open)}`,
                `${labels.high} ${price(candle.high)}`,
                `${labels.low} ${price(candle.low)}`,
                `${labels.close} ${price(candle.close)}`,
              ];
            },
          },
        },
        zoom: {
          limits: { x: { minRange: settings.minRangeMs } },
          pan: {
            enabled: true,
            mode: 'x',
            onPanComplete: ({ chart }) => settings.onViewChanged(chart),
          },
          zoom: {
            wheel: { enabled: true },
            pinch: { enabled: true },
            mode: 'x',
            onZoomComplete: ({ chart }) => settings.onViewChanged(chart),
          },
        },
        crosshair: { color: colors.crosshair },
      } as NonNullable<ChartConfiguration<'candlestick' | 'bar' | 'line'>['options']>['plugins'],
    },
    plugins: [crosshair],
  };
  return new Chart(canvas, config);
}

/** Replace the plotted series (floats for the canvas only; tooltips read the exact strings). */
export function setCandles(chart: Chart, candles: readonly Kline[], colors: ChartColors): void {
  const [ohlc, volume] = chart.data.datasets;
  if (!ohlc || !volume) return;
  ohlc.data = candles.map((k) => ({
    x: k.open_time,
    o: toPlotNumber(k.open),
    h: toPlotNumber(k.high),
    l: toPlotNumber(k.low),
    c: toPlotNumber(k.close),
  }));
  volume.data = candles.map((k) => ({ x: k.open_time, y: toPlotNumber(k.volume) }));
  (volume as unknown as { backgroundColor: string[] }).backgroundColor = candles.map((k) =>
    compare(k.close, k.open) >= 0 ? `${colors.up}66` : `${colors.down}66`,
  );
}

/** Show the newest candles (about one per 9 px of width) with a little room on the right. */
export function showLatest(
  chart: Chart,
  candles: readonly Kline[],
  intervalMs: number,
  count = Math.max(30, Math.min(150, Math.round(chart.width / 9))),
): void {
  const last = candles[candles.length - 1];
  const first = candles[Math.max(0, candles.length - count)];
  const x = chart.options.scales?.x;
  if (!last || !first || !x) return;
  x.min = first.open_time - intervalMs / 2;
  x.max = last.open_time + intervalMs * 2;
}

/** Replace the indicator lines drawn over the candles (datasets after OHLC and volume). */
export function setOverlays(chart: Chart, overlays: readonly ChartOverlay[]): void {
  const base = chart.data.datasets.slice(0, 2);
  const lines = overlays.map((o) => ({
    type: 'line' as const,
    label: o.label,
    data: o.points.map((p) => ({ x: p.x, y: p.y })),
    yAxisID: 'y',
    borderColor: o.color,
    backgroundColor: o.color,
    borderWidth: 1.25,
    borderDash: o.dashed ? [4, 3] : [],
    pointRadius: 0,
    pointHoverRadius: 0,
    spanGaps: false,
  }));
  chart.data.datasets = [...base, ...lines] as typeof chart.data.datasets;
}
