/**
 * An admin block or "sign out everywhere" ends a session open in a browser at once: the server
 * drops the socket's identity (error code 6, id null), the app tries a refresh, the API refuses
 * it, and the session ends (the route guards then show the login page). A code-6 answer to a
 * request (a SUBSCRIBE before AUTH) is not a revocation and leaves the session alone.
 */
import type { AddressInfo } from 'node:net';

import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, render } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

import { AppProviders } from '@/app/providers';
import { acceptGrant, getSession, resetSessionForTests } from '@/lib/auth-session';
import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';

let api: FakeApiServer;
let wss: WebSocketServer;
let sockets: WebSocket[] = [];
let authed: Promise<WebSocket>;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
});

afterAll(async () => {
  await api.close();
  await new Promise((r) => wss.close(r));
});

beforeEach(() => {
  resetSessionForTests();
  api.refreshCount = 0;
  api.refreshFails = true; // the login is gone server-side
  sockets = [];
  authed = new Promise((resolve) => {
    wss.on('connection', (socket) => {
      sockets.push(socket);
      socket.on('message', (raw: Buffer) => {
        const f = JSON.parse(raw.toString('utf8')) as { method: string; id: unknown };
        socket.send(JSON.stringify({ result: null, id: f.id }));
        if (f.method === 'AUTH') resolve(socket);
      });
    });
  });
});

afterEach(() => {
  cleanup();
  wss.removeAllListeners('connection');
  sockets.forEach((s) => s.terminate());
});

function mount(): WsClient {
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
  // the `ws` package's client, as the other socket tests use (jsdom's events trip Node's)
  const client = new WsClient({
    url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
  });
  acceptGrant({ access_token: 'token-1', expires_in: 900 });
  render(
    <AppProviders queryClient={new QueryClient()} wsClient={client}>
      <p>app</p>
    </AppProviders>,
  );
  return client;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) {
    await act(() => new Promise((r) => setTimeout(r, 10)));
  }
  expect(check()).toBe(true);
}

describe('a session revoked on the server', () => {
  it('ends in the browser as soon as the socket says so', async () => {
    mount();
    const socket = await authed;
    expect(getSession().status).toBe('authenticated');
    const msg = 'Unauthorized: the session was revoked (Account disabled)';
    socket.send(JSON.stringify({ error: { code: 6, msg }, id: null }));
    await until(() => getSession().status === 'anonymous');
    expect(api.refreshCount).toBe(1);
    expect(getSession().endReason).toBe('expired');
  });

  it('is renewed when the refresh still works (an expired token)', async () => {
    api.refreshFails = false;
    mount();
    const socket = await authed;
    socket.send(JSON.stringify({ error: { code: 6, msg: 'expired' }, id: null }));
    await until(() => api.refreshCount === 1);
    expect(getSession().status).toBe('authenticated');
  });

  it('ignores a code 6 that answers a request', async () => {
    mount();
    const socket = await authed;
    socket.send(JSON.stringify({ error: { code: 6, msg: 'AUTH first' }, id: 12345 }));
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(api.refreshCount).toBe(0);
    expect(getSession().status).toBe('authenticated');
  });
});
