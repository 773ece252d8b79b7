import Alert from 'react-bootstrap/Alert';
import Card from 'react-bootstrap/Card';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';

import { LoginForm } from '@/features/auth/components/login-form';
import { useSession } from '@/features/auth/hooks/use-session';

/** Only same-app paths: never bounce to another origin after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/market';
}

export default function LoginPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const session = useSession();
  const state = (location.state ?? {}) as {
    registered?: boolean;
    username?: string;
  };
  const next = safeNext(params.get('next'));
  if (session.status === 'authenticated') return <Navigate to={next} replace />;
  return (
    <Card className="auth-card mx-auto">
      <Card.Body className="p-4">
        <h1 id="login-title" className="h4 mb-3">
          {t('auth.loginTitle')}
        </h1>
        {state.registered ? (
          <Alert variant="success" className="py-2" role="status">
            {t('auth.registered')}
          </Alert>
        ) : null}
        {session.endReason === 'password_changed' ? (
          <Alert variant="success" className="py-2" role="status">
            {t('auth.passwordChanged')}
          </Alert>
        ) : null}
        {session.endReason === 'signed_out_everywhere' ? (
          <Alert variant="success" className="py-2" role="status">
            {t('auth.signedOutEverywhere')}
          </Alert>
        ) : null}
        {session.endReason === 'expired' ? (
          <Alert variant="warning" className="py-2" role="status">
            {t('auth.sessionExpired')}
          </Alert>
        ) : null}
        <LoginForm
          defaultUsername={state.username ?? ''}
          onSuccess={() => void navigate(next, { replace: true })}
        />
        <p className="mt-3 mb-0 small">
          {t('auth.noAccount')} <Link to="/register">{t('nav.register')}</Link>
        </p>
      </Card.Body>
    </Card>
  );
}
