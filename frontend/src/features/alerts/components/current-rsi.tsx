import { useTranslation } from 'react-i18next';

import { useIndicators } from '@/features/analysis/api/analysis';
import type { Interval } from '@/features/analysis/api/types';
import { lastValue } from '@/features/analysis/lib/overlays';
import { formatPrice } from '@/lib/format';

const RSI_SPEC = 'rsi:14';

/** RSI(14) of the symbol's chosen interval (forming candle included) beside an RSI alert's level. */
export function CurrentRsi({
  symbol,
  interval,
}: {
  readonly symbol: string;
  readonly interval: Interval;
}) {
  const { t, i18n } = useTranslation();
  const rsi = useIndicators(symbol, interval, [RSI_SPEC]);
  const value = rsi.data ? lastValue(rsi.data, RSI_SPEC, 'rsi') : null;
  return (
    <div className="mb-1" aria-live="polite">
      <span className="text-body-secondary">{t('alerts.currentRsi', { interval })}: </span>
      <span>{value ? formatPrice(value, '0.01', i18n.language) : '—'}</span>
    </div>
  );
}
