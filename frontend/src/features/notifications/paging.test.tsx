import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { acceptGrant, resetSessionForTests } from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import type { WsClient } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { startLiveClient } from '@/testing/ws-server';
import type { TestWsServer } from '@/testing/ws-server';

import { NOTIFICATION_PAGE_SIZE } from './api/notifications';
import type { AppNotification } from './api/notifications';
import { LiveNotifications } from './components/live-notifications';
import { NotificationBell } from './components/notification-bell';

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;
let rows: AppNotification[];

const row = (id: number, read: boolean): AppNotification => ({
  id,
  kind: 'alert',
  title: `Alert number ${id}`,
  body: `body ${id}`,
  alert_id: id,
  data: null,
  read_at: read ? '2026-01-01T00:00:00Z' : null,
  created_at: '2026-01-01T00:00:00Z',
});

/** GET /notifications as backend/notifications/queries.page answers: newest first, `limit`,
 * `cursor` (ids below it), `unread=true`, `next_cursor` the last id when more remain. */
function serveNotifications(): void {
  api.respondWith('GET', '/api/v1/notifications', (query) => {
    const limit = Number(query.get('limit') ?? '50');
    const cursor = query.get('cursor');
    const unreadOnly = query.get('unread') === 'true';
    const matching = [...rows]
      .sort((a, b) => b.id - a.id)
      .filter((r) => cursor === null || r.id < Number(cursor))
      .filter((r) => !unreadOnly || r.read_at === null);
    const items = matching.slice(0, limit);
    return {
      status: 200,
      body: {
        items,
        unread_count: rows.filter((r) => r.read_at === null).length,
        next_cursor: matching.length > limit ? (items.at(-1)?.id ?? null) : null,
      },
    };
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
  // 25 notifications, ids 1..25; the even ones unread (12 of them)
  rows = Array.from({ length: 25 }, (_, i) => row(i + 1, (i + 1) % 2 === 1));
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

function renderBell() {
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
    ],
    wsClient: client,
  });
}

const titles = (list: HTMLElement) =>
  within(list)
    .getAllByRole('listitem')
    .map((li) => within(li).getByText(/^Alert number \d+$/).textContent);

const cursors = () =>
  api.calls
    .filter((c) => c.method === 'GET' && c.path === '/api/v1/notifications')
    .map((c) => new URLSearchParams(c.query).get('cursor'));

describe('notification paging', { timeout: 20_000 }, () => {
  it('shows the latest page and loads older ones with the cursor until the last', async () => {
    const user = userEvent.setup({ delay: null });
    renderBell();
    const bell = await screen.findByRole('button', { name: 'Notifications, unread: 12' });
    await user.click(bell);
    const list = await screen.findByRole('list', { name: 'Notifications' });
    expect(NOTIFICATION_PAGE_SIZE).toBe(10);
    expect(titles(list)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Alert number ${25 - i}`), // 25..16
    );
    expect(cursors()).toEqual([null]);

    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(20));
    expect(cursors()).toEqual([null, '16']);
    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(25));
    expect(cursors()).toEqual([null, '16', '6']);
    expect(titles(list)).toEqual(Array.from({ length: 25 }, (_, i) => `Alert number ${25 - i}`));
    // the last page: nothing more to ask for
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
  });

  it('a live notification lands on top of the loaded pages; read marks and read-all', async () => {
    const user = userEvent.setup({ delay: null });
    renderBell();
    const bell = await screen.findByRole('button', { name: 'Notifications, unread: 12' });
    await user.click(bell);
    await user.click(await screen.findByRole('button', { name: 'Show more' }));
    const list = screen.getByRole('list', { name: 'Notifications' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(20));
    await ws.waitFor(() => ws.subscriptions().includes('user'));

    rows.push(row(26, false));
    ws.push('user', {
      e: 'notification',
      E: Date.now(),
      id: 26,
      kind: 'alert',
      title: 'Alert number 26',
      body: 'body 26',
      alert_id: 26,
    });
    expect(await screen.findByRole('button', { name: 'Notifications, unread: 13' })).toBe(bell);
    // the refetch keeps both loaded pages (now 26..7), each notification once
    await waitFor(() => expect(titles(list)[0]).toBe('Alert number 26'));
    await waitFor(() =>
      expect(titles(list)).toEqual(Array.from({ length: 20 }, (_, i) => `Alert number ${26 - i}`)),
    );

    // one from the second page marked read
    api.respondWith('POST', '/api/v1/notifications/8/read', () => {
      rows = rows.map((r) => (r.id === 8 ? { ...r, read_at: '2026-01-02T00:00:00Z' } : r));
      return { status: 200, body: rows.find((r) => r.id === 8) };
    });
    await user.click(screen.getByRole('button', { name: 'Mark read: Alert number 8' }));
    expect(await screen.findByRole('button', { name: 'Notifications, unread: 12' })).toBe(bell);
    expect(screen.queryByRole('button', { name: 'Mark read: Alert number 8' })).toBeNull();

    api.respondWith('POST', '/api/v1/notifications/read-all', () => {
      rows = rows.map((r) => ({ ...r, read_at: r.read_at ?? '2026-01-02T00:00:00Z' }));
      return { status: 200, body: { updated: 12, unread_count: 0 } };
    });
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));
    expect(await screen.findByRole('button', { name: 'Notifications, unread: 0' })).toBe(bell);
    expect(screen.queryByRole('button', { name: /^Mark read: / })).toBeNull();
  });

  it('unread only asks for unread=true and pages those with their own cursor', async () => {
    const user = userEvent.setup({ delay: null });
    renderBell();
    await user.click(await screen.findByRole('button', { name: 'Notifications, unread: 12' }));
    await user.click(await screen.findByRole('checkbox', { name: 'Unread only' }));
    const list = await screen.findByRole('list', { name: 'Notifications' });
    await waitFor(() => expect(titles(list)[1]).toBe('Alert number 22'));
    expect(titles(list)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Alert number ${24 - 2 * i}`),
    );
    const unreadCalls = () =>
      api.calls
        .filter((c) => c.path === '/api/v1/notifications')
        .map((c) => new URLSearchParams(c.query))
        .filter((q) => q.get('unread') === 'true');
    expect(unreadCalls().map((q) => q.get('cursor'))).toEqual([null]);
    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(12));
    expect(unreadCalls().map((q) => q.get('cursor'))).toEqual([null, '6']);
    expect(titles(list).at(-1)).toBe('Alert number 2');
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
  });
});
