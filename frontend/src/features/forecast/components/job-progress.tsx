import ProgressBar from 'react-bootstrap/ProgressBar';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';

import type { Job } from '../api/types';

/** A training's live progress: epoch of the most, losses and the time left. */
export function JobProgress({ job }: { readonly job: Job }) {
  const { t, i18n } = useTranslation();
  const p = job.progress;
  const done = job.state === 'succeeded';
  const now = done ? 100 : p ? Math.round((p.epoch / Math.max(1, p.epochs)) * 100) : 0;
  const loss = (v: number) =>
    new Intl.NumberFormat(i18n.language, { maximumSignificantDigits: 4 }).format(v);
  const text = p
    ? t('forecast.progressText', {
        epoch: p.epoch,
        epochs: p.epochs,
        train: loss(p.train_loss),
        val: loss(p.val_loss),
        eta: Math.max(0, Math.round(p.eta_s)),
      })
    : '';
  return (
    <div className="mb-3" data-job-state={job.state}>
      <div className="d-flex justify-content-between small mb-1">
        <span id={`job-${job.job_id}`}>
          {t(`forecast.state.${job.state}`)}
          {job.kind === 'train' ? '' : ` · ${t(`forecast.kind.${job.kind}`)}`}
        </span>
        <span aria-live="polite">{text}</span>
      </div>
      {/* a stacked child carries its props onto the role=progressbar element (its name) */}
      <ProgressBar>
        <ProgressBar
          now={now}
          label={`${now}%`}
          visuallyHidden
          animated={job.state === 'running' || job.state === 'queued'}
          variant={job.state === 'failed' ? 'danger' : done ? 'success' : undefined}
          aria-labelledby={`job-${job.job_id}`}
        />
      </ProgressBar>
      {job.state === 'failed' ? (
        <div className="mt-2">
          <ErrorAlert error={new Error(t('forecast.failed', { reason: job.error ?? '—' }))} />
        </div>
      ) : null}
    </div>
  );
}
