import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';
import { AlertAtPrice } from '@/features/alerts/components/alert-at-price';
import { IndicatorPanels } from '@/features/analysis/components/indicator-panels';
import { IndicatorPicker } from '@/features/analysis/components/indicator-picker';
import { useSymbolIndicators } from '@/features/analysis/hooks/use-symbol-indicators';
import { useCurrentUser } from '@/features/auth/hooks/use-current-user';
import { INTERVALS, useMarketStatus, useSymbolInfo, useTicker } from '@/features/market/api/market';
import type { Interval } from '@/features/market/api/market';
import { IntervalSwitch } from '@/features/market/components/interval-switch';
import { OrderBook } from '@/features/market/components/order-book';
import { SymbolChart } from '@/features/market/components/symbol-chart';
import { TickerHeader } from '@/features/market/components/ticker-header';
import { useTickerStream } from '@/features/market/hooks/use-ticker-stream';
import { TradeLoginPrompt, TradePanel } from '@/features/trading/components/trade-panel';

/** The URL's interval, else 1h, else the first one the feed stores. */
function pickInterval(value: string | null, available: readonly string[] | undefined): Interval {
  const usable = (i: Interval) => available === undefined || available.includes(i);
  return (
    INTERVALS.find((i) => i === value && usable(i)) ??
    (usable('1h') ? '1h' : INTERVALS.find(usable)) ??
    '1h'
  );
}

export default function MarketSymbolPage() {
  const { t } = useTranslation();
  const symbol = (useParams().symbol ?? '').toUpperCase();
  const [params, setParams] = useSearchParams();
  const status = useMarketStatus();
  const available = status.data?.intervals.length ? status.data.intervals : undefined;
  const interval = pickInterval(params.get('interval'), available);
  const ticker = useTicker(symbol);
  const info = useSymbolInfo(symbol);
  useTickerStream(symbol);
  const current = useCurrentUser();
  const signedIn = current.state === 'signed-in';
  const indicators = useSymbolIndicators(symbol, interval, signedIn ? current.user.id : null);
  const [range, setRange] = useState<{ min: number; max: number } | null>(null);
  return (
    <>
      <nav aria-label="breadcrumb" className="mb-2">
        <Link to="/market" className="small">
          ← {t('symbol.back')}
        </Link>
      </nav>
      <ErrorAlert error={ticker.error} />
      <TickerHeader ticker={ticker.data ?? undefined} info={info} />
      <div className="d-flex align-items-center gap-2 mb-2">
        <span className="small text-body-secondary" id="interval-label">
          {t('symbol.interval')}
        </span>
        <IntervalSwitch
          value={interval}
          available={available}
          onChange={(next) => setParams({ interval: next }, { replace: true })}
        />
        {signedIn ? <AlertAtPrice symbol={symbol} price={ticker.data?.last_price} /> : null}
      </div>
      <div className="row g-3 mb-3">
        <div className="col-lg-9">
          {signedIn ? (
            <IndicatorPicker value={indicators.chosen} onChange={indicators.setChosen} />
          ) : null}
          <ErrorAlert error={indicators.error} />
          <SymbolChart
            symbol={symbol}
            interval={interval}
            tickSize={info?.tick_size}
            overlays={indicators.overlays}
            onRangeChange={setRange}
          />
          <IndicatorPanels
            data={indicators.data}
            chosen={indicators.chosen}
            symbol={symbol}
            xRange={range}
          />
        </div>
        <div className="col-lg-3">
          <OrderBook
            symbol={symbol}
            tickSize={info?.tick_size}
            stepSize={info?.step_size}
            baseAsset={info?.base_asset}
            quoteAsset={info?.quote_asset}
            source={status.data?.source}
            levels={status.data?.depth_levels}
          />
        </div>
      </div>
      {info && current.state === 'signed-in' ? (
        <TradePanel filters={info} lastPrice={ticker.data?.last_price} />
      ) : current.state === 'anonymous' ? (
        <TradeLoginPrompt next={`/market/${symbol}`} />
      ) : null}
    </>
  );
}
