import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { setBaseUrl } from '@/lib/base-url';
import { axeViolations } from '@/testing/axe';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import type { AdminUserDetail } from './api/user';
import { UserDetailView } from './components/user-detail-view';

const PATH = '/api/v1/admin/users/7';

/** A user page as backend/admin/service.py `user_detail` answers it. */
function detail(overrides: Partial<AdminUserDetail['user']> = {}): AdminUserDetail {
  return {
    user: {
      id: 7,
      email: 'dora@example.org',
      username: 'dora',
      role: 'trader',
      is_active: true,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-02T00:00:00Z',
      last_login_at: '2026-01-03T10:00:00Z',
      locked_until: null,
      ...overrides,
    },
    account: {
      period: 1,
      period_started_at: '2026-01-01T00:00:00Z',
      balances: [
        { asset: 'BTC', free: '0.50000000', locked: '0.00000000' },
        { asset: 'USDT', free: '5000.00000000', locked: '100.00000000' },
      ],
      equity: '40100.00000000',
      equity_asset: 'USDT',
    },
    alerts: { total: 3, active: 2 },
    telegram_linked: true,
    recent_events: [
      {
        id: 12,
        at: '2026-01-03T10:00:00Z',
        actor_id: 7,
        actor_username: 'dora',
        action: 'auth.login_succeeded',
        target_type: 'user',
        target_id: '7',
        client_address: '10.0.0.8',
        request_id: 'req-1',
        details: null,
      },
      {
        id: 11,
        at: '2026-01-02T10:00:00Z',
        actor_id: 1,
        actor_username: 'root',
        action: 'user.role_changed',
        target_type: 'user',
        target_id: '7',
        client_address: '10.0.0.1',
        request_id: 'req-0',
        details: { old: 'analyst', new: 'trader' },
      },
    ],
  };
}

let api: FakeApiServer;
let current: AdminUserDetail;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respondWith('GET', PATH, () => ({ status: 200, body: current }));
  api.respondWith('PATCH', PATH, (_q, body) => {
    const change = JSON.parse(body) as Partial<AdminUserDetail['user']>;
    current = { ...current, user: { ...current.user, ...change } };
    return { status: 200, body: current.user };
  });
  api.respondWith('POST', `${PATH}/revoke-sessions`, () => ({ status: 200, body: current.user }));
  api.respondWith('POST', `${PATH}/unlock`, () => {
    current = { ...current, user: { ...current.user, locked_until: null } };
    return { status: 200, body: current.user };
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
  current = detail();
});

function renderPage(lang: 'en' | 'ru' = 'en', selfId = 1) {
  return renderRoutes({
    lang,
    initialPath: '/admin/users/7',
    routes: [{ path: '/admin/users/:id', element: <UserDetailView id={7} selfId={selfId} /> }],
  });
}

const writes = () => api.calls.filter((c) => c.method !== 'GET');

describe('admin user page', () => {
  it('shows the profile, demo account, alerts, Telegram and recent events', async () => {
    renderPage();
    expect(await screen.findByRole('heading', { level: 1, name: /dora/ })).toBeInTheDocument();
    expect(screen.getByText('dora@example.org')).toBeInTheDocument();
    expect(screen.getByText('3 in all, 2 active')).toBeInTheDocument();
    expect(screen.getByText('Linked')).toBeInTheDocument();
    expect(screen.getByText(/Equity: 40,100(\.00)? USDT/)).toBeInTheDocument();
    const balances = screen.getByRole('table', { name: 'Balances' });
    expect(
      within(balances)
        .getAllByRole('rowheader')
        .map((r) => r.textContent),
    ).toEqual(['BTC', 'USDT']);
    const events = screen.getByRole('table', { name: 'Recent security events' });
    const rows = within(events)
      .getAllByRole('rowheader')
      .map((r) => r.textContent);
    expect(rows).toEqual(['Logged inauth.login_succeeded', 'Role changeduser.role_changed']);
    expect(within(events).getByText('old: analyst, new: trader')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'All audit entries about this user' })).toHaveAttribute(
      'href',
      '/admin/audit?target=user:7',
    );
  });

  it('blocks only after the confirmation, and cancel sends nothing', async () => {
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Block' }));
    let dialog = await screen.findByRole('dialog', { name: 'Block dora?' });
    expect(writes()).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(writes()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Block' }));
    dialog = await screen.findByRole('dialog', { name: 'Block dora?' });
    await user.click(within(dialog).getByRole('button', { name: 'Block' }));
    await waitFor(() => expect(writes()).toHaveLength(1));
    expect(writes()[0]).toMatchObject({ method: 'PATCH', path: PATH });
    expect(JSON.parse(writes()[0]?.body ?? '')).toEqual({ is_active: false });
    // the page refetches: the badge and the action flip
    expect(await screen.findByRole('button', { name: 'Unblock' })).toBeInTheDocument();
    expect(screen.getByText('Disabled')).toBeInTheDocument();
    // the unblock button does not inherit the block dialog's open state
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('changes the role, revokes sessions and unlocks, each confirmed', async () => {
    current = detail({ locked_until: '2999-01-01T00:00:00Z' });
    renderPage();
    const user = userEvent.setup();
    const role = await screen.findByRole('combobox', { name: 'Role of dora' });
    expect(screen.getByRole('button', { name: 'Change role' })).toBeDisabled();
    await user.selectOptions(role, 'analyst');
    await user.click(screen.getByRole('button', { name: 'Change role' }));
    const roleDialog = await screen.findByRole('dialog');
    await user.click(within(roleDialog).getByRole('button', { name: 'Change role' }));
    await waitFor(() => expect(writes()).toHaveLength(1));
    expect(JSON.parse(writes()[0]?.body ?? '')).toEqual({ role: 'analyst' });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    const revoke = await screen.findByRole('dialog', { name: 'Sign dora out everywhere?' });
    await user.click(within(revoke).getByRole('button', { name: 'Sign out everywhere' }));
    await waitFor(() => expect(writes()).toHaveLength(2));
    expect(writes()[1]).toMatchObject({ method: 'POST', path: `${PATH}/revoke-sessions` });
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: 'Unlock' }));
    const unlock = await screen.findByRole('dialog', { name: 'Unlock dora?' });
    await user.click(within(unlock).getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(writes()).toHaveLength(3));
    expect(writes()[2]).toMatchObject({ method: 'POST', path: `${PATH}/unlock` });
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Unlock' })).not.toBeInTheDocument(),
    );
  });

  it('offers no role change or block on the admin’s own page', async () => {
    renderPage('en', 7);
    expect(await screen.findByRole('button', { name: 'Block' })).toBeDisabled();
    expect(screen.getByRole('combobox', { name: 'Role of dora' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Sign out everywhere' })).toBeEnabled();
  });

  it.each(['en', 'ru'] as const)('has no axe violations, dialog open too (%s)', async (lang) => {
    renderPage(lang);
    const block = lang === 'en' ? 'Block' : 'Заблокировать';
    const button = await screen.findByRole('button', { name: block });
    expect(await axeViolations(document.body)).toEqual([]);
    await userEvent.setup().click(button);
    await screen.findByRole('dialog');
    expect(await axeViolations(document.body)).toEqual([]);
  });
});
