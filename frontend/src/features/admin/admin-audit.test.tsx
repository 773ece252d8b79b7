import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { setBaseUrl } from '@/lib/base-url';
import { axeViolations } from '@/testing/axe';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import type { AuditEntry } from './api/audit';
import { AUDIT_ACTIONS } from './audit-actions';
import { AuditView } from './components/audit-view';

const PATH = '/api/v1/admin/audit';
const ACTIONS = ['auth.login_failed', 'user.blocked', 'auth.registered', 'webhook.set'];

// 60 entries, ids 60..1 newest first, as the API lists them.
const ENTRIES: AuditEntry[] = Array.from({ length: 60 }, (_, i) => {
  const id = 60 - i;
  return {
    id,
    at: new Date(Date.UTC(2026, 0, 1, 0, id)).toISOString(),
    actor_id: id % 4 === 0 ? null : 1,
    actor_username: id % 4 === 0 ? null : 'root',
    action: ACTIONS[id % 4] ?? 'x',
    target_type: 'user',
    target_id: String(id % 5),
    client_address: '10.0.0.1',
    request_id: `req-${id}`,
    details: null,
  };
});

/** GET /admin/audit as backend/audit answers it: filters, newest first, cursor = last id. */
function page(query: URLSearchParams) {
  const action = query.get('action');
  const target = query.get('target');
  const cursor = query.get('cursor');
  const limit = Number(query.get('limit') ?? '50');
  const hits = ENTRIES.filter(
    (e) =>
      (!action || e.action === action || e.action.startsWith(`${action}.`)) &&
      (!target || `${e.target_type}:${e.target_id}` === target) &&
      (!cursor || e.id < Number(cursor)),
  );
  const items = hits.slice(0, limit);
  const more = hits.length > limit;
  return {
    status: 200,
    body: { items, next_cursor: more ? String(items[items.length - 1]?.id) : null },
  };
}

let api: FakeApiServer;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respondWith('GET', PATH, page);
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
});

const lastQuery = () => {
  const calls = api.calls.filter((c) => c.path === PATH);
  return new URLSearchParams(calls[calls.length - 1]?.query);
};
const requestIds = () =>
  within(screen.getByRole('table', { name: 'Audit entries' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelectorAll('td')[4]?.textContent);

function renderPage(initialPath = '/admin/audit', lang: 'en' | 'ru' = 'en') {
  return renderRoutes({
    lang,
    initialPath,
    routes: [{ path: '/admin/audit', element: <AuditView /> }],
  });
}

describe('audit page', () => {
  it('pages older and back to the newest with the cursor in the URL', async () => {
    const { router } = renderPage();
    await screen.findByText('25 entries shown');
    expect(requestIds()[0]).toBe('req-60');
    const user = userEvent.setup();
    expect(screen.getByRole('button', { name: 'Newest' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(requestIds()[0]).toBe('req-35'));
    expect(router.state.location.search).toBe('?cursor=36');
    expect(lastQuery().get('cursor')).toBe('36');
    await user.click(screen.getByRole('button', { name: 'Older' }));
    await screen.findByText('10 entries shown');
    expect(screen.getByRole('button', { name: 'Older' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(requestIds()[0]).toBe('req-35'));
    await user.click(screen.getByRole('button', { name: 'Newest' }));
    await waitFor(() => expect(requestIds()[0]).toBe('req-60'));
    expect(router.state.location.search).toBe('');
  });

  it('filters by actor, action, target and date, in the URL and the request', async () => {
    const { router } = renderPage('/admin/audit?cursor=36');
    await screen.findByText('25 entries shown');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('By (user)'), 'root');
    await user.type(screen.getByLabelText('Event'), 'user.blocked');
    await user.type(screen.getByLabelText('Target'), 'user:3');
    await user.type(screen.getByLabelText('Since'), '2026-01-01');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(requestIds()).toEqual(['req-53', 'req-33', 'req-13']));
    const params = new URLSearchParams(router.state.location.search);
    expect(Object.fromEntries(params)).toEqual({
      actor: 'root',
      action: 'user.blocked',
      target: 'user:3',
      since: '2026-01-01',
    }); // the cursor is dropped: a new filter starts at the newest entry
    const sent = lastQuery();
    expect(sent.get('actor')).toBe('root');
    expect(sent.get('cursor')).toBeNull();
    expect(Date.parse(sent.get('since') ?? '')).toBe(Date.parse('2026-01-01T00:00:00'));
    const table = screen.getByRole('table', { name: 'Audit entries' });
    expect(within(table).getAllByText('Blocked')).toHaveLength(3);
    expect(within(table).getAllByRole('link', { name: 'user #3' })[0]).toHaveAttribute(
      'href',
      '/admin/users/3',
    );
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await screen.findByText('25 entries shown');
    expect(router.state.location.search).toBe('');
  });

  it('says when nothing matches', async () => {
    renderPage('/admin/audit?action=no.such');
    expect(await screen.findByText('No entries match these filters.')).toBeInTheDocument();
  });

  it('names every action in both languages', () => {
    expect(Object.keys(AUDIT_ACTIONS.ru).sort()).toEqual(Object.keys(AUDIT_ACTIONS.en).sort());
  });

  it.each(['en', 'ru'] as const)('has no axe violations (%s)', async (lang) => {
    renderPage('/admin/audit', lang);
    await screen.findByRole('table');
    if (lang === 'ru') expect(screen.getAllByText('Неудачный вход').length).toBeGreaterThan(0);
    expect(await axeViolations(document.body)).toEqual([]);
  });
});
