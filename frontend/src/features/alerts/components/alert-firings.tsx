import Badge from 'react-bootstrap/Badge';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '@/lib/format';

import { useAlertFirings } from '../api/alerts';

/** The history of one alert's firings, newest first ("late" when found after a gap). */
export function AlertFirings({ alertId }: { readonly alertId: number }) {
  const { t, i18n } = useTranslation();
  const firings = useAlertFirings(alertId);
  if (firings.isPending) return <p className="small m-0">{t('app.loading')}</p>;
  if (firings.isError) return <p className="small m-0 text-danger">{t('alerts.firingsFailed')}</p>;
  if (firings.data.length === 0) return <p className="small m-0">{t('alerts.noFirings')}</p>;
  return (
    <ul className="small m-0 ps-3" aria-label={t('alerts.history')}>
      {firings.data.map((f) => (
        <li key={f.firing_no}>
          {formatDateTime(Date.parse(f.fired_at), i18n.language)}
          {` · ${f.price}`}
          {f.late ? (
            <Badge bg="warning" text="dark" className="ms-2">
              {t('alerts.late')}
            </Badge>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
