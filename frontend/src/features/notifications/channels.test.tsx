import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { acceptGrant, refreshAccessToken, resetSessionForTests } from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import ProfilePage from '@/routes/profile';
import { axeViolations } from '@/testing/axe';
import { FakeApiServer } from '@/testing/fake-api-server';
import type { FakeUser } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import type { NotificationSettings } from './api/channels';

let api: FakeApiServer;
let alice: FakeUser;
let settings: NotificationSettings;

/** /notifications/settings, /webhook* and /telegram/link as G2's and G3's routers answer. */
function serveChannels(): void {
  api.respondWith('GET', '/api/v1/notifications/settings', () => ({ status: 200, body: settings }));
  api.respondWith('PATCH', '/api/v1/notifications/settings', (_q, raw) => {
    settings = { ...settings, ...(JSON.parse(raw) as Partial<NotificationSettings>) };
    return { status: 200, body: settings };
  });
  api.respondWith('PUT', '/api/v1/webhook', (_q, raw) => {
    const { url } = JSON.parse(raw) as { url: string };
    settings = { ...settings, webhook: { url } };
    return { status: 200, body: { url, secret: 'whsec-shown-once' } };
  });
  api.respondWith('DELETE', '/api/v1/webhook', () => {
    settings = { ...settings, webhook: null };
    return { status: 204, body: undefined };
  });
  api.respond('POST', '/api/v1/webhook/test', {
    status: 200,
    body: { delivered: true, detail: 'HTTP 200' },
  });
  api.respond('POST', '/api/v1/telegram/link', {
    status: 201,
    body: {
      code: 'K7Q2XZ',
      url: 'https://t.me/demo_bot?start=K7Q2XZ',
      expires_at: '2026-01-01T00:10:00Z',
    },
  });
  api.respondWith('DELETE', '/api/v1/telegram/link', () => {
    alice.telegram_linked = false;
    return { status: 204, body: undefined };
  });
}

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  serveChannels();
});

afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  resetSessionForTests();
  api.users.length = 0;
  api.calls.length = 0;
  alice = api.addUser({ email: 'a@example.com', username: 'alice', password: 'p', role: 'trader' });
  settings = { language: 'en', email_enabled: false, email_available: true, webhook: null };
  acceptGrant({ access_token: 'x', expires_in: 900 });
  await refreshAccessToken();
});

afterEach(() => resetSessionForTests());

const renderProfile = () =>
  renderRoutes({
    routes: [{ path: '/profile', element: <ProfilePage /> }],
    initialPath: '/profile',
  });

describe('profile alert channels', { timeout: 20_000 }, () => {
  it('links Telegram with a code and a deep link, then shows it linked and unlinks', async () => {
    const user = userEvent.setup({ delay: null });
    renderProfile();
    const section = await screen.findByRole('region', { name: 'Telegram' });
    await user.click(within(section).getByRole('button', { name: 'Link Telegram' }));
    expect(await within(section).findByText('/start K7Q2XZ')).toBeInTheDocument();
    expect(within(section).getByRole('link', { name: 'Open the bot in Telegram' })).toHaveAttribute(
      'href',
      'https://t.me/demo_bot?start=K7Q2XZ',
    );
    // the user sends /start to the bot: the page asks /users/me again until it says linked
    alice.telegram_linked = true;
    expect(
      await within(section).findByText(/Telegram is linked/, {}, { timeout: 8000 }),
    ).toBeInTheDocument();
    await user.click(within(section).getByRole('button', { name: 'Unlink Telegram' }));
    expect(
      await within(section).findByRole('button', { name: 'Link Telegram' }),
    ).toBeInTheDocument();
    expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/api/v1/telegram/link')).toBe(
      true,
    );
  });

  it('turns email alerts on; sets a webhook, shows its secret once, sends a test, removes it', async () => {
    const user = userEvent.setup({ delay: null });
    renderProfile();
    const email = await screen.findByRole('checkbox', { name: 'Send alerts by email' });
    expect(email).not.toBeChecked();
    await user.click(email);
    await waitFor(() => expect(email).toBeChecked());
    expect(settings.email_enabled).toBe(true);

    const webhook = screen.getByRole('region', { name: 'Webhook' });
    await user.type(
      within(webhook).getByRole('textbox', { name: 'Webhook URL' }),
      'https://hooks.example.org/x',
    );
    await user.click(within(webhook).getByRole('button', { name: 'Save webhook' }));
    expect(await within(webhook).findByTestId('webhook-secret')).toHaveTextContent(
      'whsec-shown-once',
    );
    expect(await within(webhook).findByText('https://hooks.example.org/x')).toBeInTheDocument();

    await user.click(within(webhook).getByRole('button', { name: 'Send test' }));
    expect(await within(webhook).findByRole('status')).toHaveTextContent(
      'Test delivered (HTTP 200)',
    );
    // the section with the secret and the test result passes axe's structural WCAG rules
    expect(await axeViolations(document.body)).toEqual([]);

    await user.click(within(webhook).getByRole('button', { name: 'Remove webhook' }));
    expect(
      await within(webhook).findByRole('button', { name: 'Save webhook' }),
    ).toBeInTheDocument();
    // the secret is not shown again
    expect(within(webhook).queryByTestId('webhook-secret')).toBeNull();
  });

  it('says when the server sends no email', async () => {
    settings = { ...settings, email_available: false };
    renderProfile();
    expect(await screen.findByRole('checkbox', { name: 'Send alerts by email' })).toBeDisabled();
    expect(screen.getByText('This server sends no email.')).toBeInTheDocument();
  });
});
