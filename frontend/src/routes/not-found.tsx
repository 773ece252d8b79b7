import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';

import { StatusPage } from '@/components/status-page';

export default function NotFoundPage() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  return (
    <StatusPage
      title={t('errors.notFoundTitle')}
      text={t('errors.notFoundText', { path: pathname })}
    >
      <Link className="btn btn-primary" to="/market">
        {t('errors.goHome')}
      </Link>
    </StatusPage>
  );
}
