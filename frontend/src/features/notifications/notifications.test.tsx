import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { acceptGrant, resetSessionForTests } from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import type { WsClient } from '@/lib/ws-client';
import { axeViolations } from '@/testing/axe';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { startLiveClient } from '@/testing/ws-server';
import type { TestWsServer } from '@/testing/ws-server';

import type { AppNotification } from './api/notifications';
import { LiveNotifications } from './components/live-notifications';
import { NotificationBell } from './components/notification-bell';

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;
let rows: AppNotification[];

const row = (id: number, title: string, read = false): AppNotification => ({
  id,
  kind: 'alert',
  title,
  body: `${title} body`,
  alert_id: id,
  data: null,
  read_at: read ? '2026-01-01T00:00:00Z' : null,
  created_at: '2026-01-01T00:00:00Z',
});

/** GET /notifications, read and read-all as backend/notifications/router.py answers them. */
function serveNotifications(): void {
  api.respondWith('GET', '/api/v1/notifications', () => ({
    status: 200,
    body: {
      items: [...rows].reverse(),
      unread_count: rows.filter((r) => r.read_at === null).length,
      next_cursor: null,
    },
  }));
  api.respondWith('POST', '/api/v1/notifications/read-all', () => {
    const updated = rows.filter((r) => r.read_at === null).length;
    rows = rows.map((r) => ({ ...r, read_at: r.read_at ?? '2026-01-02T00:00:00Z' }));
    return { status: 200, body: { updated, unread_count: 0 } };
  });
}

function serveRead(id: number): void {
  api.respondWith('POST', `/api/v1/notifications/${id}/read`, () => {
    rows = rows.map((r) => (r.id === id ? { ...r, read_at: '2026-01-02T00:00:00Z' } : r));
    return { status: 200, body: rows.find((r) => r.id === id) };
  });
}

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
});

afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  rows = [row(1, 'Old one', true), row(2, 'BTCUSDT crossed 50,000')];
  serveNotifications();
  resetSessionForTests();
  acceptGrant({ access_token: 'access-live', expires_in: 900 });
  ({ ws, client } = await startLiveClient('access-live'));
});

afterEach(async () => {
  client.stop();
  await ws.close();
  resetSessionForTests();
});

function renderBell(lang: 'en' | 'ru' = 'en') {
  return renderRoutes({
    routes: [
      {
        path: '/',
        element: (
          <>
            <NotificationBell />
            <LiveNotifications />
          </>
        ),
      },
      { path: '/alerts', element: <p>alerts page</p> },
    ],
    wsClient: client,
    lang,
  });
}

describe('bell and toasts', { timeout: 20_000 }, () => {
  it('counts unread, updates live from a notification frame with a toast, marks read', async () => {
    const user = userEvent.setup({ delay: null });
    renderBell();
    const bell = await screen.findByRole('button', { name: 'Notifications, unread: 1' });
    await ws.waitFor(() => ws.subscriptions().includes('user'));

    // an alert fires: the frame bumps the count at once and shows a toast
    rows.push(row(3, 'ETHUSDT above 3,000'));
    ws.push('user', {
      e: 'notification',
      E: Date.now(),
      id: 3,
      kind: 'alert',
      title: 'ETHUSDT above 3,000',
      body: 'ETHUSDT above 3,000 body',
      alert_id: 3,
    });
    expect(await screen.findByRole('button', { name: 'Notifications, unread: 2' })).toBe(bell);
    const toast = await screen.findByRole('alert');
    expect(within(toast).getByText('ETHUSDT above 3,000')).toBeInTheDocument();
    expect(within(toast).getByRole('link', { name: 'Open alerts' })).toHaveAttribute(
      'href',
      '/alerts',
    );

    // the same frame again (a resend after a reconnect) neither counts nor toasts twice
    ws.push('user', {
      e: 'notification',
      E: Date.now(),
      id: 3,
      kind: 'alert',
      title: 'ETHUSDT above 3,000',
      body: '',
      alert_id: 3,
    });
    // other user-stream events are not notifications
    ws.push('user', { e: 'executionReport', i: 1, s: 'BTCUSDT', x: 'NEW', X: 'NEW' });
    await waitFor(() => expect(api.callsTo('/api/v1/notifications')).toBeGreaterThanOrEqual(2));
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Notifications, unread: 2' })).toBeInTheDocument();

    // the list, one marked read
    serveRead(2);
    await user.click(bell);
    const menu = await screen.findByRole('heading', { name: 'Notifications' });
    expect(menu).toBeInTheDocument();
    // the open menu and the toast pass axe's structural WCAG rules
    expect(await axeViolations(document.body)).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Mark read: BTCUSDT crossed 50,000' }));
    expect(await screen.findByRole('button', { name: 'Notifications, unread: 1' })).toBe(bell);
    expect(
      api.calls.some((c) => c.method === 'POST' && c.path === '/api/v1/notifications/2/read'),
    ).toBe(true);

    // all read
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));
    expect(await screen.findByRole('button', { name: 'Notifications, unread: 0' })).toBe(bell);
    expect(screen.queryByTestId('unread-count')).toBeNull();
    expect(screen.getByRole('button', { name: 'Mark all read' })).toBeDisabled();
  });

  it('counts what arrived while the socket was down once it is back', async () => {
    renderBell();
    await screen.findByRole('button', { name: 'Notifications, unread: 1' });
    await ws.waitFor(() => ws.subscriptions().includes('user'));
    ws.dropAll();
    rows.push(row(4, 'SOLUSDT below 100')); // notified while no socket was there to hear it
    await ws.waitFor(() => ws.openConnections() === 1 && ws.subscriptions().includes('user'));
    expect(
      await screen.findByRole('button', { name: 'Notifications, unread: 2' }),
    ).toBeInTheDocument();
  });

  it('speaks Russian', async () => {
    renderBell('ru');
    expect(
      await screen.findByRole('button', { name: 'Уведомления, непрочитанных: 1' }),
    ).toBeInTheDocument();
  });
});
