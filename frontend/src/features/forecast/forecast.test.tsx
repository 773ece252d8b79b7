import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { setBaseUrl } from '@/lib/base-url';
import { WsClient } from '@/lib/ws-client';
import type { SocketLike } from '@/lib/ws-client';
import { FakeApiServer } from '@/testing/fake-api-server';
import { renderRoutes } from '@/testing/render';
import { TestWsServer } from '@/testing/ws-server';

import type { Job, Metrics, MetricsBlock, ModelInfo } from './api/types';
import { ForecastView } from './components/forecast-view';

/** Issue 11, forecast page: train with live progress, the verdict, the table, an evaluation. */

const T0 = Date.UTC(2026, 1, 1);
const HOUR = 3_600_000;

const metrics = (mase: number, p: number | null): Metrics => ({
  n: 200,
  mae: 0.0041 * mase,
  rmse: 0.0057 * mase,
  mase,
  directional_accuracy: 0.51,
  directional_ci95: [0.44, 0.58],
  directional_n: 198,
  zero_actuals: 2,
  dm_stat: p === null ? null : -0.4,
  dm_p_value: p,
  coverage80: p === null ? null : 0.79,
  coverage95: p === null ? null : 0.94,
});

const block = (verdict: MetricsBlock['verdict'], mase: number, p: number): MetricsBlock => ({
  n: 200,
  model: metrics(mase, p),
  baselines: {
    persistence: metrics(1, null),
    drift: metrics(1.002, 0.6),
    seasonal_naive: metrics(1.41, 0.0001),
  },
  verdict,
  verdict_text: verdict,
});

const MODEL: ModelInfo = {
  model_id: 'btcusdt-1h-20260201-abc',
  symbol: 'BTCUSDT',
  interval: '1h',
  created_at: '2026-02-01T00:00:00Z',
  data_start: T0 - 1000 * HOUR,
  data_end: T0,
  hyperparameters: { epochs: 3 },
  training: { epochs_run: 3, best_epoch: 2, seconds: 4, seconds_per_epoch: 1.3, device: 'cpu' },
  metrics: block('no_better', 0.998, 0.41),
  torch_version: '2.13.0',
  weights_sha256: 'f'.repeat(64),
  card: {},
};

const job = (id: string, patch: Partial<Job>): Job => ({
  job_id: id,
  kind: 'train',
  state: 'queued',
  error: null,
  params: {},
  progress: null,
  model_id: null,
  model: null,
  evaluation: null,
  forecast: null,
  created_at: '2026-02-01T00:00:00Z',
  updated_at: '2026-02-01T00:00:00Z',
  ...patch,
});

const FORECAST = {
  model_id: MODEL.model_id,
  symbol: 'BTCUSDT',
  interval: '1h',
  horizon: 24,
  from_open_time: T0,
  from_close: 100000,
  points: Array.from({ length: 24 }, (_, i) => ({
    step: i + 1,
    open_time: T0 + (i + 1) * HOUR,
    log_return: 0,
    price: 100000,
    lower80: 100000 - 300 * (i + 1),
    upper80: 100000 + 300 * (i + 1),
    lower95: 100000 - 500 * (i + 1),
    upper95: 100000 + 500 * (i + 1),
  })),
  metrics: MODEL.metrics,
  verdict: 'no_better',
  verdict_text: 'no better than the naive forecast',
};

let api: FakeApiServer;
let ws: TestWsServer;
let client: WsClient;
let models: ModelInfo[];
let jobs: Map<string, Job>;

beforeAll(async () => {
  api = await FakeApiServer.start();
  setBaseUrl(api.url);
  api.respondWith('GET', '/api/v1/forecast/models', () => ({ status: 200, body: models }));
  api.respond('GET', '/api/v1/market/klines', {
    status: 200,
    body: {
      symbol: 'BTCUSDT',
      interval: '1h',
      klines: [0, 1, 2].map((i) => ({
        open_time: T0 - (2 - i) * HOUR,
        close_time: T0 - (2 - i) * HOUR + HOUR - 1,
        open: '99000',
        high: '101000',
        low: '98000',
        close: '100000',
        volume: '1',
        quote_volume: '100000',
        trades: 1,
        closed: true,
      })),
    },
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(async () => {
  api.calls.length = 0;
  models = [];
  jobs = new Map();
  for (const id of ['a1', 'e1'])
    api.respondWith('GET', `/api/v1/forecast/jobs/${id}`, () => ({
      status: 200,
      body: jobs.get(id),
    }));
  ws = await TestWsServer.start();
  client = new WsClient({
    url: ws.url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    baseDelayMs: 20,
    maxDelayMs: 40,
  });
});

afterEach(async () => {
  client.stop();
  await ws.close().catch(() => undefined);
});

function renderPage(query = '') {
  return renderRoutes({
    routes: [
      {
        path: '/forecast',
        element: <ForecastView symbols={['BTCUSDT', 'ETHUSDT']} intervals={['1h', '1d']} />,
      },
    ],
    initialPath: `/forecast?symbol=BTCUSDT&interval=1h${query}`,
    wsClient: client,
  });
}

const bodyOf = (path: string) =>
  JSON.parse(api.calls.filter((c) => c.path === path).at(-1)!.body) as Record<string, unknown>;

describe('forecast page', () => {
  it('trains with a live progress bar, then shows the verdict and the table', async () => {
    const user = userEvent.setup();
    api.respond('POST', '/api/v1/forecast/train', {
      status: 202,
      body: { job_id: 'a1', state: 'queued' },
    });
    jobs.set('a1', job('a1', { state: 'running' }));
    renderPage();
    expect(await screen.findByText('No model for BTCUSDT 1h yet: train one above.')).toBeVisible();

    const epochs = screen.getByRole('spinbutton', { name: 'Epochs (most)' });
    await user.clear(epochs);
    await user.type(epochs, '3');
    await user.click(screen.getByRole('button', { name: 'Train' }));
    await waitFor(() =>
      expect(bodyOf('/api/v1/forecast/train')).toEqual({
        symbol: 'BTCUSDT',
        interval: '1h',
        epochs: 3,
        lookback: 48,
        hidden: 32,
        layers: 1,
        seed: 42,
      }),
    );
    const bar = await screen.findByRole('progressbar', { name: 'Running' });
    expect(bar).toHaveAttribute('aria-valuenow', '0');

    // a progress frame on the private user stream moves the bar before the next poll
    await ws.waitFor(() => ws.subscriptions().includes('user'));
    ws.push('user', {
      e: 'forecastProgress',
      job_id: 'a1',
      kind: 'train',
      state: 'running',
      epoch: 2,
      epochs: 3,
      train_loss: 0.5,
      val_loss: 0.61,
      best_epoch: 2,
      elapsed_s: 2,
      eta_s: 1.2,
    });
    await waitFor(() => expect(bar).toHaveAttribute('aria-valuenow', '67'));
    expect(screen.getByText(/Epoch 2 of 3 · train loss 0.5 · validation loss 0.61/)).toBeVisible();

    // done: the model exists, the forecast is computed (202 once), the verdict is shown
    jobs.set('a1', job('a1', { state: 'succeeded', model_id: MODEL.model_id, model: MODEL }));
    models = [MODEL];
    api.failNext('GET', '/api/v1/forecast', {
      status: 202,
      body: { job_id: 'f1', state: 'queued' },
    });
    api.respond('GET', '/api/v1/forecast', { status: 200, body: FORECAST });
    ws.push('user', { e: 'forecastProgress', job_id: 'a1', kind: 'train', state: 'succeeded' });

    const verdict = await screen.findByText(
      'The model is no better than the naive forecast.',
      {},
      { timeout: 5000 },
    );
    expect(verdict.closest('[data-verdict]')).toHaveAttribute('data-verdict', 'no_better');
    const table = screen.getByRole('table', { name: /Test tail \(200 candles/ });
    const persistence = within(table).getByRole('row', { name: /Persistence/ });
    expect(within(persistence).getAllByRole('cell')[3]).toHaveTextContent('1.000');
    const model = within(table).getByRole('row', { name: /LSTM model/ });
    expect(model).toHaveTextContent('51.0% [44.0%–58.0%]');
    expect(model).toHaveTextContent('-0.40 (p 0.4100)');
    expect(screen.getByTestId('fan-summary')).toHaveTextContent(
      '80% interval 92,800–107,200, 95% interval 88,000–112,000',
    );
    expect(screen.getByRole('progressbar', { name: 'Finished' })).toHaveAttribute(
      'aria-valuenow',
      '100',
    );
  });

  it('evaluates a model over a chosen period and shows its verdict', async () => {
    const user = userEvent.setup();
    models = [MODEL];
    api.respond('GET', '/api/v1/forecast', { status: 200, body: FORECAST });
    api.respond('POST', '/api/v1/forecast/evaluations', {
      status: 202,
      body: { job_id: 'e1', state: 'queued' },
    });
    jobs.set(
      'e1',
      job('e1', {
        kind: 'evaluate',
        state: 'succeeded',
        evaluation: {
          model_id: MODEL.model_id,
          symbol: 'BTCUSDT',
          interval: '1h',
          start: T0,
          end: T0 + 500 * HOUR,
          points: [],
          metrics: { ...block('worse', 1.2, 0.001), n: 480 },
        },
      }),
    );
    renderPage();
    const start = await screen.findByLabelText('From');
    await user.type(start, '2026-02-01');
    await user.type(screen.getByLabelText('To'), '2026-02-21');
    await user.click(screen.getByRole('button', { name: 'Evaluate' }));
    await waitFor(() =>
      expect(bodyOf('/api/v1/forecast/evaluations')).toEqual({
        model_id: MODEL.model_id,
        start: '2026-02-01T00:00:00Z',
        end: '2026-02-21T00:00:00Z',
      }),
    );
    expect(await screen.findByText('The model is worse than the naive forecast.')).toBeVisible();
    expect(screen.getByRole('table', { name: /Evaluation \(480 candles\)/ })).toBeVisible();
  });

  it("a link to another analyst's training says it is not yours (404 unknown_job)", async () => {
    api.respond('GET', '/api/v1/forecast/jobs/b0b', {
      status: 404,
      body: {
        error: { code: 'unknown_job', message: 'unknown forecast job b0b', details: null },
      },
    });
    renderPage('&job=b0b');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'You have no such job: a training or an evaluation is seen only by the analyst who started it.',
    );
    expect(api.calls.filter((c) => c.path === '/api/v1/forecast/jobs/b0b')).toHaveLength(1);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('button', { name: 'Train' })).toBeEnabled();
  });

  it('says why the forecast could not be computed (409), instead of waiting forever', async () => {
    models = [MODEL];
    api.respond('GET', '/api/v1/forecast', {
      status: 409,
      body: {
        error: {
          code: 'forecast_failed',
          message: 'not enough history: 30 stored BTCUSDT 1h candles up to the origin',
          details: null,
        },
      },
    });
    renderPage();
    expect(await screen.findByRole('alert')).toHaveTextContent('not enough history');
    expect(screen.queryByText('The forecast is being computed…')).toBeNull();
  });
});
