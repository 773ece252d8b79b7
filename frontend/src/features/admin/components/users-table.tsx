import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import { formatDateTime, formatIsoDate } from '@/lib/format';

import { ConfirmAction } from './confirm-action';
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
              {/* the role changes on the user's page, behind its confirmation */}
              <td>{t(`roles.${user.role}`)}</td>
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
                  {/* keyed: React must not carry the block dialog's open state to unblock */}
                  {user.is_active ? (
                    <ConfirmAction
                      key="block"
                      id={`confirm-block-${user.id}`}
                      label={t('admin.deactivate')}
                      title={t('adminUser.blockTitle', { name: user.username })}
                      text={t('adminUser.blockText')}
                      confirm={t('adminUser.block')}
                      disabled={user.id === selfId}
                      busy={update.isPending}
                      error={update.error}
                      onOpen={() => update.reset()}
                      onConfirm={(done) =>
                        update.mutate(
                          { id: user.id, body: { is_active: false } },
                          { onSuccess: done },
                        )
                      }
                    />
                  ) : (
                    <ConfirmAction
                      key="unblock"
                      id={`confirm-unblock-${user.id}`}
                      variant="outline-success"
                      label={t('admin.activate')}
                      title={t('adminUser.unblockTitle', { name: user.username })}
                      text={t('adminUser.unblockText')}
                      confirm={t('adminUser.unblock')}
                      busy={update.isPending}
                      error={update.error}
                      onOpen={() => update.reset()}
                      onConfirm={(done) =>
                        update.mutate(
                          { id: user.id, body: { is_active: true } },
                          { onSuccess: done },
                        )
                      }
                    />
                  )}
                  {isLocked(user) ? (
                    <ConfirmAction
                      id={`confirm-unlock-${user.id}`}
                      variant="outline-secondary"
                      label={t('admin.unlock')}
                      title={t('adminUser.unlockTitle', { name: user.username })}
                      text={t('adminUser.unlockText')}
                      confirm={t('admin.unlock')}
                      busy={unlock.isPending}
                      error={unlock.error}
                      onOpen={() => unlock.reset()}
                      onConfirm={(done) => unlock.mutate(user.id, { onSuccess: done })}
                    />
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
