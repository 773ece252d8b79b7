import { render } from '@testing-library/react';
import { Chart } from 'chart.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initI18n } from '@/i18n';
import { replayClock } from '@/lib/market-clock';
import type { MarketClock } from '@/lib/market-clock';

import { EquityChart } from './components/portfolio-charts';

// jsdom has no 2D canvas and no layout: a context whose drawing calls do nothing (text is 6 px
// a character) and a 600 x 240 box let Chart.js build its real scales, so the test reads the
// labels it would draw.
const restore: (() => void)[] = [];

beforeAll(() => {
  const state: Record<string | symbol, unknown> = {};
  const context = new Proxy(state, {
    get: (target, key) =>
      key in target
        ? target[key]
        : key === 'measureText'
          ? (text: string) => ({ width: text.length * 6 })
          : () => undefined,
    set: (target, key, value) => {
      target[key] = value;
      return true;
    },
  });
  const getContext = Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, 'getContext');
  Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', {
    configurable: true,
    value(this: HTMLCanvasElement) {
      state.canvas = this;
      return context;
    },
  });
  const globals = globalThis as Record<string, unknown>;
  const observer = globals.ResizeObserver;
  // Chart.js only registers itself with it; nothing resizes here
  const ignore = (): undefined => undefined;
  globals.ResizeObserver = class {
    observe = ignore;
    unobserve = ignore;
    disconnect = ignore;
  };

  const sizes = (['clientWidth', 'clientHeight'] as const).map((name) => {
    const old = Object.getOwnPropertyDescriptor(HTMLElement.prototype, name);
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get: () => (name === 'clientWidth' ? 600 : 240),
    });
    return () => {
      if (old) Object.defineProperty(HTMLElement.prototype, name, old);
    };
  });
  const rect = Object.getOwnPropertyDescriptor(Element.prototype, 'getBoundingClientRect');
  Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
    configurable: true,
    value: () => ({
      x: 0,
      y: 0,
      top: 0,
      left: 0,
      width: 600,
      height: 240,
      right: 600,
      bottom: 240,
    }),
  });
  sizes.push(() => {
    if (rect) Object.defineProperty(Element.prototype, 'getBoundingClientRect', rect);
  });
  restore.push(...sizes);
  restore.push(() => {
    if (getContext) Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', getContext);
    globals.ResizeObserver = observer;
  });
});

afterAll(() => {
  for (const undo of restore) undo();
});

function axisLabels(
  points: { at: string; equity: string }[],
  lang: 'en' | 'ru' = 'en',
  clock?: MarketClock,
) {
  initI18n(lang);
  const { container } = render(<EquityChart points={points} asset="USDT" clock={clock} />);
  const canvas = container.querySelector('canvas');
  const chart = canvas ? Chart.getChart(canvas) : undefined;
  const x = chart?.scales.x;
  if (!chart || !x) throw new Error('no chart');
  const tooltipTitle = chart.options.plugins?.tooltip?.callbacks?.title;
  expect(chart.width).toBe(600);
  return { labels: x.ticks.map((t) => String(t.label)), chart, tooltipTitle };
}

const at = (ms: number) => new Date(ms).toISOString();
const T0 = Date.UTC(2026, 2, 3, 16, 19, 55, 763);

describe('equity curve time axis', () => {
  it('labels points seconds apart with market-time minutes, no seconds or milliseconds', () => {
    // a new account: its first snapshot and the live point, seconds apart
    const { labels, chart, tooltipTitle } = axisLabels([
      { at: at(T0), equity: '10000' },
      { at: at(T0 + 4_000), equity: '10000.5' },
    ]);
    expect(labels).toEqual(['16:19', '16:20']);
    // the tooltip names the point's full market time
    const item = { parsed: { x: T0, y: 10000 } };
    expect(tooltipTitle?.call(chart.tooltip as never, [item] as never)).toBe(
      'Mar 3, 2026, 16:19 UTC',
    );
  });

  it('labels days across days, in the page language', () => {
    const points = [0, 1, 2, 3].map((d) => ({ at: at(T0 + d * 86_400_000), equity: '10000' }));
    expect(axisLabels(points, 'en').labels).toContain('Mar 4');
    expect(axisLabels(points, 'ru').labels).toContain('4 мар.');
  });

  it('places wall-clock snapshots on the replay clock', () => {
    // the replay read 2026-01-30 00:36 UTC at wall time T0 and runs 60 times faster
    const clock = replayClock(Date.UTC(2026, 0, 30, 0, 36), 60, T0);
    const { labels, chart, tooltipTitle } = axisLabels(
      [
        { at: at(T0), equity: '10000' },
        { at: at(T0 + 60_000), equity: '10000.5' }, // one wall minute: one market hour
      ],
      'en',
      clock,
    );
    expect(labels[0]).toBe('00:36');
    expect(labels).toContain('01:00');
    expect(labels[labels.length - 1]).toBe('01:36');
    const item = { parsed: { x: clock(T0 + 60_000), y: 10000.5 } };
    expect(tooltipTitle?.call(chart.tooltip as never, [item] as never)).toBe(
      'Jan 30, 2026, 01:36 UTC',
    );
  });
});
