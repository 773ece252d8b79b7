import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

import type { ChartOverlay } from '@/lib/chart-overlay';

import { useIndicatorPrefs } from './use-indicator-prefs';
import { useIndicators, useLiveIndicators } from '../api/analysis';
import type { IndicatorData, Interval } from '../api/types';
import { specString } from '../lib/indicator-specs';
import type { ChosenIndicator } from '../lib/indicator-specs';
import { overlaysFrom } from '../lib/overlays';

export interface SymbolIndicators {
  readonly chosen: readonly ChosenIndicator[];
  readonly setChosen: (next: readonly ChosenIndicator[]) => void;
  readonly data: IndicatorData | undefined;
  readonly error: unknown;
  readonly overlays: readonly ChartOverlay[];
}

/**
 * The symbol page's indicators: the user's remembered choice, their values (forming candle
 * included, refetched as the candle stream moves) and the overlay lines for the candle chart.
 * `userId` null: signed out, nothing is fetched (indicators need a trader's login).
 */
export function useSymbolIndicators(
  symbol: string,
  interval: Interval,
  userId: number | null,
): SymbolIndicators {
  const { t } = useTranslation();
  const [chosen, setChosen] = useIndicatorPrefs(userId);
  const specs = useMemo(() => (userId === null ? [] : chosen.map(specString)), [chosen, userId]);
  const query = useIndicators(symbol, interval, specs);
  useLiveIndicators(symbol, interval, specs.length > 0);
  const data = specs.length > 0 ? query.data : undefined;
  const overlays = useMemo(
    () =>
      overlaysFrom(
        data,
        chosen,
        (c, output) =>
          `${t(`analysis.name.${c.name}` as 'analysis.name.sma')}${
            c.params.length ? `(${c.params.join(',')})` : ''
          }${output === c.name ? '' : ` ${output}`}`,
      ),
    [data, chosen, t],
  );
  return { chosen, setChosen, data, error: specs.length > 0 ? query.error : null, overlays };
}
