// Issue 13's users and audit pages against the real backend: an admin searches a user, opens
// their page and blocks them (confirmed in a dialog); that user's session, open in a second
// browser on the portfolio page, is signed out at once without touching anything (its /ws user
// stream gets the revocation frame, the refresh is refused, the login page shows). The audit
// page shows the block with the admin, the target and the request id of the click. axe-core on
// the users list, the user page and the audit page in light/dark × en/ru; screenshots of both
// themes. Selectors are roles and labels only.
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { auditPage, axeViolations } from './a11y.mjs';
import { launch, poll } from './browser.mjs';

const PASSWORD = 'Tidal-Copper-Orchard-58';

function step(name) {
  console.log(`e2e: ${name}`);
}

async function register(base, username) {
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `${username}@example.com`, username, password: PASSWORD }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text);
}

async function logIn(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/market$/);
}

async function shots(page, artifacts, name) {
  for (const theme of ['light', 'dark']) {
    const now = await page.evaluate(() => document.documentElement.dataset.bsTheme);
    if (now !== theme) {
      await page.getByRole('button', { name: /^(Dark theme|Light theme)$/ }).click();
      await page.waitForFunction((t) => document.documentElement.dataset.bsTheme === t, theme);
    }
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(artifacts, `admin-${name}-${theme}.png`), fullPage: true });
  }
}

export async function runAdmin({ base, artifacts, userDataDir, admin }) {
  const victimName = `blockme${Date.now() % 100000}`;
  const victim = await register(base, victimName);
  const a = await launch(join(userDataDir, 'admin'), { width: 1280, height: 900 });
  const v = await launch(join(userDataDir, 'victim'), { width: 1280, height: 900 });
  try {
    step('the user logs in and keeps the portfolio open (its /ws user stream authenticated)');
    const wsFrames = [];
    const apiCalls = []; // the user's API requests, in order (which one noticed the block?)
    v.page.on('request', (r) => {
      if (r.url().includes('/api/')) apiCalls.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    v.page.on('websocket', (ws) => {
      ws.on('framesent', (f) => wsFrames.push(['sent', String(f.payload)]));
      ws.on('framereceived', (f) => wsFrames.push(['received', String(f.payload)]));
    });
    await logIn(v.page, base, victimName, PASSWORD);
    await v.page.goto(`${base}/portfolio`);
    await v.page.getByRole('heading', { name: 'Portfolio' }).waitFor();
    await poll('the socket to subscribe the user stream', () =>
      wsFrames.some(([d, p]) => d === 'sent' && p.includes('"SUBSCRIBE"') && p.includes('"user"')),
    );

    step('the admin searches the user and opens their page');
    await logIn(a.page, base, admin.username, admin.password);
    await a.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await a.page.waitForURL(/\/admin\/users$/);
    await a.page.getByLabel('Search users').fill(victimName);
    await a.page.waitForURL(new RegExp(`q=${victimName}`));
    const link = a.page.getByRole('link', { name: victimName, exact: true });
    await poll(
      'the search to leave one user',
      async () => (await a.page.getByRole('rowheader').count()) === 1 && (await link.count()) === 1,
    );
    await auditPage(a.page, 'admin users (searched)');
    await link.click();
    await a.page.waitForURL(new RegExp(`/admin/users/${victim.id}$`));
    await a.page.getByRole('heading', { level: 1, name: new RegExp(victimName) }).waitFor();
    await a.page
      .getByRole('rowheader', { name: /^Logged in/ })
      .first()
      .waitFor(); // their login, from the audit log
    await auditPage(a.page, 'admin user page');
    await shots(a.page, artifacts, 'user');

    step('block, confirmed in the dialog');
    await a.page.getByRole('button', { name: 'Block', exact: true }).click();
    const dialog = a.page.getByRole('dialog', { name: `Block ${victimName}?` });
    await dialog.waitFor();
    // the modal covers the theme and language switches: axe once here (light, en); the page
    // behind it was audited in all four above, and the dialog in ru by Vitest
    await a.page.waitForFunction(() => {
      const modal = document.querySelector('.modal.show');
      return modal !== null && getComputedStyle(modal).opacity === '1';
    });
    await a.page.waitForTimeout(400); // Bootstrap's fade: judge the final colours
    assert.deepEqual(await axeViolations(a.page), [], 'axe on the open block dialog');
    const patched = a.page.waitForResponse(
      (r) =>
        r.url().endsWith(`/api/v1/admin/users/${victim.id}`) && r.request().method() === 'PATCH',
    );
    await dialog.getByRole('button', { name: 'Block', exact: true }).click();
    const callsBefore = apiCalls.length;
    const response = await patched;
    assert.equal(response.status(), 200);
    const requestId = (await response.allHeaders())['x-request-id'];
    await a.page.getByRole('button', { name: 'Unblock', exact: true }).waitFor();

    step("the user's open session ends by itself: revocation frame, then the login page");
    await v.page.waitForURL(/\/login/);
    await v.page.getByRole('heading', { name: 'Log in' }).waitFor();
    const revoked = wsFrames.find(
      ([d, p]) => d === 'received' && p.includes('"code":6') && p.includes('"id":null'),
    );
    assert.ok(revoked, `the user stream got the revocation frame: ${JSON.stringify(wsFrames)}`);
    console.log(`e2e:   revocation frame: ${revoked[1]}`);
    // the socket noticed, not a later request failing: the first call after the block is the
    // refresh the revocation frame triggered
    const after = apiCalls.slice(callsBefore);
    assert.equal(after[0], 'POST /api/v1/auth/refresh', `calls after the block: ${after}`);
    const me = await v.page.evaluate(async () => (await fetch('/api/v1/users/me')).status);
    assert.equal(me, 401);

    step('the audit page shows the block, by the admin, with the request id of the click');
    await a.page
      .getByRole('navigation', { name: 'Admin sections' })
      .getByRole('link', { name: 'Audit log' })
      .click();
    await a.page.waitForURL(/\/admin\/audit$/);
    await a.page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await a.page.getByLabel('Event').fill('user.blocked');
    await a.page.getByLabel('Target').fill(`user:${victim.id}`);
    await a.page.getByRole('button', { name: 'Apply' }).click();
    await a.page.waitForURL(/action=user\.blocked/);
    const rows = a.page.getByRole('table', { name: 'Audit entries' }).getByRole('row');
    await poll('one audit row', async () => (await rows.count()) === 2); // header + the block
    const row = await rows.nth(1).innerText();
    assert.match(row, /Blocked/);
    assert.match(row, new RegExp(admin.username));
    assert.match(row, new RegExp(`user #${victim.id}`));
    assert.ok(requestId && row.includes(requestId), `request id ${requestId} in: ${row}`);
    console.log(`e2e:   audit row: ${row.replace(/\s+/g, ' ')}`);
    await auditPage(a.page, 'admin audit page');
    await shots(a.page, artifacts, 'audit');

    for (const [who, errors] of [
      ['admin', a.consoleErrors],
      ['user', v.consoleErrors],
    ]) {
      const unexpected = errors.filter((e) => !/401|Failed to load resource/.test(e));
      assert.deepEqual(unexpected, [], `${who} browser console errors`);
    }
  } finally {
    await a.context.close();
    await v.context.close();
  }
}
