import { useTranslation } from 'react-i18next';

import { formatPrice, formatVolume } from '@/lib/format';

import { ChangeText } from './change-text';
import type { SymbolInfo, Ticker } from '../api/market';
import { usePriceFlash } from '../hooks/use-price-flash';

function Stat({ label, value }: { readonly label: string; readonly value: string }) {
  return (
    <div>
      <dt className="small text-body-secondary fw-normal">{label}</dt>
      <dd className="mb-0 font-monospace">{value}</dd>
    </div>
  );
}

/** Symbol name, last price and its 24 h statistics. */
export function TickerHeader({
  ticker,
  info,
}: {
  readonly ticker: Ticker | undefined;
  readonly info: SymbolInfo | undefined;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const tick = info?.tick_size;
  const flash = usePriceFlash(ticker?.last_price ?? '');
  const dash = '—';
  return (
    <div className="d-flex flex-wrap align-items-center gap-4 mb-3">
      <div>
        <h1 className="h3 mb-0">
          {info ? `${info.base_asset}/${info.quote_asset}` : (ticker?.symbol ?? dash)}
        </h1>
        <div className="d-flex align-items-baseline gap-2">
          <span
            className={`fs-4 font-monospace${flash ? ` flash-${flash}` : ''}`}
            data-testid="ticker-last-price"
            aria-label={t('symbol.lastPrice')}
          >
            {ticker ? formatPrice(ticker.last_price, tick, lang) : dash}
          </span>
          {ticker ? <ChangeText percent={ticker.price_change_percent} /> : null}
        </div>
      </div>
      <dl className="d-flex flex-wrap gap-4 mb-0">
        <Stat
          label={t('symbol.change')}
          value={ticker ? formatPrice(ticker.price_change, tick, lang) : dash}
        />
        <Stat
          label={t('market.high')}
          value={ticker ? formatPrice(ticker.high_price, tick, lang) : dash}
        />
        <Stat
          label={t('market.low')}
          value={ticker ? formatPrice(ticker.low_price, tick, lang) : dash}
        />
        <Stat
          label={t('market.volume')}
          value={ticker ? formatVolume(ticker.volume, lang) : dash}
        />
        <Stat
          label={t('market.quoteVolume')}
          value={ticker ? formatVolume(ticker.quote_volume, lang) : dash}
        />
      </dl>
    </div>
  );
}
