import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { RouteObject } from 'react-router';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { RegisterForm } from '@/features/auth/components/register-form';
import {
  acceptGrant,
  getSession,
  refreshAccessToken,
  resetSessionForTests,
} from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import ProfilePage from '@/routes/profile';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

/** Issue 10 section 3: passwords of 12+, a new email needs the current password, sign out
 *  everywhere. Real forms and session against a local HTTP server speaking the API's shapes. */

let server: FakeApiServer;
const PASSWORD = 'correct-horse-battery';

beforeAll(async () => {
  server = await FakeApiServer.start();
  setBaseUrl(server.url);
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  resetSessionForTests();
  server.users.length = 0;
  server.refreshFails = false;
  server.calls.length = 0;
  server.addUser({
    email: 'alice@example.com',
    username: 'alice',
    password: PASSWORD,
    role: 'trader',
  });
  acceptGrant({ access_token: 'x', expires_in: 900 });
  await refreshAccessToken(); // a token the fake server accepts
});

afterEach(() => resetSessionForTests());

const profileRoutes: RouteObject[] = [
  { path: '/profile', element: <ProfilePage /> },
  { path: '/login', element: <p>login page</p> },
];

describe('password length', () => {
  it('refuses 11 characters on register and asks for 12', async () => {
    resetSessionForTests();
    renderRoutes({
      routes: [{ path: '/', element: <RegisterForm onSuccess={() => undefined} /> }],
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Email'), 'bob@example.com');
    await user.type(screen.getByLabelText('Username'), 'bob');
    await user.type(screen.getByLabelText('Password'), 'Xq7-horse-b');
    await user.type(screen.getByLabelText('Repeat password'), 'Xq7-horse-b');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    const password = screen.getByLabelText('Password');
    await waitFor(() => expect(password).toHaveAttribute('aria-invalid', 'true'));
    expect(password).toHaveAccessibleDescription(/At least 12 characters/);
    expect(server.callsTo('/api/v1/auth/register')).toBe(0);
  });

  it('refuses 11 characters as a new password on the profile page', async () => {
    renderRoutes({ routes: profileRoutes, initialPath: '/profile' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Current password'), PASSWORD);
    await user.type(screen.getByLabelText('New password'), 'Xq7-horse-b');
    await user.type(screen.getByLabelText('Repeat new password'), 'Xq7-horse-b');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    const fresh = screen.getByLabelText('New password');
    await waitFor(() => expect(fresh).toHaveAttribute('aria-invalid', 'true'));
    expect(fresh).toHaveAccessibleDescription(/At least 12 characters/);
    expect(server.callsTo('/api/v1/users/me/password')).toBe(0);
  });
});

describe('profile email', () => {
  it('asks for the current password when the email changes, and sends it', async () => {
    renderRoutes({ routes: profileRoutes, initialPath: '/profile' });
    const user = userEvent.setup();
    const email = await screen.findByLabelText('Email');
    // the password field appears only for a new address
    expect(screen.getAllByLabelText('Current password')).toHaveLength(1); // the password form's
    await user.clear(email);
    await user.type(email, 'new@example.com');
    const fields = screen.getAllByLabelText('Current password');
    expect(fields).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const current = screen.getAllByLabelText('Current password')[0];
    await waitFor(() => expect(current).toHaveAttribute('aria-invalid', 'true'));
    expect(server.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);

    await user.type(current!, PASSWORD);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Profile saved.')).toBeInTheDocument();
    const patch = server.calls.find((c) => c.method === 'PATCH');
    expect(JSON.parse(patch?.body ?? '{}')).toEqual({
      email: 'new@example.com',
      current_password: PASSWORD,
    });
  });

  it('puts a wrong current password on that field', async () => {
    renderRoutes({ routes: profileRoutes, initialPath: '/profile' });
    const user = userEvent.setup();
    const email = await screen.findByLabelText('Email');
    await user.clear(email);
    await user.type(email, 'new@example.com');
    const current = screen.getAllByLabelText('Current password')[0]!;
    await user.type(current, 'not-my-password');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(current).toHaveAttribute('aria-invalid', 'true'));
    expect(server.users[0]?.email).toBe('alice@example.com');
  });
});

describe('sign out everywhere', () => {
  it('ends every session and says so on the login page', async () => {
    renderRoutes({ routes: profileRoutes, initialPath: '/profile', lang: 'ru' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Выйти на всех устройствах' }));
    await waitFor(() => expect(getSession().status).toBe('anonymous'));
    expect(getSession().endReason).toBe('signed_out_everywhere');
    const call = server.calls.find((c) => c.path === '/api/v1/auth/logout-all');
    expect(call?.method).toBe('POST');
    expect(call?.headers.authorization).toMatch(/^Bearer access-/);
    expect(await screen.findByText('login page')).toBeInTheDocument();
  });
});
