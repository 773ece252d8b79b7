import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { axeViolations } from '@/testing/axe';
import { renderRoutes } from '@/testing/render';

import { ADMIN_SECTIONS, AdminNav } from './components/admin-nav';

function renderAt(path: string, lang: 'en' | 'ru' = 'en') {
  const page = (name: string) => (
    <>
      <AdminNav />
      <h1>{name}</h1>
    </>
  );
  return renderRoutes({
    lang,
    initialPath: path,
    routes: [
      ...ADMIN_SECTIONS.map((s) => ({ path: s.to, element: page(s.key) })),
      { path: '/admin/users/:id', element: page('user') },
    ],
  });
}

describe('AdminNav', () => {
  it('links every admin section and marks the current one', async () => {
    const { router } = renderAt('/admin/audit');
    const nav = await screen.findByRole('navigation', { name: 'Admin sections' });
    const links = Array.from(nav.querySelectorAll('a')).map((a) => [
      a.textContent,
      a.getAttribute('href'),
    ]);
    expect(links).toEqual([
      ['Users', '/admin/users'],
      ['Audit log', '/admin/audit'],
      ['Dashboard', '/admin/dashboard'],
      ['Health', '/admin/health'],
      ['Logs', '/admin/logs'],
      ['Tasks', '/admin/tasks'],
    ]);
    expect(screen.getByRole('link', { name: 'Audit log' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'Users' })).not.toHaveAttribute('aria-current');
    await userEvent.click(screen.getByRole('link', { name: 'Tasks' }));
    expect(router.state.location.pathname).toBe('/admin/tasks');
    expect(await screen.findByRole('link', { name: 'Tasks' })).toHaveAttribute(
      'aria-current',
      'page',
    );
  });

  it('keeps Users marked on a user page', async () => {
    renderAt('/admin/users/7');
    expect(await screen.findByRole('link', { name: 'Users' })).toHaveAttribute(
      'aria-current',
      'page',
    );
  });

  it.each(['en', 'ru'] as const)('has no axe violations (%s)', async (lang) => {
    renderAt('/admin/logs', lang);
    await screen.findByRole('navigation');
    if (lang === 'ru') {
      expect(screen.getByRole('link', { name: 'Журнал аудита' })).toBeInTheDocument();
    }
    expect(await axeViolations(document.body)).toEqual([]);
  });
});
