import Card from 'react-bootstrap/Card';
import Col from 'react-bootstrap/Col';
import Row from 'react-bootstrap/Row';
import { useTranslation } from 'react-i18next';

import { PasswordForm } from '@/features/auth/components/password-form';
import { ProfileForm } from '@/features/auth/components/profile-form';
import { RequireRole } from '@/features/auth/components/require-role';
import { SignOutEverywhere } from '@/features/auth/components/sign-out-everywhere';
import { useCurrentUser } from '@/features/auth/hooks/use-current-user';
import { NotificationChannels } from '@/features/notifications/components/notification-channels';
import { formatIsoDate } from '@/lib/format';

/** `telegram_linked` of /users/me (MeOut; the auth feature types the user as UserOut). */
function telegramLinked(user: object): boolean {
  return 'telegram_linked' in user && user.telegram_linked === true;
}

function ProfileContent() {
  const { t, i18n } = useTranslation();
  const { user } = useCurrentUser();
  if (!user) return null;
  return (
    <>
      <h1 className="h3 mb-1">{t('profile.title')}</h1>
      <p className="text-body-secondary">
        {t('profile.role')}: {t(`roles.${user.role}`)} · {t('profile.memberSince')}{' '}
        {formatIsoDate(user.created_at, i18n.language)}
      </p>
      <Row className="g-4">
        <Col lg={6}>
          <Card>
            <Card.Body>
              <ProfileForm user={user} />
            </Card.Body>
          </Card>
        </Col>
        <Col lg={6}>
          <Card>
            <Card.Body>
              <PasswordForm />
            </Card.Body>
          </Card>
        </Col>
        <Col lg={6}>
          <Card>
            <Card.Body>
              <SignOutEverywhere />
            </Card.Body>
          </Card>
        </Col>
        <Col lg={6}>
          <Card>
            <Card.Body>
              <NotificationChannels telegramLinked={telegramLinked(user)} />
            </Card.Body>
          </Card>
        </Col>
      </Row>
    </>
  );
}

export default function ProfilePage() {
  return (
    <RequireRole role="trader">
      <ProfileContent />
    </RequireRole>
  );
}
