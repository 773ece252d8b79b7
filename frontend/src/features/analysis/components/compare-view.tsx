import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import { TimeLineChart } from '@/components/time-line-chart';

import { CompareForm } from './compare-form';
import type { CompareQuery } from './compare-form';
import { CorrelationHeatmap } from './correlation-heatmap';
import { RiskTable } from './risk-table';
import { useCompare } from '../api/analysis';
import { OVERLAY_COLORS, plotValue } from '../lib/overlays';

/** The compare page: the query form, normalised performance, correlations and risk figures. */
export function CompareView({
  query,
  symbols,
  intervals,
  onQuery,
}: {
  readonly query: CompareQuery;
  readonly symbols: readonly string[];
  readonly intervals: readonly string[];
  readonly onQuery: (next: CompareQuery) => void;
}) {
  const { t, i18n } = useTranslation();
  const result = useCompare(query);
  const data = result.data;
  const names = data?.symbols.map((row) => row.symbol) ?? [];
  const fmt = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 });
  return (
    <>
      <h1 className="h3 mb-3">{t('compare.title')}</h1>
      <CompareForm
        key={JSON.stringify(query)}
        value={query}
        symbols={symbols.length ? symbols : query.symbols}
        intervals={intervals}
        onSubmit={onQuery}
      />
      <ErrorAlert error={result.error} />
      {result.isPending && query.symbols.length >= 2 ? <PageSpinner /> : null}
      {data ? (
        <div className="row g-3">
          <section className="col-12" aria-labelledby="perf-title">
            <h2 id="perf-title" className="h5">
              {t('compare.performance')}
            </h2>
            <ul className="list-inline small mb-1">
              {names.map((s, i) => {
                const series = data.normalised[s] ?? [];
                const last = plotValue(series[series.length - 1]);
                return (
                  <li key={s} className="list-inline-item">
                    <span
                      aria-hidden="true"
                      className="d-inline-block me-1 rounded-circle"
                      style={{
                        width: 10,
                        height: 10,
                        backgroundColor: OVERLAY_COLORS[i % OVERLAY_COLORS.length],
                      }}
                    />
                    {s} {last === null ? '—' : fmt.format(last)}
                  </li>
                );
              })}
            </ul>
            <TimeLineChart
              height={260}
              label={t('compare.performanceChart', {
                symbols: names.join(', '),
                count: data.open_times.length,
              })}
              formatY={(v) => fmt.format(v)}
              guides={[100]}
              lines={names.map((s, i) => ({
                label: s,
                color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] ?? '#888',
                points: data.open_times.map((x, j) => ({
                  x,
                  y: plotValue(data.normalised[s]?.[j]),
                })),
              }))}
            />
          </section>
          <section className="col-lg-5" aria-labelledby="corr-title">
            <h2 id="corr-title" className="h5">
              {t('compare.correlation')}
            </h2>
            <CorrelationHeatmap
              symbols={data.correlation.symbols}
              matrix={data.correlation.matrix}
            />
          </section>
          <section className="col-lg-7" aria-labelledby="risk-title">
            <h2 id="risk-title" className="h5">
              {t('compare.risk')}
            </h2>
            <RiskTable rows={data.symbols} />
          </section>
        </div>
      ) : null}
    </>
  );
}
