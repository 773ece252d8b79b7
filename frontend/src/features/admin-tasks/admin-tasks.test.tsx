import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { setBaseUrl } from '@/lib/base-url';
import { axeViolations } from '@/testing/axe';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import type { Task, TaskRun } from './api/tasks';
import { AdminTasksView } from './components/tasks-view';

const FINISHED: TaskRun = {
  id: 3,
  task: 'auth.prune',
  trigger: 'cron',
  triggered_by: null,
  job_id: 'cron:auth.prune:1765000620',
  request_id: null,
  attempt: 1,
  outcome: 'failed',
  created_at: '2026-12-06T05:17:00Z',
  started_at: '2026-12-06T05:17:00Z',
  finished_at: '2026-12-06T05:17:01Z',
  summary: null,
  error: "ValueError('disk on fire')",
};

const TASKS: Task[] = [
  {
    name: 'auth.prune',
    description: 'Deletes old login failures.',
    schedule: {
      cron: '17 * * * *',
      seconds: [0],
      minutes: [17],
      hours: null,
      words: 'every hour at minute 17',
    },
    next_run_at: '2026-12-06T21:17:00Z',
    running: false,
    last_runs: [
      FINISHED,
      { ...FINISHED, id: 2, outcome: 'succeeded', error: null, summary: '{"tokens": 1}' },
      { ...FINISHED, id: 1, outcome: 'skipped', error: 'skipped: the task was already running' },
    ],
  },
  {
    name: 'maintenance.cleanup',
    description: 'Deletes what passed its retention.',
    schedule: {
      cron: '10 3 * * *',
      seconds: [0],
      minutes: [10],
      hours: [3],
      words: 'daily at 03:10 UTC',
    },
    next_run_at: '2026-12-07T03:10:00Z',
    running: false,
    last_runs: [],
  },
];

/** The manual run as the API reports it: queued, then running, then done. */
const PROGRESS: TaskRun['outcome'][] = ['queued', 'running', 'succeeded'];

function manualRun(step: number): TaskRun {
  const outcome = PROGRESS[Math.min(step, PROGRESS.length - 1)] ?? 'succeeded';
  const done = outcome === 'succeeded';
  return {
    ...FINISHED,
    id: 9,
    task: 'maintenance.cleanup',
    trigger: 'manual',
    triggered_by: 1,
    job_id: 'task-run:9',
    request_id: 'req-web-1',
    outcome,
    started_at: step > 0 ? '2026-12-06T20:00:00Z' : null,
    finished_at: done ? '2026-12-06T20:00:02.5Z' : null,
    summary: done ? '{"candles_1m": 12, "notifications": 3}' : null,
    error: null,
  };
}

let api: FakeApiServer;
let step = 0;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respondWith('GET', '/api/v1/admin/tasks', () => ({ status: 200, body: { items: TASKS } }));
  api.respondWith('POST', '/api/v1/admin/tasks/maintenance.cleanup/run', () => ({
    status: 202,
    body: { run_id: 9 },
  }));
  api.respondWith('GET', '/api/v1/admin/tasks/runs/9', () => ({
    status: 200,
    body: manualRun(step++),
  }));
  api.respondWith('GET', '/api/v1/admin/tasks/runs/3', () => ({ status: 200, body: FINISHED }));
  api.respondWith('POST', '/api/v1/admin/tasks/auth.prune/run', () => ({
    status: 409,
    body: { error: { code: 'task_running', message: 'This task is running now', details: null } },
  }));
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
  step = 0;
});

function renderPage(lang: 'en' | 'ru' = 'en', initialPath = '/admin/tasks') {
  return renderRoutes({
    lang,
    initialPath,
    routes: [{ path: '/admin/tasks', element: <AdminTasksView /> }],
  });
}

describe('AdminTasksView', () => {
  it('lists each task with its schedule in words, next run and last outcome', async () => {
    renderPage();
    const row = (await screen.findByText('auth.prune', { selector: 'code' })).closest('tr');
    expect(row).not.toBeNull();
    const cells = within(row as HTMLElement);
    expect(cells.getByText('Hourly at :17')).toBeInTheDocument();
    expect(cells.getByText('Failed')).toHaveAttribute('data-outcome', 'failed');
    expect(cells.getByText(/Deletes old login failures, ended lockouts/)).toBeInTheDocument();
    const cleanup = within(
      screen.getByText('maintenance.cleanup', { selector: 'code' }).closest('tr') as HTMLElement,
    );
    expect(cleanup.getByText('Daily at 03:10 UTC')).toBeInTheDocument();
    expect(cleanup.getByText('Not run yet')).toBeInTheDocument();
    // the earlier runs, newest first, each opening its detail
    const earlier = within(cells.getByTestId('earlier-runs')).getAllByRole('button');
    expect(earlier.map((b) => b.textContent)).toEqual([
      'Succeeded run #2 details',
      'Skipped run #1 details',
    ]);
  });

  it('runs a task now and follows its run until it has finished', async () => {
    const { router } = renderPage();
    await userEvent.click(
      await screen.findByRole('button', { name: 'Run now maintenance.cleanup' }),
    );
    expect(
      api.calls.some((c) => c.method === 'POST' && c.path.endsWith('/maintenance.cleanup/run')),
    ).toBe(true);
    const detail = await screen.findByRole('region', { name: 'Run #9' });
    expect(router.state.location.search).toBe('?run=9');
    await waitFor(() => expect(within(detail).getByText('Succeeded')).toBeInTheDocument(), {
      timeout: 8000,
    });
    expect(api.callsTo('/api/v1/admin/tasks/runs/9')).toBeGreaterThanOrEqual(3); // polled
    expect(within(detail).getByText('req-web-1')).toBeInTheDocument();
    expect(within(detail).getByText('Run by an admin · user #1')).toBeInTheDocument();
    expect(within(detail).getByTestId('run-summary')).toHaveTextContent('"candles_1m": 12');
    expect(within(detail).getByText('2.50 s')).toBeInTheDocument();
    const polls = api.callsTo('/api/v1/admin/tasks/runs/9');
    await new Promise((r) => setTimeout(r, 1500));
    expect(api.callsTo('/api/v1/admin/tasks/runs/9')).toBe(polls); // stopped once done
  }, 15_000);

  it("shows a finished run's error, and a refused run's reason", async () => {
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: /run #3 details/ }));
    const detail = await screen.findByRole('region', { name: 'Run #3' });
    expect(await within(detail).findByText("ValueError('disk on fire')")).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Run now auth.prune' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This task is running now');
  });

  it.each(['en', 'ru'] as const)('has no axe violations with a run open (%s)', async (lang) => {
    const { container } = renderPage(lang, '/admin/tasks?run=3');
    await screen.findByText('auth.prune', { selector: 'code' });
    await screen.findByText("ValueError('disk on fire')");
    if (lang === 'ru') expect(screen.getByText('Каждый час в :17')).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });
});
