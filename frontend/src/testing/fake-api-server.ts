import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers the auth/users endpoints the way API.md describes
 * (error shape, X-Client header, Retry-After), so the real client, session and forms run
 * against real HTTP in tests. Scripted answers override a route once (`failNext`).
 * Its errors are the backend's own (status, code and message: backend/auth/errors.py,
 * backend/security.py, backend/users/service.py); e2e/refresh.mjs checks the real backend.
 */
export interface FakeUser {
  id: number;
  email: string;
  username: string;
  password: string;
  role: 'trader' | 'analyst' | 'admin';
  /** What /users/me says once the bot got `/start <code>` (G3's linking). */
  telegram_linked?: boolean;
}

interface Scripted {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class FakeApiServer {
  readonly users: FakeUser[] = [];
  readonly calls: {
    method: string;
    path: string;
    /** The query string, "" when none ("?page=2&q=x" -> "page=2&q=x"). */
    query: string;
    headers: IncomingMessage['headers'];
    /** The request body as sent ("" when none). */
    body: string;
  }[] = [];
  refreshCount = 0;
  refreshFails = false;
  private validToken: string | null = null;
  /** Tokens `expireAccessToken` retired: 401 token_expired (any other stale one: token_invalid). */
  private readonly expiredTokens = new Set<string>();
  private tokenSeq = 0;
  private readonly scripted = new Map<string, Scripted>();
  private readonly fixed = new Map<string, Scripted>();
  private readonly computed = new Map<string, (query: URLSearchParams, body: string) => Scripted>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeApiServer> {
    let api: FakeApiServer | null = null;
    const server = createServer((req, res) => {
      void api?.handle(req, res);
    });
    api = new FakeApiServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addUser(user: Omit<FakeUser, 'id'>): FakeUser {
    const created = { ...user, id: this.users.length + 1 };
    this.users.push(created);
    return created;
  }

  /** The next `METHOD path` call gets this answer instead of the normal one. */
  failNext(method: string, path: string, answer: Scripted): void {
    this.scripted.set(`${method} ${path}`, answer);
  }

  /** Every `METHOD path` call gets this answer (market data fixtures). */
  respond(method: string, path: string, answer: Scripted): void {
    this.fixed.set(`${method} ${path}`, answer);
  }

  /** Every `METHOD path` call gets the answer `answer` computes from the query and body. */
  respondWith(
    method: string,
    path: string,
    answer: (query: URLSearchParams, body: string) => Scripted,
  ): void {
    this.computed.set(`${method} ${path}`, answer);
  }

  /** The current access token stops working (as if it expired). */
  expireAccessToken(): void {
    if (this.validToken) this.expiredTokens.add(this.validToken);
    this.validToken = null;
  }

  callsTo(path: string): number {
    return this.calls.filter((c) => c.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  private error(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    details: unknown = null,
  ): void {
    this.send(res, status, { error: { code, message, details } });
  }

  private grant(): { access_token: string; token_type: string; expires_in: number } {
    this.tokenSeq += 1;
    this.validToken = `access-${this.tokenSeq}`;
    return { access_token: this.validToken, token_type: 'bearer', expires_in: 900 };
  }

  private userOut(user: FakeUser): Record<string, unknown> {
    return {
      id: user.id,
      email: user.email,
      username: user.username,
      role: user.role,
      is_active: true,
      created_at: '2026-01-01T00:00:00Z',
      telegram_linked: user.telegram_linked ?? false,
    };
  }

  private currentUser(req: IncomingMessage): FakeUser | undefined {
    const auth = req.headers.authorization;
    if (!this.validToken || auth !== `Bearer ${this.validToken}`) return undefined;
    return this.users[0];
  }

  /** The backend's 401 for a request without a usable access token (backend/auth/deps.py). */
  private unauthenticated(req: IncomingMessage, res: ServerResponse): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return this.error(res, 401, 'not_authenticated', 'Authentication required');
    if (this.expiredTokens.has(token))
      return this.error(res, 401, 'token_expired', 'The access token has expired');
    this.error(res, 401, 'token_invalid', 'The token is not valid');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    this.calls.push({ method, path, query: url.search.slice(1), headers: req.headers, body: raw });
    const scripted =
      this.scripted.get(`${method} ${path}`) ??
      this.fixed.get(`${method} ${path}`) ??
      this.computed.get(`${method} ${path}`)?.(url.searchParams, raw);
    if (scripted) {
      this.scripted.delete(`${method} ${path}`);
      this.send(res, scripted.status, scripted.body, scripted.headers);
      return;
    }
    const webClient = req.headers['x-client'] === 'web';
    switch (`${method} ${path}`) {
      case 'POST /api/v1/auth/register': {
        const body = JSON.parse(raw) as Omit<FakeUser, 'id' | 'role'>;
        if (this.users.some((u) => u.email === body.email)) {
          this.error(res, 409, 'email_taken', 'An account with this email already exists');
          return;
        }
        const user = this.addUser({ ...body, role: 'trader' });
        this.send(res, 201, {
          ...user,
          password: undefined,
          is_active: true,
          created_at: '2026-01-01T00:00:00Z',
        });
        return;
      }
      case 'POST /api/v1/auth/login': {
        const form = new URLSearchParams(raw);
        const user = this.users.find(
          (u) =>
            (u.username === form.get('username') || u.email === form.get('username')) &&
            u.password === form.get('password'),
        );
        if (!user)
          return this.error(
            res,
            401,
            'invalid_credentials',
            'Incorrect username/email or password',
          );
        // without X-Client: web the refresh token comes in the body, not as a cookie
        if (!webClient) return this.send(res, 200, { ...this.grant(), refresh_token: 'r' });
        this.send(res, 200, this.grant(), {
          'Set-Cookie': 'refresh_token=r; HttpOnly; Path=/api/v1/auth; SameSite=Strict',
        });
        return;
      }
      case 'POST /api/v1/auth/refresh': {
        this.refreshCount += 1;
        if (!webClient)
          return this.error(
            res,
            403,
            'csrf_required',
            'Cookie-based auth calls need the header X-Client: web',
          );
        if (this.refreshFails)
          return this.error(res, 401, 'token_invalid', 'The token is not valid');
        this.send(res, 200, this.grant());
        return;
      }
      case 'POST /api/v1/auth/logout':
        this.validToken = null;
        this.send(res, 204);
        return;
      case 'POST /api/v1/auth/logout-all': {
        // every session of the user ends: the access token and the refresh cookie
        if (!this.currentUser(req)) return this.unauthenticated(req, res);
        this.validToken = null;
        this.refreshFails = true;
        this.send(res, 204);
        return;
      }
      case 'PATCH /api/v1/users/me': {
        const user = this.currentUser(req);
        if (!user) return this.unauthenticated(req, res);
        const body = JSON.parse(raw) as {
          email?: string;
          username?: string;
          current_password?: string;
        };
        if (body.email !== undefined && body.email !== user.email) {
          if (body.current_password !== user.password)
            return this.error(res, 400, 'wrong_password', 'The current password is not correct');
          user.email = body.email;
        }
        if (body.username !== undefined) user.username = body.username;
        this.send(res, 200, this.userOut(user));
        return;
      }
      case 'GET /api/v1/users/me': {
        const user = this.currentUser(req);
        if (!user) return this.unauthenticated(req, res);
        this.send(res, 200, this.userOut(user));
        return;
      }
      default:
        this.error(res, 404, 'not_found', 'Not found');
    }
  }
}
