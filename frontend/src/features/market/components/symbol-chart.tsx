import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import type { ChartOverlay } from '@/lib/chart-overlay';

import { CandleChart } from './candle-chart';
import type { TimeRange } from './candle-chart';
import { useKlines } from '../api/market';
import type { Interval } from '../api/market';
import { flattenKlines } from '../api/stream-merge';
import { useKlineStream } from '../hooks/use-kline-stream';

const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** History from /klines (older pages on demand) plus the live forming candle. */
export function SymbolChart({
  symbol,
  interval,
  tickSize,
  overlays,
  onRangeChange,
}: {
  readonly symbol: string;
  readonly interval: Interval;
  readonly tickSize: string | undefined;
  readonly overlays?: readonly ChartOverlay[];
  readonly onRangeChange?: (range: TimeRange) => void;
}) {
  const { t } = useTranslation();
  const klines = useKlines(symbol, interval);
  useKlineStream(symbol, interval);
  const candles = useMemo(() => flattenKlines(klines.data), [klines.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = klines;
  const loadOlder = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  if (klines.isPending) return <PageSpinner />;
  return (
    <>
      <ErrorAlert error={klines.error} />
      {klines.isSuccess && candles.length === 0 ? (
        <p className="text-body-secondary">{t('symbol.noData')}</p>
      ) : null}
      <CandleChart
        candles={candles}
        intervalMs={INTERVAL_MS[interval]}
        tickSize={tickSize}
        viewKey={`${symbol}:${interval}`}
        label={t('symbol.chart', { symbol, interval })}
        onNeedOlder={loadOlder}
        overlays={overlays}
        onRangeChange={onRangeChange}
      />
      <div
        aria-live="polite"
        className="small text-body-secondary mt-1"
        style={{ minHeight: '1.25rem' }}
      >
        {isFetchingNextPage ? t('symbol.loadingOlder') : ''}
      </div>
    </>
  );
}
