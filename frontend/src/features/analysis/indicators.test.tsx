import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import { IndicatorPanels } from './components/indicator-panels';
import { IndicatorPicker } from './components/indicator-picker';
import { decodeSelection } from './hooks/use-indicator-prefs';
import { useSymbolIndicators } from './hooks/use-symbol-indicators';

/** Issue 11, web app: indicators on the symbol page, remembered per user, moving live. */

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** /analysis/indicators as backend/analysis/router.py answers: canonical spec keys. */
function indicators(query: URLSearchParams) {
  const specs = (query.get('indicators') ?? '').split(',');
  const times = [T0, T0 + HOUR, T0 + 2 * HOUR];
  const series: Record<string, Record<string, (string | null)[]>> = {};
  for (const spec of specs) {
    const [name] = spec.split(':');
    if (name === 'rsi') series[spec] = { rsi: [null, '48.5', '61.25'] };
    if (name === 'bbands')
      series[spec] = {
        upper: [null, '105', '106'],
        middle: [null, '100', '101'],
        lower: [null, '95', '96'],
      };
    if (name === 'macd')
      return {
        status: 422,
        body: {
          error: {
            code: 'invalid_indicator',
            message: "macd's fast period must be below its slow one",
            details: null,
          },
        },
      };
  }
  return {
    status: 200,
    body: { symbol: 'BTCUSDT', interval: '1h', open_times: times, forming: true, series },
  };
}

function Harness({ userId }: { readonly userId: number }) {
  const ind = useSymbolIndicators('BTCUSDT', '1h', userId);
  return (
    <>
      <IndicatorPicker value={ind.chosen} onChange={ind.setChosen} />
      <output data-testid="overlays">{ind.overlays.map((o) => o.id).join(' ')}</output>
      <output data-testid="error">{ind.error instanceof Error ? ind.error.message : ''}</output>
      <IndicatorPanels data={ind.data} chosen={ind.chosen} symbol="BTCUSDT" />
    </>
  );
}

let api: FakeApiServer;
let ws: TestWsServer | null = null;
let client: WsClient | null = null;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respondWith('GET', '/api/v1/analysis/indicators', indicators);
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
});

afterEach(async () => {
  client?.stop();
  await ws?.close().catch(() => undefined);
  client = null;
  ws = null;
});

const indicatorCalls = () =>
  api.calls
    .filter((c) => c.path === '/api/v1/analysis/indicators')
    .map((c) => new URLSearchParams(c.query));

// the selection is cached per user key for the page's life: every test signs in someone new
let nextUser = 100;
const newUser = () => (nextUser += 1);

function renderHarness(userId = newUser(), wsClient?: WsClient) {
  return renderRoutes({
    routes: [{ path: '/', element: <Harness userId={userId} /> }],
    wsClient,
  });
}

/** A real local WS server speaking the platform's protocol, and a client connected to it. */
async function liveFeed(): Promise<[TestWsServer, WsClient]> {
  ws = await TestWsServer.start();
  client = new WsClient({
    url: ws.url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    baseDelayMs: 20,
    maxDelayMs: 40,
  });
  return [ws, client];
}

describe('stored selection', () => {
  it('keeps known indicators with parameters in range only', () => {
    expect(
      decodeSelection(
        JSON.stringify([
          { name: 'rsi', params: [14] },
          { name: 'rsi', params: [21] },
          { name: 'nope', params: [] },
          { name: 'sma', params: [1] },
          { name: 'bbands', params: [20, 2.5] },
          { name: 'macd', params: [12, 26] },
        ]),
      ),
    ).toEqual([
      { name: 'rsi', params: [14] },
      { name: 'bbands', params: [20, 2.5] },
    ]);
    expect(decodeSelection('not json')).toBeUndefined();
  });
});

describe('symbol page indicators', () => {
  it('asks for RSI and Bollinger with the forming candle, draws the bands, shows RSI as text', async () => {
    const user = userEvent.setup();
    renderHarness();
    const rsi = await screen.findByRole('checkbox', { name: 'RSI' });
    expect(indicatorCalls()).toHaveLength(0); // nothing chosen: nothing asked
    await user.click(rsi);
    await user.click(screen.getByRole('checkbox', { name: 'Bollinger Bands' }));
    await waitFor(() =>
      expect(screen.getByTestId('overlays')).toHaveTextContent(
        'bbands:20:2/upper bbands:20:2/middle bbands:20:2/lower',
      ),
    );
    const last = indicatorCalls().at(-1)!;
    expect(last.get('indicators')).toBe('rsi:14,bbands:20:2');
    expect(last.get('include_forming')).toBe('true');
    expect(last.get('symbol')).toBe('BTCUSDT');
    expect(await screen.findByRole('region', { name: 'Indicator panel: RSI (14)' })).toBeVisible();
    expect(screen.getByTestId('latest-rsi')).toHaveTextContent('Latest: 61.25');
  });

  it('applies a parameter in range, ignores one out of range, remembers per user', async () => {
    const user = userEvent.setup();
    const alice = newUser();
    const first = renderHarness(alice);
    await user.click(await screen.findByRole('checkbox', { name: 'RSI' }));
    const period = screen.getByRole('spinbutton', { name: 'Period of RSI (2–200)' });
    await user.clear(period);
    await user.type(period, '500'); // 5, 50 apply on the way; 500 is out of range
    await waitFor(() => expect(indicatorCalls().at(-1)?.get('indicators')).toBe('rsi:50'));
    expect(indicatorCalls().some((q) => q.get('indicators') === 'rsi:500')).toBe(false);
    first.unmount();

    // the same user comes back: RSI(50) again
    const again = renderHarness(alice);
    expect(await screen.findByRole('checkbox', { name: 'RSI' })).toBeChecked();
    expect(screen.getByRole('spinbutton', { name: 'Period of RSI (2–200)' })).toHaveValue(50);
    // another user on this browser starts empty
    again.unmount();
    renderHarness(newUser());
    expect(await screen.findByRole('checkbox', { name: 'RSI' })).not.toBeChecked();
  });

  it('shows the API refusing a parameter combination (422), not an empty panel', async () => {
    const user = userEvent.setup();
    renderHarness();
    await user.click(await screen.findByRole('checkbox', { name: 'MACD' }));
    await waitFor(() =>
      expect(screen.getByTestId('error')).toHaveTextContent('fast period must be below'),
    );
  });

  it('refetches when the candle stream moves, throttled', async () => {
    const user = userEvent.setup();
    const [feed, live] = await liveFeed();
    renderHarness(newUser(), live);
    await user.click(await screen.findByRole('checkbox', { name: 'RSI' }));
    await feed.waitFor(() => feed.subscriptions().includes('btcusdt@kline_1h'));
    await waitFor(() => expect(indicatorCalls()).toHaveLength(1));
    for (let i = 0; i < 5; i += 1) feed.push('btcusdt@kline_1h', { e: 'kline', k: { t: T0 } });
    await waitFor(() => expect(indicatorCalls()).toHaveLength(2)); // the first frame: at once
    // the other four within the throttle window fold into one trailing refetch
    await waitFor(() => expect(indicatorCalls()).toHaveLength(3), { timeout: 4000 });
    expect(indicatorCalls()).toHaveLength(3);
  });
});
