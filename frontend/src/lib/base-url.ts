/**
 * Origin the API client talks to. Empty in the browser (same origin: the API serves the SPA, Vite
 * proxies in dev, nginx in Docker); tests point it at their local server.
 */
let baseUrl = '';

export function getBaseUrl(): string {
  return baseUrl;
}

export function setBaseUrl(url: string): void {
  baseUrl = url.replace(/\/$/, '');
}
