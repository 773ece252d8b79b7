import Col from 'react-bootstrap/Col';
import Row from 'react-bootstrap/Row';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

import { ErrorAlert } from '@/components/error-alert';

import { OrderTicket } from './order-ticket';
import { TradingTables } from './trading-tables';
import { useAccount } from '../api/trading';
import { useUserStream } from '../hooks/use-user-stream';
import type { SymbolFilters } from '../lib/ticket';

/** The trade view under the chart: ticket, open orders, history; live from the user stream. */
export function TradePanel({
  filters,
  lastPrice,
}: {
  readonly filters: SymbolFilters;
  readonly lastPrice: string | undefined;
}) {
  useUserStream();
  const account = useAccount();
  return (
    <Row className="g-3 mt-1">
      <Col lg={4} xl={3}>
        <ErrorAlert error={account.error} />
        <OrderTicket
          key={filters.symbol}
          filters={filters}
          lastPrice={lastPrice}
          balances={account.data?.balances}
        />
      </Col>
      <Col lg={8} xl={9}>
        <TradingTables symbol={filters.symbol} />
      </Col>
    </Row>
  );
}

export function TradeLoginPrompt({ next }: { readonly next: string }) {
  const { t } = useTranslation();
  return (
    <p className="mt-3 text-body-secondary">
      <Link to={`/login?next=${encodeURIComponent(next)}`}>{t('trading.loginToTrade')}</Link>
    </p>
  );
}
