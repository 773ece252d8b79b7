import i18next from 'i18next';
import type { TOptions } from 'i18next';
import { initReactI18next } from 'react-i18next';

import { en } from './en';
import { ru } from './ru';

export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'lang';

function isLanguage(value: unknown): value is Language {
  return value === 'ru' || value === 'en';
}

/** Stored choice first, then the browser's preference order (Russian when it comes first). */
export function detectLanguage(
  stored: string | null,
  preferred: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages,
): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  void i18next.changeLanguage(lang);
}

/** Initialise i18next once (called from main.tsx and the test render helper, never at import). */
export function initI18n(lang: Language = detectLanguage(readStored())): typeof i18next {
  if (!i18next.isInitialized) {
    void i18next.use(initReactI18next).init({
      resources: { en: { translation: en }, ru: { translation: ru } },
      lng: lang,
      fallbackLng: 'en',
      interpolation: { escapeValue: false },
      returnNull: false,
      initAsync: false,
    });
    i18next.on('languageChanged', (lng) => {
      document.documentElement.lang = lng;
    });
    document.documentElement.lang = lang;
  } else if (i18next.language !== lang) {
    void i18next.changeLanguage(lang);
  }
  return i18next;
}

/** For keys built at run time (error codes, zod messages): falls back when the key is missing. */
export function translateDynamic(key: string, fallback: string, options?: TOptions): string {
  if (!i18next.exists(key, options)) return fallback;
  return i18next.t(key, options as never) as unknown as string;
}
