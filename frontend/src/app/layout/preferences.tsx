import Button from 'react-bootstrap/Button';
import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { LANGUAGES, setLanguage } from '@/i18n';
import type { Language } from '@/i18n';
import { useTheme } from '@/lib/theme';

const LANGUAGE_NAMES: Record<Language, string> = { ru: 'Русский', en: 'English' };

export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <Form.Select
      size="sm"
      aria-label={t('nav.language')}
      value={i18n.language}
      onChange={(event) => setLanguage(event.target.value as Language)}
      style={{ width: 'auto' }}
    >
      {LANGUAGES.map((lang) => (
        <option key={lang} value={lang} lang={lang}>
          {LANGUAGE_NAMES[lang]}
        </option>
      ))}
    </Form.Select>
  );
}

export function ThemeToggle() {
  const { t } = useTranslation();
  const [theme, setTheme] = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  const label = next === 'dark' ? t('nav.themeDark') : t('nav.themeLight');
  return (
    <Button
      size="sm"
      variant="outline-secondary"
      onClick={() => setTheme(next)}
      aria-label={label}
      title={label}
    >
      <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
    </Button>
  );
}
