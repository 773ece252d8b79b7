import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { realSymbol } from '@/features/trading/testing/real-symbols';
import { setBaseUrl } from '@/lib/base-url';
import { axeViolations } from '@/testing/axe';
import { FakeAlerts } from '@/testing/fake-alerts';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import { AlertsView } from './components/alerts-view';

let api: FakeApiServer;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/market/symbols', {
    status: 200,
    body: { source: 'replay', symbols: [realSymbol('BTCUSDT')] },
  });
  api.respond('GET', '/api/v1/market/ticker', {
    status: 503,
    body: { error: { code: 'ticker_unavailable', message: 'No ticker yet', details: null } },
  });
  const alerts = new FakeAlerts(api);
  await fetch(`${api.url}/api/v1/alerts`, {
    method: 'POST',
    body: JSON.stringify({
      symbol: 'BTCUSDT',
      condition: 'price_crosses',
      value: '85000',
      recurring: true,
      cooldown_s: 600,
      note: 'breakout',
      channels: ['app'],
    }),
  });
  alerts.fire(1, '85000.10', true);
});

afterAll(async () => {
  await api.close();
});

describe('alerts page accessibility (axe, structural rules)', { timeout: 30_000 }, () => {
  for (const lang of ['en', 'ru'] as const) {
    it(`has no violations with the list, an edit form and a history open (${lang})`, async () => {
      const user = userEvent.setup({ delay: null });
      const { container, unmount } = renderRoutes({
        routes: [{ path: '/', element: <AlertsView /> }],
        lang,
      });
      const row = await screen.findByRole('row', { name: /BTCUSDT/ });
      const buttons = within(row).getAllByRole('button');
      for (const b of buttons.filter((x) => x.hasAttribute('aria-expanded'))) await user.click(b);
      await screen.findAllByRole('listitem');
      expect(await axeViolations(container)).toEqual([]);
      unmount();
    });
  }
});
