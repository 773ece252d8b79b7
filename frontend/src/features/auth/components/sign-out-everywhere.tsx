import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';

import { useLogoutAllMutation } from '../api/auth';

/** Ends every session of the user on every device, this one included (then the login page). */
export function SignOutEverywhere() {
  const { t } = useTranslation();
  const logoutAll = useLogoutAllMutation();
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title" className="h5 mb-3">
        {t('profile.sessionsTitle')}
      </h2>
      <p className="text-body-secondary">{t('profile.sessionsText')}</p>
      <ErrorAlert error={logoutAll.error} />
      <Button
        variant="outline-danger"
        disabled={logoutAll.isPending}
        onClick={() => logoutAll.mutate()}
      >
        {t('profile.signOutEverywhere')}
      </Button>
    </section>
  );
}
