// The alerts journey of issue 12, against the real backend in replay mode with the fake Telegram
// Bot API (tests/fakes/run_telegram.py) and the real bot process (python -m telegram_bot):
// sign up -> link Telegram from the profile (the spec sends `/start <code>` as the chat's user
// through the fake) -> "alert at this price" on the symbol page, two crossing alerts one tick
// either side of the last price -> the replayed market crosses one -> the toast, the bell's
// count going up live (no reload), the notification in the bell list, the alert triggered with
// its firing in the history, and the message in the fake Telegram chat. axe-core on the profile's
// channels, the alerts page (form, list, history) and the open bell menu, light/dark × en/ru.
// Selectors are roles and labels only (STYLE.md §10).
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { auditPage } from './a11y.mjs';
import { launch, poll as pollFor } from './browser.mjs';

const poll = (what, fn, timeoutMs = 30_000) => pollFor(what, fn, timeoutMs);

const step = (name) => console.log(`e2e alerts: ${name}`);

/** "67123.45" moved by `per10k` ten-thousandths, rounded to 0.01, in integer cents (no float on
 * the price): plusBasis("67123.45", 5) is 0.05 % above. */
function plusBasis(price, per10k) {
  const [i, f = ''] = price.split('.');
  const cents = BigInt(i + f.padEnd(2, '0').slice(0, 2));
  const moved = cents + (cents * BigInt(per10k)) / 10_000n;
  const s = moved.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** A 401 before logging in (the session probe) is expected; any other 4xx/5xx is not. */
function expectedFailure(url, status) {
  return status === 401 && /\/api\/v1\/(auth\/refresh|users\/me)$/.test(new URL(url).pathname);
}

export async function runAlerts({ base, artifacts, userDataDir, telegram }) {
  assert.ok(telegram?.url, 'the alerts spec needs the fake Telegram Bot API');
  const { context, page, consoleErrors } = await launch(userDataDir, { width: 1280, height: 860 });
  const badLoads = [];
  page.on('response', (res) => {
    if (res.status() >= 400 && !expectedFailure(res.url(), res.status()))
      badLoads.push(`${res.status()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? '';
    // a navigation or a refetch superseded by a newer one is aborted by the page itself
    if (reason !== 'net::ERR_ABORTED') badLoads.push(`${reason} ${req.url()}`);
  });
  const chatId = 700_000 + Math.floor(Math.random() * 100_000);
  const chatMessages = async () =>
    await (await fetch(`${telegram.url}/_fake/chats/${chatId}/messages`)).json();
  const lastPrice = async () =>
    (await (await fetch(`${base}/api/v1/market/ticker?symbol=BTCUSDT`)).json()).last_price;

  const username = `alerter_${Date.now().toString(36)}`;
  const password = 'Cobalt-Heron-7731';
  const started = Date.now();
  try {
    step('sign up and log in');
    await page.goto(`${base}/register`);
    await page.getByLabel('Email').fill(`${username}@example.com`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Repeat password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/market$/);

    step('link Telegram from the profile');
    await page.getByRole('button', { name: username }).click();
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Alert channels' }).waitFor();
    await page.getByRole('button', { name: 'Link Telegram' }).click();
    const command = (await page.getByText(/^\/start \S+$/).innerText()).trim();
    const sent = await fetch(`${telegram.url}/_fake/chats/${chatId}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: command, language_code: 'en' }),
    });
    assert.equal(sent.status, 200, 'the fake Telegram took the /start message');
    // the bot answers in the chat, and the profile (polling /users/me) shows the link
    await poll('the bot to confirm the link in the chat', async () =>
      (await chatMessages()).some((m) => m.includes(`linked to ${username}`)),
    );
    await page.getByText('Telegram is linked: alerts can be sent there.').waitFor();
    await auditPage(page, 'profile with Telegram linked');

    step('"alert at this price" on the symbol page: two crossing alerts, 0.05 % either side');
    await page.goto(`${base}/market/BTCUSDT`);
    await page.getByRole('link', { name: 'Alert at this price' }).click();
    await page.waitForURL(/\/alerts\?symbol=BTCUSDT&value=\d/);
    const form = page.getByRole('form', { name: 'New alert' });
    const value = form.getByRole('textbox', { name: 'Price (USDT)' });
    assert.match(await value.inputValue(), /^\d+(\.\d+)?$/, 'the form is prefilled with the price');
    // named in either language (the a11y runs switch to Russian with the menu open)
    const bell = page.getByRole('button', {
      name: /^(Notifications, unread|Уведомления, непрочитанных): \d+$/,
    });
    const unread = async () =>
      Number(/(\d+)$/.exec((await bell.getAttribute('aria-label')) ?? '')?.[1] ?? '-1');
    assert.equal(await unread(), 0, 'no notification before the alerts fire');
    const list = page.getByRole('table', { name: 'Your alerts' });
    const toast = page.getByRole('alert').filter({ hasText: /^BTCUSDT crossed \d/ });
    // a reload would replace this window object: the marker proves the updates came live
    await page.evaluate(() => {
      window.__e2eNoReload = true;
    });
    const levels = [];
    /** A crossing alert 0.05 % above (side 1) or below (-1) the last price, read just before
     * sending: the replay (60x) plays a 1m candle a second, O -> L -> H -> C, so a level that
     * close is passed within seconds, and the REST ticker lagging the checker's trades a little
     * still leaves the checker's price between the two levels. */
    async function crossingAlert(side) {
      await form.getByLabel('Condition').selectOption('price_crosses');
      await form.getByRole('checkbox', { name: 'Telegram' }).check();
      await form.getByLabel('Note').fill(`e2e ${side > 0 ? 'above' : 'below'}`);
      const level = plusBasis(await lastPrice(), 5 * side);
      await value.fill(level);
      await form.getByRole('button', { name: 'Create alert' }).click();
      // the form clears once the alert is stored
      await poll('the alert created', async () => (await value.inputValue()) === '');
      levels.push(level);
    }
    await crossingAlert(1);
    await crossingAlert(-1);
    console.log(`e2e alerts:   crossing alerts at ${levels.join(' and ')}`);
    await poll(
      'both alerts listed',
      async () => (await list.getByRole('row').count()) === 1 + levels.length,
    );

    step('the replayed market crosses one: toast, bell, list, history, Telegram');
    const waitFrom = Date.now();
    // Recorded data can trend for a long while: if the price ran away from both levels before
    // they were stored, a fresh pair is set at the new price (logged), twice at most.
    for (let round = 1; ; round += 1) {
      try {
        await poll('the toast of a firing', async () => (await toast.count()) > 0, 15_000);
        break;
      } catch (error) {
        if (round === 3) throw error;
        console.log(`e2e alerts:   no crossing in 15 s (last ${await lastPrice()}): a new pair`);
        await crossingAlert(1);
        await crossingAlert(-1);
      }
    }
    const title = (
      await toast
        .first()
        .getByText(/^BTCUSDT crossed \d/)
        .innerText()
    ).trim();
    console.log(`e2e alerts:   "${title}" ${Date.now() - waitFrom} ms after the alerts were set`);
    assert.ok(
      // the backend writes the level normalized: 67120.50 -> 67120.5, 67120.00 -> 67120
      levels.some((l) => title === `BTCUSDT crossed ${l.replace(/\.?0+$/, '')}`),
      `the toast names one of the levels: ${title}`,
    );
    await poll('the bell to count it', async () => (await unread()) >= 1);
    assert.equal(
      await page.evaluate(() => window.__e2eNoReload === true),
      true,
      'the toast and the count came without a reload',
    );
    await bell.click();
    const menu = page.getByRole('list', { name: 'Notifications' });
    await menu.getByText(title).first().waitFor();
    await auditPage(page, 'open bell menu with a notification', console.log, {
      prepare: async () => {
        if ((await bell.getAttribute('aria-expanded')) !== 'true') await bell.click();
        await page.getByRole('list', { name: /^(Notifications|Уведомления)$/ }).waitFor();
      },
    });
    await page.keyboard.press('Escape');
    await poll(
      'the fired alert listed as triggered',
      async () => (await list.getByRole('cell', { name: 'Triggered', exact: true }).count()) >= 1,
    );
    const fired = list
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: 'Triggered', exact: true }) })
      .first();
    await fired.getByRole('button', { name: /^History of alert \d+ on BTCUSDT$/ }).click();
    await list.getByRole('list', { name: 'History' }).getByRole('listitem').first().waitFor();
    await auditPage(page, 'alerts page with the list, the form and a firing history');
    await poll('the message in the Telegram chat', async () =>
      (await chatMessages()).some((m) => m.includes(title)),
    );
    console.log(`e2e alerts:   the Telegram chat got "${title}"`);
    await page.screenshot({ path: join(artifacts, 'alerts-fired.png'), fullPage: true });

    const unexpected = consoleErrors.filter(
      (e) => !/^Failed to load resource: the server responded with a status of 401/.test(e),
    );
    assert.deepEqual(unexpected, [], 'browser console errors');
    assert.deepEqual(badLoads, [], 'failed resource loads');
    console.log(`e2e alerts: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    await page
      .screenshot({ path: join(artifacts, 'alerts-failure.png'), fullPage: true })
      .catch(() => undefined);
    console.error('console errors:', consoleErrors, 'failed loads:', badLoads, 'at', page.url());
    console.error('telegram chat:', await chatMessages().catch(String));
    throw error;
  } finally {
    await context.close();
  }
}
