import { useTranslation } from 'react-i18next';

// text-bg-*: Bootstrap picks a text colour with enough contrast on each background, both themes
const VARIANT: Record<string, string> = {
  queued: 'text-bg-secondary',
  running: 'text-bg-info',
  succeeded: 'text-bg-success',
  failed: 'text-bg-danger',
  skipped: 'text-bg-warning',
};

/** A run's outcome as a badge (queued, running, succeeded, failed, skipped). */
export function OutcomeBadge({ outcome }: { readonly outcome: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${VARIANT[outcome] ?? 'text-bg-secondary'}`} data-outcome={outcome}>
      {t(`adminTasks.outcomes.${outcome}`, { defaultValue: outcome })}
    </span>
  );
}
