import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { acceptGrant, refreshAccessToken, resetSessionForTests } from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import ComparePage from '@/routes/compare';
import ForecastPage from '@/routes/forecast';
import { FakeApiServer } from '@/testing/fake-api-server';
import type { FakeUser } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import { AppLayout } from './layout/app-layout';

/** Issue 11: compare and forecast are analyst/admin pages; a trader sees neither link and 403. */

let api: FakeApiServer;

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

const COMPARE = {
  interval: '1d',
  benchmark: 'BTCUSDT',
  open_times: [T0, T0 + DAY, T0 + 2 * DAY],
  symbols: [
    {
      symbol: 'BTCUSDT',
      first_close: '100',
      last_close: '110',
      total_return: '0.1',
      volatility: '0.45',
      max_drawdown: '0.0525',
      sharpe: '1.234',
      beta: '1',
    },
    {
      symbol: 'ETHUSDT',
      first_close: '10',
      last_close: '9',
      total_return: '-0.1',
      volatility: '0.6',
      max_drawdown: '0.2',
      sharpe: null,
      beta: '1.3',
    },
  ],
  correlation: {
    symbols: ['BTCUSDT', 'ETHUSDT'],
    matrix: [
      ['1', '0.8123'],
      ['0.8123', '1'],
    ],
  },
  normalised: { BTCUSDT: ['100', '105', '110'], ETHUSDT: ['100', '95', '90'] },
};

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/market/status', {
    status: 200,
    body: {
      source: 'replay',
      connected: true,
      error: null,
      ingestor: 'in-process',
      replay_time: T0,
      replay_speed: null,
      last_event_at: null,
      symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
      intervals: ['1h', '1d'],
      depth_levels: 20,
    },
  });
  api.respond('GET', '/api/v1/analysis/compare', { status: 200, body: COMPARE });
});

afterAll(async () => {
  await api.close();
});

async function signIn(role: FakeUser['role']) {
  resetSessionForTests();
  api.users.length = 0;
  api.calls.length = 0;
  api.addUser({ email: 'a@example.com', username: 'ann', password: 'x'.repeat(12), role });
  acceptGrant({ access_token: 'x', expires_in: 900 });
  await refreshAccessToken();
}

beforeEach(() => resetSessionForTests());
afterEach(() => resetSessionForTests());

function renderApp(path: string) {
  return renderRoutes({
    routes: [
      {
        element: <AppLayout />,
        children: [
          { path: '/compare', element: <ComparePage /> },
          { path: '/forecast', element: <ForecastPage /> },
          { path: '/market', element: <p>markets</p> },
        ],
      },
    ],
    initialPath: path,
  });
}

describe('roles', () => {
  it('a trader has no compare/forecast links and gets the 403 page on both', async () => {
    await signIn('trader');
    const view = renderApp('/compare');
    expect(await screen.findByRole('heading', { name: 'Access denied' })).toBeVisible();
    const nav = screen.getByRole('navigation', { name: 'Main navigation' });
    await within(nav).findByRole('link', { name: 'Portfolio' });
    expect(within(nav).queryByRole('button', { name: 'Analysis' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: 'Compare' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: 'Forecasts' })).toBeNull();
    await view.router.navigate('/forecast');
    expect(await screen.findByRole('heading', { name: 'Access denied' })).toBeVisible();
    expect(api.callsTo('/api/v1/analysis/compare')).toBe(0);
    expect(api.callsTo('/api/v1/forecast/models')).toBe(0);
  });

  it('an analyst finds both pages in the Analysis menu', async () => {
    const user = userEvent.setup();
    await signIn('analyst');
    renderApp('/market');
    const nav = screen.getByRole('navigation', { name: 'Main navigation' });
    await user.click(await within(nav).findByRole('button', { name: 'Analysis' }));
    expect(await within(nav).findByRole('link', { name: 'Compare' })).toHaveAttribute(
      'href',
      '/compare',
    );
    expect(within(nav).getByRole('link', { name: 'Forecasts' })).toHaveAttribute(
      'href',
      '/forecast',
    );
  });
});

describe('compare page', () => {
  it('asks for the URL symbols and shows correlations and risk figures as text', async () => {
    await signIn('analyst');
    renderApp('/compare?symbols=BTCUSDT,ETHUSDT&interval=1d&limit=90');
    const heat = await screen.findByRole('table', { name: /Pearson correlation/ });
    const cells = within(heat).getAllByRole('cell');
    expect(cells.map((c) => c.textContent)).toEqual(['', '1.00', '0.81', '0.81', '1.00']);
    const risk = screen.getByRole('table', { name: /risk-free rate 0/ });
    const eth = within(risk).getByRole('row', { name: /ETHUSDT/ });
    expect(eth).toHaveTextContent('ETHUSDT-10.00%60.00%20.00%—1.30');
    const call = api.calls.find((c) => c.path === '/api/v1/analysis/compare')!;
    expect(new URLSearchParams(call.query).get('symbols')).toBe('BTCUSDT,ETHUSDT');
    expect(
      screen.getByRole('img', { name: /Normalised performance of BTCUSDT, ETHUSDT/ }),
    ).toBeVisible();
  });

  it('a new selection goes to the API from the form', async () => {
    const user = userEvent.setup();
    await signIn('admin');
    renderApp('/compare?symbols=BTCUSDT,ETHUSDT&interval=1d&limit=90');
    await user.click(await screen.findByRole('checkbox', { name: 'SOLUSDT' }));
    const candles = screen.getByRole('spinbutton', { name: 'Candles' });
    await user.clear(candles);
    await user.type(candles, '30');
    await user.click(screen.getByRole('button', { name: 'Compare' }));
    await waitFor(() => {
      const last = api.calls.filter((c) => c.path === '/api/v1/analysis/compare').at(-1)!;
      const q = new URLSearchParams(last.query);
      expect([q.get('symbols'), q.get('limit'), q.get('interval')]).toEqual([
        'BTCUSDT,ETHUSDT,SOLUSDT',
        '30',
        '1d',
      ]);
    });
  });
});
