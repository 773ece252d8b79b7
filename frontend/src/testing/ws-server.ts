import type { AddressInfo } from 'node:net';

import { WebSocket as WsSocket, WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';

/**
 * A local WebSocket server speaking the API's Binance-style stream protocol, for tests of the
 * real client: SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY / AUTH,
 * pushes to subscribers (as the API does: combined `{"stream","data"}` on `/stream`, the bare
 * `data` on `/ws` until the connection sets `combined`), and faults (drop every connection,
 * stall = stop answering while keeping TCP open).
 */
export interface ReceivedFrame {
  readonly connection: number;
  readonly method: string;
  readonly params: unknown[] | undefined;
  readonly id: unknown;
}

interface Conn {
  readonly index: number;
  readonly socket: WebSocket;
  readonly streams: Set<string>;
  token: string | null;
  combined: boolean;
}

type Waiter = () => boolean;

export class TestWsServer {
  readonly received: ReceivedFrame[] = [];
  connections = 0;
  stalled = false;
  private readonly server: WebSocketServer;
  private readonly conns = new Set<Conn>();
  private waiters: { check: Waiter; resolve: () => void }[] = [];

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (socket, request) =>
      this.onConnection(socket, (request.url ?? '').startsWith('/stream')),
    );
  }

  static async start(port = 0): Promise<TestWsServer> {
    const server = new WebSocketServer({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new TestWsServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The combined endpoint, the one the app uses. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/stream`;
  }

  /** The raw endpoint (events without their stream name until `combined` is set). */
  get rawUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Streams subscribed on the currently open connections. */
  subscriptions(): string[] {
    return [...this.conns].flatMap((c) => [...c.streams]).sort();
  }

  openConnections(): number {
    return this.conns.size;
  }

  tokens(): (string | null)[] {
    return [...this.conns].map((c) => c.token);
  }

  /** Send a data frame to every connection subscribed to `stream`. */
  push(stream: string, data: unknown, source?: string): number {
    let sent = 0;
    for (const conn of this.conns) {
      if (!conn.streams.has(stream)) continue;
      const frame = source ? { stream, data, source } : { stream, data };
      conn.socket.send(JSON.stringify(conn.combined ? frame : data));
      sent += 1;
    }
    return sent;
  }

  /** Kill every connection abruptly (as a crashed server or a network cut would). */
  dropAll(): void {
    for (const conn of this.conns) conn.socket.terminate();
  }

  /** Resolves once `check` holds (re-checked after every server event). */
  waitFor(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  private onConnection(socket: WebSocket, combined: boolean): void {
    this.connections += 1;
    const conn: Conn = {
      index: this.connections,
      socket,
      streams: new Set(),
      token: null,
      combined,
    };
    this.conns.add(conn);
    socket.on('message', (raw: Buffer) => this.onMessage(conn, raw.toString('utf8')));
    socket.on('close', () => {
      this.conns.delete(conn);
      this.notify();
    });
    this.notify();
  }

  private onMessage(conn: Conn, raw: string): void {
    let frame: { method?: unknown; params?: unknown; id?: unknown };
    try {
      frame = JSON.parse(raw) as typeof frame;
    } catch {
      conn.socket.send(
        JSON.stringify({ error: { code: 'invalid_json', msg: 'bad frame' }, id: null }),
      );
      return;
    }
    const method = typeof frame.method === 'string' ? frame.method : '';
    const params = Array.isArray(frame.params) ? (frame.params as unknown[]) : undefined;
    this.received.push({ connection: conn.index, method, params, id: frame.id });
    if (!this.stalled) {
      const streams = (params ?? []).filter((p): p is string => typeof p === 'string');
      let result: unknown = null;
      if (method === 'SUBSCRIBE') streams.forEach((s) => conn.streams.add(s));
      if (method === 'UNSUBSCRIBE') streams.forEach((s) => conn.streams.delete(s));
      if (method === 'LIST_SUBSCRIPTIONS') result = [...conn.streams];
      if (method === 'AUTH') conn.token = streams[0] ?? null;
      if (method === 'SET_PROPERTY') conn.combined = params?.[1] === true;
      if (method === 'GET_PROPERTY') result = conn.combined;
      conn.socket.send(JSON.stringify({ result, id: frame.id }));
    }
    this.notify();
  }
}

/** A test /ws server and a user-stream client on it, authenticated with `token`, reconnecting
 * fast; stop the client and close the server after the test. */
export async function startLiveClient(
  token = 'access-live',
): Promise<{ ws: TestWsServer; client: WsClient }> {
  const ws = await TestWsServer.start();
  const client = new WsClient({
    url: ws.url,
    createSocket: (u) => new WsSocket(u) as unknown as SocketLike,
    baseDelayMs: 20,
  });
  client.setAuthToken(token);
  return { ws, client };
}
