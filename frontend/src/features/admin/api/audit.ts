import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import type { components } from '@/api/schema';
import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';

export type AuditEntry = components['schemas']['AuditEntryOut'];
export type AuditPage = components['schemas']['AuditPage'];

/** Entries per page of the audit page (the API allows up to 200). */
export const AUDIT_PAGE_SIZE = 25;

export interface AuditFilters {
  /** A user id or a username; '' for anyone. */
  readonly actor: string;
  /** An action or a prefix of one ("auth" for every auth.*); '' for any. */
  readonly action: string;
  /** "user:7" or an id; '' for any. */
  readonly target: string;
  /** A local date (YYYY-MM-DD): entries from its start; '' for all time. */
  readonly since: string;
  /** The cursor of this page ('' for the newest). */
  readonly cursor: string;
}

export const auditKeys = {
  all: ['admin', 'audit'] as const,
  page: (filters: AuditFilters) => [...auditKeys.all, filters] as const,
};

/** The local day's start as an aware ISO time, or undefined when not a date. */
export function sinceIso(date: string): string | undefined {
  const ms = Date.parse(`${date}T00:00:00`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function auditQuery(filters: AuditFilters) {
  const since = filters.since ? sinceIso(filters.since) : undefined;
  return queryOptions({
    queryKey: auditKeys.page(filters),
    queryFn: () =>
      unwrap(
        api().GET('/api/v1/admin/audit', {
          params: {
            query: {
              limit: AUDIT_PAGE_SIZE,
              ...(filters.actor ? { actor: filters.actor } : {}),
              ...(filters.action ? { action: filters.action } : {}),
              ...(filters.target ? { target: filters.target } : {}),
              ...(since ? { since } : {}),
              ...(filters.cursor ? { cursor: filters.cursor } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useAuditLog(filters: AuditFilters) {
  return useQuery(auditQuery(filters));
}
