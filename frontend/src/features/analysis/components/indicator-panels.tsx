import { useTranslation } from 'react-i18next';

import { TimeLineChart } from '@/components/time-line-chart';
import type { TimeLine } from '@/components/time-line-chart';

import type { IndicatorData } from '../api/types';
import { findIndicator, specString } from '../lib/indicator-specs';
import type { ChosenIndicator } from '../lib/indicator-specs';
import { lastValue, seriesPoints } from '../lib/overlays';

const PANEL_COLORS = ['#3b82f6', '#f59e0b', '#a855f7'];

function formatValue(value: string, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: 6 }).format(
    value as Intl.StringNumericLiteral,
  );
}

/**
 * One panel per chosen oscillator (RSI, MACD, Stochastic, OBV, ATR, ADX) under the candle chart,
 * each with its latest values as text (the canvas is an image for screen readers).
 */
export function IndicatorPanels({
  data,
  chosen,
  symbol,
  xRange = null,
}: {
  readonly data: IndicatorData | undefined;
  readonly chosen: readonly ChosenIndicator[];
  readonly symbol: string;
  /** The candle chart's visible window: the panels show the same candles. */
  readonly xRange?: { readonly min: number; readonly max: number } | null;
}) {
  const { t, i18n } = useTranslation();
  const panels = chosen.filter((c) => findIndicator(c.name)?.placement === 'panel');
  if (!data || panels.length === 0) return null;
  return (
    <div className="d-flex flex-column gap-2 mb-3">
      {panels.map((c) => {
        const spec = specString(c);
        const outputs = Object.keys(data.series[spec] ?? {});
        const name = `${t(`analysis.name.${c.name}` as 'analysis.name.sma')}${
          c.params.length ? ` (${c.params.join(', ')})` : ''
        }`;
        const latest = outputs
          .map((o) => {
            const v = lastValue(data, spec, o);
            return `${outputs.length > 1 ? `${o} ` : ''}${v === null ? '—' : formatValue(v, i18n.language)}`;
          })
          .join(', ');
        const lines: TimeLine[] = outputs.map((o, i) => ({
          label: o,
          color: PANEL_COLORS[i % PANEL_COLORS.length] ?? '#888',
          points: seriesPoints(data, spec, o),
        }));
        const bounded = c.name === 'rsi' || c.name === 'stoch';
        return (
          <section
            key={spec}
            className="border rounded p-2"
            aria-label={t('analysis.panel', { name })}
            data-indicator={spec}
          >
            <div className="d-flex justify-content-between small mb-1">
              <h2 className="fs-6 mb-0">{name}</h2>
              <span className="text-body-secondary" data-testid={`latest-${c.name}`}>
                {t('analysis.latest', { values: latest })}
              </span>
            </div>
            <TimeLineChart
              lines={lines}
              guides={findIndicator(c.name)?.guides}
              label={t('analysis.panelChart', { name, symbol, values: latest })}
              height={140}
              formatY={(v) =>
                new Intl.NumberFormat(i18n.language, { maximumSignificantDigits: 4 }).format(v)
              }
              yRange={bounded ? { min: 0, max: 100 } : undefined}
              xRange={xRange}
            />
          </section>
        );
      })}
    </div>
  );
}
