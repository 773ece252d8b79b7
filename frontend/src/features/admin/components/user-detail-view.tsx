import { Fragment } from 'react';
import Badge from 'react-bootstrap/Badge';
import Card from 'react-bootstrap/Card';
import Col from 'react-bootstrap/Col';
import Row from 'react-bootstrap/Row';
import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import { formatDateTime, formatIsoDate, formatQuantity } from '@/lib/format';

import { AuditTable } from './audit-table';
import { UserActions, isLocked } from './user-actions';
import { useAdminUser } from '../api/user';
import type { AdminUserDetail } from '../api/user';

function Profile({ detail }: { readonly detail: AdminUserDetail }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const user = detail.user;
  const rows: [string, string][] = [
    [t('admin.id'), String(user.id)],
    [t('auth.email'), user.email],
    [t('admin.role'), t(`roles.${user.role}`)],
    [t('profile.memberSince'), formatIsoDate(user.created_at, lang)],
    [
      t('adminUser.lastLogin'),
      user.last_login_at ? formatDateTime(Date.parse(user.last_login_at), lang) : '—',
    ],
    [
      t('adminUser.telegram'),
      detail.telegram_linked ? t('adminUser.linked') : t('adminUser.notLinked'),
    ],
    [
      t('adminUser.alerts'),
      t('adminUser.alertsCount', { total: detail.alerts.total, active: detail.alerts.active }),
    ],
  ];
  return (
    <Card className="h-100">
      <Card.Body>
        <h2 className="h5">{t('adminUser.profile')}</h2>
        <dl className="row mb-0 small">
          {rows.map(([k, v]) => (
            <Fragment key={k}>
              <dt className="col-5 fw-semibold">{k}</dt>
              <dd className="col-7 mb-1 text-break">{v}</dd>
            </Fragment>
          ))}
        </dl>
      </Card.Body>
    </Card>
  );
}

function Account({ detail }: { readonly detail: AdminUserDetail }) {
  const { t, i18n } = useTranslation();
  const account = detail.account;
  return (
    <Card className="h-100">
      <Card.Body>
        <h2 className="h5">{t('adminUser.account')}</h2>
        {account ? (
          <>
            <p className="mb-2">
              {t('adminUser.equity', {
                value: formatQuantity(account.equity, '0.01', i18n.language),
                asset: account.equity_asset,
              })}
            </p>
            <Table size="sm" className="mb-0">
              <caption className="visually-hidden">{t('adminUser.balances')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('adminUser.asset')}</th>
                  <th scope="col" className="text-end">
                    {t('adminUser.free')}
                  </th>
                  <th scope="col" className="text-end">
                    {t('adminUser.locked')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {account.balances.map((b) => (
                  <tr key={b.asset}>
                    <th scope="row">{b.asset}</th>
                    <td className="text-end font-monospace">{b.free}</td>
                    <td className="text-end font-monospace">{b.locked}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </>
        ) : (
          <p className="text-body-secondary mb-0">{t('adminUser.noAccount')}</p>
        )}
      </Card.Body>
    </Card>
  );
}

/** One user's page: profile, demo account, alerts, Telegram, actions and recent events. */
export function UserDetailView({ id, selfId }: { readonly id: number; readonly selfId: number }) {
  const { t, i18n } = useTranslation();
  const query = useAdminUser(id);
  const detail = query.data;
  if (query.isPending) return <PageSpinner />;
  if (!detail) return <ErrorAlert error={query.error} />;
  const user = detail.user;
  return (
    <>
      <p className="mb-1 small">
        <Link to="/admin/users">{t('adminUser.back')}</Link>
      </p>
      <h1 className="h3 mb-3 d-flex flex-wrap align-items-center gap-2">
        {user.username}
        <Badge bg={user.is_active ? 'success' : 'danger'} className="fs-6">
          {user.is_active ? t('admin.active') : t('admin.inactive')}
        </Badge>
        {isLocked(user) && user.locked_until ? (
          <Badge bg="warning" text="dark" className="fs-6">
            {t('admin.locked', {
              time: formatDateTime(Date.parse(user.locked_until), i18n.language),
            })}
          </Badge>
        ) : null}
      </h1>
      <UserActions key={`${user.id}-${user.role}`} user={user} self={user.id === selfId} />
      <Row className="g-3 mb-4">
        <Col md={6}>
          <Profile detail={detail} />
        </Col>
        <Col md={6}>
          <Account detail={detail} />
        </Col>
      </Row>
      <section aria-labelledby="user-events-title">
        <h2 id="user-events-title" className="h5">
          {t('adminUser.events')}
        </h2>
        {detail.recent_events.length === 0 ? (
          <p className="text-body-secondary">{t('adminAudit.empty')}</p>
        ) : (
          <AuditTable entries={detail.recent_events} caption={t('adminUser.events')} compact />
        )}
        <p className="small mt-2">
          <Link to={`/admin/audit?target=user:${user.id}`}>{t('adminUser.allEvents')}</Link>
        </p>
      </section>
    </>
  );
}
