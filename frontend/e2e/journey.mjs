// The user journey of issue 5, against the real backend in replay mode:
// register -> log in -> overview prices change -> open BTCUSDT -> candles drawn and the forming
// candle moves -> switch to Russian -> log out. Screenshots of each page, light and dark.
// Selectors are roles and labels only (STYLE.md §10).
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { auditPage } from './a11y.mjs';
import { launch, poll as pollFor, reportFailure, watchFailures } from './browser.mjs';

const poll = (what, fn, timeoutMs = 45_000) => pollFor(what, fn, timeoutMs);

function step(name) {
  console.log(`e2e: ${name}`);
}

export async function runJourney({ base, artifacts, userDataDir, admin }) {
  const { context, page, consoleErrors } = await launch(userDataDir, { width: 1280, height: 860 });
  const loads = watchFailures(page);
  const shots = [];
  let audits = 0;
  const audit = async (name) => {
    audits += await auditPage(page, name);
  };

  /** The theme button; on a phone it sits in the collapsed menu, so open and close that. */
  async function toggleTheme() {
    const menu = page.getByRole('button', { name: /^(Toggle navigation|Открыть меню)$/ });
    const collapsed = await menu.isVisible();
    if (collapsed) await menu.click();
    const theme = /^(Dark theme|Light theme|Тёмная тема|Светлая тема)$/;
    await page.getByRole('button', { name: theme }).click();
    if (collapsed) {
      await menu.click();
      await page.waitForTimeout(500); // collapse animation
    }
  }

  /** Screenshot in the current theme and in the other one, then switch back. */
  async function shoot(name, prepare = async () => undefined) {
    const theme = await page.evaluate(() => document.documentElement.dataset.bsTheme);
    await prepare();
    await page.waitForTimeout(300);
    const first = join(artifacts, `${name}-${theme}.png`);
    await page.screenshot({ path: first, fullPage: true });
    await toggleTheme();
    const other = theme === 'dark' ? 'light' : 'dark';
    await page.waitForFunction((t) => document.documentElement.dataset.bsTheme === t, other);
    await prepare();
    await page.waitForTimeout(400);
    const second = join(artifacts, `${name}-${other}.png`);
    await page.screenshot({ path: second, fullPage: true });
    await toggleTheme();
    await page.waitForFunction((t) => document.documentElement.dataset.bsTheme === t, theme);
    shots.push(first, second);
  }

  const username = `e2e_${Date.now().toString(36)}`;
  const password = 'Violet-Harbour-4417';
  try {
    step('register');
    await page.goto(`${base}/register`);
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await shoot('register');
    await audit('register');
    await page.getByLabel('Email').fill(`${username}@example.com`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Repeat password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();

    step('log in');
    await page.waitForURL(/\/login$/);
    await page.getByText('Account created. Log in to start.').waitFor();
    assert.equal(await page.getByLabel('Username or email').inputValue(), username);
    await shoot('login');
    await audit('login');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/market$/);
    await page.getByRole('button', { name: username }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: 'Admin', exact: true }).count(),
      0,
      'no admin link for a trader',
    );

    step('overview prices change');
    const btcRow = page
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'BTC/USDT' }) });
    await btcRow.waitFor();
    const rowCount = await page.getByRole('row').count();
    assert.ok(rowCount > 5, `expected the symbols table, got ${rowCount} rows`);
    const firstPrice = await btcRow.getByTestId('last-price').innerText();
    const changedTo = await poll('a BTCUSDT price change', async () => {
      const now = await btcRow.getByTestId('last-price').innerText();
      return now !== firstPrice ? now : null;
    });
    console.log(`e2e:   BTC/USDT ${firstPrice} -> ${changedTo}`);
    const badge = page.getByRole('status', { name: 'Market data connection' }).first();
    const badgeText = await poll('the replay badge', async () => {
      const text = await badge.innerText();
      return text.startsWith('Replay') ? text : null;
    });
    console.log(`e2e:   badge "${badgeText}"`);
    // a favourite, so the audit sees the filled star too
    await page.getByRole('button', { name: 'Add ETHUSDT to favourites' }).click();
    await page.getByRole('button', { name: 'Remove ETHUSDT from favourites' }).waitFor();
    await shoot('market');
    await audit('market');

    step('open BTCUSDT');
    await btcRow.getByRole('link', { name: 'BTC/USDT' }).click();
    await page.waitForURL(/\/market\/BTCUSDT/);
    const chart = page.getByRole('img', { name: /Candlestick chart of BTCUSDT/ });
    await chart.waitFor();
    const candles = await poll('candles', async () =>
      Number(await chart.getAttribute('data-candles')),
    );
    // a fresh database holds what the replay has built so far (E2E_HISTORY=1 imports more)
    assert.ok(candles >= 20, `expected history, got ${candles} candles`);
    const before = {
      close: await chart.getAttribute('data-last-close'),
      open: await chart.getAttribute('data-last-open-time'),
    };
    const moved = await poll('the forming candle to move', async () => {
      const close = await chart.getAttribute('data-last-close');
      const open = await chart.getAttribute('data-last-open-time');
      return close !== before.close || open !== before.open ? { close, open } : null;
    });
    console.log(`e2e:   ${candles} candles; forming candle ${before.close} -> ${moved.close}`);
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 200, 'chart has a size');
    step('pan left loads older candles');
    if (candles >= 500) {
      for (let i = 0; i < 6; i += 1) {
        await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.5);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.5, { steps: 12 });
        await page.mouse.up();
        await page.waitForTimeout(200);
      }
      const more = await poll('an older page', async () => {
        const n = Number(await chart.getAttribute('data-candles'));
        return n > candles ? n : null;
      });
      console.log(`e2e:   ${candles} -> ${more} candles after panning`);
      await page.getByRole('button', { name: 'Reset zoom' }).click();
    } else {
      console.log(`e2e:   skipped: only ${candles} candles stored, no older page to load`);
    }
    const hover = (fx, fy) => () =>
      page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
    await shoot('symbol-btcusdt-1h', hover(0.8, 0.4));
    await audit('symbol');

    step('interval switch');
    await page.getByText('15m', { exact: true }).click(); // the visible label of the radio
    await page.waitForURL(/interval=15m/);
    const chart15 = page.getByRole('img', { name: /Candlestick chart of BTCUSDT, interval 15m/ });
    await chart15.waitFor();
    await poll('15m candles', async () => Number(await chart15.getAttribute('data-candles')) > 0);
    await shoot('symbol-btcusdt-15m', hover(0.7, 0.5));

    step('profile and 404');
    await page.getByRole('button', { name: username }).click();
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await shoot('profile');
    await audit('profile');
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill(`${password}-2`);
    await page.getByLabel('Repeat new password').fill(`${password}-2`);
    await page.getByRole('button', { name: 'Change password' }).click();
    // the API ends every session on a password change: log in again with the new one
    await page.waitForURL(/\/login\?next=%2Fprofile$/);
    await page.getByText(/Password changed; every session was signed out/).waitFor();
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(`${password}-2`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/profile$/); // back where the guard sent us from
    const allow403 = loads.expect(403, /^\/api\/v1\/admin\//); // the page under test
    await page.goto(`${base}/admin/users`);
    await page.getByRole('heading', { name: 'Access denied' }).waitFor();
    allow403();
    await audit('admin users as a trader (403)');
    await page.goto(`${base}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await shoot('not-found');
    await audit('not found (404)');
    await page.getByRole('link', { name: 'Go to markets' }).click();
    await page.waitForURL(/\/market$/);

    step('switch to Russian');
    await page.getByRole('combobox', { name: 'Language' }).selectOption('ru');
    await page.getByRole('heading', { name: 'Рынки' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
    await shoot('market-ru');

    step('log out');
    await page.getByRole('button', { name: username }).click();
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByRole('heading', { name: 'Вход' }).waitFor();
    await page.goto(`${base}/profile`);
    await page.waitForURL(/\/login\?next=/);
    await shoot('login-ru');
    await audit('login after log-out');

    step('phone layout');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/market`);
    await page.getByRole('link', { name: 'BTC/USDT' }).waitFor();
    await shoot('phone-market');
    await page.goto(`${base}/market/BTCUSDT?interval=15m`);
    await page.getByRole('img', { name: /BTCUSDT/ }).waitFor();
    await shoot('phone-symbol');
    await page.setViewportSize({ width: 1280, height: 860 });

    step('admin sees the users page');
    await page.goto(`${base}/login`);
    await page.getByLabel('Имя пользователя или email').fill(admin.username);
    await page.getByLabel('Пароль').fill(admin.password);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.waitForURL(/\/market$/);
    await page.getByRole('link', { name: 'Администрирование' }).click();
    await page.getByRole('heading', { name: 'Пользователи' }).waitFor();
    await page.getByRole('rowheader', { name: new RegExp(username) }).waitFor();
    await shoot('admin-users-ru');
    await audit('admin users');

    loads.check(consoleErrors);
    console.log(`e2e: passed; ${shots.length} screenshots in ${artifacts}; ${audits} axe runs`);
  } catch (error) {
    await reportFailure(page, artifacts, 'failure', consoleErrors, loads);
    throw error;
  } finally {
    await context.close();
  }
}
