import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import MarketPage from './market';

// The overview opened before the feed's first events (issue 10 §2): the REST list is empty and
// the page must fill in from `!miniTicker@arr` by itself, without a reload.

const mini = (s: string, c: string, E: number) => ({
  e: '24hrMiniTicker',
  E,
  s,
  c,
  o: '100',
  h: c,
  l: '99',
  v: '2',
  q: '300',
});

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/market/tickers', {
    status: 200,
    body: { source: null, tickers: [] },
  });
  api.respond('GET', '/api/v1/market/symbols', {
    status: 200,
    body: { source: null, symbols: [] },
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  ws = await TestWsServer.start();
  client = new WsClient({
    url: ws.url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    baseDelayMs: 20,
  });
});

afterEach(async () => {
  client.stop();
  await ws.close();
});

describe('market overview before the first ticker', () => {
  it('starts empty, then fills in from the stream without a reload', async () => {
    renderRoutes({ routes: [{ path: '/', element: <MarketPage /> }], wsClient: client });
    expect(
      await screen.findByText('Waiting for the first prices from the market feed…'),
    ).toBeInTheDocument();
    expect(screen.getByText('0 symbols')).toBeInTheDocument();
    await ws.waitFor(() => ws.subscriptions().includes('!miniTicker@arr'));

    ws.push('!miniTicker@arr', [mini('BTCUSDT', '101.5', 1), mini('ETHUSDT', '102', 1)], 'replay');
    await screen.findByText('2 symbols');
    const row = screen.getByRole('row', { name: /BTCUSDT/ });
    expect(within(row).getByTestId('last-price')).toHaveTextContent('101.50');
    expect(screen.queryByText(/Waiting for the first prices/)).not.toBeInTheDocument();

    // a symbol whose feed starts later joins the list too; the known ones keep their values
    ws.push('!miniTicker@arr', [mini('SOLUSDT', '100.25', 2)], 'replay');
    await screen.findByText('3 symbols');
    await waitFor(() =>
      expect(
        within(screen.getByRole('row', { name: /SOLUSDT/ })).getByTestId('last-price'),
      ).toHaveTextContent('100.25'),
    );
    expect(
      within(screen.getByRole('row', { name: /ETHUSDT/ })).getByTestId('last-price'),
    ).toHaveTextContent('102.00');
  });
});
