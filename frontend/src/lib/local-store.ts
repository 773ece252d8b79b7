/**
 * A tiny localStorage-backed value with change notification, for useSyncExternalStore.
 * Storage can throw (private mode, quota): the value then lives in memory for this page.
 */
export interface LocalValue<T> {
  readonly get: () => T;
  readonly set: (value: T) => void;
  readonly subscribe: (listener: () => void) => () => void;
}

export function localValue<T>(
  key: string,
  fallback: () => T,
  decode: (raw: string) => T | undefined,
  encode: (value: T) => string,
): LocalValue<T> {
  let cached: { value: T } | null = null;
  const listeners = new Set<() => void>();

  function read(): T {
    try {
      const raw = localStorage.getItem(key);
      const decoded = raw === null ? undefined : decode(raw);
      return decoded === undefined ? fallback() : decoded;
    } catch {
      return fallback();
    }
  }

  return {
    get() {
      cached ??= { value: read() };
      return cached.value;
    },
    set(value) {
      cached = { value };
      try {
        localStorage.setItem(key, encode(value));
      } catch {
        // keep the in-memory value
      }
      listeners.forEach((listener) => listener());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
