#!/usr/bin/env node
// `npm run e2e`: start the real backend in replay mode on a fresh SQLite database, serving the
// built SPA, then drive Debian's Chromium through the user journey (e2e/journey.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runAdmin } from './admin.mjs';
import { runAdminTasks } from './admin-tasks.mjs';
import { runAlerts } from './alerts.mjs';
import { runAdminSystem } from './admin-system.mjs';
import { runAnalyst } from './analyst.mjs';
import { launch } from './browser.mjs';
import { runJourney } from './journey.mjs';
import { runRefresh } from './refresh.mjs';
import { runStartup, waitAnswering } from './startup.mjs';
import { runTrading } from './trading.mjs';

const frontend = fileURLToPath(new URL('..', import.meta.url));
const repo = resolve(frontend, '..');
const python = resolve(repo, '.venv/bin/python');
const replayDir = process.env.MARKET_REPLAY_DIR ?? resolve(repo, '../shared/data/binance');
const artifacts = resolve(frontend, 'e2e-artifacts');
const ADMIN_PASSWORD = 'Quartz-Lantern-9081';

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

async function waitReady(base, server, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`backend exited with ${server.exitCode}`);
    try {
      const res = await fetch(`${base}/api/v1/market/status`);
      if (res.ok) {
        const status = await res.json();
        if (status.connected) return status;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('backend did not become ready');
}

/** The fake Telegram Bot API (tests/fakes/run_telegram.py) on a free port: its env and process. */
async function startFakeTelegram(tmp, env) {
  const portFile = join(tmp, 'fake-telegram.env');
  const proc = spawn(python, ['-m', 'tests.fakes.run_telegram', '--port-file', portFile], {
    cwd: repo,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const until = Date.now() + 30_000;
  while (!existsSync(portFile)) {
    if (proc.exitCode !== null) throw new Error(`fake Telegram exited with ${proc.exitCode}`);
    if (Date.now() > until) {
      proc.kill('SIGTERM');
      throw new Error('fake Telegram did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const vars = Object.fromEntries(
    readFileSync(portFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2)),
  );
  return { proc, env: vars, url: vars.TELEGRAM_API_URL };
}

async function stop(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
}

async function main() {
  if (!existsSync(join(frontend, 'dist/index.html')) || process.env.E2E_BUILD === '1') {
    const build = spawnSync('npm', ['run', 'build'], { cwd: frontend, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
  }
  mkdirSync(artifacts, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'e2e-'));
  const port = await freePort();
  const env = {
    ...process.env,
    ENV: 'test',
    DATABASE_URL: `sqlite+aiosqlite:///${join(tmp, 'e2e.db')}`,
    MARKET_SOURCE: 'replay',
    MARKET_REPLAY_DIR: replayDir,
    // the background import of the whole recorded history (~1M rows) would compete with the
    // specs for the two CPUs and SQLite's write lock; E2E_HISTORY=1 imports BTCUSDT below instead
    MARKET_HISTORY_IMPORT: 'no',
    WEB_DIST_DIR: join(frontend, 'dist'),
    LOG_TO_FILE: 'false',
    LOG_LEVEL: 'WARNING',
    REDIS_URL: '',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: ADMIN_PASSWORD,
  };
  delete env.REDIS_URL;
  // the alerts spec: the fake Bot API, and the backend (its telegram sender) and the real bot
  // process (`python -m telegram_bot`, started with the server) pointed at it
  const telegram =
    process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'alerts'
      ? await startFakeTelegram(tmp, env)
      : null;
  if (telegram) Object.assign(env, telegram.env);
  const migrate = spawnSync(python, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: repo,
    env,
    stdio: 'inherit',
  });
  if (migrate.status !== 0) throw new Error('alembic upgrade failed');
  if (process.env.E2E_HISTORY === '1') {
    // optional: years of BTCUSDT candles for the chart (about a minute on SQLite)
    const imported = spawnSync(
      python,
      ['-m', 'backend.cli', 'import', '--dir', replayDir, '--symbols', 'BTCUSDT', '--no-progress'],
      { cwd: repo, env, stdio: 'inherit' },
    );
    if (imported.status !== 0) throw new Error('candle import failed');
  }
  const server = spawn(
    python,
    [
      '-m',
      'uvicorn',
      'backend.main:create_app',
      '--factory',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  let bot = null; // the Telegram bot, started for the alerts spec (not to slow the start-up one)
  const base = `http://127.0.0.1:${port}`;
  let failed = false;
  try {
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'startup') {
      // the browser starts while the server does, so the overview opens as soon as it answers
      const startup = await launch(join(tmp, 'chromium-startup'), { width: 1280, height: 860 });
      try {
        const answeredAt = await waitAnswering(base, server);
        await runStartup({ base, artifacts, page: startup.page, answeredAt });
        const unexpected = startup.consoleErrors.filter((e) => !/401|Failed to load/.test(e));
        if (unexpected.length) throw new Error(`browser console errors: ${unexpected}`);
      } finally {
        await startup.context.close();
      }
    }
    const status = await waitReady(base, server);
    console.log(`backend ready at ${base} (source ${status.source})`);
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'journey') {
      await runJourney({
        base,
        artifacts,
        userDataDir: join(tmp, 'chromium'),
        admin: { username: 'admin', password: ADMIN_PASSWORD },
      });
    }
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'trading') {
      await runTrading({ base, artifacts, userDataDir: join(tmp, 'chromium-trading') });
    }
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'refresh') {
      // its own backend process (4 s access tokens) on its own database, stopped at its end
      await runRefresh({
        artifacts,
        userDataDir: join(tmp, 'chromium-refresh'),
        env,
        python,
        repo,
        tmp,
      });
    }
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'admin-system') {
      await runAdminSystem({
        base,
        artifacts,
        userDataDir: join(tmp, 'chromium-admin-system'),
        admin: { username: 'admin', password: ADMIN_PASSWORD },
      });
    }
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'analyst') {
      await runAnalyst({
        base,
        artifacts,
        userDataDir: join(tmp, 'chromium-analyst'),
        admin: { username: 'admin', password: ADMIN_PASSWORD },
      });
    }
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'admin') {
      await runAdmin({
        base,
        artifacts,
        userDataDir: join(tmp, 'chromium-admin'),
        admin: { username: 'admin', password: ADMIN_PASSWORD },
      });
    }
    if (process.env.E2E_ONLY === undefined || process.env.E2E_ONLY === 'admin-tasks') {
      await runAdminTasks({
        base,
        artifacts,
        userDataDir: join(tmp, 'chromium-admin-tasks'),
        admin: { username: 'admin', password: ADMIN_PASSWORD },
      });
    }
    if (telegram) {
      bot = spawn(python, ['-m', 'telegram_bot'], {
        cwd: repo,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      await runAlerts({
        base,
        artifacts,
        userDataDir: join(tmp, 'chromium-alerts'),
        telegram: { url: telegram.url },
      });
    }
  } catch (error) {
    failed = true;
    console.error(error);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
    await stop(bot);
    await stop(telegram?.proc);
    rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

void main();
