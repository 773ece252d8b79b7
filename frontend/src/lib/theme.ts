import { useCallback, useSyncExternalStore } from 'react';

import { localValue } from './local-store';

export type Theme = 'light' | 'dark';

function systemTheme(): Theme {
  return typeof window.matchMedia === 'function' &&
    window.matchMedia('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';
}

const themeStore = localValue<Theme>(
  'theme',
  systemTheme,
  (raw) => (raw === 'dark' || raw === 'light' ? raw : undefined),
  (value) => value,
);

/** Bootstrap 5.3 colour modes: one attribute on <html> switches every component. */
export function applyTheme(theme: Theme = themeStore.get()): void {
  document.documentElement.setAttribute('data-bs-theme', theme);
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const theme = useSyncExternalStore(themeStore.subscribe, themeStore.get, themeStore.get);
  const setTheme = useCallback((next: Theme) => {
    themeStore.set(next);
    applyTheme(next);
  }, []);
  return [theme, setTheme];
}
