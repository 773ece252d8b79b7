import { useEffect, useState } from 'react';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { ROLES } from '@/lib/roles';

import type { UserFilters } from '../api/users';
import { MAX_QUERY } from '../hooks/use-user-filters';

/** Typing settles for this long before the list is asked again. */
const SEARCH_DELAY_MS = 300;

/** Search box plus role and state selects above the admin users table. */
export function UsersFilters({
  filters,
  onChange,
}: {
  readonly filters: UserFilters;
  readonly onChange: (change: Partial<UserFilters>) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(filters.q);
  // the URL changed under us (back button, a link): show its search text
  useEffect(() => {
    setText((current) => (current.trim() === filters.q ? current : filters.q));
  }, [filters.q]);
  useEffect(() => {
    if (text.trim() === filters.q) return undefined;
    const timer = setTimeout(() => onChange({ q: text.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, filters.q, onChange]);
  const state = filters.active === null ? '' : filters.active ? 'active' : 'disabled';
  return (
    <Form
      role="search"
      className="d-flex flex-wrap gap-2 align-items-end mb-3"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ q: text.trim() });
      }}
    >
      <Form.Group controlId="admin-users-search" className="flex-grow-1" style={{ maxWidth: 320 }}>
        <Form.Label className="small mb-1">{t('admin.search')}</Form.Label>
        <Form.Control
          type="search"
          value={text}
          maxLength={MAX_QUERY}
          placeholder={t('admin.searchPlaceholder')}
          onChange={(event) => setText(event.target.value)}
        />
      </Form.Group>
      <Form.Group controlId="admin-users-role">
        <Form.Label className="small mb-1">{t('admin.role')}</Form.Label>
        <Form.Select
          value={filters.role ?? ''}
          onChange={(event) => {
            const role = ROLES.find((r) => r === event.target.value) ?? null;
            onChange({ role });
          }}
        >
          <option value="">{t('admin.anyRole')}</option>
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {t(`roles.${role}`)}
            </option>
          ))}
        </Form.Select>
      </Form.Group>
      <Form.Group controlId="admin-users-state">
        <Form.Label className="small mb-1">{t('admin.status')}</Form.Label>
        <Form.Select
          value={state}
          onChange={(event) => {
            const value = event.target.value;
            onChange({ active: value === 'active' ? true : value === 'disabled' ? false : null });
          }}
        >
          <option value="">{t('admin.anyState')}</option>
          <option value="active">{t('admin.active')}</option>
          <option value="disabled">{t('admin.inactive')}</option>
        </Form.Select>
      </Form.Group>
    </Form>
  );
}
