import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Navigate } from 'react-router';
import type { RouteObject } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { api } from '@/lib/api-client';
import { unwrap } from '@/lib/api-errors';
import {
  acceptGrant,
  getSession,
  refreshAccessToken,
  resetSessionForTests,
} from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import { LoginForm } from './components/login-form';
import { RegisterForm } from './components/register-form';
import { RequireRole } from './components/require-role';

let server: FakeApiServer;

beforeAll(async () => {
  server = await FakeApiServer.start();
  setBaseUrl(server.url);
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  resetSessionForTests();
  server.users.length = 0;
  server.refreshFails = false;
  server.refreshCount = 0;
  server.calls.length = 0;
  server.addUser({
    email: 'alice@example.com',
    username: 'alice',
    password: 'correct-horse',
    role: 'trader',
  });
});

afterEach(() => resetSessionForTests());

const loginRoutes: RouteObject[] = [
  { path: '/login', element: <LoginForm onSuccess={() => undefined} /> },
];

async function fillLogin(username: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Username or email'), username);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Log in' }));
}

describe('login', () => {
  it('keeps the access token in memory only and sends X-Client: web', async () => {
    renderRoutes({ routes: loginRoutes, initialPath: '/login' });
    await fillLogin('alice', 'correct-horse');
    await waitFor(() => expect(getSession().status).toBe('authenticated'));
    expect(getSession().accessToken).toBe('access-1');
    const stored = Object.keys(localStorage).map((k) => localStorage.getItem(k) ?? '');
    expect(stored.join(' ')).not.toContain('access-1');
    const login = server.calls.find((c) => c.path === '/api/v1/auth/login');
    expect(login?.headers['x-client']).toBe('web');
    expect(login?.headers['content-type']).toContain('application/x-www-form-urlencoded');
  });

  it('says the credentials are wrong without saying which', async () => {
    renderRoutes({ routes: loginRoutes, initialPath: '/login' });
    await fillLogin('alice', 'nope');
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password.');
    expect(getSession().status).not.toBe('authenticated');
  });

  it('shows the lockout wait from Retry-After, in Russian with the right plural', async () => {
    server.failNext('POST', '/api/v1/auth/login', {
      status: 429,
      body: { error: { code: 'account_locked', message: 'Locked', details: null } },
      headers: { 'Retry-After': '42' },
    });
    renderRoutes({ routes: loginRoutes, initialPath: '/login', lang: 'ru' });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Имя пользователя или email'), 'alice');
    await user.type(screen.getByLabelText('Пароль'), 'whatever');
    await user.click(screen.getByRole('button', { name: 'Войти' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('повторите через 42 секунды');
  });

  it('says the account-wide slow-down is a short wait (login_slowed)', async () => {
    server.failNext('POST', '/api/v1/auth/login', {
      status: 429,
      body: { error: { code: 'login_slowed', message: 'Slowed', details: null } },
      headers: { 'Retry-After': '4' },
    });
    renderRoutes({ routes: loginRoutes, initialPath: '/login' });
    await fillLogin('alice', 'correct-horse');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Too many failed attempts on this account. Try again in 4 seconds.',
    );
  });

  it('validates on the client, ties errors to inputs and focuses the first one', async () => {
    renderRoutes({ routes: loginRoutes, initialPath: '/login' });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Log in' }));
    const username = screen.getByLabelText('Username or email');
    await waitFor(() => expect(username).toHaveAttribute('aria-invalid', 'true'));
    expect(username).toHaveAccessibleDescription('This field is required.');
    expect(username).toHaveFocus();
    expect(server.callsTo('/api/v1/auth/login')).toBe(0);
  });
});

describe('register', () => {
  const routes: RouteObject[] = [
    { path: '/', element: <RegisterForm onSuccess={() => undefined} /> },
  ];

  async function fillRegister(email: string, username: string) {
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Email'), email);
    await user.type(screen.getByLabelText('Username'), username);
    await user.type(screen.getByLabelText('Password'), 'long-enough-1');
    await user.type(screen.getByLabelText('Repeat password'), 'long-enough-1');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
  }

  it('maps 422 details onto their fields and focuses the first', async () => {
    server.failNext('POST', '/api/v1/auth/register', {
      status: 422,
      body: {
        error: {
          code: 'validation_error',
          message: 'Invalid request',
          details: [
            {
              loc: ['body', 'username'],
              msg: 'String should have at least 3 characters',
              type: 'string_too_short',
              ctx: { min_length: 3 },
            },
          ],
        },
      },
    });
    renderRoutes({ routes });
    await fillRegister('bob@example.com', 'bob');
    const username = screen.getByLabelText('Username');
    await waitFor(() => expect(username).toHaveAttribute('aria-invalid', 'true'));
    expect(username).toHaveAccessibleDescription(/At least 3 characters\./);
    expect(username).toHaveFocus();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('puts a taken email on the email field', async () => {
    renderRoutes({ routes });
    await fillRegister('alice@example.com', 'alice2');
    const email = screen.getByLabelText('Email');
    await waitFor(() => expect(email).toHaveAttribute('aria-invalid', 'true'));
    expect(email).toHaveAccessibleDescription('This email is already registered.');
    expect(email).toHaveFocus();
  });

  it('explains a password refused by the policy, on the password field', async () => {
    server.failNext('POST', '/api/v1/auth/register', {
      status: 422,
      body: {
        error: {
          code: 'weak_password',
          message: 'The password does not meet the password policy',
          details: { reasons: ['too_common'] },
        },
      },
    });
    renderRoutes({ routes });
    await fillRegister('bob@example.com', 'bobby');
    expect(
      await screen.findByText('This password is too weak: not a common password.'),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('token refresh', () => {
  it('refreshes once for a burst of 401s and replays each request', async () => {
    acceptGrant({ access_token: 'stale', expires_in: 900 });
    const [a, b, c] = await Promise.all([
      unwrap(api().GET('/api/v1/users/me')),
      unwrap(api().GET('/api/v1/users/me')),
      unwrap(api().GET('/api/v1/users/me')),
    ]);
    expect([a.username, b.username, c.username]).toEqual(['alice', 'alice', 'alice']);
    expect(server.refreshCount).toBe(1);
    expect(
      server.calls.find((call) => call.path === '/api/v1/auth/refresh')?.headers['x-client'],
    ).toBe('web');
  });

  it('signs out when the refresh is refused', async () => {
    acceptGrant({ access_token: 'stale', expires_in: 900 });
    server.refreshFails = true;
    await expect(unwrap(api().GET('/api/v1/users/me'))).rejects.toMatchObject({ status: 401 });
    expect(getSession()).toMatchObject({ status: 'anonymous', accessToken: null });
  });

  it('concurrent refresh callers share one request', async () => {
    const results = await Promise.all([refreshAccessToken(), refreshAccessToken()]);
    expect(results).toEqual([true, true]);
    expect(server.refreshCount).toBe(1);
  });
});

describe('route guards', () => {
  const routes: RouteObject[] = [
    { path: '/login', element: <p>login page</p> },
    {
      path: '/admin',
      element: (
        <RequireRole role="admin">
          <p>admin area</p>
        </RequireRole>
      ),
    },
    {
      path: '/profile',
      element: (
        <RequireRole role="trader">
          <p>profile area</p>
        </RequireRole>
      ),
    },
    { path: '/', element: <Navigate to="/admin" /> },
  ];

  it('sends anonymous visitors to the login page with the way back', async () => {
    resetSessionForTests();
    const { router } = renderRoutes({ routes, initialPath: '/admin' });
    // unknown -> anonymous once the bootstrap refresh fails
    server.refreshFails = true;
    await refreshAccessToken();
    expect(await screen.findByText('login page')).toBeInTheDocument();
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent('/admin')}`);
  });

  it('shows 403 to a trader on an admin page and lets a trader in to the profile', async () => {
    acceptGrant({ access_token: 'x', expires_in: 900 });
    await refreshAccessToken(); // a token the fake server accepts
    renderRoutes({ routes, initialPath: '/admin' });
    expect(await screen.findByRole('heading', { name: 'Access denied' })).toBeInTheDocument();
    expect(screen.getByText(/Trader/)).toBeInTheDocument();
    expect(screen.queryByText('admin area')).toBeNull();
  });

  it('lets an admin in', async () => {
    const alice = server.users[0];
    if (alice) alice.role = 'admin';
    await refreshAccessToken();
    renderRoutes({ routes, initialPath: '/admin' });
    expect(await screen.findByText('admin area')).toBeInTheDocument();
  });
});
