// Issue 11's analyst journey against the real backend in replay mode: an analyst (registered,
// then promoted by the admin over the API) opens BTCUSDT with RSI and Bollinger Bands, compares
// coins, trains a small LSTM from the forecast page and reads its verdict. axe-core on each new
// page in light/dark × en/ru; screenshots of each. Selectors are roles and labels only.
import assert from 'node:assert/strict';

import { auditPage } from './a11y.mjs';
import { launch, poll as pollFor, reportFailure, themeShots, watchFailures } from './browser.mjs';

const poll = (what, fn, timeoutMs = 60_000) => pollFor(what, fn, timeoutMs);

function step(name) {
  console.log(`e2e: ${name}`);
}

async function api(base, method, path, { token, json, form } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Register a user and make it an analyst with the admin's token (the admin API, as a person would). */
async function createAnalyst(base, admin, username, password) {
  const user = await api(base, 'POST', '/api/v1/auth/register', {
    json: { email: `${username}@example.com`, username, password },
  });
  const grant = await api(base, 'POST', '/api/v1/auth/login', {
    form: { username: admin.username, password: admin.password },
  });
  await api(base, 'PATCH', `/api/v1/admin/users/${user.id}`, {
    token: grant.access_token,
    json: { role: 'analyst' },
  });
}

export async function runAnalyst({ base, artifacts, userDataDir, admin }) {
  const { context, page, consoleErrors } = await launch(userDataDir, { width: 1280, height: 900 });
  const loads = watchFailures(page);
  const shot = themeShots(page, artifacts, 'analyst', 400);
  const username = `analyst_${Date.now().toString(36)}`;
  const password = 'Amber-Compass-5120';
  try {
    step('an analyst logs in');
    await createAnalyst(base, admin, username, password);
    await page.goto(`${base}/login`);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/market$/);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    /** The analyst pages sit in the navbar's Analysis menu. */
    const openAnalysis = async (name) => {
      await nav.getByRole('button', { name: 'Analysis' }).click();
      await nav.getByRole('link', { name }).click();
    };
    await nav.getByRole('button', { name: 'Analysis' }).waitFor();

    step('BTCUSDT with RSI and Bollinger Bands');
    await page.goto(`${base}/market/BTCUSDT?interval=1h`);
    const chart = page.getByRole('img', { name: /Candlestick chart of BTCUSDT/ });
    await chart.waitFor();
    await page.getByRole('checkbox', { name: 'RSI' }).check();
    await page.getByRole('checkbox', { name: 'Bollinger Bands' }).check();
    const overlays = await poll('the Bollinger overlays on the candle chart', async () => {
      const ids = (await chart.getAttribute('data-overlays')) ?? '';
      return ids.includes('bbands:20:2/upper') && ids.includes('bbands:20:2/lower') ? ids : null;
    });
    console.log(`e2e:   overlays ${overlays}`);
    const rsiPanel = page.getByRole('region', { name: 'Indicator panel: RSI (14)' });
    await rsiPanel.waitFor();
    const rsi = await poll('an RSI value', async () => {
      const text = await rsiPanel.getByText(/^Latest: /).innerText();
      const value = Number(text.replace('Latest: ', '').replace(/,/g, ''));
      return Number.isFinite(value) && value >= 0 && value <= 100 ? text : null;
    });
    console.log(`e2e:   RSI ${rsi}`);
    // remembered for this user: a reload keeps both
    await page.reload();
    await page.getByRole('region', { name: 'Indicator panel: RSI (14)' }).waitFor();
    assert.ok(await page.getByRole('checkbox', { name: 'Bollinger Bands' }).isChecked());
    await shot('symbol');
    await auditPage(page, 'symbol page with indicators');

    step('compare coins');
    await openAnalysis('Compare');
    await page.waitForURL(/\/compare/);
    await page.getByRole('checkbox', { name: 'BTCUSDT' }).check();
    await page.getByRole('checkbox', { name: 'ETHUSDT' }).check();
    await page.getByRole('combobox', { name: 'Interval' }).selectOption('1h');
    await page.getByRole('spinbutton', { name: 'Candles' }).fill('200');
    await page.getByRole('button', { name: 'Compare' }).click();
    const heat = page.getByRole('table', { name: /Pearson correlation/ });
    await heat.waitFor({ timeout: 30_000 });
    const risk = page.getByRole('table', { name: /risk-free rate 0/ });
    const btc = await risk.getByRole('row', { name: /BTCUSDT/ }).innerText();
    console.log(`e2e:   risk ${btc.replace(/\s+/g, ' ')}`);
    await shot('compare');
    await auditPage(page, 'compare');

    step('train a small model and read the verdict');
    await openAnalysis('Forecasts');
    await page.waitForURL(/\/forecast/);
    await page.getByRole('combobox', { name: 'Symbol' }).selectOption('BTCUSDT');
    await page.getByRole('combobox', { name: 'Interval' }).selectOption('1h');
    await page.getByRole('spinbutton', { name: 'Epochs (most)' }).fill('3');
    await page.getByRole('spinbutton', { name: 'Lookback' }).fill('24');
    await page.getByRole('spinbutton', { name: 'Hidden units' }).fill('8');
    await page.getByRole('button', { name: 'Train' }).click();
    await page.getByRole('progressbar').first().waitFor();
    const verdict = page.locator('[data-verdict]').first();
    await verdict.waitFor({ timeout: 240_000 });
    const words = await verdict.innerText();
    console.log(`e2e:   verdict: ${words.replace(/\s+/g, ' ')}`);
    assert.match(words, /(beats|no better than|worse than) the naive forecast/);
    await page.getByRole('table', { name: /Test tail/ }).waitFor();
    await page.getByRole('img', { name: /Forecast fan of BTCUSDT 1h/ }).waitFor();
    await shot('forecast');
    await auditPage(page, 'forecast');

    loads.check(consoleErrors);
  } catch (error) {
    await reportFailure(page, artifacts, 'analyst-failure', consoleErrors, loads);
    throw error;
  } finally {
    await context.close();
  }
}
