import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import { OrderBook } from './order-book';
import { bookView } from './order-book-model';

const STREAM = 'btcusdt@depth20@100ms';

let ws: TestWsServer;
let client: WsClient;

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

function show(source: string | null, lang: 'en' | 'ru' = 'en', levels?: number) {
  return renderRoutes({
    routes: [
      {
        path: '/',
        element: (
          <OrderBook
            symbol="BTCUSDT"
            tickSize="0.01000000"
            stepSize="0.00001000"
            baseAsset="BTC"
            quoteAsset="USDT"
            source={source}
            levels={levels}
          />
        ),
      },
    ],
    wsClient: client,
    lang,
  });
}

// Binance's partial-depth payload (PROTOCOL.md §1.4), 8-decimal strings as the exchange sends them
const depth = (id: number) => ({
  lastUpdateId: id,
  bids: [
    ['64999.99000000', '0.50000000'],
    ['64999.98000000', '1.50000000'],
  ],
  asks: [
    ['65000.00000000', '0.25000000'],
    ['65000.02000000', '0.75000000'],
    ['65000.05000000', '0.00000000'], // an empty level is not shown
  ],
});

describe('OrderBook', () => {
  it('subscribes to the level count the server streams', async () => {
    show('binance', 'en', 5);
    await ws.waitFor(() => ws.subscriptions().includes('btcusdt@depth5@100ms'));
    expect(ws.subscriptions()).not.toContain(STREAM);
  });

  it('says when the order book stream is turned off, and subscribes to nothing', async () => {
    show('binance', 'en', 0);
    expect(screen.getByTestId('order-book-note')).toHaveTextContent(
      'The order book stream is turned off',
    );
    // let the client finish connecting before afterEach stops it
    await waitFor(() => expect(client.getStatus().state).toBe('live'));
    expect(ws.subscriptions()).toEqual([]);
  });

  it('says the replay source has no book, and still listens for one', async () => {
    show('replay');
    expect(screen.getByTestId('order-book-note')).toHaveTextContent(
      'No order book from the replay source',
    );
    await ws.waitFor(() => ws.subscriptions().includes(STREAM));
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('renders asks above bids with totals, depth bars and the spread', async () => {
    show('binance');
    expect(screen.getByTestId('order-book-note')).toHaveTextContent('Waiting for the order book');
    await ws.waitFor(() => ws.subscriptions().includes(STREAM));
    act(() => {
      ws.push(STREAM, depth(100), 'binance');
    });
    const table = await screen.findByRole('table', { name: 'Order book of BTCUSDT' });
    const asks = within(screen.getByRole('rowgroup', { name: 'Asks (sell orders)' }));
    const bids = within(screen.getByRole('rowgroup', { name: 'Bids (buy orders)' }));
    const cells = (rows: HTMLElement[]) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
    // asks highest first so the best ask sits just above the spread; totals run from the best
    expect(cells(asks.getAllByTestId('ask-row'))).toEqual([
      ['65,000.02', '0.75000', '1.00000'],
      ['65,000.00', '0.25000', '0.25000'],
    ]);
    expect(cells(bids.getAllByTestId('bid-row'))).toEqual([
      ['64,999.99', '0.50000', '0.50000'],
      ['64,999.98', '1.50000', '2.00000'],
    ]);
    // bars on one scale: the deeper side's total (2 BTC of bids) is the full width
    const shares = (rows: HTMLElement[]) => rows.map((r) => r.dataset.share);
    expect(shares(bids.getAllByTestId('bid-row'))).toEqual(['0.25', '1']);
    expect(shares(asks.getAllByTestId('ask-row'))).toEqual(['0.5', '0.125']);
    expect(bids.getAllByTestId('bid-row')[1]?.getAttribute('style')).toContain('100.00%');
    expect(screen.getByTestId('order-book-spread')).toHaveTextContent('Spread 0.01 (0.000015 %)');
    expect(within(table).getByText('Price (USDT)')).toBeInTheDocument();

    // a newer book replaces it; an older (out-of-order) one does not
    act(() => {
      ws.push(STREAM, { ...depth(102), asks: [['65000.10000000', '3.00000000']] }, 'binance');
    });
    await waitFor(() => expect(screen.getAllByTestId('ask-row')).toHaveLength(1));
    act(() => {
      ws.push(STREAM, depth(101), 'binance');
      ws.push(STREAM, { lastUpdateId: 103, bids: 'nope', asks: [] }, 'binance'); // malformed
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getAllByTestId('ask-row')).toHaveLength(1);
    expect(screen.getByTestId('order-book-spread')).toHaveTextContent('Spread 0.11');
  });

  it('speaks Russian', async () => {
    show('replay', 'ru');
    expect(screen.getByRole('heading', { name: 'Стакан' })).toBeInTheDocument();
    expect(screen.getByTestId('order-book-note')).toHaveTextContent('нет стакана');
    await ws.waitFor(() => ws.subscriptions().includes(STREAM));
  });
});

describe('bookView', () => {
  it('sorts defensively, keeps the top rows and handles a one-sided book', () => {
    const view = bookView(
      {
        lastUpdateId: 1,
        bids: [
          ['1.0', '1'],
          ['3.0', '1'],
          ['2.0', '1'],
        ],
        asks: [],
      },
      2,
    );
    expect(view.bids.map((r) => [r.price, r.total])).toEqual([
      ['3.0', '1'],
      ['2.0', '2'],
    ]);
    expect(view.asks).toEqual([]);
    expect(view.spread).toBeNull();
  });
});
