import { useTranslation } from 'react-i18next';

export interface FigureFormat {
  readonly count: (value: number) => string;
  readonly decimal: (value: number, digits?: number) => string;
  readonly bytes: (value: number) => string;
  readonly ms: (value: number | null | undefined) => string;
  readonly time: (iso: string) => string;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Numbers, sizes and times in the page's language (Intl). */
export function useFigureFormat(): FigureFormat {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const decimal = (value: number, digits = 1) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  return {
    count: (value) => new Intl.NumberFormat(locale).format(value),
    decimal,
    bytes: (value) => {
      let unit = 0;
      let size = value;
      while (size >= 1024 && unit < UNITS.length - 1) {
        size /= 1024;
        unit += 1;
      }
      return `${decimal(size, unit === 0 ? 0 : 1)} ${UNITS[unit] ?? ''}`;
    },
    ms: (value) =>
      value === null || value === undefined
        ? t('adminSystem.none')
        : t('adminSystem.msValue', { value: decimal(value, 1) }),
    time: (iso) =>
      new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' }).format(
        new Date(iso),
      ),
  };
}
