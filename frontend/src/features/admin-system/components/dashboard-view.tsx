import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';

import { DashboardCharts } from './dashboard-charts';
import { DashboardFigures } from './dashboard-figures';
import { ProcessesTable } from './processes-table';
import { useMetricsSummary } from '../api/system';
import { useFigureFormat } from '../hooks/use-figure-format';

/** The system dashboard: current figures, 24 h charts, processes (refreshed every minute). */
export function DashboardView() {
  const { t } = useTranslation();
  const f = useFigureFormat();
  const summary = useMetricsSummary();
  return (
    <>
      <h1 className="h3">{t('adminSystem.dashboardTitle')}</h1>
      {summary.data ? (
        <>
          <p className="text-body-secondary small">
            {t('adminSystem.generatedAt', { time: f.time(summary.data.generated_at) })}
          </p>
          <DashboardFigures summary={summary.data} />
          <h2 className="h5">{t('adminSystem.last24hTitle')}</h2>
          <DashboardCharts summary={summary.data} />
          <ProcessesTable summary={summary.data} />
        </>
      ) : summary.error ? (
        <ErrorAlert error={summary.error} />
      ) : (
        <PageSpinner />
      )}
    </>
  );
}
