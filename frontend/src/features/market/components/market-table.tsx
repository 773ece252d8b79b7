import { useCallback, useState } from 'react';
import Form from 'react-bootstrap/Form';
import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { MarketRow } from './market-row';
import { SortHeader } from './sort-header';
import type { SymbolInfo, Ticker } from '../api/market';
import { useFavourites } from '../hooks/use-favourites';
import { useMarketRows } from '../hooks/use-market-rows';
import type { SortColumn, SortDirection } from '../hooks/use-market-rows';

export function MarketTable({
  tickers,
  symbols,
}: {
  readonly tickers: readonly Ticker[];
  readonly symbols: readonly SymbolInfo[];
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortColumn>('quote_volume');
  const [direction, setDirection] = useState<SortDirection>('desc');
  const [favourites, toggleFavourite] = useFavourites();
  const rows = useMarketRows({ tickers, symbols, favourites, query, sort, direction });

  const onSort = useCallback(
    (column: SortColumn) => {
      if (column === sort) setDirection((d) => (d === 'asc' ? 'desc' : 'asc'));
      else {
        setSort(column);
        setDirection(column === 'symbol' ? 'asc' : 'desc');
      }
    },
    [sort],
  );
  const header = { sort, direction, onSort };

  return (
    <>
      <div className="d-flex flex-wrap gap-2 align-items-end mb-3">
        <Form.Group controlId="market-search" className="flex-grow-1" style={{ maxWidth: 320 }}>
          <Form.Label className="small mb-1">{t('market.search')}</Form.Label>
          <Form.Control
            type="search"
            value={query}
            placeholder={t('market.searchPlaceholder')}
            onChange={(event) => setQuery(event.target.value)}
          />
        </Form.Group>
        <span className="text-body-secondary small ms-auto" aria-live="polite">
          {t('market.count', { count: rows.length })}
        </span>
      </div>
      <Table hover responsive className="align-middle market-table mb-0">
        <caption className="visually-hidden">{t('market.tableCaption')}</caption>
        <thead>
          <tr>
            <th scope="col" className="text-center" style={{ width: '2.5rem' }}>
              <span className="visually-hidden">{t('market.favourite')}</span>
            </th>
            <SortHeader column="symbol" label={t('market.symbol')} {...header} />
            <SortHeader
              column="last_price"
              label={t('market.lastPrice')}
              className="text-end"
              {...header}
            />
            <SortHeader
              column="price_change_percent"
              label={t('market.change')}
              className="text-end"
              {...header}
            />
            <th scope="col" className="text-end d-none d-md-table-cell">
              {t('market.high')}
            </th>
            <th scope="col" className="text-end d-none d-md-table-cell">
              {t('market.low')}
            </th>
            <SortHeader
              column="quote_volume"
              label={t('market.quoteVolume')}
              className="text-end d-none d-sm-table-cell"
              {...header}
            />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <MarketRow key={row.ticker.symbol} row={row} onToggleFavourite={toggleFavourite} />
          ))}
        </tbody>
      </Table>
      {tickers.length === 0 ? (
        // before the feed's first events: the stream fills the table in, no reload needed
        <p className="text-body-secondary py-3">{t('market.waiting')}</p>
      ) : rows.length === 0 ? (
        <p className="text-body-secondary py-3">{t('market.noMatch', { query })}</p>
      ) : null}
    </>
  );
}
