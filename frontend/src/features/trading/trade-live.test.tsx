import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { acceptGrant, resetSessionForTests } from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import { TradePanel } from './components/trade-panel';
import { realSymbol } from './testing/real-symbols';

const BTC = realSymbol('BTCUSDT');

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;

const balances = (usdt: string) => ({
  period: 1,
  period_started_at: '2026-01-01T00:00:00Z',
  equity: usdt,
  equity_asset: 'USDT',
  balances: [{ asset: 'USDT', free: usdt, locked: '0.00000000' }],
});

const stopOrder = (id: number) => ({
  id,
  client_order_id: `c${id}`,
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'STOP_LOSS_LIMIT',
  time_in_force: 'GTC',
  status: 'NEW',
  price: '51000.00000000',
  stop_price: '50900.00000000',
  quantity: '0.00100000',
  quote_quantity: null,
  executed_qty: '0.00000000',
  cumulative_quote_qty: '0.00000000',
  is_working: false,
  expiry_reason: null,
  period: 1,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

const openStops = (n: number) => {
  api.respond('GET', '/api/v1/orders', {
    status: 200,
    body: Array.from({ length: n }, (_, i) => stopOrder(i + 1)),
  });
};

const report = (id: number, x: string) => ({ e: 'executionReport', i: id, s: 'BTCUSDT', x, X: x });

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/account', { status: 200, body: balances('1000.00000000') });
  api.respond('GET', '/api/v1/trades', { status: 200, body: [] });
});

afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  resetSessionForTests();
  acceptGrant({ access_token: 'access-live', expires_in: 900 });
  ws = await TestWsServer.start();
  client = new WsClient({
    url: ws.url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    baseDelayMs: 20,
  });
  // what app/providers.tsx does for a signed-in session
  client.setAuthToken('access-live');
});

afterEach(async () => {
  client.stop();
  await ws.close();
  resetSessionForTests();
});

// a shared 2-core machine renders the whole panel slowly
describe('trade view live from the user stream', { timeout: 20_000 }, () => {
  it('the open-order count and the balance the ticket checks against follow the stream', async () => {
    openStops(4);
    const user = userEvent.setup({ delay: null });
    renderRoutes({
      routes: [{ path: '/', element: <TradePanel filters={BTC} lastPrice="50000.00" /> }],
      wsClient: client,
    });
    const ticket = await screen.findByRole('region', { name: 'Trade BTC/USDT' });
    expect(await screen.findByRole('tab', { name: 'Open orders (4)' })).toBeInTheDocument();
    await user.selectOptions(within(ticket).getByLabelText('Order type'), 'STOP_LOSS_LIMIT');
    const warning = 'Open stop orders on this symbol: 5 of at most 5. Cancel one to place another.';
    expect(within(ticket).queryByText(warning)).toBeNull();
    await ws.waitFor(() => ws.subscriptions().includes('user'));
    expect(ws.tokens()).toContain('access-live');

    // a fifth stop order is placed elsewhere (another tab): the frame makes the lists refetch
    openStops(5);
    ws.push('user', report(5, 'NEW'));
    expect(await within(ticket).findByText(warning)).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Open orders (5)' })).toBeInTheDocument();

    // one is cancelled: the limit no longer applies
    openStops(4);
    ws.push('user', report(5, 'CANCELED'));
    expect(await screen.findByRole('tab', { name: 'Open orders (4)' })).toBeInTheDocument();
    expect(within(ticket).queryByText(warning)).toBeNull();

    // a balance frame patches the free balance the % buttons and the balance check use
    ws.push('user', {
      e: 'outboundAccountPosition',
      B: [{ a: 'USDT', f: '40.00000000', l: '0.00000000' }],
    });
    expect(await within(ticket).findByText('Available: 40.00 USDT')).toBeInTheDocument();
    await user.type(within(ticket).getByRole('textbox', { name: 'Stop price (USDT)' }), '50100');
    const price = within(ticket).getByRole('textbox', { name: 'Price (USDT)' });
    await user.clear(price);
    await user.type(price, '50200');
    await user.type(within(ticket).getByRole('textbox', { name: 'Amount (BTC)' }), '0.001');
    await user.click(within(ticket).getByRole('button', { name: 'Buy BTC' }));
    expect(await within(ticket).findByText('Not enough free USDT.')).toBeInTheDocument();
    expect(api.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('refetches the orders after the socket comes back (frames sent meanwhile are lost)', async () => {
    openStops(1);
    renderRoutes({
      routes: [{ path: '/', element: <TradePanel filters={BTC} lastPrice="50000.00" /> }],
      wsClient: client,
    });
    expect(await screen.findByRole('tab', { name: 'Open orders (1)' })).toBeInTheDocument();
    await ws.waitFor(() => ws.subscriptions().includes('user'));
    const orderFetches = () => api.calls.filter((c) => c.path === '/api/v1/orders').length;
    const before = orderFetches();

    // the connection drops; an order is placed and reported while it is down (no frame arrives)
    openStops(2);
    ws.dropAll();
    await ws.waitFor(() => ws.openConnections() === 1 && ws.subscriptions().includes('user'));
    expect(await screen.findByRole('tab', { name: 'Open orders (2)' })).toBeInTheDocument();
    expect(orderFetches()).toBeGreaterThan(before);
  });
});
