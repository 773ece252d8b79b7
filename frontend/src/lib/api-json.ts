import { authFetch } from './api-client';
import { toApiError } from './api-errors';
import { getBaseUrl } from './base-url';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A JSON call through the same authenticated fetch as the typed client (token, one refresh on a
 * 401), for endpoints the generated schema does not describe yet. Errors are thrown as ApiError.
 */
export async function apiJson<T>(
  method: Method,
  path: string,
  options: {
    query?: Record<string, string | number | boolean | null | undefined>;
    body?: unknown;
  } = {},
): Promise<T> {
  const url = new URL(`${getBaseUrl()}${path}`, window.location.href);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== null && value !== undefined && value !== '')
      url.searchParams.set(key, String(value));
  }
  const headers = new Headers({ Accept: 'application/json' });
  if (options.body !== undefined) headers.set('Content-Type', 'application/json');
  const request = new Request(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const response = await authFetch(request);
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw toApiError(data, response);
  return data as T;
}
