import Button from 'react-bootstrap/Button';
import Card from 'react-bootstrap/Card';
import Tab from 'react-bootstrap/Tab';
import Table from 'react-bootstrap/Table';
import Tabs from 'react-bootstrap/Tabs';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { TableScroll } from '@/components/table-scroll';
import { formatIsoDate } from '@/lib/format';

import { useCancelOrderMutation, useOrders, useTrades } from '../api/trading';
import type { Order, Trade } from '../api/trading';
import { formatAmount } from '../lib/amounts';
import { statusText, typeText } from '../lib/reject-reason';

function dateTime(iso: string, lang: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return formatIsoDate(iso, lang);
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(ms);
}

function SideText({ side }: { readonly side: string }) {
  const { t } = useTranslation();
  // colour plus the word: colour is never the only signal
  return (
    <span className={side === 'BUY' ? 'text-up' : 'text-down'}>
      {side === 'BUY' ? t('trading.buy') : t('trading.sell')}
    </span>
  );
}

function OrdersTable({
  orders,
  caption,
  cancellable,
}: {
  readonly orders: readonly Order[];
  readonly caption: string;
  readonly cancellable: boolean;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const cancel = useCancelOrderMutation();
  if (orders.length === 0)
    return <p className="text-body-secondary small m-2">{t('trading.none')}</p>;
  return (
    <>
      <ErrorAlert error={cancel.error} />
      <TableScroll label={caption}>
        <Table size="sm" hover className="small mb-0 align-middle">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t('trading.col.time')}</th>
              <th scope="col">{t('trading.col.symbol')}</th>
              <th scope="col">{t('trading.col.type')}</th>
              <th scope="col">{t('trading.col.side')}</th>
              <th scope="col" className="text-end">
                {t('trading.col.price')}
              </th>
              <th scope="col" className="text-end">
                {t('trading.col.stop')}
              </th>
              <th scope="col" className="text-end">
                {t('trading.col.quantity')}
              </th>
              <th scope="col" className="text-end">
                {t('trading.col.filled')}
              </th>
              <th scope="col">{t('trading.col.status')}</th>
              {cancellable ? (
                <th scope="col">
                  <span className="visually-hidden">{t('trading.col.actions')}</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.id}>
                <td>{dateTime(o.created_at, lang)}</td>
                <th scope="row">{o.symbol}</th>
                <td>{typeText(o.type)}</td>
                <td>
                  <SideText side={o.side} />
                </td>
                <td className="text-end font-monospace">
                  {o.price ? formatAmount(o.price, lang) : t('trading.market')}
                </td>
                <td className="text-end font-monospace">
                  {o.stop_price ? formatAmount(o.stop_price, lang) : '—'}
                </td>
                <td className="text-end font-monospace">{formatAmount(o.quantity, lang)}</td>
                <td className="text-end font-monospace">{formatAmount(o.executed_qty, lang)}</td>
                <td>{statusText(o.status)}</td>
                {cancellable ? (
                  <td className="text-end">
                    <Button
                      size="sm"
                      variant="outline-danger"
                      disabled={cancel.isPending}
                      aria-label={t('trading.cancelOrder', { id: o.id })}
                      onClick={() => cancel.mutate(o.id)}
                    >
                      {t('trading.cancel')}
                    </Button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </Table>
      </TableScroll>
    </>
  );
}

function TradesTable({ trades }: { readonly trades: readonly Trade[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  if (trades.length === 0)
    return <p className="text-body-secondary small m-2">{t('trading.none')}</p>;
  return (
    <TableScroll label={t('trading.tradeHistory')}>
      <Table size="sm" hover className="small mb-0">
        <caption className="visually-hidden">{t('trading.tradeHistory')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('trading.col.time')}</th>
            <th scope="col">{t('trading.col.symbol')}</th>
            <th scope="col">{t('trading.col.side')}</th>
            <th scope="col" className="text-end">
              {t('trading.col.price')}
            </th>
            <th scope="col" className="text-end">
              {t('trading.col.quantity')}
            </th>
            <th scope="col" className="text-end">
              {t('trading.col.total')}
            </th>
            <th scope="col" className="text-end">
              {t('trading.col.fee')}
            </th>
            <th scope="col">{t('trading.col.role')}</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((tr) => (
            <tr key={tr.id}>
              <td>{dateTime(tr.created_at, lang)}</td>
              <th scope="row">{tr.symbol}</th>
              <td>
                <SideText side={tr.side} />
              </td>
              <td className="text-end font-monospace">{formatAmount(tr.price, lang)}</td>
              <td className="text-end font-monospace">{formatAmount(tr.qty, lang)}</td>
              <td className="text-end font-monospace">{formatAmount(tr.quote_qty, lang)}</td>
              <td className="text-end font-monospace">
                {formatAmount(tr.fee, lang)} {tr.fee_asset}
              </td>
              <td>{tr.is_maker ? t('trading.maker') : t('trading.taker')}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}

/** Open orders (with cancel), order history and trade history; `symbol` null = all symbols. */
export function TradingTables({ symbol }: { readonly symbol: string | null }) {
  const { t } = useTranslation();
  const open = useOrders('open', symbol);
  const closed = useOrders('closed', symbol);
  const trades = useTrades(symbol);
  const openCount = open.data?.length ?? 0;
  return (
    <Card as="section" aria-label={t('trading.activity')}>
      <Card.Body className="p-2">
        <Tabs defaultActiveKey="open" id="trading-tabs" className="mb-2">
          <Tab eventKey="open" title={t('trading.openOrdersCount', { count: openCount })}>
            <ErrorAlert error={open.error} />
            <OrdersTable orders={open.data ?? []} caption={t('trading.openOrders')} cancellable />
          </Tab>
          <Tab eventKey="history" title={t('trading.orderHistory')}>
            <ErrorAlert error={closed.error} />
            <OrdersTable
              orders={closed.data ?? []}
              caption={t('trading.orderHistory')}
              cancellable={false}
            />
          </Tab>
          <Tab eventKey="trades" title={t('trading.tradeHistory')}>
            <ErrorAlert error={trades.error} />
            <TradesTable trades={trades.data ?? []} />
          </Tab>
        </Tabs>
      </Card.Body>
    </Card>
  );
}
