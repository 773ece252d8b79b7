import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { setBaseUrl } from '@/lib/base-url';
import { axeViolations } from '@/testing/axe';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';

import type { LogLine, MetricsSummary, Point, SystemHealth } from './api/system';
import { DashboardView } from './components/dashboard-view';
import { HealthView } from './components/health-view';
import { LogsView } from './components/logs-view';

const HOUR = 3_600_000;
const START = Date.parse('2026-12-06T00:00:00Z');
const series = (n: number, step: number, value: (i: number) => number | null): Point[] =>
  Array.from({ length: n }, (_, i) => ({
    at: new Date(START + i * step).toISOString(),
    value: value(i),
  }));
const hourly = (last: number) => ({
  last_hour: last,
  last_24h: last + 4,
  per_hour: series(24, HOUR, (i) => (i === 23 ? last : i === 10 ? 4 : 0)),
});

const SUMMARY: MetricsSummary = {
  generated_at: '2026-12-07T00:00:00Z',
  bucket_s: 900,
  users: 1234,
  active_sessions: 17,
  ws_connections: 0,
  ws_series: series(96, HOUR / 4, () => 0),
  orders: hourly(3),
  fills: hourly(2),
  fill_volume_24h: { BTCUSDT: '120.75' },
  alerts_fired: hourly(1),
  notifications: { pending: 2, failed: 1, by_channel: { email: { pending: 2 } } },
  jobs: { queue_depth: 0, failures_24h: null, failures_per_hour: [] },
  feed_lag_ms: { BTCUSDT: 850, ETHUSDT: null },
  feed_lag_series: [],
  api: {
    request_rate: 1.5,
    p50_ms: 4.2,
    p99_ms: 48,
    rate_series: series(96, HOUR / 4, (i) => (i > 90 ? 1.5 : null)),
    p50_series: series(96, HOUR / 4, (i) => (i > 90 ? 4 : null)),
    p99_series: series(96, HOUR / 4, (i) => (i > 90 ? 40 : null)),
  },
  processes: [
    {
      process: 'api',
      instance: 'host:41',
      last_seen: '2026-12-06T23:59:30Z',
      cpu_percent: 3.5,
      rss_bytes: 150 * 1024 * 1024,
      db_pool_in_use: 1,
      cpu_series: series(96, HOUR / 4, () => 3),
      rss_series: series(96, HOUR / 4, () => 150 * 1024 * 1024),
    },
  ],
  database_bytes: 5 * 1024 * 1024,
};

const HEALTH: SystemHealth = {
  status: 'red',
  checked_at: '2026-12-07T00:00:00Z',
  components: [
    { name: 'database', status: 'green', reason: 'ok', message: 'answered in 1 ms', details: {} },
    {
      name: 'redis',
      status: 'red',
      reason: 'unreachable',
      message: 'ConnectionError',
      details: {},
    },
    { name: 'feed:BTCUSDT', status: 'amber', reason: 'stale', message: 'last 40 s', details: {} },
    { name: 'lease:jobs.scheduler', status: 'green', reason: 'held', message: 'h:1', details: {} },
  ],
};

const line = (over: Partial<LogLine>): LogLine => ({
  source: 'api',
  time: '2026-12-06T12:00:00Z',
  level: 'INFO',
  message: 'http.access',
  process: 'api',
  request_id: null,
  fields: {},
  exception: null,
  ...over,
});

let api: FakeApiServer;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respond('GET', '/api/v1/admin/metrics/summary', { status: 200, body: SUMMARY });
  api.respond('GET', '/api/v1/admin/health', { status: 200, body: HEALTH });
  api.respondWith('GET', '/api/v1/admin/logs', (query) => {
    const rid = query.get('request_id');
    const lines = [
      line({ request_id: 'req-1', fields: { path: '/api/v1/orders' } }),
      line({ source: 'worker', process: 'worker', message: 'job.started', request_id: 'req-1' }),
      line({ message: 'other', request_id: 'req-2', level: 'ERROR' }),
    ].filter((l) => !rid || l.request_id === rid);
    return { status: 200, body: { lines, sources: ['api', 'worker'], log_to_file: true } };
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
});

const render = (element: React.ReactNode, lang: 'en' | 'ru' = 'en') =>
  renderRoutes({ lang, initialPath: '/p', routes: [{ path: '/p', element }] });

describe('system dashboard', () => {
  it('shows the figures, the charts and says when a series is empty', async () => {
    render(<DashboardView />);
    const users = await screen.findByRole('region', { name: 'Users' });
    expect(within(users).getByText('1,234')).toBeInTheDocument();
    const orders = screen.getByRole('region', { name: 'Orders this hour' });
    expect(within(orders).getByText('3')).toBeInTheDocument();
    expect(within(orders).getByText('7 in 24 h')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Database size' })).toHaveTextContent('5 MiB');
    expect(screen.getByRole('region', { name: 'Job failures (24 h)' })).toHaveTextContent('—');
    const [ws, wsChart] = screen.getAllByRole('region', { name: '/ws connections' });
    expect(within(ws!).getByText('0')).toBeInTheDocument();
    expect(wsChart).toHaveTextContent('No data yet');
    expect(screen.getByRole('img', { name: /API latency \(p50, p99\)/ })).toBeInTheDocument();
    expect(screen.getByRole('rowheader', { name: /api host:41/ })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'no ticker yet' })).toBeInTheDocument();
  });

  it.each(['en', 'ru'] as const)('has no axe violations (%s)', async (lang) => {
    render(<DashboardView />, lang);
    await screen.findByRole('heading', { level: 1 });
    await screen.findAllByTestId('figure');
    expect(await axeViolations(document.body)).toEqual([]);
  });
});

describe('health page', () => {
  it('lists each component with its state in words and the reason', async () => {
    render(<HealthView />);
    const redis = (await screen.findByRole('rowheader', { name: 'Redis' })).closest('tr');
    expect(redis).not.toBeNull();
    expect(within(redis as HTMLElement).getByText('Failing')).toBeInTheDocument();
    expect(within(redis as HTMLElement).getByText('Unreachable')).toBeInTheDocument();
    expect(screen.getByRole('rowheader', { name: 'Market feed BTCUSDT' })).toBeInTheDocument();
    expect(screen.getByRole('rowheader', { name: 'Singleton lease jobs.scheduler' })).toBeVisible();
  });

  it.each(['en', 'ru'] as const)('has no axe violations (%s)', async (lang) => {
    render(<HealthView />, lang);
    await screen.findAllByRole('rowheader');
    if (lang === 'ru') expect(screen.getAllByText('Сбой').length).toBeGreaterThan(0);
    expect(await axeViolations(document.body)).toEqual([]);
  });
});

describe('logs page', () => {
  it('filters on submit and follows a request id across the api and worker logs', async () => {
    render(<LogsView />);
    expect(await screen.findByText('job.started')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Level'), 'ERROR');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() =>
      expect(api.calls.some((c) => new URLSearchParams(c.query).get('level') === 'ERROR')).toBe(
        true,
      ),
    );
    await userEvent.selectOptions(screen.getByLabelText('Level'), '');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    const follow = await screen.findAllByRole('button', { name: /Follow request req-1/ });
    await userEvent.click(follow[0]!);
    await waitFor(() => expect(screen.queryByText('other')).not.toBeInTheDocument());
    const last = new URLSearchParams(api.calls[api.calls.length - 1]?.query);
    expect(last.get('request_id')).toBe('req-1');
    expect(last.getAll('source')).toEqual([]); // api and worker both
    expect(screen.getByLabelText('Request ID')).toHaveValue('req-1');
    expect(screen.getByText('2 lines')).toBeInTheDocument();
  });

  it.each(['en', 'ru'] as const)('has no axe violations (%s)', async (lang) => {
    render(<LogsView />, lang);
    await screen.findAllByRole('row');
    expect(await axeViolations(document.body)).toEqual([]);
  });
});
