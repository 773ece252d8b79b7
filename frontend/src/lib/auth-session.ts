import createClient from 'openapi-fetch';

import type { paths } from '@/api/schema';

import { getBaseUrl } from './base-url';

/**
 * The access token lives here, in memory only (never localStorage: an XSS could read it there).
 * The refresh token is an httpOnly SameSite=Strict cookie the browser sends to /api/v1/auth only;
 * the `X-Client: web` header is the CSRF defence the API asks for on cookie-based calls.
 */

export type SessionStatus = 'unknown' | 'anonymous' | 'authenticated';
/** Why the last session ended, for the login page's message. */
export type EndReason =
  'logout' | 'expired' | 'password_changed' | 'signed_out_everywhere' | 'other_tab' | null;

export interface SessionState {
  readonly status: SessionStatus;
  readonly accessToken: string | null;
  /** Epoch ms when the access token expires. */
  readonly expiresAt: number | null;
  readonly endReason: EndReason;
}

export interface TokenGrant {
  readonly access_token: string;
  readonly expires_in: number;
}

export const WEB_CLIENT_HEADERS = { 'X-Client': 'web' } as const;

/** Refresh this long before expiry (or at half the lifetime for very short tokens). */
const REFRESH_MARGIN_MS = 60_000;

let state: SessionState = {
  status: 'unknown',
  accessToken: null,
  expiresAt: null,
  endReason: null,
};
const listeners = new Set<() => void>();
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let inFlight: Promise<boolean> | null = null;
let channel: BroadcastChannel | null = null;

function setState(next: SessionState): void {
  state = next;
  listeners.forEach((listener) => listener());
}

function rawClient() {
  return createClient<paths>({ baseUrl: getBaseUrl(), credentials: 'same-origin' });
}

function broadcast(message: 'logout'): void {
  channel?.postMessage(message);
}

function scheduleRefresh(expiresInMs: number): void {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  const delay = Math.max(
    1_000,
    expiresInMs > 2 * REFRESH_MARGIN_MS ? expiresInMs - REFRESH_MARGIN_MS : expiresInMs / 2,
  );
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void refreshAccessToken();
  }, delay);
}

export function getSession(): SessionState {
  return state;
}

export function getAccessToken(): string | null {
  return state.accessToken;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function acceptGrant(grant: TokenGrant): void {
  const expiresInMs = grant.expires_in * 1000;
  setState({
    status: 'authenticated',
    accessToken: grant.access_token,
    expiresAt: Date.now() + expiresInMs,
    endReason: null,
  });
  scheduleRefresh(expiresInMs);
}

/** Forget the session locally (and in the other tabs, unless it came from one). */
export function clearSession(reason: EndReason = 'logout'): void {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = null;
  setState({ status: 'anonymous', accessToken: null, expiresAt: null, endReason: reason });
  if (reason !== 'other_tab') broadcast('logout');
}

async function doRefresh(): Promise<boolean> {
  try {
    const { data } = await rawClient().POST('/api/v1/auth/refresh', {
      headers: WEB_CLIENT_HEADERS,
    });
    if (data) {
      acceptGrant(data);
      return true;
    }
  } catch {
    // network error: treated like a refused refresh
  }
  // a session that existed and could not be renewed has expired; a first visit simply has none;
  // one ended meanwhile (a password change signing out) keeps the reason it ended with
  if (state.status === 'anonymous') return false;
  clearSession(state.status === 'authenticated' ? 'expired' : null);
  return false;
}

/**
 * Trade the refresh cookie for a new access token. One refresh at a time: concurrent callers (a
 * burst of 401s, the timer) share one request, and a Web Lock serialises tabs, because two tabs
 * presenting the same rotated cookie would look like token reuse and revoke the login.
 */
export function refreshAccessToken(): Promise<boolean> {
  if (inFlight) return inFlight;
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  const run: Promise<boolean> = locks
    ? // lib.dom types the result as Promise<Promise<T>>; a promise never resolves to a promise
      (locks.request('auth-refresh', () => doRefresh()) as unknown as Promise<boolean>)
    : doRefresh();
  const shared = run.finally(() => {
    inFlight = null;
  });
  inFlight = shared;
  return shared;
}

/** On app start: a refresh cookie from an earlier visit signs the user in silently. */
export async function bootstrapSession(): Promise<void> {
  if (typeof BroadcastChannel !== 'undefined' && channel === null) {
    channel = new BroadcastChannel('auth-session');
    channel.onmessage = (event: MessageEvent) => {
      if (event.data === 'logout' && state.status !== 'anonymous') clearSession('other_tab');
    };
  }
  if (state.status !== 'unknown') return;
  await refreshAccessToken();
}

export async function logout(): Promise<void> {
  try {
    await rawClient().POST('/api/v1/auth/logout', { headers: WEB_CLIENT_HEADERS });
  } catch {
    // logging out locally is what matters; the cookie dies with the server-side revoke
  }
  clearSession();
}

/** Test hook: back to the first-visit state. */
export function resetSessionForTests(): void {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = null;
  inFlight = null;
  channel?.close();
  channel = null;
  state = { status: 'unknown', accessToken: null, expiresAt: null, endReason: null };
}
