import { useTranslation } from 'react-i18next';

import type { en } from '@/i18n/en';

import { StatCard } from './stat-card';
import type { MetricsSummary } from '../api/system';
import { useFigureFormat } from '../hooks/use-figure-format';

type FigureKey = keyof (typeof en)['adminSystem']['figures'];

/** The current figures of the summary, one card each. */
export function DashboardFigures({ summary }: { readonly summary: MetricsSummary }) {
  const { t } = useTranslation();
  const f = useFigureFormat();
  const none = t('adminSystem.none');
  const cards: { key: FigureKey; value: string; hint?: string }[] = [
    { key: 'users', value: f.count(summary.users) },
    { key: 'activeSessions', value: f.count(summary.active_sessions) },
    { key: 'wsConnections', value: f.count(summary.ws_connections) },
    {
      key: 'ordersHour',
      value: f.count(summary.orders.last_hour),
      hint: t('adminSystem.last24h', { value: f.count(summary.orders.last_24h) }),
    },
    {
      key: 'fillsHour',
      value: f.count(summary.fills.last_hour),
      hint: t('adminSystem.last24h', { value: f.count(summary.fills.last_24h) }),
    },
    { key: 'alertsFired', value: f.count(summary.alerts_fired.last_24h) },
    { key: 'notificationsPending', value: f.count(summary.notifications.pending) },
    { key: 'notificationsFailed', value: f.count(summary.notifications.failed) },
    {
      key: 'queueDepth',
      value: summary.jobs.queue_depth === null ? none : f.count(summary.jobs.queue_depth),
    },
    {
      key: 'jobFailures',
      value: summary.jobs.failures_24h === null ? none : f.count(summary.jobs.failures_24h),
    },
    {
      key: 'requestRate',
      value:
        summary.api.request_rate === null
          ? none
          : t('adminSystem.perSecond', { value: f.decimal(summary.api.request_rate, 2) }),
    },
    {
      key: 'latency',
      value: `${f.ms(summary.api.p50_ms)} / ${f.ms(summary.api.p99_ms)}`,
      hint: t('adminSystem.latencyHint'),
    },
    { key: 'databaseSize', value: f.bytes(summary.database_bytes) },
  ];
  return (
    <div className="row row-cols-2 row-cols-md-3 row-cols-xl-5 g-2 mb-3">
      {cards.map((c) => (
        <div className="col" key={c.key}>
          <StatCard
            label={t(`adminSystem.figures.${c.key}`)}
            value={c.value}
            {...(c.hint ? { hint: c.hint } : {})}
          />
        </div>
      ))}
    </div>
  );
}
