import { useState } from 'react';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { ROLES } from '@/lib/roles';
import type { Role } from '@/lib/roles';

import { ConfirmAction } from './confirm-action';
import { useUserActionMutation } from '../api/user';
import type { UserAction } from '../api/user';
import type { AdminUser } from '../api/users';

export function isLocked(user: AdminUser): boolean {
  return typeof user.locked_until === 'string' && Date.parse(user.locked_until) > Date.now();
}

/** Role, block/unblock, unlock and revoke-sessions, each behind a confirmation dialog. */
export function UserActions({ user, self }: { readonly user: AdminUser; readonly self: boolean }) {
  const { t } = useTranslation();
  const action = useUserActionMutation(user.id);
  const [role, setRole] = useState<Role>(user.role);
  const name = user.username;
  const run = (a: UserAction) => (done: () => void) => action.mutate(a, { onSuccess: done });
  const common = {
    busy: action.isPending,
    error: action.error,
    onOpen: () => action.reset(),
  };
  return (
    <section aria-labelledby="user-actions-title" className="mb-4">
      <h2 id="user-actions-title" className="h5">
        {t('adminUser.actions')}
      </h2>
      {self ? <p className="small text-body-secondary">{t('adminUser.selfNote')}</p> : null}
      <div className="d-flex flex-wrap gap-2 align-items-end">
        <Form.Group controlId="user-role">
          <Form.Label className="small mb-1">{t('admin.roleOf', { name })}</Form.Label>
          <Form.Select
            size="sm"
            value={role}
            disabled={self}
            onChange={(event) => setRole(event.target.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </Form.Select>
        </Form.Group>
        <ConfirmAction
          id="confirm-role"
          variant="outline-primary"
          label={t('adminUser.changeRole')}
          title={t('adminUser.changeRole')}
          text={t('adminUser.roleText', { name, role: t(`roles.${role}`) })}
          confirm={t('adminUser.changeRole')}
          disabled={self || role === user.role}
          onConfirm={run({ kind: 'role', body: { role } })}
          {...common}
        />
        {/* keyed: without keys React would keep the block dialog's open state for unblock */}
        {user.is_active ? (
          <ConfirmAction
            key="block"
            id="confirm-block"
            label={t('adminUser.block')}
            title={t('adminUser.blockTitle', { name })}
            text={t('adminUser.blockText')}
            confirm={t('adminUser.block')}
            disabled={self}
            onConfirm={run({ kind: 'block' })}
            {...common}
          />
        ) : (
          <ConfirmAction
            key="unblock"
            id="confirm-unblock"
            variant="outline-success"
            label={t('adminUser.unblock')}
            title={t('adminUser.unblockTitle', { name })}
            text={t('adminUser.unblockText')}
            confirm={t('adminUser.unblock')}
            onConfirm={run({ kind: 'unblock' })}
            {...common}
          />
        )}
        {isLocked(user) ? (
          <ConfirmAction
            id="confirm-unlock"
            variant="outline-secondary"
            label={t('admin.unlock')}
            title={t('adminUser.unlockTitle', { name })}
            text={t('adminUser.unlockText')}
            confirm={t('admin.unlock')}
            onConfirm={run({ kind: 'unlock' })}
            {...common}
          />
        ) : null}
        <ConfirmAction
          id="confirm-revoke"
          label={t('adminUser.revoke')}
          title={t('adminUser.revokeTitle', { name })}
          text={t('adminUser.revokeText')}
          confirm={t('adminUser.revoke')}
          onConfirm={run({ kind: 'revoke' })}
          {...common}
        />
      </div>
      {action.isSuccess ? (
        <p role="status" className="small text-success mt-2 mb-0">
          {t('admin.updated', { name })}
        </p>
      ) : null}
    </section>
  );
}
