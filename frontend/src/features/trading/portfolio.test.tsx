import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Language } from '@/i18n';
import { setBaseUrl } from '@/lib/base-url';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import { PortfolioView } from './components/portfolio-view';

let api: FakeApiServer;

// 9000 USDT cash + 0.025 BTC (cost 49000, last 50000) + 0.5 ETH (cost 3100, last 3000)
const account = {
  period: 2,
  period_started_at: '2026-01-01T00:00:00Z',
  equity: '11750.00000000',
  equity_asset: 'USDT',
  balances: [
    { asset: 'USDT', free: '9000.00000000', locked: '0.00000000' },
    { asset: 'BTC', free: '0.02000000', locked: '0.00500000' },
    { asset: 'ETH', free: '0.50000000', locked: '0.00000000' },
  ],
};

const position = (
  symbol: string,
  asset: string,
  quantity: string,
  cost: string,
  last: string,
  value: string,
  unrealized: string,
  realized: string,
  allocation: string,
) => ({
  symbol,
  asset,
  quantity,
  average_cost: cost,
  cost_basis: cost,
  last_price: last,
  market_value: value,
  unrealized_pnl: unrealized,
  realized_pnl: realized,
  allocation,
});

const portfolio = {
  period: 2,
  equity: '11750.00000000',
  cash: '9000.00000000',
  realized_pnl: '12.34000000',
  unrealized_pnl: '-25.00000000',
  positions: [
    position(
      'BTCUSDT',
      'BTC',
      '0.02500000',
      '49000.00000000',
      '50000.00000000',
      '1250.00000000',
      '25.00000000',
      '12.34000000',
      '0.10638298',
    ),
    position(
      'ETHUSDT',
      'ETH',
      '0.50000000',
      '3100.00000000',
      '3000.00000000',
      '1500.00000000',
      '-50.00000000',
      '0.00000000',
      '0.12765957',
    ),
  ],
  allocation: { USDT: '0.76595745', BTC: '0.10638298', ETH: '0.12765957' },
};

const equity = [
  { at: '2026-01-01T00:00:00Z', equity: '10000.00000000' },
  { at: '2026-01-02T00:00:00Z', equity: '11750.00000000' },
];

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/account', { status: 200, body: account });
  api.respond('GET', '/api/v1/portfolio', { status: 200, body: portfolio });
  api.respond('GET', '/api/v1/portfolio/equity', { status: 200, body: equity });
  api.respond('GET', '/api/v1/orders', { status: 200, body: [] });
  api.respond('GET', '/api/v1/trades', { status: 200, body: [] });
  api.respond('POST', '/api/v1/account/reset', {
    status: 200,
    body: { ...account, period: 3, balances: [account.balances[0]] },
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
});

async function renderPortfolio(lang: Language = 'en') {
  renderRoutes({ routes: [{ path: '/', element: <PortfolioView /> }], lang });
  await screen.findByRole('heading', { level: 1 });
}

/** The figure under a summary label ("Equity (USDT)" -> "11,750.00"). */
function figure(label: string): string {
  const summary = screen.getByRole('region', { name: /Account summary|Сводка по счёту/ });
  return within(summary).getByText(label).nextElementSibling?.textContent ?? '';
}

function cells(table: string, rowName: string): string[] {
  const row = within(screen.getByRole('table', { name: table })).getByRole('row', {
    name: new RegExp(rowName),
  });
  return within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);
}

// a shared 2-core machine renders the page slowly
describe('portfolio page', { timeout: 20_000 }, () => {
  it('shows equity, cash and both PnL figures with their signs', async () => {
    await renderPortfolio();
    expect(figure('Equity (USDT)')).toBe('11,750.00');
    expect(figure('Cash (USDT)')).toBe('9,000.00');
    expect(figure('Unrealized PnL')).toBe('−25.00');
    expect(figure('Realized PnL')).toBe('+12.34');
  });

  it('lists the positions and the balances from the API', async () => {
    await renderPortfolio();
    expect(cells('Positions', 'BTCUSDT')).toEqual([
      '0.025',
      '49,000.00',
      '50,000.00',
      '1,250.00',
      '+25.00',
      '+12.34',
    ]);
    expect(cells('Positions', 'ETHUSDT')).toEqual([
      '0.50',
      '3,100.00',
      '3,000.00',
      '1,500.00',
      '−50.00',
      '0.00',
    ]);
    // free, in orders, total (free + locked, exact)
    expect(cells('Balances', 'BTC')).toEqual(['0.02', '0.005', '0.025']);
    expect(cells('Balances', 'USDT')).toEqual(['9,000.00', '0.00', '9,000.00']);
  });

  it('describes the allocation doughnut and the equity curve from the API data', async () => {
    await renderPortfolio();
    expect(
      screen.getByRole('img', { name: 'Allocation of equity: USDT 76.6%, BTC 10.6%, ETH 12.8%' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('img', {
        name: 'Equity over time, 3 points, now 11,750.00 USDT', // 2 snapshots + the equity now
      }),
    ).toBeInTheDocument();
  });

  it('renders in Russian with Russian number formatting', async () => {
    await renderPortfolio('ru');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Портфель');
    expect(figure('Капитал (USDT)')).toMatch(/^11\s750,00$/);
    expect(figure('Нереализованный PnL')).toBe('−25,00');
  });

  it('resets the account only after the confirmation', async () => {
    const user = userEvent.setup({ delay: null });
    await renderPortfolio();
    const resets = () => api.callsTo('/api/v1/account/reset');
    await user.click(screen.getByRole('button', { name: 'Reset account' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reset the demo account?' });
    expect(resets()).toBe(0);
    // backing out sends nothing
    await user.click(within(dialog).getByRole('button', { name: 'Keep my account' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(resets()).toBe(0);
    await user.click(screen.getByRole('button', { name: 'Reset account' }));
    const again = await screen.findByRole('dialog', { name: 'Reset the demo account?' });
    await user.click(within(again).getByRole('button', { name: 'Reset account' }));
    expect(await screen.findByText('The account was reset.')).toBeInTheDocument();
    expect(resets()).toBe(1);
    expect(api.calls.find((c) => c.path === '/api/v1/account/reset')?.method).toBe('POST');
  });
});
