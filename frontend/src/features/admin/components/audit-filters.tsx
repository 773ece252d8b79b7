import { useEffect, useState } from 'react';
import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import type { AuditFilters } from '../api/audit';
import { MAX_FILTER } from '../hooks/use-audit-filters';

type TextKey = 'actor' | 'action' | 'target';

/** Known action prefixes offered in the action box (any action or prefix may be typed). */
const ACTION_HINTS = [
  'auth',
  'user',
  'admin',
  'telegram',
  'webhook',
  'auth.login_failed',
  'auth.lockout',
  'user.blocked',
  'user.role_changed',
  'user.sessions_revoked',
];

/** Actor, action, target and since filters above the audit table, applied on submit. */
export function AuditFiltersForm({
  filters,
  onChange,
}: {
  readonly filters: AuditFilters;
  readonly onChange: (change: Partial<AuditFilters>) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Record<TextKey, string>>(filters);
  const [since, setSince] = useState(filters.since);
  useEffect(() => {
    setDraft({ actor: filters.actor, action: filters.action, target: filters.target });
    setSince(filters.since);
  }, [filters.actor, filters.action, filters.target, filters.since]);
  const field = (key: TextKey, placeholder: string) => (
    <Form.Group controlId={`audit-${key}`}>
      <Form.Label className="small mb-1">{t(`adminAudit.filter.${key}`)}</Form.Label>
      <Form.Control
        type="search"
        value={draft[key]}
        maxLength={MAX_FILTER}
        placeholder={placeholder}
        list={key === 'action' ? 'audit-action-hints' : undefined}
        onChange={(event) => setDraft((d) => ({ ...d, [key]: event.target.value }))}
      />
    </Form.Group>
  );
  return (
    <Form
      role="search"
      aria-label={t('adminAudit.filter.label')}
      className="d-flex flex-wrap gap-2 align-items-end mb-3"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({
          actor: draft.actor.trim(),
          action: draft.action.trim(),
          target: draft.target.trim(),
          since,
        });
      }}
    >
      {field('actor', t('adminAudit.filter.actorHint'))}
      {field('action', t('adminAudit.filter.actionHint'))}
      <datalist id="audit-action-hints">
        {ACTION_HINTS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {field('target', t('adminAudit.filter.targetHint'))}
      <Form.Group controlId="audit-since">
        <Form.Label className="small mb-1">{t('adminAudit.filter.since')}</Form.Label>
        <Form.Control type="date" value={since} onChange={(e) => setSince(e.target.value)} />
      </Form.Group>
      <Button type="submit" variant="primary">
        {t('adminAudit.filter.apply')}
      </Button>
      <Button
        variant="outline-secondary"
        onClick={() => onChange({ actor: '', action: '', target: '', since: '' })}
      >
        {t('adminAudit.filter.clear')}
      </Button>
    </Form>
  );
}
