// Issue 13's tasks page against the real backend: the admin logs in, opens Admin → Tasks, runs
// the cleanup task now and watches its run go from queued/running to succeeded, with its output
// and the request id of the click that queued it. axe-core on the page with the run open in
// light/dark × en/ru; screenshots of both themes. Selectors are roles and labels only.
import assert from 'node:assert/strict';

import { auditPage } from './a11y.mjs';
import { launch, poll, themeShots } from './browser.mjs';

function step(name) {
  console.log(`e2e: ${name}`);
}

export async function runAdminTasks({ base, artifacts, userDataDir, admin }) {
  const { context, page, consoleErrors } = await launch(userDataDir, { width: 1280, height: 900 });
  const shot = themeShots(page, artifacts, 'admin-tasks');
  try {
    step('the admin logs in and opens Admin → Tasks');
    await page.goto(`${base}/login`);
    await page.getByLabel('Username or email').fill(admin.username);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/market$/);
    await page.goto(`${base}/admin/users`);
    await page
      .getByRole('navigation', { name: 'Admin sections' })
      .getByRole('link', { name: 'Tasks' })
      .click();
    await page.waitForURL(/\/admin\/tasks$/);
    await page.getByRole('heading', { name: 'Scheduled tasks' }).waitFor();
    const row = page.getByRole('row', { name: /maintenance\.cleanup/ });
    await row.waitFor();
    assert.match(await row.innerText(), /Daily at 03:10 UTC/);

    step('run the cleanup now and watch the run finish');
    const posted = page.waitForResponse(
      (r) =>
        r.url().endsWith('/api/v1/admin/tasks/maintenance.cleanup/run') &&
        r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Run now maintenance.cleanup' }).click();
    const response = await posted;
    assert.equal(response.status(), 202);
    const { run_id: runId } = await response.json();
    const sentRequestId = (await response.allHeaders())['x-request-id'];
    const detail = page.getByRole('region', { name: `Run #${runId}` });
    await detail.waitFor();
    const outcome = await poll(
      'the run to finish',
      async () => {
        const text = await detail.getByRole('status').innerText();
        return /Succeeded|Failed|Skipped/.test(text) ? text : null;
      },
      60_000,
    );
    assert.match(outcome, /Succeeded/);
    const body = await detail.innerText();
    assert.match(body, /Run by an admin/);
    assert.match(body, /"candles_1m": \d+/);
    assert.ok(sentRequestId && body.includes(sentRequestId), `request id ${sentRequestId} shown`);
    console.log(`e2e:   run #${runId} succeeded, request id ${sentRequestId}`);
    // the list shows the run as the task's last one
    await poll('the list to show the run', async () =>
      /Succeeded/.test(await row.innerText()) ? true : null,
    );

    step('run it again: the cleanup is idempotent, and the first run is listed as an earlier one');
    const again = page.waitForResponse(
      (r) =>
        r.url().endsWith('/api/v1/admin/tasks/maintenance.cleanup/run') &&
        r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Run now maintenance.cleanup' }).click();
    const { run_id: secondId } = await (await again).json();
    const second = page.getByRole('region', { name: `Run #${secondId}` });
    await poll(
      'the second run to finish',
      async () => (/Succeeded/.test(await second.getByRole('status').innerText()) ? true : null),
      60_000,
    );
    const summary = await second.getByText(/"candles_1m"/).innerText();
    const counts = Object.values(JSON.parse(summary));
    assert.ok(
      counts.every((n) => n === 0),
      `a second cleanup deleted nothing: ${summary}`,
    );
    await row.getByRole('button', { name: `Succeeded run #${runId} details` }).waitFor();
    await shot('run');
    await auditPage(page, 'admin tasks with a run open');
    const unexpected = consoleErrors.filter((e) => !/401|Failed to load/.test(e));
    assert.deepEqual(unexpected, [], 'browser console errors');
  } finally {
    await context.close();
  }
}
