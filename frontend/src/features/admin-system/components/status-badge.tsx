import { useTranslation } from 'react-i18next';

const VARIANT = { green: 'success', amber: 'warning', red: 'danger' } as const;

/** green/amber/red as a badge that says its state in words (colour is not the only signal). */
export function StatusBadge({ status }: { readonly status: 'green' | 'amber' | 'red' }) {
  const { t } = useTranslation();
  return (
    <span className={`badge text-bg-${VARIANT[status]}`}>{t(`adminSystem.status.${status}`)}</span>
  );
}
