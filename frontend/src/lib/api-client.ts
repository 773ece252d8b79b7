import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';

import type { paths } from '@/api/schema';

import { getAccessToken, refreshAccessToken } from './auth-session';
import { getBaseUrl } from './base-url';

export type ApiClient = Client<paths>;

const AUTH_PATHS = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout'];

function withToken(request: Request, token: string | null): Request {
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/**
 * fetch with the bearer token; on a 401 it refreshes once (shared with every concurrent caller)
 * and replays the request with the new token.
 */
async function authFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const token = getAccessToken();
  const response = await fetch(withToken(request, token));
  const isAuthCall = AUTH_PATHS.some((path) => new URL(request.url).pathname === path);
  if (response.status !== 401 || isAuthCall || token === null) return response;
  const refreshed = await refreshAccessToken();
  if (!refreshed) return response;
  return fetch(withToken(retry, getAccessToken()));
}

let client: ApiClient | null = null;
let clientBase: string | null = null;

/** The typed client of the generated OpenAPI schema (created lazily for the current base URL). */
export function api(): ApiClient {
  const base = getBaseUrl();
  if (!client || clientBase !== base) {
    client = createClient<paths>({ baseUrl: base, fetch: authFetch, credentials: 'same-origin' });
    clientBase = base;
  }
  return client;
}
