import Card from 'react-bootstrap/Card';
import Col from 'react-bootstrap/Col';
import Row from 'react-bootstrap/Row';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import type { MarketClock } from '@/lib/market-clock';

import { AllocationChart, EquityChart } from './portfolio-charts';
import { BalancesTable, Pnl, PositionsTable } from './portfolio-tables';
import { ResetAccount } from './reset-account';
import { TradingTables } from './trading-tables';
import { useAccount, useEquity, usePortfolio } from '../api/trading';
import type { EquityPoint } from '../api/trading';
import { useUserStream } from '../hooks/use-user-stream';
import { formatAmount } from '../lib/amounts';

function Figure({
  label,
  children,
}: {
  readonly label: string;
  readonly children: React.ReactNode;
}) {
  return (
    <Col xs={6} md={3}>
      <Card className="h-100">
        <Card.Body className="py-2">
          <div className="small text-body-secondary">{label}</div>
          <div className="fs-5 font-monospace">{children}</div>
        </Card.Body>
      </Card>
    </Col>
  );
}

function Section({
  title,
  children,
}: {
  readonly title: string;
  readonly children: React.ReactNode;
}) {
  return (
    <Card as="section" className="h-100">
      <Card.Body>
        <h2 className="h6">{title}</h2>
        {children}
      </Card.Body>
    </Card>
  );
}

/** The snapshots, then the equity now (at live prices), so the curve always reaches today. */
function withLivePoint(points: readonly EquityPoint[], now: string | undefined): EquityPoint[] {
  return now === undefined
    ? [...points]
    : [...points, { at: new Date().toISOString(), equity: now }];
}

/** `clock`: the market clock the equity curve's times are shown on (the route knows the feed). */
export function PortfolioView({ clock }: { readonly clock?: MarketClock }) {
  const { t, i18n } = useTranslation();
  useUserStream();
  const account = useAccount();
  const portfolio = usePortfolio();
  const equity = useEquity();
  const asset = account.data?.equity_asset ?? 'USDT';
  if (portfolio.isPending || account.isPending) return <PageSpinner />;
  const p = portfolio.data;
  return (
    <>
      <div className="d-flex flex-wrap align-items-center gap-2 mb-3">
        <h1 className="h3 mb-0 me-auto">{t('portfolio.title')}</h1>
        <ResetAccount />
      </div>
      <ErrorAlert error={portfolio.error ?? account.error} />
      {p ? (
        <Row className="g-3 mb-3" aria-label={t('portfolio.summary')} as="section">
          <Figure label={t('portfolio.equity', { asset })}>
            {formatAmount(p.equity, i18n.language)}
          </Figure>
          <Figure label={t('portfolio.cash', { asset })}>
            {formatAmount(p.cash, i18n.language)}
          </Figure>
          <Figure label={t('portfolio.unrealized')}>
            <Pnl value={p.unrealized_pnl} />
          </Figure>
          <Figure label={t('portfolio.realized')}>
            <Pnl value={p.realized_pnl} />
          </Figure>
        </Row>
      ) : null}
      {/* The charts share a row; the tables get the full width (a balance has 8 decimals in
          three columns, which a third of the page cannot show). */}
      <Row className="g-3 mb-3">
        <Col lg={8}>
          <Section title={t('portfolio.equityCurve')}>
            <ErrorAlert error={equity.error} />
            {equity.data && equity.data.length < 2 ? (
              <p className="small text-body-secondary mb-2">{t('portfolio.equityEmpty')}</p>
            ) : null}
            <EquityChart
              points={withLivePoint(equity.data ?? [], p?.equity)}
              asset={asset}
              clock={clock}
            />
          </Section>
        </Col>
        <Col lg={4}>
          <Section title={t('portfolio.allocation')}>
            <AllocationChart allocation={p?.allocation ?? {}} />
          </Section>
        </Col>
        <Col xs={12}>
          <Section title={t('portfolio.positions')}>
            <PositionsTable positions={p?.positions ?? []} />
          </Section>
        </Col>
        <Col xs={12}>
          <Section title={t('portfolio.balances')}>
            <BalancesTable balances={account.data?.balances ?? []} />
          </Section>
        </Col>
      </Row>
      <TradingTables symbol={null} />
    </>
  );
}
