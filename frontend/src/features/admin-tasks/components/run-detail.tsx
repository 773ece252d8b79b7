import Button from 'react-bootstrap/Button';
import Card from 'react-bootstrap/Card';
import Spinner from 'react-bootstrap/Spinner';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { formatDateTime } from '@/lib/format';

import { OutcomeBadge } from './outcome-badge';
import { isPending, useTaskRun } from '../api/tasks';

function when(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  return formatDateTime(Date.parse(iso), locale, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** One run: outcome, times, who and why, output; polls until the run has finished. */
export function RunDetail({
  runId,
  onClose,
}: {
  readonly runId: number;
  readonly onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const query = useTaskRun(runId);
  const run = query.data;
  const seconds =
    run?.started_at && run.finished_at
      ? (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000
      : null;
  return (
    <Card as="section" className="mb-4" aria-labelledby="run-detail-title">
      <Card.Header className="d-flex align-items-center gap-2">
        <h2 id="run-detail-title" className="h5 mb-0 me-auto">
          {t('adminTasks.run.title', { id: runId })}
        </h2>
        <Button variant="secondary" size="sm" onClick={onClose}>
          {t('adminTasks.run.close')}
        </Button>
      </Card.Header>
      <Card.Body>
        <ErrorAlert error={query.error} />
        {run ? (
          <>
            <p className="mb-2" role="status" aria-live="polite">
              <span className="me-2 fw-semibold">{run.task}</span>
              <OutcomeBadge outcome={run.outcome} />
              {isPending(run) ? (
                <Spinner
                  as="span"
                  animation="border"
                  size="sm"
                  className="ms-2"
                  aria-hidden="true"
                />
              ) : null}
            </p>
            <dl className="row mb-0">
              <dt className="col-sm-3">{t('adminTasks.run.trigger')}</dt>
              <dd className="col-sm-9">
                {t(`adminTasks.triggers.${run.trigger}`, { defaultValue: run.trigger })}
                {run.triggered_by !== null
                  ? ` · ${t('adminTasks.run.by', { id: run.triggered_by })}`
                  : ''}
              </dd>
              <dt className="col-sm-3">{t('adminTasks.run.started')}</dt>
              <dd className="col-sm-9">{when(run.started_at, i18n.language)}</dd>
              <dt className="col-sm-3">{t('adminTasks.run.finished')}</dt>
              <dd className="col-sm-9">{when(run.finished_at, i18n.language)}</dd>
              <dt className="col-sm-3">{t('adminTasks.run.duration')}</dt>
              <dd className="col-sm-9">
                {seconds === null
                  ? '—'
                  : t('adminTasks.run.seconds', { value: seconds.toFixed(2) })}
              </dd>
              <dt className="col-sm-3">{t('adminTasks.run.requestId')}</dt>
              <dd className="col-sm-9">
                <code>{run.request_id ?? '—'}</code>
              </dd>
              <dt className="col-sm-3">{t('adminTasks.run.output')}</dt>
              <dd className="col-sm-9">
                {run.summary ? (
                  <pre className="mb-0 small text-wrap text-break" data-testid="run-summary">
                    {run.summary}
                  </pre>
                ) : (
                  '—'
                )}
              </dd>
              {run.error ? (
                <>
                  <dt className="col-sm-3">{t('adminTasks.run.error')}</dt>
                  <dd className="col-sm-9">
                    <pre className="mb-0 small text-wrap text-break text-danger-emphasis">
                      {run.error}
                    </pre>
                  </dd>
                </>
              ) : null}
            </dl>
          </>
        ) : null}
      </Card.Body>
    </Card>
  );
}
