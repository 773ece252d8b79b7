import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { ErrorAlert } from '@/components/error-alert';
import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import { useKlines, useSymbols, useTicker, useTickers } from './api/market';
import { flattenKlines } from './api/stream-merge';
import { MarketTable } from './components/market-table';
import { TickerHeader } from './components/ticker-header';
import { useKlineStream } from './hooks/use-kline-stream';
import { useMiniTickerFeed } from './hooks/use-market-feed';
import { useTickerStream } from './hooks/use-ticker-stream';

function Overview() {
  const tickers = useTickers();
  const symbols = useSymbols();
  useMiniTickerFeed();
  return tickers.data ? <MarketTable tickers={tickers.data} symbols={symbols.data ?? []} /> : null;
}

/** What the symbol chart draws: the klines query plus its stream. */
function CandleCount({ symbol }: { readonly symbol: string }) {
  const klines = useKlines(symbol, '1h');
  useKlineStream(symbol, '1h');
  return <p>{`${flattenKlines(klines.data).length} candles`}</p>;
}

/** The symbol page's header as the route composes it (ticker query + its stream). */
function SymbolHeader({ symbol }: { readonly symbol: string }) {
  const ticker = useTicker(symbol);
  useTickerStream(symbol);
  return (
    <>
      <ErrorAlert error={ticker.error} />
      <TickerHeader ticker={ticker.data ?? undefined} info={undefined} />
    </>
  );
}

const ticker = (symbol: string, last: string, percent: string, quote: string) => ({
  symbol,
  last_price: last,
  price_change: '0',
  price_change_percent: percent,
  weighted_avg_price: last,
  open_price: last,
  high_price: last,
  low_price: last,
  volume: '1',
  quote_volume: quote,
  bid_price: last,
  ask_price: last,
  open_time: 0,
  close_time: 0,
  event_time: 0,
  source: 'replay',
});

const symbol = (name: string, base: string, tick: string) => ({
  symbol: name,
  status: 'TRADING',
  base_asset: base,
  quote_asset: 'USDT',
  base_asset_precision: 8,
  quote_asset_precision: 8,
  tick_size: tick,
  min_price: tick,
  max_price: '1000000',
  step_size: '0.00001',
  min_qty: '0.00001',
  max_qty: '9000',
  min_notional: '5',
  max_notional: '9000000',
  order_types: ['LIMIT', 'MARKET'],
  filters: [],
});

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/market/tickers', {
    status: 200,
    body: {
      source: 'replay',
      tickers: [
        ticker('BTCUSDT', '84000.00000000', '-1.5', '900'),
        ticker('ETHUSDT', '2800.00000000', '2.25', '1000'),
      ],
    },
  });
  api.respond('GET', '/api/v1/market/symbols', {
    status: 200,
    body: {
      source: 'replay',
      symbols: [symbol('BTCUSDT', 'BTC', '0.01000000'), symbol('ETHUSDT', 'ETH', '0.01000000')],
    },
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

const priceOf = (name: string) =>
  within(screen.getByRole('row', { name: new RegExp(name) })).getByTestId('last-price');

describe('market overview', () => {
  it('shows REST tickers, then applies !miniTicker@arr frames live', async () => {
    renderRoutes({ routes: [{ path: '/', element: <Overview /> }], wsClient: client });
    expect(await screen.findByRole('row', { name: /BTC/ })).toBeInTheDocument();
    expect(priceOf('BTC')).toHaveTextContent('84,000.00');
    await ws.waitFor(() => ws.subscriptions().includes('!miniTicker@arr'));

    ws.push(
      '!miniTicker@arr',
      [
        {
          e: '24hrMiniTicker',
          E: 1,
          s: 'BTCUSDT',
          c: '84100.50',
          o: '84000',
          h: '84200',
          l: '83000',
          v: '3',
          q: '250000',
        },
      ],
      'replay',
    );
    await waitFor(() => expect(priceOf('BTC')).toHaveTextContent('84,100.50'));
    expect(priceOf('BTC')).toHaveClass('flash-up');
    expect(
      within(screen.getByRole('row', { name: /BTC/ })).getByText('+0.12 %'),
    ).toBeInTheDocument();
    expect(priceOf('ETH')).toHaveTextContent('2,800.00');
  });

  it('sorts by a column, searches and keeps favourites on top', async () => {
    renderRoutes({ routes: [{ path: '/', element: <Overview /> }], wsClient: client });
    await screen.findByRole('row', { name: /BTC/ });
    const user = userEvent.setup();
    const symbols = () => screen.getAllByRole('rowheader').map((cell) => cell.textContent);

    expect(symbols()).toEqual(['ETH/USDT', 'BTC/USDT']); // default: turnover, largest first
    await user.click(screen.getByRole('button', { name: /Last price/ }));
    expect(symbols()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(screen.getByRole('columnheader', { name: /Last price/ })).toHaveAttribute(
      'aria-sort',
      'descending',
    );

    await user.click(screen.getByRole('button', { name: 'Add ETHUSDT to favourites' }));
    expect(symbols()).toEqual(['ETH/USDT', 'BTC/USDT']);
    expect(localStorage.getItem('favourites')).toBe('["ETHUSDT"]');

    await user.type(screen.getByLabelText('Search symbols'), 'btc');
    expect(symbols()).toEqual(['BTC/USDT']);
  });

  it('a symbol page opened before its first ticker shows no error and fills in live', async () => {
    api.respond('GET', '/api/v1/market/ticker', {
      status: 503,
      body: {
        error: {
          code: 'ticker_unavailable',
          message: 'No ticker yet',
          details: { symbol: 'SOLUSDT' },
        },
      },
      headers: { 'Retry-After': '1' },
    });
    const { queryClient } = renderRoutes({
      routes: [{ path: '/', element: <SymbolHeader symbol="SOLUSDT" /> }],
      wsClient: client,
    });
    await ws.waitFor(() => ws.subscriptions().includes('solusdt@ticker'));
    // the answer is final (no retries of a 503 that only means "not yet"), and not an error
    await waitFor(() => expect(queryClient.isFetching()).toBe(0), { timeout: 8000 });
    expect(api.callsTo('/api/v1/market/ticker')).toBe(1);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    const last = screen.getByTestId('ticker-last-price');
    expect(last).toHaveTextContent('—');

    ws.push(
      'solusdt@ticker',
      {
        e: '24hrTicker',
        E: 5,
        s: 'SOLUSDT',
        p: '1.50',
        P: '1.01',
        c: '150.25',
        o: '148.75',
        h: '151',
        l: '148',
        v: '10',
        q: '1500',
        w: '150',
        O: 0,
        C: 5,
      },
      'replay',
    );
    await waitFor(() => expect(last).toHaveTextContent('150.25'));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('a chart opened before the history was stored fills in from the first frame', async () => {
    const HOUR = 3_600_000;
    const candle = (i: number) => ({
      open_time: i * HOUR,
      close_time: (i + 1) * HOUR - 1,
      open: '1',
      high: '2',
      low: '0.5',
      close: '1.5',
      volume: '3',
      quote_volume: '4',
      trades: 5,
      closed: true,
    });
    let asked = 0;
    // the first answer comes before the feed stored its history; later ones have it
    api.respondWith('GET', '/api/v1/market/klines', () => {
      asked += 1;
      const klines = asked === 1 ? [] : [candle(1), candle(2), candle(3)];
      return { status: 200, body: { source: 'replay', symbol: 'ADAUSDT', interval: '1h', klines } };
    });
    renderRoutes({
      routes: [{ path: '/', element: <CandleCount symbol="ADAUSDT" /> }],
      wsClient: client,
    });
    await screen.findByText('0 candles');
    await ws.waitFor(() => ws.subscriptions().includes('adausdt@kline_1h'));
    const frame = (i: number) => ({
      e: 'kline',
      E: i * HOUR + 1,
      s: 'ADAUSDT',
      k: {
        t: i * HOUR,
        T: (i + 1) * HOUR - 1,
        s: 'ADAUSDT',
        i: '1h',
        o: '1',
        c: '1.6',
        h: '2',
        l: '1',
        v: '1',
        q: '1',
        n: 1,
        x: false,
      },
    });
    ws.push('adausdt@kline_1h', frame(4), 'replay');
    await screen.findByText('3 candles'); // the stored history, without a reload
    expect(asked).toBe(2);
    ws.push('adausdt@kline_1h', frame(4), 'replay');
    await screen.findByText('4 candles'); // then the forming candle as usual
  });
});
