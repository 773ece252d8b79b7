import { screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import { ConnectionBadge } from './connection-badge';

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;

beforeAll(async () => {
  api = await FakeApiServer.start(); // GET /market/status answers 404: the badge must cope
  setBaseUrl(api.url);
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
    maxDelayMs: 40,
  });
});

afterEach(async () => {
  client.stop();
  await ws.close().catch(() => undefined);
});

describe('ConnectionBadge', () => {
  it('goes live, shows the replay clock from market frames, then reconnecting', async () => {
    const off = client.subscribe('btcusdt@ticker', () => undefined);
    renderRoutes({ routes: [{ path: '/', element: <ConnectionBadge /> }], wsClient: client });
    const badge = await screen.findByRole('status', { name: 'Market data connection' });
    await waitFor(() => expect(badge).toHaveTextContent('Live'));

    await ws.waitFor(() => ws.subscriptions().includes('btcusdt@ticker'));
    ws.push(
      'btcusdt@ticker',
      { e: '24hrTicker', E: Date.UTC(2026, 0, 30, 0, 9, 30), s: 'BTCUSDT' },
      'replay',
    );
    await waitFor(() => expect(badge).toHaveTextContent('Replay · Jan 30, 2026, 12:09 AM'));

    await ws.close();
    await waitFor(() => expect(badge).toHaveTextContent('Reconnecting…'));
    off();
  });

  it('before the replay is connected, shows no date from the status endpoint', async () => {
    // /market/status in the first seconds: replay, not connected, replay_time = the wall clock
    api.respond('GET', '/api/v1/market/status', {
      status: 200,
      body: {
        source: 'replay',
        connected: false,
        error: null,
        ingestor: 'in-process',
        replay_time: Date.UTC(2026, 11, 6, 18, 12),
        replay_speed: null,
        last_event_at: null,
        symbols: ['BTCUSDT'],
        intervals: ['1m'],
        depth_levels: 20,
      },
    });
    renderRoutes({ routes: [{ path: '/', element: <ConnectionBadge /> }], wsClient: client });
    const badge = await screen.findByRole('status', { name: 'Market data connection' });
    await waitFor(() => expect(badge).toHaveTextContent('Replay · …'));
    expect(badge).not.toHaveTextContent('2026');
  });
});
