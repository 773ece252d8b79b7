import { useTranslation } from 'react-i18next';

import type { en } from '@/i18n/en';

import { SERIES_COLORS, SeriesChart } from './series-chart';
import type { SeriesLine } from './series-chart';
import type { MetricsSummary } from '../api/system';
import { useFigureFormat } from '../hooks/use-figure-format';

type ChartKey = keyof (typeof en)['adminSystem']['charts'];

const color = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length] ?? '#888';

/** The 24 h charts of the summary. */
export function DashboardCharts({ summary }: { readonly summary: MetricsSummary }) {
  const { t } = useTranslation();
  const f = useFigureFormat();
  const charts: { key: ChartKey; lines: SeriesLine[]; formatY?: (v: number) => string }[] = [
    {
      key: 'ordersFills',
      lines: [
        { label: t('adminSystem.series.orders'), color: color(0), points: summary.orders.per_hour },
        { label: t('adminSystem.series.fills'), color: color(1), points: summary.fills.per_hour },
        {
          label: t('adminSystem.series.alerts'),
          color: color(2),
          points: summary.alerts_fired.per_hour,
        },
      ],
    },
    {
      key: 'latency',
      lines: [
        { label: 'p50', color: color(0), points: summary.api.p50_series },
        { label: 'p99', color: color(1), points: summary.api.p99_series },
      ],
      formatY: (v) => f.ms(v),
    },
    {
      key: 'requestRate',
      lines: [
        {
          label: t('adminSystem.figures.requestRate'),
          color: color(0),
          points: summary.api.rate_series,
        },
      ],
      formatY: (v) => f.decimal(v, 2),
    },
    {
      key: 'ws',
      lines: [
        {
          label: t('adminSystem.figures.wsConnections'),
          color: color(0),
          points: summary.ws_series,
        },
      ],
      formatY: (v) => f.decimal(v, 1),
    },
    {
      key: 'feedLag',
      lines: summary.feed_lag_series.map((s, i) => ({
        label: s.name,
        color: color(i),
        points: s.points,
      })),
      formatY: (v) => f.ms(v),
    },
    {
      key: 'cpu',
      lines: summary.processes.map((p, i) => ({
        label: `${p.process} ${p.instance}`,
        color: color(i),
        points: p.cpu_series,
      })),
      formatY: (v) => `${f.decimal(v, 0)} %`,
    },
    {
      key: 'memory',
      lines: summary.processes.map((p, i) => ({
        label: `${p.process} ${p.instance}`,
        color: color(i),
        points: p.rss_series,
      })),
      formatY: (v) => f.bytes(v),
    },
  ];
  return (
    <div className="row row-cols-1 row-cols-lg-2 g-3 mb-3">
      {charts.map((c) => (
        <div className="col" key={c.key}>
          <SeriesChart
            title={t(`adminSystem.charts.${c.key}`)}
            lines={c.lines}
            {...(c.formatY ? { formatY: c.formatY } : {})}
          />
        </div>
      ))}
    </div>
  );
}
