import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';
import { formatDateTime, formatIsoDate } from '@/lib/format';
import { ROLES } from '@/lib/roles';
import type { Role } from '@/lib/roles';

import { useUnlockUserMutation, useUpdateUserMutation } from '../api/users';
import type { AdminUser } from '../api/users';

function isLocked(user: AdminUser): boolean {
  return typeof user.locked_until === 'string' && Date.parse(user.locked_until) > Date.now();
}

export function UsersTable({
  users,
  selfId,
}: {
  readonly users: readonly AdminUser[];
  readonly selfId: number;
}) {
  const { t, i18n } = useTranslation();
  const update = useUpdateUserMutation();
  const unlock = useUnlockUserMutation();
  const lang = i18n.language;
  return (
    <>
      <ErrorAlert error={update.error ?? unlock.error} />
      <Table responsive hover className="align-middle">
        <caption className="visually-hidden">{t('admin.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('admin.id')}</th>
            <th scope="col">{t('admin.user')}</th>
            <th scope="col">{t('admin.role')}</th>
            <th scope="col">{t('admin.status')}</th>
            <th scope="col" className="d-none d-md-table-cell">
              {t('profile.memberSince')}
            </th>
            <th scope="col">{t('admin.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <td>{user.id}</td>
              <th scope="row">
                <Link to={`/admin/users/${user.id}`}>{user.username}</Link>
                <div className="small text-body-secondary fw-normal">{user.email}</div>
              </th>
              <td>
                <Form.Select
                  size="sm"
                  aria-label={t('admin.roleOf', { name: user.username })}
                  value={user.role}
                  disabled={user.id === selfId || update.isPending}
                  onChange={(event) =>
                    update.mutate({ id: user.id, body: { role: event.target.value as Role } })
                  }
                >
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {t(`roles.${role}`)}
                    </option>
                  ))}
                </Form.Select>
              </td>
              <td>
                {user.is_active ? t('admin.active') : t('admin.inactive')}
                {isLocked(user) && user.locked_until ? (
                  <div className="small text-danger">
                    {t('admin.locked', {
                      time: formatDateTime(Date.parse(user.locked_until), lang),
                    })}
                  </div>
                ) : null}
              </td>
              <td className="d-none d-md-table-cell">{formatIsoDate(user.created_at, lang)}</td>
              <td>
                <div className="d-flex gap-2 flex-wrap">
                  <Button
                    size="sm"
                    variant={user.is_active ? 'outline-danger' : 'outline-success'}
                    disabled={user.id === selfId || update.isPending}
                    onClick={() =>
                      update.mutate({ id: user.id, body: { is_active: !user.is_active } })
                    }
                  >
                    {user.is_active ? t('admin.deactivate') : t('admin.activate')}
                  </Button>
                  {isLocked(user) ? (
                    <Button
                      size="sm"
                      variant="outline-secondary"
                      disabled={unlock.isPending}
                      onClick={() => unlock.mutate(user.id)}
                    >
                      {t('admin.unlock')}
                    </Button>
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
