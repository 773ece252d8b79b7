import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import { ROLES } from '@/lib/roles';

import type { UserFilters } from '../api/users';

/** The API bounds the search text (backend/admin/router.py `q`, max_length 100). */
export const MAX_QUERY = 100;

export function filtersFromParams(params: URLSearchParams): UserFilters {
  const role = params.get('role');
  const state = params.get('state');
  const page = Number.parseInt(params.get('page') ?? '', 10);
  return {
    q: (params.get('q') ?? '').trim().slice(0, MAX_QUERY),
    role: ROLES.find((r) => r === role) ?? null,
    active: state === 'active' ? true : state === 'disabled' ? false : null,
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
  };
}

function paramsFromFilters(filters: UserFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (filters.q) out.q = filters.q;
  if (filters.role) out.role = filters.role;
  if (filters.active !== null) out.state = filters.active ? 'active' : 'disabled';
  if (filters.page > 1) out.page = String(filters.page);
  return out;
}

/**
 * Search, role/state filters and page of the admin users list, kept in the URL
 * (`?q=&role=&state=active|disabled&page=`) so a view can be shared and survives a reload.
 * Changing a filter goes back to page 1.
 */
export function useUserFilters(): [UserFilters, (change: Partial<UserFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const update = useCallback(
    (change: Partial<UserFilters>) => {
      setParams(
        (old) => {
          const current = filtersFromParams(old);
          const next = { ...current, ...change };
          if (change.page === undefined) next.page = 1;
          return paramsFromFilters(next);
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [filters, update];
}
