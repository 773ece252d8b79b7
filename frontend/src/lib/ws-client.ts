/**
 * The one WebSocket client of the app, speaking the API's Binance-style stream protocol on
 * `/stream`, Binance's combined endpoint: each event arrives as `{"stream", "data", "source"}` and
 * is routed by its stream name (`/ws` would send raw events until a `SET_PROPERTY combined`, one
 * more control frame against the 5-a-second budget). Then: reference-counted SUBSCRIBE/UNSUBSCRIBE (components share streams), AUTH for the private `user`
 * stream (a SUBSCRIBE the server refused for want of AUTH, or a `user` stream it dropped when the
 * token expired, is asked again after the next AUTH ack, not only after a reconnect),
 * jittered exponential backoff with resubscribe-all after a reconnect, and an application
 * heartbeat (browsers cannot send ping frames, so a LIST_SUBSCRIPTIONS that gets no answer in time
 * marks the socket dead even when TCP has not noticed yet).
 */

export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting';
export type FeedSource = 'binance' | 'replay';

export interface WsStatus {
  readonly state: ConnectionState;
  /** "source" of the last market frame, when the server sends one. */
  readonly source: FeedSource | null;
  /** Event time (`E`, epoch ms, floored to the minute) of the last market frame: the replay clock. */
  readonly eventTime: number | null;
  /** Reconnect attempts since the last successful open. */
  readonly attempt: number;
}

export interface StreamFrame {
  readonly stream: string;
  readonly data: unknown;
  readonly source?: string;
}

export type StreamListener = (data: unknown, frame: StreamFrame) => void;

/** The subset of the browser WebSocket API we use, so tests can pass the `ws` package's class. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  readonly url: string | (() => string);
  readonly createSocket?: SocketFactory;
  /** First reconnect delay; doubles per attempt up to maxDelayMs, then "equal jitter". */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly random?: () => number;
  /** Probe the server when no frame arrived for this long. */
  readonly heartbeatMs?: number;
  /** Give up on a socket whose probe got no answer within this time. */
  readonly heartbeatTimeoutMs?: number;
  /** Time allowed for any request (SUBSCRIBE, AUTH, …) to be answered. */
  readonly requestTimeoutMs?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;
/** The API's /ws error code for authentication (a bad or expired token, `user` without AUTH). */
const CODE_UNAUTHORIZED = 6;
const USER_STREAM = 'user';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function eventTimeOf(data: unknown): number | null {
  const first: unknown = Array.isArray(data) ? data[0] : data;
  if (isRecord(first) && typeof first.E === 'number') return first.E;
  return null;
}

export class WsRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | number | undefined,
  ) {
    super(message);
    this.name = 'WsRequestError';
  }
}

export class WsClient {
  private readonly opts: Required<Omit<WsClientOptions, 'url' | 'createSocket'>>;
  private readonly createSocket: SocketFactory;
  private readonly listeners = new Map<string, Map<number, StreamListener>>();
  /** Streams the current socket is subscribed to (as far as we have asked). */
  private sent = new Set<string>();
  private readonly pending = new Map<number, Pending>();
  private readonly statusListeners = new Set<() => void>();
  private readonly authLostListeners = new Set<() => void>();
  private socket: SocketLike | null = null;
  private nextId = 1;
  private nextListenerId = 1;
  private started = false;
  private flushQueued = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  private probing = false;
  private authToken: string | null = null;
  private status: WsStatus = { state: 'idle', source: null, eventTime: null, attempt: 0 };

  constructor(private readonly options: WsClientOptions) {
    this.opts = {
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      random: options.random ?? Math.random,
      heartbeatMs: options.heartbeatMs ?? 25_000,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    };
    this.createSocket =
      options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  }

  // ---- public API -------------------------------------------------------------------------

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  stop(): void {
    this.started = false;
    this.clearTimers();
    this.failPending(new Error('client stopped'));
    const socket = this.socket;
    this.socket = null;
    this.sent = new Set();
    if (socket) {
      this.detach(socket);
      socket.close(1000, 'client stopped');
    }
    this.setStatus({ state: 'idle', attempt: 0 });
  }

  /** Listen to a stream; the stream is subscribed while at least one listener holds it. */
  subscribe(stream: string, listener: StreamListener): () => void {
    const id = this.nextListenerId++;
    let byId = this.listeners.get(stream);
    if (!byId) {
      byId = new Map();
      this.listeners.set(stream, byId);
    }
    byId.set(id, listener);
    this.queueFlush();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = this.listeners.get(stream);
      current?.delete(id);
      if (current?.size === 0) this.listeners.delete(stream);
      this.queueFlush();
    };
  }

  /** Number of listeners holding a stream (0 when not subscribed). */
  refCount(stream: string): number {
    return this.listeners.get(stream)?.size ?? 0;
  }

  /**
   * Called when the server ends this connection's identity on its own (code 6 with no request
   * id): the token expired, or it was revoked (blocked, signed out everywhere, password changed).
   * The app answers with a refresh, which fails when the session is gone (then: login page).
   */
  onAuthLost(listener: () => void): () => void {
    this.authLostListeners.add(listener);
    return () => this.authLostListeners.delete(listener);
  }

  /** Token for the private `user` stream; sent now if connected, and after every reconnect. */
  setAuthToken(token: string | null): void {
    const changed = token !== this.authToken;
    this.authToken = token;
    if (changed && token && this.isOpen()) this.auth(token);
  }

  request(method: string, params?: unknown[]): Promise<unknown> {
    const socket = this.socket;
    if (socket?.readyState !== OPEN) {
      return Promise.reject(new Error('socket not open'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out`));
      }, this.opts.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify(params ? { method, params, id } : { method, id }));
    });
  }

  getStatus = (): WsStatus => this.status;

  onStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  // ---- connection lifecycle ---------------------------------------------------------------

  private connect(): void {
    if (!this.started) return;
    const url = typeof this.options.url === 'function' ? this.options.url() : this.options.url;
    this.setStatus({ state: this.status.attempt > 0 ? 'reconnecting' : 'connecting' });
    let socket: SocketLike;
    try {
      socket = this.createSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.sent = new Set();
    socket.onopen = () => this.handleOpen(socket);
    socket.onmessage = (event) => this.handleMessage(event.data);
    socket.onerror = () => undefined; // a close event always follows; reconnect happens there
    socket.onclose = () => this.handleClose(socket);
  }

  private handleOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.lastMessageAt = Date.now();
    this.setStatus({ state: 'live', attempt: 0 });
    if (this.authToken) this.auth(this.authToken);
    this.flush();
    this.startHeartbeat();
  }

  /** AUTH, then subscribe what a refusal or an expiry left out (`user` needs the AUTH first). */
  private auth(token: string): void {
    void this.request('AUTH', [token])
      .then(() => this.flush())
      .catch(() => undefined);
  }

  private handleClose(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.abandon(socket);
  }

  /** Drop a socket (closed or found dead) and reconnect later. */
  private abandon(socket: SocketLike): void {
    this.detach(socket);
    this.socket = null;
    this.sent = new Set();
    this.stopHeartbeat();
    this.failPending(new Error('connection lost'));
    if (socket.readyState === OPEN || socket.readyState === 0) {
      try {
        socket.close(4000, 'heartbeat timeout');
      } catch {
        // already closing
      }
    }
    if (this.started) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const attempt = this.status.attempt + 1;
    this.setStatus({ state: 'reconnecting', attempt });
    const cap = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    // "equal jitter": never hammer the server at once, never wait longer than the cap
    const delay = cap / 2 + this.opts.random() * (cap / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private detach(socket: SocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  private isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN && this.status.state === 'live';
  }

  // ---- subscriptions ------------------------------------------------------------------------

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Batch the SUBSCRIBE/UNSUBSCRIBE of one render pass into one frame each: the server (like
    // Binance) limits control messages per second.
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.isOpen()) return;
    const wanted = new Set(this.listeners.keys());
    const add = [...wanted].filter((s) => !this.sent.has(s));
    const remove = [...this.sent].filter((s) => !wanted.has(s));
    if (remove.length > 0) {
      remove.forEach((s) => this.sent.delete(s));
      void this.request('UNSUBSCRIBE', remove).catch(() => undefined);
    }
    if (add.length > 0) {
      add.forEach((s) => this.sent.add(s));
      const socket = this.socket;
      this.request('SUBSCRIBE', add).catch((error: unknown) => {
        // Refused for want of AUTH (the server then subscribed none of them): forget them, so
        // the flush after the AUTH ack asks again instead of waiting for a reconnect.
        if (socket !== this.socket) return;
        if (error instanceof WsRequestError && error.code === CODE_UNAUTHORIZED) {
          add.forEach((s) => this.sent.delete(s));
        }
      });
    }
  }

  // ---- frames -------------------------------------------------------------------------------

  private handleMessage(raw: unknown): void {
    this.lastMessageAt = Date.now();
    let frame: unknown;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : String(raw));
    } catch {
      return;
    }
    if (!isRecord(frame)) return;
    if (typeof frame.stream === 'string') {
      this.dispatch(frame as unknown as StreamFrame);
      return;
    }
    if (frame.id === null && isRecord(frame.error) && frame.error.code === CODE_UNAUTHORIZED) {
      // The token expired or was revoked and the server dropped `user`: the next AUTH
      // subscribes it again.
      this.sent.delete(USER_STREAM);
      this.authLostListeners.forEach((listener) => listener());
      return;
    }
    if (typeof frame.id === 'number') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (isRecord(frame.error)) {
        const { code, msg, message } = frame.error;
        const text =
          typeof msg === 'string' ? msg : typeof message === 'string' ? message : 'error';
        pending.reject(
          new WsRequestError(
            text,
            typeof code === 'string' || typeof code === 'number' ? code : undefined,
          ),
        );
      } else {
        pending.resolve(frame.result);
      }
    }
  }

  private dispatch(frame: StreamFrame): void {
    if (frame.stream === '!serverShutdown') {
      // planned shutdown: reconnect at once instead of waiting for the close
      const socket = this.socket;
      if (socket) {
        this.detach(socket);
        this.socket = null;
        socket.close(1000, 'server shutdown');
        this.stopHeartbeat();
        this.failPending(new Error('server shutdown'));
        this.setStatus({ state: 'reconnecting' });
        this.connect();
      }
      return;
    }
    const dataSource = isRecord(frame.data) ? frame.data.source : undefined;
    const source = frame.source ?? dataSource;
    const rawTime = eventTimeOf(frame.data);
    // minute resolution is all the badge shows; finer would re-render it on every frame
    const eventTime = rawTime === null ? null : rawTime - (rawTime % 60_000);
    if (source === 'binance' || source === 'replay') {
      if (source !== this.status.source || eventTime !== null) {
        this.setStatus({ source, eventTime: eventTime ?? this.status.eventTime });
      }
    }
    const byId = this.listeners.get(frame.stream);
    if (!byId) return;
    for (const listener of [...byId.values()]) {
      try {
        listener(frame.data, frame);
      } catch (error) {
        // one broken listener must not starve the others of the same stream
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  // ---- heartbeat ----------------------------------------------------------------------------

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const period = Math.max(10, Math.floor(this.opts.heartbeatMs / 2));
    this.heartbeatTimer = setInterval(() => this.checkHeartbeat(), period);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.probing = false;
  }

  private checkHeartbeat(): void {
    const socket = this.socket;
    if (!socket || this.probing) return;
    if (Date.now() - this.lastMessageAt < this.opts.heartbeatMs) return;
    this.probing = true;
    const timeout = setTimeout(() => {
      if (socket === this.socket) this.abandon(socket);
    }, this.opts.heartbeatTimeoutMs);
    this.request('LIST_SUBSCRIPTIONS')
      .then(() => clearTimeout(timeout))
      .catch(() => undefined)
      .finally(() => {
        this.probing = false;
      });
  }

  // ---- helpers ------------------------------------------------------------------------------

  private failPending(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
  }

  private setStatus(patch: Partial<WsStatus>): void {
    const next = { ...this.status, ...patch };
    if (
      next.state === this.status.state &&
      next.source === this.status.source &&
      next.eventTime === this.status.eventTime &&
      next.attempt === this.status.attempt
    ) {
      return;
    }
    this.status = next;
    this.statusListeners.forEach((listener) => listener());
  }
}

/**
 * ws(s)://<this host>/stream (combined frames), so the dev proxy, nginx and the API itself all
 * work.
 */
export function defaultWsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/stream`;
}
