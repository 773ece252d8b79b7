import { useCallback, useMemo, useSyncExternalStore } from 'react';

import { localValue } from '@/lib/local-store';

/** Favourite symbols, kept in this browser (localStorage), shown first in the overview. */
const store = localValue<readonly string[]>(
  'favourites',
  () => [],
  (raw) => {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed)
      ? parsed.filter((s): s is string => typeof s === 'string')
      : undefined;
  },
  (value) => JSON.stringify(value),
);

export function useFavourites(): [ReadonlySet<string>, (symbol: string) => void] {
  const list = useSyncExternalStore(store.subscribe, store.get, store.get);
  const toggle = useCallback((symbol: string) => {
    const current = store.get();
    store.set(
      current.includes(symbol) ? current.filter((s) => s !== symbol) : [...current, symbol],
    );
  }, []);
  const set = useMemo(() => new Set(list), [list]);
  return [set, toggle];
}
