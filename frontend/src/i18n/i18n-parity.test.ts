import { describe, expect, it } from 'vitest';

import { en } from './en';
import { detectLanguage } from './index';
import { ru } from './ru';
import type { LocaleTree } from './types';

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: LocaleTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else flatten(value, path).forEach((v, k) => out.set(k, v));
  }
  return out;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

/** key without plural suffix -> its texts */
function byBase(flat: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  flat.forEach((text, key) => {
    const base = key.replace(PLURAL, '');
    out.set(base, [...(out.get(base) ?? []), text]);
  });
  return out;
}

const enFlat = flatten(en);
const ruFlat = flatten(ru);

describe('i18n parity', () => {
  it('ru has exactly the keys of en (plural forms aside)', () => {
    expect([...byBase(ruFlat).keys()].sort()).toEqual([...byBase(enFlat).keys()].sort());
  });

  it('ru uses the same placeholders as en for every key', () => {
    const enBase = byBase(enFlat);
    byBase(ruFlat).forEach((texts, key) => {
      const expected = placeholders(enBase.get(key)?.[0] ?? '');
      texts.forEach((text) => expect(placeholders(text), key).toEqual(expected));
    });
  });

  it('every plural key has all the plural forms of its language', () => {
    const forms = (lang: string) => new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [flat, lang] of [
      [enFlat, 'en'],
      [ruFlat, 'ru'],
    ] as const) {
      const bases = new Set(
        [...flat.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')),
      );
      bases.forEach((base) => {
        forms(lang).forEach((form) =>
          expect(flat.has(`${base}_${form}`), `${lang} ${base}_${form}`).toBe(true),
        );
      });
    }
  });

  it('no string is empty', () => {
    [...enFlat.values(), ...ruFlat.values()].forEach((text) => expect(text.trim()).not.toBe(''));
  });
});

describe('detectLanguage', () => {
  it('prefers the stored choice, then the browser order', () => {
    expect(detectLanguage('en', ['ru-RU'])).toBe('en');
    expect(detectLanguage(null, ['ru-RU', 'en-US'])).toBe('ru');
    expect(detectLanguage(null, ['de-DE', 'en-GB', 'ru'])).toBe('en');
    expect(detectLanguage('xx', ['fr'])).toBe('en');
  });
});
