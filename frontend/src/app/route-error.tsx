import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';
import { useRouteError } from 'react-router';

import { StatusPage } from '@/components/status-page';
import { errorMessage } from '@/lib/error-message';

/** Last resort, e.g. a route chunk that failed to download after a deploy: reload the page. */
export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError();
  return (
    <main className="container py-5">
      <StatusPage title={t('errors.title')} text={errorMessage(error)}>
        <Button onClick={() => window.location.reload()}>{t('errors.retry')}</Button>
      </StatusPage>
    </main>
  );
}
