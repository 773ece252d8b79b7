import { useTranslation } from 'react-i18next';

import { TimeLineChart } from '@/components/time-line-chart';
import { toPlotNumber } from '@/lib/decimal';
import { formatMarketTime } from '@/lib/format';

import { useHistory } from '../api/forecast';
import type { Forecast } from '../api/types';
import { fanLines } from '../lib/fan-lines';
import { isInterval } from '../lib/interval';

/** The forecast's fan (80%/95% intervals) over the recent closes, and its points as text. */
export function FanChart({ forecast }: { readonly forecast: Forecast }) {
  const { t, i18n } = useTranslation();
  const history = useHistory(
    forecast.symbol,
    isInterval(forecast.interval) ? forecast.interval : '1h',
    forecast.horizon * 3,
  );
  const closes = (history.data ?? [])
    .filter((k) => k.open_time <= forecast.from_open_time)
    .map((k) => ({ x: k.open_time, y: toPlotNumber(k.close) }));
  const price = (v: number) =>
    new Intl.NumberFormat(i18n.language, { maximumSignificantDigits: 6 }).format(v);
  const last = forecast.points[forecast.points.length - 1];
  const lines = fanLines(
    forecast,
    closes,
    {
      history: t('forecast.history'),
      forecast: t('forecast.path'),
      band80: t('forecast.band80'),
      band95: t('forecast.band95'),
    },
    { history: '#6c8ebf', forecast: '#f0b90b' },
  );
  const summary = last
    ? t('forecast.fanSummary', {
        steps: forecast.horizon,
        time: formatMarketTime(last.open_time, i18n.language),
        price: price(last.price),
        low80: price(last.lower80),
        high80: price(last.upper80),
        low95: price(last.lower95),
        high95: price(last.upper95),
      })
    : '';
  return (
    <figure className="mb-3">
      <TimeLineChart
        height={280}
        lines={lines}
        label={`${t('forecast.fanChart', { symbol: forecast.symbol, interval: forecast.interval })} ${summary}`}
        formatY={price}
      />
      <figcaption className="small text-body-secondary mt-1" data-testid="fan-summary">
        {t('forecast.from', {
          time: formatMarketTime(forecast.from_open_time, i18n.language),
          close: price(forecast.from_close),
        })}{' '}
        {summary}
      </figcaption>
    </figure>
  );
}
