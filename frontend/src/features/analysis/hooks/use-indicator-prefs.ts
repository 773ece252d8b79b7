import { useCallback, useMemo, useSyncExternalStore } from 'react';

import { localValue } from '@/lib/local-store';
import type { LocalValue } from '@/lib/local-store';

import { DEFAULT_SELECTION, findIndicator, validParams } from '../lib/indicator-specs';
import type { ChosenIndicator } from '../lib/indicator-specs';

/** Decode a stored selection, keeping only known indicators with parameters in range. */
export function decodeSelection(raw: string): ChosenIndicator[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: ChosenIndicator[] = [];
  for (const item of parsed as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { name, params } = item as { name?: unknown; params?: unknown };
    if (typeof name !== 'string' || !Array.isArray(params)) continue;
    const spec = findIndicator(name);
    const valid = spec ? validParams(spec, params as unknown[]) : null;
    if (valid && !out.some((c) => c.name === name)) out.push({ name, params: valid });
  }
  return out;
}

const stores = new Map<string, LocalValue<readonly ChosenIndicator[]>>();

function storeFor(userKey: string): LocalValue<readonly ChosenIndicator[]> {
  let store = stores.get(userKey);
  if (!store) {
    store = localValue<readonly ChosenIndicator[]>(
      `indicators:${userKey}`,
      () => DEFAULT_SELECTION,
      decodeSelection,
      (value) => JSON.stringify(value),
    );
    stores.set(userKey, store);
  }
  return store;
}

/**
 * The indicators (and parameters) a user chose on the symbol page, remembered per user in this
 * browser (key `indicators:<user id>`; `anonymous` when signed out).
 */
export function useIndicatorPrefs(
  userId: number | null,
): [readonly ChosenIndicator[], (next: readonly ChosenIndicator[]) => void] {
  const store = useMemo(() => storeFor(userId === null ? 'anonymous' : String(userId)), [userId]);
  const value = useSyncExternalStore(store.subscribe, store.get, store.get);
  const set = useCallback((next: readonly ChosenIndicator[]) => store.set(next), [store]);
  return [value, set];
}
