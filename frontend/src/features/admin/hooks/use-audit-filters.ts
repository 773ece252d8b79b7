import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import type { AuditFilters } from '../api/audit';

/** The API bounds each text filter (backend/admin/router.py, max_length 100). */
export const MAX_FILTER = 100;
const KEYS = ['actor', 'action', 'target', 'since', 'cursor'] as const;

export function auditFiltersFromParams(params: URLSearchParams): AuditFilters {
  const text = (key: string) => (params.get(key) ?? '').trim().slice(0, MAX_FILTER);
  const since = text('since');
  const cursor = text('cursor');
  return {
    actor: text('actor'),
    action: text('action'),
    target: text('target'),
    since: /^\d{4}-\d{2}-\d{2}$/.test(since) ? since : '',
    cursor: /^\d{1,18}$/.test(cursor) ? cursor : '',
  };
}

/**
 * The audit page's filters and cursor, kept in the URL (`?actor=&action=&target=&since=&cursor=`)
 * so a view can be shared. Changing a filter goes back to the newest entries.
 */
export function useAuditFilters(): [AuditFilters, (change: Partial<AuditFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => auditFiltersFromParams(params), [params]);
  const update = useCallback(
    (change: Partial<AuditFilters>) => {
      setParams((prev) => {
        const next = { ...auditFiltersFromParams(prev), cursor: '', ...change };
        const out: Record<string, string> = {};
        for (const key of KEYS) if (next[key]) out[key] = next[key];
        return out;
      });
    },
    [setParams],
  );
  return [filters, update];
}
