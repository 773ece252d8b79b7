// The mid-session token refresh against the real backend (E2E_ONLY=refresh): a second backend
// process with ACCESS_TOKEN_TTL_S=4 on its own SQLite database. The web app renews a short token
// on a timer at half its life; here that timer's refresh request is held back (page.route) until
// the access token has expired on the server (4 s + the API's 5 s leeway), so the next action is
// refused with the backend's own 401 token_expired, and the app must refresh (the held request,
// shared by every caller, then let through) and retry: an order placed, then the portfolio
// loaded, each after expiry. The Vitest fake API answers with the same codes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';

import { launch, poll, watchFailures } from './browser.mjs';

const TTL_S = 4;
const EXPIRED_AFTER_MS = (TTL_S + 5 + 2) * 1000; // TTL + the API's leeway (security.py) + margin

const step = (name) => console.log(`e2e refresh: ${name}`);

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function startBackend({ env, python, repo, tmp }) {
  const port = await freePort();
  const own = {
    ...env,
    DATABASE_URL: `sqlite+aiosqlite:///${join(tmp, 'refresh.db')}`,
    ACCESS_TOKEN_TTL_S: String(TTL_S),
  };
  const migrate = spawnSync(python, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: repo,
    env: own,
    stdio: 'inherit',
  });
  if (migrate.status !== 0) throw new Error('alembic upgrade failed (refresh backend)');
  const args = ['-m', 'uvicorn', 'backend.main:create_app', '--factory'];
  const proc = spawn(python, [...args, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: repo,
    env: own,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await poll(
    'the short-token backend to stream prices',
    async () => {
      if (proc.exitCode !== null) throw new Error(`backend exited with ${proc.exitCode}`);
      try {
        const res = await fetch(`${base}/api/v1/market/status`);
        return res.ok && (await res.json()).connected;
      } catch {
        return false; // not listening yet
      }
    },
    90_000,
    500,
  );
  return { base, proc };
}

async function stopBackend(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
}

export async function runRefresh({ artifacts, userDataDir, env, python, repo, tmp }) {
  const backend = await startBackend({ env, python, repo, tmp });
  const { base } = backend;
  const { context, page, consoleErrors } = await launch(userDataDir, { width: 1280, height: 900 });
  const loads = watchFailures(page);
  // every refresh request is held while `holding`, and let through (to the real backend) after
  let holding = false;
  const held = [];
  await page.route('**/api/v1/auth/refresh', (route) => {
    if (holding) held.push(route);
    else void route.continue();
  });
  const release = async () => {
    holding = false;
    await Promise.all(held.splice(0).map((route) => route.continue()));
  };
  // what the API answered: the 401s of expired tokens and the refreshes
  const answers = [];
  page.on('response', async (res) => {
    const path = new URL(res.url()).pathname;
    if (!path.startsWith('/api/v1/')) return;
    let code = null;
    if (res.status() === 401) code = (await res.json().catch(() => null))?.error?.code ?? null;
    answers.push({ method: res.request().method(), path, status: res.status(), code });
  });
  const count = (method, path, status, code = null) =>
    answers.filter(
      (a) =>
        a.method === method && a.path === path && a.status === status && (!code || a.code === code),
    ).length;

  /** Hold the timer's refresh, wait until the access token is refused, then act. */
  async function afterExpiry(what, act, done) {
    holding = true;
    const allow401 = loads.expect(401, /^\/api\/v1\//); // token_expired, asserted below
    await poll('the timer refresh to be held', async () => held.length > 0, 30_000);
    await page.waitForTimeout(EXPIRED_AFTER_MS); // the server's clock: the token is now stale
    const before = answers.length;
    await act();
    await poll(
      `${what}: refused with token_expired`,
      async () => answers.slice(before).some((a) => a.code === 'token_expired'),
      30_000,
    );
    await release();
    await done();
    allow401();
    return answers.slice(before);
  }

  const username = `refresh_${Date.now().toString(36)}`;
  const password = 'Cedar-Quill-6042';
  try {
    step(`a backend with ${TTL_S} s access tokens at ${base}`);
    const reg = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `${username}@example.com`, username, password }),
    });
    assert.equal(reg.status, 201, await reg.text());
    await page.goto(`${base}/login`);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/market$/);

    step('an order placed after the access token expired');
    await page.goto(`${base}/market/BTCUSDT`);
    const ticket = page.getByRole('region', { name: 'Trade BTC/USDT' });
    await ticket.waitFor();
    await poll(
      'the balance',
      async () => (await ticket.getByText(/^Available: 10,000\.00 USDT$/).count()) > 0,
    );
    await ticket.getByLabel('Order type').selectOption('MARKET');
    await ticket.getByLabel('Total (USDT)').check();
    await ticket.getByRole('textbox', { name: 'Total (USDT)' }).fill('100');
    const order = await afterExpiry(
      'the order',
      () => ticket.getByRole('button', { name: 'Buy BTC' }).click(),
      () => ticket.getByText(/^Order #\d+ placed: Filled\.$/).waitFor(),
    );
    const refused = order.filter((a) => a.path === '/api/v1/orders' && a.status === 401);
    assert.equal(refused.length, 1, `one refused order request: ${JSON.stringify(order)}`);
    assert.equal(refused[0].code, 'token_expired');
    assert.equal(count('POST', '/api/v1/orders', 201), 1, 'the retried order went through');
    assert.ok(
      order.some((a) => a.path === '/api/v1/auth/refresh' && a.status === 200),
      'a refresh',
    );

    step('the portfolio loaded after the access token expired');
    const portfolio = await afterExpiry(
      'the portfolio',
      () => page.getByRole('link', { name: 'Portfolio' }).click(),
      async () => {
        await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
        await page
          .getByRole('table', { name: 'Positions' })
          .getByRole('rowheader', { name: 'BTCUSDT' })
          .waitFor();
      },
    );
    assert.ok(
      portfolio.some((a) => a.status === 401 && a.code === 'token_expired'),
      'a request of the portfolio page was refused first',
    );
    assert.ok(
      portfolio.some((a) => a.path === '/api/v1/portfolio' && a.status === 200),
      'then the portfolio loaded',
    );
    // still signed in: the session survived both expiries
    await page.getByRole('button', { name: username }).waitFor();
    loads.check(consoleErrors);
    const expired = answers.filter((a) => a.code === 'token_expired').length;
    const refreshes = count('POST', '/api/v1/auth/refresh', 200);
    console.log(`e2e refresh: passed (${expired} token_expired answers, ${refreshes} refreshes)`);
  } catch (error) {
    await page
      .screenshot({ path: join(artifacts, 'refresh-failure.png'), fullPage: true })
      .catch(() => undefined);
    console.error('console errors:', consoleErrors, 'failed loads:', loads.failures);
    console.error('API answers:', JSON.stringify(answers.slice(-30)));
    throw error;
  } finally {
    await release().catch(() => undefined);
    await context.close();
    await stopBackend(backend.proc);
  }
}
