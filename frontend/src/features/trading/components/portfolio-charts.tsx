import {
  ArcElement,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip,
  Filler,
} from 'chart.js';
import 'chartjs-adapter-date-fns';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

import { toPlotNumber } from '@/lib/decimal';
import { wallClock } from '@/lib/market-clock';
import type { MarketClock } from '@/lib/market-clock';
import { useTheme } from '@/lib/theme';

import { equityTimeAxis } from './equity-axis';
import type { EquityPoint } from '../api/trading';
import { formatAmount } from '../lib/amounts';

let registered = false;
function register(): void {
  if (registered) return;
  Chart.register(
    ArcElement,
    DoughnutController,
    Legend,
    LinearScale,
    LineController,
    LineElement,
    PointElement,
    TimeScale,
    Tooltip,
    Filler,
  );
  registered = true;
}

const PALETTE = [
  '#f0b90b',
  '#3b82f6',
  '#10b981',
  '#ef4444',
  '#8b5cf6',
  '#ec4899',
  '#14b8a6',
  '#f97316',
];

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/** Share of equity per asset (allocation strings are fractions, "0.25000000"). */
export function AllocationChart({
  allocation,
}: {
  readonly allocation: Readonly<Record<string, string>>;
}) {
  const { t, i18n } = useTranslation();
  const [theme] = useTheme();
  const ref = useRef<HTMLCanvasElement>(null);
  const entries = Object.entries(allocation);
  const key = JSON.stringify(entries);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return undefined;
    register();
    const text = cssVar(canvas, '--bs-body-color', '#212529');
    const rows = JSON.parse(key) as [string, string][];
    const chart = new Chart(canvas, {
      type: 'doughnut',
      data: {
        labels: rows.map(([asset]) => asset),
        datasets: [
          {
            data: rows.map(([, share]) => toPlotNumber(share) * 100),
            backgroundColor: rows.map((_, i) => PALETTE[i % PALETTE.length] ?? '#888'),
            borderColor: cssVar(canvas, '--bs-body-bg', '#fff'),
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: 'right', labels: { color: text } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const share = rows[item.dataIndex]?.[1] ?? '0';
                return `${item.label}: ${new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 2 }).format(share as Intl.StringNumericLiteral)}`;
              },
            },
          },
        },
      },
    });
    return () => chart.destroy();
  }, [key, theme, i18n.language]);
  const summary = entries
    .map(
      ([asset, share]) =>
        `${asset} ${new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 }).format(share as Intl.StringNumericLiteral)}`,
    )
    .join(', ');
  return (
    <div style={{ position: 'relative', height: 240 }}>
      <canvas
        ref={ref}
        role="img"
        aria-label={t('portfolio.allocationChart', { summary: summary || '—' })}
      />
    </div>
  );
}

/** Equity over time from the snapshots of /portfolio/equity, on the market's clock. */
export function EquityChart({
  points,
  asset,
  clock = wallClock,
}: {
  readonly points: readonly EquityPoint[];
  readonly asset: string;
  /** Where a snapshot's (wall-clock) time lies on the market clock (replay runs faster). */
  readonly clock?: MarketClock;
}) {
  const { t, i18n } = useTranslation();
  const [theme] = useTheme();
  const ref = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify(points.map((p) => [p.at, p.equity]));
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return undefined;
    register();
    const rows = JSON.parse(key) as [string, string][];
    const grid = cssVar(canvas, '--bs-border-color-translucent', 'rgba(0,0,0,.1)');
    const text = cssVar(canvas, '--bs-secondary-color', '#6c757d');
    const line = cssVar(canvas, '--bs-primary', '#0d6efd');
    const xs = rows.map(([at]) => clock(Date.parse(at)));
    const axis = equityTimeAxis(i18n.language, xs[0] ?? 0, xs[xs.length - 1] ?? 0);
    const chart = new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          {
            label: asset,
            data: rows.map(([, equity], i) => ({ x: xs[i] ?? 0, y: toPlotNumber(equity) })),
            borderColor: line,
            backgroundColor: `${line}22`,
            fill: true,
            pointRadius: rows.length > 60 ? 0 : 2,
            tension: 0.2,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: {
            type: 'time',
            bounds: axis.bounds,
            time: axis.time,
            grid: { color: grid },
            ticks: { ...axis.ticks, color: text, maxRotation: 0, autoSkipPadding: 16 },
          },
          y: {
            grid: { color: grid },
            ticks: { color: text, callback: (v) => formatAmount(String(v), i18n.language, 0) },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => {
                const x = items[0]?.parsed.x;
                return typeof x === 'number' ? axis.title(x) : '';
              },
              label: (item) =>
                `${formatAmount(rows[item.dataIndex]?.[1] ?? '0', i18n.language)} ${asset}`,
            },
          },
        },
      },
    });
    return () => chart.destroy();
  }, [key, theme, i18n.language, asset, clock]);
  const last = points[points.length - 1];
  return (
    <div style={{ position: 'relative', height: 240 }}>
      <canvas
        ref={ref}
        role="img"
        data-points={points.length}
        aria-label={t('portfolio.equityChart', {
          count: points.length,
          last: last ? `${formatAmount(last.equity, i18n.language)} ${asset}` : '—',
        })}
      />
    </div>
  );
}
