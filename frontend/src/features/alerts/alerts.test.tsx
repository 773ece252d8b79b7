import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { realSymbol } from '@/features/trading/testing/real-symbols';
import { setBaseUrl } from '@/lib/base-url';
import { FakeAlerts } from '@/testing/fake-alerts';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import { AlertAtPrice } from './components/alert-at-price';
import { AlertForm } from './components/alert-form';
import { AlertList } from './components/alert-list';
import { AlertsView } from './components/alerts-view';
import { toAlertInput, initialValues } from './lib/alert-form';

let api: FakeApiServer;
let alerts: FakeAlerts;

const ticker = (symbol: string, last: string) => ({
  symbol,
  last_price: last,
  price_change: '0',
  price_change_percent: '0',
  weighted_avg_price: last,
  open_price: last,
  high_price: last,
  low_price: last,
  volume: '1',
  quote_volume: '1',
  bid_price: last,
  ask_price: last,
  open_time: 0,
  close_time: 0,
  count: 1,
});

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/market/symbols', {
    status: 200,
    body: { source: 'replay', symbols: [realSymbol('BTCUSDT'), realSymbol('ETHUSDT')] },
  });
  api.respondWith('GET', '/api/v1/market/ticker', (q) => ({
    status: 200,
    body: ticker(q.get('symbol') ?? '', q.get('symbol') === 'ETHUSDT' ? '2800.00' : '84000.00'),
  }));
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
  alerts = new FakeAlerts(api);
});

const posted = (path: string, method = 'POST') =>
  api.calls
    .filter((c) => c.method === method && c.path === path)
    .map((c) => JSON.parse(c.body) as Record<string, unknown>);

function renderPage(lang: 'en' | 'ru' = 'en') {
  return renderRoutes({
    routes: [
      {
        path: '/',
        element: (
          <>
            <AlertForm />
            <AlertList />
          </>
        ),
      },
    ],
    lang,
  });
}

describe('alert form values', () => {
  it('refuses a value that is not a positive decimal, a past expiry, a cooldown under a minute', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const base = initialValues(undefined, 'BTCUSDT', '0');
    expect(toAlertInput(base, now)).toEqual({ errors: { value: 'value' } });
    expect(toAlertInput({ ...base, value: '-1' }, now)).toEqual({ errors: { value: 'value' } });
    expect(toAlertInput({ ...base, value: 'abc' }, now)).toEqual({ errors: { value: 'value' } });
    expect(toAlertInput({ ...base, value: '1', recurring: true, cooldownMin: '0.5' }, now)).toEqual(
      { errors: { cooldownMin: 'cooldown' } },
    );
    expect(toAlertInput({ ...base, value: '1', expiresAt: '2025-12-31T10:00' }, now)).toEqual({
      errors: { expiresAt: 'expiry' },
    });
  });

  it('sends interval only for RSI, window and direction only for change_pct, app always', () => {
    const base = { ...initialValues(undefined, 'BTCUSDT', '5,5'), channels: ['telegram' as const] };
    const change = toAlertInput({
      ...base,
      condition: 'change_pct',
      window: '4h',
      direction: 'up',
    });
    expect(change).toEqual({
      input: expect.objectContaining({
        value: '5.5',
        window: '4h',
        direction: 'up',
        interval: null,
        channels: ['app', 'telegram'],
      }) as unknown,
    });
    const rsi = toAlertInput({ ...base, condition: 'rsi_above', value: '70', interval: '15m' });
    expect(rsi).toEqual({
      input: expect.objectContaining({ interval: '15m', window: null, direction: null }) as unknown,
    });
  });
});

describe('alerts page', { timeout: 30_000 }, () => {
  it('creates an alert at the current price, lists it, pauses, resumes, edits and deletes it', async () => {
    const user = userEvent.setup({ delay: null });
    renderPage();
    const form = await screen.findByRole('form', { name: 'New alert' });
    // the live price beside the value: a click copies it
    const use = await within(form).findByRole('button', { name: /Use the current price/ });
    expect(use).toHaveTextContent('84,000.00');
    await user.click(use);
    const value = within(form).getByRole('textbox', { name: 'Price (USDT)' });
    expect(value).toHaveValue('84000.00');

    // a bad value is refused in the form: nothing is sent
    await user.clear(value);
    await user.type(value, '0');
    await user.click(within(form).getByRole('button', { name: 'Create alert' }));
    expect(within(form).getByText('Enter a positive number.')).toBeInTheDocument();
    expect(value).toHaveAttribute('aria-invalid', 'true');
    expect(posted('/api/v1/alerts')).toHaveLength(0);

    await user.clear(value);
    await user.type(value, '85000');
    await user.selectOptions(
      within(form).getByRole('combobox', { name: 'Condition' }),
      'price_above',
    );
    await user.click(within(form).getByRole('checkbox', { name: /Repeat/ }));
    const cooldown = within(form).getByRole('textbox', { name: 'Pause between firings (minutes)' });
    await user.clear(cooldown);
    await user.type(cooldown, '15');
    await user.type(within(form).getByRole('textbox', { name: 'Note' }), 'take profit');
    await user.click(within(form).getByRole('checkbox', { name: 'Telegram' }));
    await user.click(within(form).getByRole('button', { name: 'Create alert' }));

    const row = await screen.findByRole('row', { name: /BTCUSDT/ });
    expect(posted('/api/v1/alerts')).toEqual([
      {
        symbol: 'BTCUSDT',
        condition: 'price_above',
        value: '85000',
        interval: null,
        window: null,
        direction: null,
        recurring: true,
        cooldown_s: 900,
        expires_at: null,
        note: 'take profit',
        channels: ['app', 'telegram'],
      },
    ]);
    expect(within(row).getByText('Active')).toBeInTheDocument();
    expect(within(row).getByText(/Price at or above 85000 · repeats/)).toBeInTheDocument();
    expect(screen.getByText('Active: 1 of at most 100')).toBeInTheDocument();
    // the form is cleared for the next one
    expect(within(form).getByRole('textbox', { name: 'Price (USDT)' })).toHaveValue('');

    await user.click(within(row).getByRole('button', { name: 'Pause alert 1 on BTCUSDT' }));
    expect(await within(row).findByText('Paused')).toBeInTheDocument();
    await user.click(within(row).getByRole('button', { name: 'Resume alert 1 on BTCUSDT' }));
    expect(await within(row).findByText('Active')).toBeInTheDocument();

    // edit: only what an edit may change is sent (the API refuses symbol and condition)
    await user.click(within(row).getByRole('button', { name: 'Edit alert 1 on BTCUSDT' }));
    const edit = screen.getByRole('form', { name: 'Edit alert' });
    const editValue = within(edit).getByRole('textbox', { name: 'Price (USDT)' });
    expect(editValue).toHaveValue('85000');
    expect(
      within(edit).getByRole('textbox', { name: 'Pause between firings (minutes)' }),
    ).toHaveValue('15');
    await user.clear(editValue);
    await user.type(editValue, '86000');
    await user.click(within(edit).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit alert' })).toBeNull());
    const patch = posted('/api/v1/alerts/1', 'PATCH');
    expect(patch).toHaveLength(1);
    expect(patch[0]).toMatchObject({ value: '86000', cooldown_s: 900 });
    expect(patch[0]).not.toHaveProperty('symbol');
    expect(patch[0]).not.toHaveProperty('condition');
    expect(await within(row).findByText(/Price at or above 86000/)).toBeInTheDocument();

    vi.spyOn(window, 'confirm').mockReturnValue(true);
    await user.click(within(row).getByRole('button', { name: 'Delete alert 1 on BTCUSDT' }));
    expect(await screen.findByText('No alerts yet.')).toBeInTheDocument();
  });

  it('shows the state after a firing and its history, a late one marked', async () => {
    const user = userEvent.setup({ delay: null });
    const first = renderPage();
    const form = await screen.findByRole('form', { name: 'New alert' });
    await user.type(within(form).getByRole('textbox', { name: 'Price (USDT)' }), '2900');
    await within(form).findByRole('option', { name: 'ETHUSDT' });
    await user.selectOptions(within(form).getByRole('combobox', { name: 'Symbol' }), 'ETHUSDT');
    expect(
      await within(form).findByRole('button', { name: /Use the current price/ }),
    ).toHaveTextContent('2,800.00');
    await user.click(within(form).getByRole('button', { name: 'Create alert' }));
    await screen.findByRole('row', { name: /ETHUSDT/ });
    alerts.fire(1, '2901.50', true);
    first.unmount();
    renderPage(); // a fresh page: the list as the API has it now
    const row = await screen.findByRole('row', { name: /ETHUSDT/ });
    expect(await within(row).findByText('Triggered')).toBeInTheDocument();
    await user.click(within(row).getByRole('button', { name: 'History of alert 1 on ETHUSDT' }));
    const history = await screen.findByRole('list', { name: 'History' });
    expect(within(history).getByText(/2901\.50/)).toBeInTheDocument();
    expect(within(history).getByText('late')).toBeInTheDocument();
  });
});

describe('RSI beside an RSI alert', { timeout: 20_000 }, () => {
  it('shows RSI(14) of the chosen interval and sends that interval', async () => {
    api.respondWith('GET', '/api/v1/analysis/indicators', (q) => ({
      status: 200,
      body: {
        symbol: q.get('symbol'),
        interval: q.get('interval'),
        forming: true,
        open_times: [1, 2],
        series: { 'rsi:14': { rsi: [null, q.get('interval') === '15m' ? '28.4' : '71.236'] } },
      },
    }));
    const user = userEvent.setup({ delay: null });
    renderPage();
    const form = await screen.findByRole('form', { name: 'New alert' });
    await user.selectOptions(
      within(form).getByRole('combobox', { name: 'Condition' }),
      'rsi_above',
    );
    expect(await within(form).findByText('71.24')).toBeInTheDocument();
    expect(within(form).getByText(/RSI\(14\), 1h/)).toBeInTheDocument();
    await user.selectOptions(
      within(form).getByRole('combobox', { name: 'Candle interval' }),
      '15m',
    );
    expect(await within(form).findByText('28.40')).toBeInTheDocument();
    const asked = api.calls.filter((c) => c.path === '/api/v1/analysis/indicators');
    expect(new URLSearchParams(asked[asked.length - 1]?.query).get('indicators')).toBe('rsi:14');
    await user.type(within(form).getByRole('textbox', { name: 'RSI level' }), '70');
    await user.click(within(form).getByRole('button', { name: 'Create alert' }));
    await screen.findByRole('row', { name: /BTCUSDT/ });
    expect(posted('/api/v1/alerts')[0]).toMatchObject({
      condition: 'rsi_above',
      value: '70',
      interval: '15m',
      window: null,
    });
  });
});

describe('alert at this price', { timeout: 20_000 }, () => {
  it('opens the alerts form prefilled with the symbol and its live price', async () => {
    const user = userEvent.setup({ delay: null });
    renderRoutes({
      routes: [
        { path: '/', element: <AlertAtPrice symbol="ETHUSDT" price="2800.50" /> },
        { path: '/alerts', element: <AlertsView /> },
      ],
    });
    await user.click(screen.getByRole('link', { name: 'Alert at this price' }));
    const form = await screen.findByRole('form', { name: 'New alert' });
    expect(within(form).getByRole('textbox', { name: 'Price (USDT)' })).toHaveValue('2800.50');
    await within(form).findByRole('option', { name: 'ETHUSDT' });
    expect(within(form).getByRole('combobox', { name: 'Symbol' })).toHaveValue('ETHUSDT');
  });
});
