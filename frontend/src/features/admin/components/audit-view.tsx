import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';

import { AuditFiltersForm } from './audit-filters';
import { AuditTable } from './audit-table';
import { useAuditLog } from '../api/audit';
import { useAuditFilters } from '../hooks/use-audit-filters';

/** The audit log page: filters and cursor in the URL, newest first, older pages on demand. */
export function AuditView() {
  const { t } = useTranslation();
  const [filters, update] = useAuditFilters();
  const audit = useAuditLog(filters);
  const navigate = useNavigate();
  const location = useLocation();
  const data = audit.data;
  const paged = filters.cursor !== '';
  return (
    <>
      <h1 className="h3 mb-3">{t('adminAudit.title')}</h1>
      <p className="text-body-secondary small">{t('adminAudit.intro')}</p>
      <AuditFiltersForm filters={filters} onChange={update} />
      <ErrorAlert error={audit.error} />
      {data ? (
        <>
          {data.items.length === 0 ? (
            <p className="text-body-secondary">{t('adminAudit.empty')}</p>
          ) : (
            <AuditTable entries={data.items} caption={t('adminAudit.caption')} />
          )}
          <nav
            aria-label={t('adminAudit.pages')}
            className="d-flex flex-wrap gap-2 align-items-center mt-2"
          >
            <Button
              size="sm"
              variant="outline-secondary"
              disabled={!paged}
              onClick={() => update({ cursor: '' })}
            >
              {t('adminAudit.newest')}
            </Button>
            <Button
              size="sm"
              variant="outline-secondary"
              disabled={!paged}
              onClick={() => {
                // a cursor page was reached by "Older": the browser history holds the newer one
                if (location.key !== 'default') void navigate(-1);
                else update({ cursor: '' });
              }}
            >
              {t('adminAudit.newer')}
            </Button>
            <Button
              size="sm"
              variant="outline-secondary"
              disabled={!data.next_cursor || audit.isFetching}
              onClick={() => data.next_cursor && update({ ...filters, cursor: data.next_cursor })}
            >
              {t('adminAudit.older')}
            </Button>
            <span className="small text-body-secondary" aria-live="polite">
              {t('adminAudit.shown', { count: data.items.length })}
            </span>
          </nav>
        </>
      ) : null}
      {audit.isPending ? <PageSpinner /> : null}
    </>
  );
}
