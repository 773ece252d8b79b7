import Card from 'react-bootstrap/Card';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate } from 'react-router';

import { RegisterForm } from '@/features/auth/components/register-form';
import { useSession } from '@/features/auth/hooks/use-session';

export default function RegisterPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  if (session.status === 'authenticated') return <Navigate to="/market" replace />;
  return (
    <Card className="auth-card mx-auto">
      <Card.Body className="p-4">
        <h1 id="register-title" className="h4 mb-3">
          {t('auth.registerTitle')}
        </h1>
        <RegisterForm
          onSuccess={(user) =>
            void navigate('/login', { state: { registered: true, username: user.username } })
          }
        />
        <p className="mt-3 mb-0 small">
          {t('auth.haveAccount')} <Link to="/login">{t('nav.login')}</Link>
        </p>
      </Card.Body>
    </Card>
  );
}
