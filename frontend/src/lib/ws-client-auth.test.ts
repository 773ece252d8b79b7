// @vitest-environment node
/**
 * The private `user` stream against a server that refuses it before AUTH, as the API's /ws
 * does (error code 6), and that drops it when the token expires (an error frame with id null).
 */
import type { AddressInfo } from 'node:net';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

import { WsClient } from './ws-client';
import type { SocketLike } from './ws-client';

interface Frame {
  readonly method: string;
  readonly params: string[];
  readonly id: unknown;
}

/** Just enough of the API's AUTH rules: `user` needs a token, an expiry drops it. */
class StrictServer {
  readonly frames: Frame[] = [];
  readonly streams = new Set<string>();
  token: string | null = null;
  private socket: WebSocket | null = null;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(readonly wss: WebSocketServer) {
    wss.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (raw: Buffer) => this.onMessage(socket, raw.toString('utf8')));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws`;
  }

  waitFor(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  expire(): void {
    this.token = null;
    this.streams.delete('user');
    const msg = 'Unauthorized: the access token has expired; send AUTH with a fresh one';
    this.socket?.send(JSON.stringify({ error: { code: 6, msg }, id: null }));
  }

  private onMessage(socket: WebSocket, raw: string): void {
    const f = JSON.parse(raw) as { method: string; params?: string[]; id: unknown };
    const params = f.params ?? [];
    this.frames.push({ method: f.method, params, id: f.id });
    if (f.method === 'AUTH') this.token = params[0] ?? null;
    if (f.method === 'SUBSCRIBE') {
      if (params.includes('user') && this.token === null) {
        const msg = 'Unauthorized: send AUTH with an access token before subscribing to `user`';
        socket.send(JSON.stringify({ error: { code: 6, msg }, id: f.id }));
        this.notify();
        return;
      }
      params.forEach((s) => this.streams.add(s));
    }
    socket.send(JSON.stringify({ result: null, id: f.id }));
    this.notify();
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

let server: StrictServer;
let client: WsClient | null = null;

beforeEach(async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  server = new StrictServer(wss);
});

afterEach(async () => {
  client?.stop();
  client = null;
  await new Promise<void>((resolve) => server.wss.close(() => resolve()));
});

function start(): WsClient {
  client = new WsClient({
    url: server.url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    heartbeatMs: 60_000,
  });
  client.start();
  return client;
}

const sent = (method: string) => server.frames.filter((f) => f.method === method);

describe('WsClient and the user stream', () => {
  it('asks for `user` again once AUTH is acknowledged after the server refused it', async () => {
    const c = start();
    c.subscribe('btcusdt@ticker', () => undefined);
    await server.waitFor(() => server.streams.has('btcusdt@ticker'));
    c.subscribe('user', () => undefined); // the session is known before its token is
    await server.waitFor(() => sent('SUBSCRIBE').length === 2); // refused: no AUTH yet
    expect(server.streams.has('user')).toBe(false);
    c.setAuthToken('token-1');
    await server.waitFor(() => server.streams.has('user'));
    expect(sent('SUBSCRIBE').map((f) => f.params)).toEqual([
      ['btcusdt@ticker'],
      ['user'],
      ['user'],
    ]);
  });

  it('subscribes `user` again with the next token after the server dropped it on expiry', async () => {
    const c = start();
    c.setAuthToken('token-1');
    c.subscribe('user', () => undefined);
    await server.waitFor(() => server.streams.has('user'));
    server.expire();
    c.setAuthToken('token-2');
    await server.waitFor(() => server.streams.has('user') && server.token === 'token-2');
    expect(sent('AUTH').map((f) => f.params)).toEqual([['token-1'], ['token-2']]);
    expect(sent('SUBSCRIBE').map((f) => f.params)).toEqual([['user'], ['user']]);
  });

  it('does not re-send a subscription the server accepted', async () => {
    const c = start();
    c.setAuthToken('token-1');
    c.subscribe('user', () => undefined);
    await server.waitFor(() => server.streams.has('user'));
    c.setAuthToken('token-2');
    await server.waitFor(() => server.token === 'token-2');
    c.subscribe('btcusdt@ticker', () => undefined);
    await server.waitFor(() => server.streams.has('btcusdt@ticker'));
    expect(sent('SUBSCRIBE').map((f) => f.params)).toEqual([['user'], ['btcusdt@ticker']]);
  });
});
