import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { TableScroll } from '@/components/table-scroll';
import { add, sign } from '@/lib/decimal';

import type { Balance, Position } from '../api/trading';
import { formatAmount } from '../lib/amounts';

/** A PnL figure with its sign spelled out, so colour is never the only signal. */
export function Pnl({ value }: { readonly value: string | null | undefined }) {
  const { i18n } = useTranslation();
  if (!value) return <>—</>;
  const s = sign(value);
  const text = formatAmount(value.replace(/^-/, ''), i18n.language);
  return (
    <span className={s > 0 ? 'text-up' : s < 0 ? 'text-down' : undefined}>
      {s > 0 ? '+' : s < 0 ? '−' : ''}
      {text}
    </span>
  );
}

export function BalancesTable({ balances }: { readonly balances: readonly Balance[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <TableScroll label={t('portfolio.balances')}>
      <Table size="sm" className="small mb-0">
        <caption className="visually-hidden">{t('portfolio.balances')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portfolio.asset')}</th>
            <th scope="col" className="text-end">
              {t('portfolio.free')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.locked')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.totalBalance')}
            </th>
          </tr>
        </thead>
        <tbody>
          {balances.map((b) => (
            <tr key={b.asset}>
              <th scope="row">{b.asset}</th>
              <td className="text-end font-monospace">{formatAmount(b.free, lang)}</td>
              <td className="text-end font-monospace">{formatAmount(b.locked, lang)}</td>
              <td className="text-end font-monospace">
                {formatAmount(add(b.free, b.locked), lang)}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}

export function PositionsTable({ positions }: { readonly positions: readonly Position[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  if (positions.length === 0)
    return <p className="text-body-secondary small">{t('portfolio.noPositions')}</p>;
  const amount = (v: string | null | undefined) => (v ? formatAmount(v, lang) : '—');
  return (
    <TableScroll label={t('portfolio.positions')}>
      <Table size="sm" hover className="small mb-0">
        <caption className="visually-hidden">{t('portfolio.positions')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portfolio.symbol')}</th>
            <th scope="col" className="text-end">
              {t('portfolio.quantity')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.avgCost')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.lastPrice')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.marketValue')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.unrealized')}
            </th>
            <th scope="col" className="text-end">
              {t('portfolio.realized')}
            </th>
          </tr>
        </thead>
        <tbody>
          {positions.map((p) => (
            <tr key={p.symbol}>
              <th scope="row">{p.symbol}</th>
              <td className="text-end font-monospace">{amount(p.quantity)}</td>
              <td className="text-end font-monospace">{amount(p.average_cost)}</td>
              <td className="text-end font-monospace">{amount(p.last_price)}</td>
              <td className="text-end font-monospace">{amount(p.market_value)}</td>
              <td className="text-end font-monospace">
                <Pnl value={p.unrealized_pnl} />
              </td>
              <td className="text-end font-monospace">
                <Pnl value={p.realized_pnl} />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}
