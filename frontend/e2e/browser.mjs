import { join } from 'node:path';

import { chromium } from 'playwright-core';

// Shared by the e2e specs: Debian's Chromium flags (../shared/services.md: without the
// background-networking ones it keeps calling hosts this closed network refuses) and polling.
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Resolve with fn's first truthy value; fail (never pass silently) after timeoutMs. */
export async function poll(what, fn, timeoutMs = 45_000, everyMs = 250) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
}

/** Debian's headless Chromium with the flags above, and the page errors it reports. */
export async function launch(userDataDir, viewport) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  return { context, page, consoleErrors };
}

/** The failed loads a page is allowed by default: the session probe's 401 before logging in (or
 * after logging out), on /auth/refresh or /users/me. */
export function expectedProbe(url, status) {
  return status === 401 && /\/api\/v1\/(auth\/refresh|users\/me)$/.test(new URL(url).pathname);
}

/**
 * Record every failed load of `page`: an HTTP status >= 400 (500s included) and a request that
 * failed outright, except `expectedProbe` and what `allow(url, status)` accepts (both get the
 * absolute URL; `status` is 0 for a request that got no response). Requests the page aborted
 * itself (a navigation or refetch superseded by a newer one, net::ERR_ABORTED) are not failures.
 * `expect(status, pathRe)` allows more while a step that provokes them runs (e.g. a 403 page);
 * `check(consoleErrors)` throws when a load failed or the console logged an error other than
 * Chrome's own "Failed to load resource" line for a load already judged here.
 */
export function watchFailures(page, allow = () => false) {
  const failures = [];
  const extra = [];
  const allowed = (url, status) =>
    expectedProbe(url, status) ||
    allow(url, status) ||
    extra.some((e) => e.status === status && e.pathRe.test(new URL(url).pathname));
  page.on('response', (res) => {
    if (res.status() >= 400 && !allowed(res.url(), res.status()))
      failures.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED' && !allowed(req.url(), 0))
      failures.push(`${reason} ${req.method()} ${req.url()}`);
  });
  return {
    failures,
    /** Allow `status` on paths matching `pathRe` until the returned function is called. */
    expect(status, pathRe) {
      const entry = { status, pathRe };
      extra.push(entry);
      return () => {
        const at = extra.indexOf(entry);
        if (at >= 0) extra.splice(at, 1);
      };
    },
    check(consoleErrors) {
      const unexpected = consoleErrors.filter((e) => !/^Failed to load resource: /.test(e));
      if (unexpected.length || failures.length)
        throw new Error(
          `browser console errors: ${JSON.stringify(unexpected)}; ` +
            `failed loads: ${JSON.stringify(failures)}`,
        );
    },
  };
}

/** Full-page screenshots `<prefix>-<name>-<theme>.png` in the light and the dark theme (switched
 * with the navbar's theme button); the page is left in the dark theme. */
export function themeShots(page, artifacts, prefix, settleMs = 300) {
  return async (name) => {
    for (const theme of ['light', 'dark']) {
      const now = await page.evaluate(() => document.documentElement.dataset.bsTheme);
      if (now !== theme) {
        await page.getByRole('button', { name: /^(Dark theme|Light theme)$/ }).click();
        await page.waitForFunction((t) => document.documentElement.dataset.bsTheme === t, theme);
      }
      await page.waitForTimeout(settleMs);
      await page.screenshot({
        path: join(artifacts, `${prefix}-${name}-${theme}.png`),
        fullPage: true,
      });
    }
  };
}

/** On a failed spec: a full-page screenshot `<name>.png` and what the page logged and failed to
 * load (`loads` from watchFailures), then the caller rethrows. */
export async function reportFailure(page, artifacts, name, consoleErrors, loads) {
  await page
    .screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })
    .catch(() => undefined);
  console.error(
    'console errors:',
    consoleErrors,
    'failed loads:',
    loads.failures,
    'at',
    page.url(),
  );
}
