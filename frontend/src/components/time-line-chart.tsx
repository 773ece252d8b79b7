import {
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip,
} from 'chart.js';
import type { ChartConfiguration } from 'chart.js';
import 'chartjs-adapter-date-fns';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

import { formatMarketAxisTime, formatMarketTime } from '@/lib/format';
import { useTheme } from '@/lib/theme';

let registered = false;
function register(): void {
  if (registered) return;
  Chart.register(
    Filler,
    LinearScale,
    LineController,
    LineElement,
    PointElement,
    TimeScale,
    Tooltip,
  );
  registered = true;
}

export interface TimeLine {
  readonly label: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number | null }[];
  readonly dashed?: boolean;
  /** Fill towards another line of the list (its index), for bands and fans. */
  readonly fillTo?: number;
  /** Fill colour (with alpha) when `fillTo` is set. */
  readonly fillColor?: string;
  /** A thin line without tooltip entries (bands' edges, guides). */
  readonly quiet?: boolean;
  /** Draw each point as a dot (a sparse series: a lone value has no line to show it). */
  readonly dots?: boolean;
}

const DAY_LABELS_FROM_MS = 36 * 3_600_000;

/**
 * A small Chart.js line chart on a UTC time axis, following the theme: indicator panels,
 * normalised performance, forecast fans. The canvas is an image with a text label; pages show
 * the numbers as text beside it (tables, legends).
 */
export function TimeLineChart({
  lines,
  label,
  height = 160,
  guides = [],
  formatY = (v) => String(v),
  yRange,
  xRange = null,
}: {
  readonly lines: readonly TimeLine[];
  readonly label: string;
  readonly height?: number;
  /** Horizontal guide values (RSI 30/70). */
  readonly guides?: readonly number[];
  readonly formatY?: (value: number) => string;
  readonly yRange?: { readonly min?: number; readonly max?: number };
  /** The time window shown (the candle chart's, for indicator panels); all points otherwise. */
  readonly xRange?: { readonly min: number; readonly max: number } | null;
}) {
  const { i18n } = useTranslation();
  const [theme] = useTheme();
  const ref = useRef<HTMLCanvasElement>(null);
  const formatRef = useRef(formatY);
  formatRef.current = formatY;
  const chartRef = useRef<Chart<'line', ({ x: number; y: number | null } | null)[]> | null>(null);
  const xRangeRef = useRef(xRange);
  xRangeRef.current = xRange;
  const key = JSON.stringify({ lines, guides, yRange });
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return undefined;
    register();
    const style = getComputedStyle(canvas);
    const css = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    const grid = css('--bs-border-color-translucent', 'rgba(0,0,0,.1)');
    const text = css('--bs-secondary-color', '#6c757d');
    const data = JSON.parse(key) as {
      lines: TimeLine[];
      guides: number[];
      yRange?: { min?: number; max?: number };
    };
    const xs = data.lines.flatMap((l) => l.points.map((p) => p.x));
    const first = Math.min(...xs);
    const last = Math.max(...xs);
    // dates past 36 h of what is shown (the window when one is set), times of day below
    const withDate = () => {
      const shown = xRangeRef.current;
      return (shown ? shown.max - shown.min : last - first) > DAY_LABELS_FROM_MS;
    };
    const guideSets = data.guides.map((g) => ({
      label: '',
      data: [
        { x: first, y: g },
        { x: last, y: g },
      ],
      borderColor: text,
      borderWidth: 0.75,
      borderDash: [2, 3],
      pointRadius: 0,
      pointHoverRadius: 0,
      fill: false,
    }));
    const config: ChartConfiguration<'line', ({ x: number; y: number | null } | null)[]> = {
      type: 'line',
      data: {
        datasets: [
          ...data.lines.map((l) => ({
            label: l.label,
            data: l.points.map((p) => ({ x: p.x, y: p.y })),
            borderColor: l.color,
            backgroundColor: l.fillColor ?? l.color,
            borderWidth: l.quiet ? 0.75 : 1.5,
            borderDash: l.dashed ? [4, 3] : [],
            pointRadius: l.dots ? 2.5 : 0,
            pointHoverRadius: l.quiet ? 0 : 3,
            spanGaps: false,
            fill: l.fillTo ?? false,
          })),
          ...guideSets,
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
            grid: { color: grid },
            ticks: {
              color: text,
              maxRotation: 0,
              autoSkipPadding: 16,
              callback: (v) => formatMarketAxisTime(Number(v), i18n.language, withDate()),
            },
          },
          y: {
            position: 'right',
            ...(data.yRange?.min === undefined ? {} : { min: data.yRange.min }),
            ...(data.yRange?.max === undefined ? {} : { max: data.yRange.max }),
            grid: { color: grid },
            ticks: { color: text, callback: (v) => formatRef.current(Number(v)) },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            filter: (item) =>
              item.datasetIndex < data.lines.length && !data.lines[item.datasetIndex]?.quiet,
            callbacks: {
              title: (items) => {
                const x = items[0]?.parsed.x;
                return typeof x === 'number' ? formatMarketTime(x, i18n.language) : '';
              },
              label: (item) => {
                const y = item.parsed.y;
                return typeof y === 'number'
                  ? `${item.dataset.label ?? ''} ${formatRef.current(y)}`
                  : '';
              },
            },
          },
        },
      },
    };
    const range = xRangeRef.current;
    if (range && config.options?.scales?.x) {
      config.options.scales.x.min = range.min;
      config.options.scales.x.max = range.max;
    }
    const chart = new Chart(canvas, config);
    // without a 2D context (jsdom) Chart.js builds nothing: leave it alone then
    chartRef.current = (chart.canvas as HTMLCanvasElement | null) ? chart : null;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
  }, [key, theme, i18n.language]);

  useEffect(() => {
    const x = chartRef.current?.options.scales?.x;
    if (!chartRef.current || !x) return;
    x.min = xRange?.min;
    x.max = xRange?.max;
    chartRef.current.update('none');
  }, [xRange]);
  return (
    <div style={{ position: 'relative', height }}>
      <canvas ref={ref} role="img" aria-label={label} />
    </div>
  );
}
