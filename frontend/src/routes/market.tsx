import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import { useSymbols, useTickers } from '@/features/market/api/market';
import { MarketTable } from '@/features/market/components/market-table';
import { useMiniTickerFeed } from '@/features/market/hooks/use-market-feed';

export default function MarketPage() {
  const { t } = useTranslation();
  const tickers = useTickers();
  const symbols = useSymbols();
  useMiniTickerFeed();
  return (
    <>
      <h1 className="h3 mb-3">{t('market.title')}</h1>
      <ErrorAlert error={tickers.error ?? symbols.error} />
      {tickers.data ? (
        <MarketTable tickers={tickers.data} symbols={symbols.data ?? []} />
      ) : tickers.isPending ? (
        <PageSpinner />
      ) : null}
    </>
  );
}
