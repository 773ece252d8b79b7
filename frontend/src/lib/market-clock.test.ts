import { describe, expect, it } from 'vitest';

import { clockOfFeed } from './market-clock';

const feed = (connected: boolean, source = 'replay') => ({
  source,
  connected,
  replay_time: Date.UTC(2026, 0, 30, 0, 0),
  replay_speed: 60,
});
const READ_AT = Date.UTC(2026, 11, 6, 18, 0);

describe('clockOfFeed', () => {
  it('runs a connected replay replay_speed times faster from where it was read', () => {
    const clock = clockOfFeed(feed(true), READ_AT);
    expect(clock(READ_AT)).toBe(Date.UTC(2026, 0, 30, 0, 0));
    expect(clock(READ_AT + 60_000)).toBe(Date.UTC(2026, 0, 30, 1, 0));
    expect(clock(READ_AT - 60_000)).toBe(Date.UTC(2026, 0, 29, 23, 0));
  });

  it('is the wall clock live, before the replay is connected, and without a status', () => {
    for (const clock of [
      clockOfFeed(feed(true, 'binance'), READ_AT),
      clockOfFeed(feed(false), READ_AT),
      clockOfFeed(undefined, READ_AT),
    ])
      expect(clock(READ_AT + 5)).toBe(READ_AT + 5);
  });
});
