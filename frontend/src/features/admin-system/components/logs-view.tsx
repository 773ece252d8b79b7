import { useState } from 'react';
import Alert from 'react-bootstrap/Alert';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';

import { LogsFilters } from './logs-filters';
import { LogsTable } from './logs-table';
import type { LogFilters } from '../api/system';
import { useLogs } from '../api/system';

export const DEFAULT_LOG_FILTERS: LogFilters = {
  source: 'all',
  level: '',
  q: '',
  requestId: '',
  limit: 200,
};

/** The last lines of the API, worker and security logs, filtered. */
export function LogsView({ initial = DEFAULT_LOG_FILTERS }: { readonly initial?: LogFilters }) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState(initial);
  const logs = useLogs(filters);
  const follow = (id: string) =>
    setFilters({ ...filters, source: 'all', level: '', q: '', requestId: id });
  return (
    <>
      <h1 className="h3">{t('adminSystem.logsTitle')}</h1>
      <LogsFilters value={filters} onApply={setFilters} />
      <ErrorAlert error={logs.error} />
      {logs.data ? (
        <>
          {logs.data.log_to_file ? null : (
            <Alert variant="info">{t('adminSystem.logs.noFiles')}</Alert>
          )}
          <p className="small text-body-secondary" aria-live="polite">
            {t('adminSystem.logs.count', { count: logs.data.lines.length })}
          </p>
          {logs.data.lines.length ? (
            <LogsTable lines={logs.data.lines} onRequestId={follow} />
          ) : (
            <p>{t('adminSystem.logs.empty')}</p>
          )}
        </>
      ) : logs.error ? null : (
        <PageSpinner />
      )}
    </>
  );
}
