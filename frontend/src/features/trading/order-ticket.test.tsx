import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { Language } from '@/i18n';
import { setBaseUrl } from '@/lib/base-url';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import { TradePanel } from './components/trade-panel';
import { realSymbol } from './testing/real-symbols';

// The real BTCUSDT rules (shared/binance/samples/rest_exchangeInfo_real.json), as the API sends
const BTC = realSymbol('BTCUSDT');

let api: FakeApiServer;

const account = (usdt: string, btc: string) => ({
  period: 1,
  period_started_at: '2026-01-01T00:00:00Z',
  equity: usdt,
  equity_asset: 'USDT',
  balances: [
    { asset: 'USDT', free: usdt, locked: '0.00000000' },
    { asset: 'BTC', free: btc, locked: '0.00000000' },
  ],
});

const order = (id: number, type: string) => ({
  id,
  client_order_id: `c${id}`,
  symbol: 'BTCUSDT',
  side: 'SELL',
  type,
  time_in_force: 'GTC',
  status: 'NEW',
  price: '40000.00000000',
  stop_price: type === 'LIMIT' ? null : '41000.00000000',
  quantity: '0.00100000',
  quote_quantity: null,
  executed_qty: '0.00000000',
  cumulative_quote_qty: '0.00000000',
  is_working: type === 'LIMIT',
  expiry_reason: null,
  period: 1,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

function serve(opts: { usdt?: string; btc?: string; open?: unknown[] } = {}) {
  api.respond('GET', '/api/v1/account', {
    status: 200,
    body: account(opts.usdt ?? '1000.00000000', opts.btc ?? '0.01000000'),
  });
  api.respond('GET', '/api/v1/orders', { status: 200, body: opts.open ?? [] });
  api.respond('GET', '/api/v1/trades', { status: 200, body: [] });
}

const posts = () => api.calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/orders');

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
});

async function renderTicket(lastPrice: string | undefined, lang: Language = 'en') {
  renderRoutes({
    routes: [{ path: '/', element: <TradePanel filters={BTC} lastPrice={lastPrice} /> }],
    lang,
  });
  const ticket = await screen.findByRole('region', { name: /BTC\/USDT/ });
  // the balance has arrived once the available figure is a number
  await within(ticket).findByText(/(Available|Доступно): [\d\s,.\u00a0]+ USDT/);
  return ticket;
}

const box = (ticket: HTMLElement, name: string) => within(ticket).getByRole('textbox', { name });

// a shared 2-core machine renders the whole panel slowly
describe('order ticket', { timeout: 20_000 }, () => {
  it('rounds an off-tick price to the tick on leaving the field', async () => {
    serve();
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    const price = box(ticket, 'Price (USDT)');
    await user.clear(price);
    await user.type(price, '50000.126');
    await user.tab();
    expect(price).toHaveValue('50000.13');
    const qty = box(ticket, 'Amount (BTC)');
    await user.type(qty, '0.0012349');
    await user.tab();
    expect(qty).toHaveValue('0.00123'); // floored to the 0.00001 step, never up
  });

  it('shows a too-small notional before sending, and sends nothing', async () => {
    serve();
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    await user.type(box(ticket, 'Amount (BTC)'), '0.00009'); // 4.5 USDT
    await user.click(within(ticket).getByRole('button', { name: 'Buy BTC' }));
    expect(
      await within(ticket).findByText('The order value must be at least 5 USDT.'),
    ).toBeInTheDocument();
    expect(box(ticket, 'Amount (BTC)')).toHaveAttribute('aria-invalid', 'true');
    expect(posts()).toHaveLength(0);
  });

  it('shows a price outside PERCENT_PRICE_BY_SIDE of the last price before sending', async () => {
    serve();
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    const price = box(ticket, 'Price (USDT)');
    await user.clear(price);
    await user.type(price, '9999.99');
    await user.type(box(ticket, 'Amount (BTC)'), '0.001');
    await user.click(within(ticket).getByRole('button', { name: 'Buy BTC' }));
    expect(
      await within(ticket).findByText(
        'The price must be between 10000 and 250000 (a range around the last price 50000).',
      ),
    ).toBeInTheDocument();
    expect(posts()).toHaveLength(0);
  });

  it('fills the quantity from 25–100% of the available balance', async () => {
    serve({ usdt: '1000.00000000', btc: '0.01000000' });
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    // BUY at the limit price 50000: 25% of 1000 USDT = 250 USDT = 0.005 BTC
    await user.click(within(ticket).getByRole('button', { name: '25% of available USDT' }));
    expect(box(ticket, 'Amount (BTC)')).toHaveValue('0.00500');
    await user.click(within(ticket).getByRole('button', { name: '100% of available USDT' }));
    expect(box(ticket, 'Amount (BTC)')).toHaveValue('0.02000');
    // SELL offers a share of the free base asset
    await user.click(within(ticket).getByRole('button', { name: 'Sell' }));
    await user.click(within(ticket).getByRole('button', { name: '75% of available BTC' }));
    expect(box(ticket, 'Amount (BTC)')).toHaveValue('0.00750');
  });

  it('sizes a MARKET buy from the balance by total (the taker pays above the last price)', async () => {
    serve({ usdt: '1000.00000000', btc: '0.01000000' });
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    await user.selectOptions(within(ticket).getByLabelText('Order type'), 'MARKET');
    await user.click(within(ticket).getByRole('button', { name: '100% of available USDT' }));
    expect(within(ticket).getByRole('radio', { name: 'Total (USDT)' })).toBeChecked();
    expect(box(ticket, 'Total (USDT)')).toHaveValue('1000.00000000');
  });

  it('blocks a sixth stop order while five are open (MAX_NUM_ALGO_ORDERS)', async () => {
    const open = [1, 2, 3, 4, 5].map((id) => order(id, 'STOP_LOSS_LIMIT'));
    serve({ open: [...open, order(6, 'LIMIT')] });
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    const warning = 'Open stop orders on this symbol: 5 of at most 5. Cancel one to place another.';
    // the open orders have arrived (the tables share the ticket's query) ...
    expect(await screen.findByRole('tab', { name: 'Open orders (6)' })).toBeInTheDocument();
    // ... and a LIMIT order is not limited by them
    expect(within(ticket).queryByText(warning)).toBeNull();
    await user.selectOptions(within(ticket).getByLabelText('Order type'), 'STOP_LOSS_LIMIT');
    expect(await within(ticket).findByText(warning)).toBeInTheDocument();
    await user.type(box(ticket, 'Stop price (USDT)'), '50100.00');
    await user.type(box(ticket, 'Amount (BTC)'), '0.001');
    await user.click(within(ticket).getByRole('button', { name: 'Buy BTC' }));
    expect(posts()).toHaveLength(0);
  });

  it.each([
    [
      'en',
      'The order breaks a symbol filter: the price is too far from the market price (Binance code -1013)',
    ],
    ['ru', 'Ордер нарушает фильтр пары: цена слишком далека от рыночной (код Binance -1013)'],
  ] as const)('shows the API 400 reason translated (%s)', async (lang, text) => {
    serve();
    api.failNext('POST', '/api/v1/orders', {
      status: 400,
      body: {
        error: {
          code: 'filter_failure',
          message: 'Filter failure: PERCENT_PRICE_BY_SIDE',
          details: {
            binance_code: -1013,
            msg: 'Filter failure: PERCENT_PRICE_BY_SIDE',
            filter: 'PERCENT_PRICE_BY_SIDE',
          },
        },
      },
    });
    const user = userEvent.setup({ delay: null });
    // no last price yet: the percent test cannot run here, the server's can
    const ticket = await renderTicket(undefined, lang);
    const price = lang === 'en' ? 'Price (USDT)' : 'Цена (USDT)';
    const amount = lang === 'en' ? 'Amount (BTC)' : 'Количество (BTC)';
    await user.type(box(ticket, price), '90000');
    await user.type(box(ticket, amount), '0.001');
    const buy = lang === 'en' ? 'Buy BTC' : 'Купить BTC';
    await user.click(within(ticket).getByRole('button', { name: buy }));
    expect(await within(ticket).findByRole('alert')).toHaveTextContent(text);
    expect(posts()).toHaveLength(1);
  });

  it('shows an engine refusal (-2010) by its code', async () => {
    serve();
    api.failNext('POST', '/api/v1/orders', {
      status: 400,
      body: {
        error: {
          code: 'order_rejected',
          message: 'Account has insufficient balance for requested action.',
          details: {
            binance_code: -2010,
            msg: 'Account has insufficient balance for requested action.',
          },
        },
      },
    });
    const user = userEvent.setup({ delay: null });
    const ticket = await renderTicket('50000.00');
    await user.type(box(ticket, 'Amount (BTC)'), '0.001');
    await user.click(within(ticket).getByRole('button', { name: 'Buy BTC' }));
    await waitFor(() => expect(posts()).toHaveLength(1));
    expect(await within(ticket).findByRole('alert')).toHaveTextContent(
      'The order was rejected: the order was refused (balance, post-only or trigger rule) (Binance code -2010)',
    );
  });
});
