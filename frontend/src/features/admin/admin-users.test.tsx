import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { setBaseUrl } from '@/lib/base-url';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import type { AdminUser } from './api/users';
import { AdminUsersView } from './components/admin-users-view';

// 45 users: more than one page (the page used to ask for the first 100 and show only those;
// with 20 a page, these fill three). Every 9th is an analyst, every 10th is disabled.
const USERS: AdminUser[] = Array.from({ length: 45 }, (_, i) => {
  const n = 45 - i; // newest first, as the API lists them
  return {
    id: n,
    email: `user${n}@example.org`,
    username: `user${n}`,
    role: n % 9 === 0 ? 'analyst' : 'trader',
    is_active: n % 10 !== 0,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    locked_until: null,
  };
});

/** /admin/users as backend/admin/router.py answers it: q in email or username, role, active. */
function page(query: URLSearchParams) {
  const q = (query.get('q') ?? '').toLowerCase();
  const role = query.get('role');
  const active = query.get('active');
  const p = Number(query.get('page') ?? '1');
  const size = Number(query.get('page_size') ?? '20');
  const hits = USERS.filter(
    (u) =>
      (!q || u.email.includes(q) || u.username.includes(q)) &&
      (!role || u.role === role) &&
      (active === null || String(u.is_active) === active),
  );
  return {
    status: 200,
    body: {
      items: hits.slice((p - 1) * size, p * size),
      total: hits.length,
      page: p,
      page_size: size,
    },
  };
}

let api: FakeApiServer;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respondWith('GET', '/api/v1/admin/users', page);
  api.respondWith('PATCH', '/api/v1/admin/users/44', (_q, body) => ({
    status: 200,
    body: { ...USERS[1], ...(JSON.parse(body) as Partial<AdminUser>) },
  }));
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
});

const names = () => screen.getAllByRole('rowheader').map((h) => h.firstChild?.textContent);
const lastQuery = () => {
  const calls = api.calls.filter((c) => c.path === '/api/v1/admin/users');
  return new URLSearchParams(calls[calls.length - 1]?.query);
};

function renderPage(initialPath = '/admin/users') {
  return renderRoutes({
    routes: [{ path: '/admin/users', element: <AdminUsersView selfId={1} /> }],
    initialPath,
  });
}

describe('admin users page', () => {
  it('pages through every user, not only the first page', async () => {
    const { router } = renderPage();
    await screen.findByText('45 users · page 1 of 3');
    expect(names()).toHaveLength(20);
    expect(names()[0]).toBe('user45');
    const user = userEvent.setup();
    expect(screen.getByRole('button', { name: 'Previous page' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await screen.findByText('45 users · page 2 of 3');
    expect(router.state.location.search).toBe('?page=2');
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await screen.findByText('45 users · page 3 of 3');
    await waitFor(() => expect(names()).toEqual(['user5', 'user4', 'user3', 'user2', 'user1']));
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();
  });

  it('searches, filters by role and state, and keeps them in the URL', async () => {
    const { router } = renderPage('/admin/users?page=2');
    await screen.findByText('45 users · page 2 of 3');
    const user = userEvent.setup();

    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'user1');
    // user1, user10..user19: 11 hits; a new search starts again at page 1
    await screen.findByText('11 users · page 1 of 1');
    expect(lastQuery().get('q')).toBe('user1');
    expect(router.state.location.search).toBe('?q=user1');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Role' }), 'Analyst');
    await waitFor(() => expect(names()).toEqual(['user18']));
    expect(lastQuery().get('role')).toBe('analyst');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Role' }), 'Any role');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'Disabled');
    await waitFor(() => expect(names()).toEqual(['user10']));
    expect(lastQuery().get('active')).toBe('false');
    expect(router.state.location.search).toBe('?q=user1&state=disabled');
    const row = screen.getByRole('row', { name: /user10/ });
    expect(within(row).getByRole('button', { name: 'Enable' })).toBeInTheDocument();

    await user.clear(screen.getByRole('searchbox', { name: 'Search users' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'nobody');
    await screen.findByText('No user matches these filters.');
  });

  it('opens a shared link with its filters applied', async () => {
    renderPage('/admin/users?q=user4&role=trader&state=active&page=1');
    await screen.findByText('5 users · page 1 of 1'); // user4, user41..44 (user40 is disabled)
    expect(screen.getByRole('searchbox', { name: 'Search users' })).toHaveValue('user4');
    expect(screen.getByRole('combobox', { name: 'Role' })).toHaveValue('trader');
    expect(screen.getByRole('combobox', { name: 'Status' })).toHaveValue('active');
    expect(Object.fromEntries(lastQuery())).toMatchObject({
      q: 'user4',
      role: 'trader',
      active: 'true',
      page: '1',
      page_size: '20',
    });
  });

  it('disables a user from the list only after the confirmation; the role is changed on the user page', async () => {
    renderPage();
    await screen.findByText('45 users · page 1 of 3');
    const user = userEvent.setup();
    const writes = () => api.calls.filter((c) => c.method !== 'GET');
    const row = screen.getByRole('row', { name: /user44/ });
    expect(within(row).queryByRole('combobox')).not.toBeInTheDocument();
    expect(within(row).getByText('Trader')).toBeInTheDocument();

    await user.click(within(row).getByRole('button', { name: 'Disable' }));
    let dialog = await screen.findByRole('dialog', { name: 'Block user44?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(writes()).toEqual([]);

    await user.click(within(row).getByRole('button', { name: 'Disable' }));
    dialog = await screen.findByRole('dialog', { name: 'Block user44?' });
    await user.click(within(dialog).getByRole('button', { name: 'Block' }));
    await waitFor(() => expect(writes()).toHaveLength(1));
    expect(writes()[0]).toMatchObject({ method: 'PATCH', path: '/api/v1/admin/users/44' });
    expect(JSON.parse(writes()[0]?.body ?? '')).toEqual({ is_active: false });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });
});
