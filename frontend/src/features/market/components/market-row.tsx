import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import { formatPrice, formatVolume } from '@/lib/format';

import { ChangeText } from './change-text';
import { FavouriteStar } from './favourite-star';
import type { MarketRow as Row } from '../hooks/use-market-rows';
import { usePriceFlash } from '../hooks/use-price-flash';

export const MarketRow = memo(function MarketRow({
  row,
  onToggleFavourite,
}: {
  readonly row: Row;
  readonly onToggleFavourite: (symbol: string) => void;
}) {
  const { i18n } = useTranslation();
  const { ticker, info, favourite } = row;
  const flash = usePriceFlash(ticker.last_price);
  const tick = info?.tick_size;
  const lang = i18n.language;
  return (
    <tr>
      <td className="text-center">
        <FavouriteStar symbol={ticker.symbol} active={favourite} onToggle={onToggleFavourite} />
      </td>
      <th scope="row">
        <Link
          to={`/market/${ticker.symbol}`}
          className="fw-semibold text-decoration-none"
          aria-label={info ? `${info.base_asset}/${info.quote_asset}` : ticker.symbol}
        >
          {info ? (
            <>
              {info.base_asset}
              <span className="text-body-secondary fw-normal quote-asset">/{info.quote_asset}</span>
            </>
          ) : (
            ticker.symbol
          )}
        </Link>
      </th>
      <td
        className={`text-end font-monospace${flash ? ` flash-${flash}` : ''}`}
        data-testid="last-price"
      >
        {formatPrice(ticker.last_price, tick, lang)}
      </td>
      <td className="text-end">
        <ChangeText percent={ticker.price_change_percent} />
      </td>
      <td className="text-end font-monospace d-none d-md-table-cell">
        {formatPrice(ticker.high_price, tick, lang)}
      </td>
      <td className="text-end font-monospace d-none d-md-table-cell">
        {formatPrice(ticker.low_price, tick, lang)}
      </td>
      <td className="text-end d-none d-sm-table-cell">{formatVolume(ticker.quote_volume, lang)}</td>
    </tr>
  );
});
