import Button from 'react-bootstrap/Button';
import { useTranslation } from 'react-i18next';

import { useSymbolInfo, useTicker } from '@/features/market/api/market';
import { useTickerStream } from '@/features/market/hooks/use-ticker-stream';
import { formatPrice } from '@/lib/format';

/** The symbol's live last price beside the value input; a click copies it into the value. */
export function CurrentPrice({
  symbol,
  onUse,
}: {
  readonly symbol: string;
  readonly onUse: (price: string) => void;
}) {
  const { t, i18n } = useTranslation();
  useTickerStream(symbol);
  const ticker = useTicker(symbol).data;
  const info = useSymbolInfo(symbol);
  const last = ticker?.last_price ?? null;
  return (
    <div className="mb-1" aria-live="polite">
      <span className="text-body-secondary">{t('alerts.currentPrice')}: </span>
      {last ? (
        <Button variant="link" className="p-0 align-baseline" onClick={() => onUse(last)}>
          <span className="visually-hidden">{t('alerts.useCurrentPrice')} </span>
          {formatPrice(last, info?.tick_size, i18n.language)}
        </Button>
      ) : (
        <span>—</span>
      )}
    </div>
  );
}
