import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useNavigation } from 'react-router';

import { PageSpinner } from '@/components/page-spinner';
import { StatusPage } from '@/components/status-page';
import { hasRole } from '@/lib/roles';
import type { Role } from '@/lib/roles';

import { useCurrentUser } from '../hooks/use-current-user';

/**
 * Guards a page on direct URL visits: anonymous -> the login page (coming back afterwards),
 * signed in with a lower role -> 403 page. The API still checks every call.
 */
export function RequireRole({
  role,
  children,
}: {
  readonly role: Role;
  readonly children: ReactNode;
}) {
  const { t } = useTranslation();
  const location = useLocation();
  const current = useCurrentUser();
  const navigation = useNavigation();
  if (current.state === 'loading') return <PageSpinner />;
  if (current.state === 'anonymous') {
    // signed out on purpose while navigating away (e.g. after a password change): let that
    // navigation win instead of racing it with a redirect
    if (navigation.state !== 'idle') return <PageSpinner />;
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (!hasRole(current.user.role, role)) {
    return (
      <StatusPage
        title={t('errors.forbiddenTitle')}
        text={t('errors.forbiddenText', { role: t(`roles.${current.user.role}`) })}
      >
        <Link className="btn btn-primary" to="/market">
          {t('errors.goHome')}
        </Link>
      </StatusPage>
    );
  }
  return <>{children}</>;
}
