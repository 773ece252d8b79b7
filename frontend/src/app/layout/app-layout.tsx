import { QueryErrorResetBoundary } from '@tanstack/react-query';
import Button from 'react-bootstrap/Button';
import Container from 'react-bootstrap/Container';
import ProgressBar from 'react-bootstrap/ProgressBar';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigation } from 'react-router';

import { ErrorBoundary } from '@/components/error-boundary';
import { StatusPage } from '@/components/status-page';
import { LiveNotifications } from '@/features/notifications/components/live-notifications';
import { errorMessage } from '@/lib/error-message';

import { AppNavbar } from './app-navbar';

export function AppLayout() {
  const { t } = useTranslation();
  const location = useLocation();
  const navigation = useNavigation();
  return (
    <>
      <a
        href="#main"
        className="visually-hidden-focusable position-absolute top-0 start-0 p-2 bg-body"
      >
        {t('app.skipToContent')}
      </a>
      <AppNavbar />
      <LiveNotifications />
      {navigation.state === 'loading' ? (
        <ProgressBar animated now={100} className="route-progress rounded-0" aria-hidden="true" />
      ) : null}
      <Container as="main" id="main" fluid="xl" className="py-3 py-md-4" tabIndex={-1}>
        <QueryErrorResetBoundary>
          {({ reset }) => (
            <ErrorBoundary
              resetKey={location.pathname}
              onReset={reset}
              fallback={({ error, retry }) => (
                <StatusPage
                  title={t('errors.title')}
                  text={`${t('errors.boundary')} ${errorMessage(error)}`}
                >
                  <Button onClick={retry}>{t('errors.retry')}</Button>
                </StatusPage>
              )}
            >
              <Outlet />
            </ErrorBoundary>
          )}
        </QueryErrorResetBoundary>
      </Container>
      <footer className="container-xl py-3 small text-body-secondary border-top">
        {t('app.attribution')}
      </footer>
    </>
  );
}
