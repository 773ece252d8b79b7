import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import { TableScroll } from '@/components/table-scroll';
import { formatDateTime } from '@/lib/format';

import type { AuditEntry } from '../api/audit';
import { actionLabel } from '../audit-actions';

/** The action's name in the UI language; an action this build does not know shows its code. */
export function useActionLabel(): (action: string) => string {
  const { i18n } = useTranslation();
  return (action) => actionLabel(action, i18n.language);
}

function Target({ entry }: { readonly entry: AuditEntry }) {
  const { t } = useTranslation();
  if (entry.target_type === 'user' && entry.target_id) {
    return (
      <Link to={`/admin/users/${entry.target_id}`}>
        {t('adminAudit.userTarget', { id: entry.target_id })}
      </Link>
    );
  }
  if (entry.target_type === 'account') return <span>{t('adminAudit.unknownAccount')}</span>;
  return <span>{[entry.target_type, entry.target_id].filter(Boolean).join(' ') || '—'}</span>;
}

function Details({ details }: { readonly details: AuditEntry['details'] }) {
  if (!details || Object.keys(details).length === 0) return <span>—</span>;
  return (
    <span className="font-monospace small text-break">
      {Object.entries(details)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ')}
    </span>
  );
}

/** Audit entries, newest first: when, who, what, to whom, from where, which request. */
export function AuditTable({
  entries,
  caption,
  compact = false,
}: {
  readonly entries: readonly AuditEntry[];
  readonly caption: string;
  /** The user page's short list: no target, address or request columns. */
  readonly compact?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const label = useActionLabel();
  return (
    <TableScroll label={caption}>
      <Table hover size="sm" className="align-middle mb-0">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('adminAudit.at')}</th>
            <th scope="col">{t('adminAudit.action')}</th>
            <th scope="col">{t('adminAudit.actor')}</th>
            {compact ? null : <th scope="col">{t('adminAudit.target')}</th>}
            {compact ? null : <th scope="col">{t('adminAudit.address')}</th>}
            {compact ? null : <th scope="col">{t('adminAudit.requestId')}</th>}
            <th scope="col">{t('adminAudit.details')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td className="text-nowrap">{formatDateTime(Date.parse(entry.at), i18n.language)}</td>
              <th scope="row" className="fw-normal">
                {label(entry.action)}
                <div className="small text-body-secondary font-monospace">{entry.action}</div>
              </th>
              <td>
                {entry.actor_id === null ? (
                  t('adminAudit.anonymous')
                ) : (
                  <Link to={`/admin/users/${entry.actor_id}`}>
                    {entry.actor_username ?? `#${entry.actor_id}`}
                  </Link>
                )}
              </td>
              {compact ? null : (
                <td>
                  <Target entry={entry} />
                </td>
              )}
              {compact ? null : (
                <td className="font-monospace small">{entry.client_address ?? '—'}</td>
              )}
              {compact ? null : (
                <td className="font-monospace small text-break">{entry.request_id ?? '—'}</td>
              )}
              <td>
                <Details details={entry.details} />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}
