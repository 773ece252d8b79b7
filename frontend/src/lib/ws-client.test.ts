// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';

import { TestWsServer } from '@/testing/ws-server';

import { defaultWsUrl, WsClient } from './ws-client';
import type { SocketLike, WsStatus } from './ws-client';

let server: TestWsServer;
let client: WsClient | null = null;

function makeClient(
  url: string,
  extra: Partial<ConstructorParameters<typeof WsClient>[0]> = {},
): WsClient {
  client = new WsClient({
    url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    baseDelayMs: 20,
    maxDelayMs: 80,
    heartbeatMs: 60_000,
    ...extra,
  });
  return client;
}

function waitForStatus(c: WsClient, check: (s: WsStatus) => boolean): Promise<WsStatus> {
  return new Promise((resolve) => {
    if (check(c.getStatus())) {
      resolve(c.getStatus());
      return;
    }
    const off = c.onStatus(() => {
      if (check(c.getStatus())) {
        off();
        resolve(c.getStatus());
      }
    });
  });
}

const methods = (method: string) => server.received.filter((f) => f.method === method);

beforeEach(async () => {
  server = await TestWsServer.start();
});

afterEach(async () => {
  client?.stop();
  client = null;
  await server.close();
});

describe('WsClient subscriptions', () => {
  it('shares one server subscription between listeners of the same stream (reference counting)', async () => {
    const c = makeClient(server.url);
    c.start();
    const offA = c.subscribe('btcusdt@ticker', () => undefined);
    const offB = c.subscribe('btcusdt@ticker', () => undefined);
    await server.waitFor(() => server.subscriptions().includes('btcusdt@ticker'));
    expect(methods('SUBSCRIBE')).toHaveLength(1);
    expect(c.refCount('btcusdt@ticker')).toBe(2);

    offA();
    offA(); // idempotent: a second call must not release B's reference
    const other = c.subscribe('ethusdt@ticker', () => undefined);
    await server.waitFor(() => server.subscriptions().includes('ethusdt@ticker'));
    expect(methods('UNSUBSCRIBE')).toHaveLength(0);
    expect(server.subscriptions()).toContain('btcusdt@ticker');

    offB();
    await server.waitFor(() => !server.subscriptions().includes('btcusdt@ticker'));
    expect(methods('UNSUBSCRIBE').map((f) => f.params)).toEqual([['btcusdt@ticker']]);
    other();
  });

  it('batches the subscriptions made in one tick into one SUBSCRIBE frame', async () => {
    const c = makeClient(server.url);
    c.subscribe('a@ticker', () => undefined);
    c.subscribe('b@ticker', () => undefined);
    c.start();
    await server.waitFor(() => server.subscriptions().length === 2);
    expect(methods('SUBSCRIBE').map((f) => f.params)).toEqual([['a@ticker', 'b@ticker']]);
  });

  it('delivers data only to listeners of the frame stream and reads source and event time', async () => {
    const c = makeClient(server.url);
    c.start();
    const btc: unknown[] = [];
    const eth: unknown[] = [];
    c.subscribe('btcusdt@kline_1m', (data) => btc.push(data));
    c.subscribe('ethusdt@kline_1m', (data) => eth.push(data));
    await server.waitFor(() => server.subscriptions().length === 2);
    server.push('btcusdt@kline_1m', { e: 'kline', E: 1_700_000_123_456, s: 'BTCUSDT' }, 'replay');
    const status = await waitForStatus(c, (s) => s.source === 'replay');
    expect(btc).toEqual([{ e: 'kline', E: 1_700_000_123_456, s: 'BTCUSDT' }]);
    expect(eth).toEqual([]);
    expect(status.eventTime).toBe(1_700_000_100_000); // floored to the minute
  });
});

describe('defaultWsUrl', () => {
  it("is this host's combined /stream endpoint (on /ws events would come without their stream)", () => {
    vi.stubGlobal('window', { location: { protocol: 'https:', host: 'demo.example:8443' } });
    try {
      expect(defaultWsUrl()).toBe('wss://demo.example:8443/stream');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('WsClient reconnect', () => {
  it('reconnects after the connection drops and resubscribes every active stream', async () => {
    const c = makeClient(server.url);
    c.start();
    c.subscribe('btcusdt@ticker', () => undefined);
    c.subscribe('!miniTicker@arr', () => undefined);
    await server.waitFor(() => server.subscriptions().length === 2);

    server.dropAll();
    await waitForStatus(c, (s) => s.state === 'reconnecting');
    await server.waitFor(() => server.connections === 2 && server.subscriptions().length === 2);
    await waitForStatus(c, (s) => s.state === 'live' && s.attempt === 0);
    const second = server.received.filter((f) => f.connection === 2 && f.method === 'SUBSCRIBE');
    expect(second.flatMap((f) => f.params)).toEqual(['btcusdt@ticker', '!miniTicker@arr']);
  });

  it('keeps retrying with backoff while the server is down, then recovers', async () => {
    const port = server.port;
    const c = makeClient(server.url);
    c.start();
    c.subscribe('btcusdt@ticker', () => undefined);
    await server.waitFor(() => server.subscriptions().length === 1);
    await server.close();
    await waitForStatus(c, (s) => s.attempt >= 3);
    server = await TestWsServer.start(port);
    await server.waitFor(() => server.subscriptions().includes('btcusdt@ticker'));
    expect((await waitForStatus(c, (s) => s.state === 'live')).attempt).toBe(0);
  });

  it('does not resubscribe a stream released while disconnected', async () => {
    const c = makeClient(server.url);
    c.start();
    const off = c.subscribe('btcusdt@ticker', () => undefined);
    c.subscribe('ethusdt@ticker', () => undefined);
    await server.waitFor(() => server.subscriptions().length === 2);
    server.dropAll();
    off();
    await server.waitFor(() => server.connections === 2 && server.subscriptions().length === 1);
    expect(server.subscriptions()).toEqual(['ethusdt@ticker']);
  });

  it('treats a socket whose heartbeat probe gets no answer as dead and reconnects', async () => {
    const c = makeClient(server.url, { heartbeatMs: 30, heartbeatTimeoutMs: 60 });
    c.start();
    c.subscribe('btcusdt@ticker', () => undefined);
    await server.waitFor(() => server.subscriptions().length === 1);
    server.stalled = true; // TCP stays open, nothing is answered
    await server.waitFor(() => server.connections >= 2);
    server.stalled = false;
    await server.waitFor(() =>
      server.received.some((f) => f.connection >= 2 && f.method === 'SUBSCRIBE'),
    );
    expect(methods('LIST_SUBSCRIPTIONS').length).toBeGreaterThan(0);
  });

  it('sends AUTH with the access token on connect and again after a reconnect', async () => {
    const c = makeClient(server.url);
    c.setAuthToken('token-1');
    c.start();
    await server.waitFor(() => server.tokens().includes('token-1'));
    c.setAuthToken('token-2');
    await server.waitFor(() => server.tokens().includes('token-2'));
    server.dropAll();
    await server.waitFor(() => server.connections === 2 && server.tokens().includes('token-2'));
    expect(methods('AUTH').map((f) => f.params)).toEqual([['token-1'], ['token-2'], ['token-2']]);
  });

  it('fails pending requests when the connection is lost', async () => {
    const c = makeClient(server.url);
    c.start();
    await waitForStatus(c, (s) => s.state === 'live');
    server.stalled = true;
    const pending = c.request('LIST_SUBSCRIPTIONS');
    server.dropAll();
    await expect(pending).rejects.toThrow('connection lost');
  });
});
