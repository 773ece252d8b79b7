import { useTranslation } from 'react-i18next';

import { sign } from '@/lib/decimal';
import { formatPercent } from '@/lib/format';

/** A 24 h change: colour plus an arrow and a sign, so colour is never the only signal. */
export function ChangeText({ percent }: { readonly percent: string }) {
  const { t, i18n } = useTranslation();
  const direction = sign(percent);
  const className = direction > 0 ? 'text-up' : direction < 0 ? 'text-down' : 'text-body-secondary';
  const arrow = direction > 0 ? '▲' : direction < 0 ? '▼' : '';
  return (
    <span className={className}>
      {arrow ? (
        <span aria-hidden="true" className="me-1 small">
          {arrow}
        </span>
      ) : null}
      {direction !== 0 ? (
        <span className="visually-hidden">
          {direction > 0 ? t('market.up') : t('market.down')}{' '}
        </span>
      ) : null}
      {formatPercent(percent, i18n.language)}
    </span>
  );
}
