/**
 * Wall-clock moments (such as the equity snapshots' `at`) placed on the market's clock. Live,
 * the two are the same. Under replay the market clock runs `replay_speed` times faster than the
 * wall clock, and `GET /market/status` says where it stood (`replay_time`) when it was read, so
 * a moment maps to `replay_time + (moment - read_at) × speed`. Exact for the current replay run;
 * moments from an earlier run (before a restart) land where this run's clock would have been.
 */
export type MarketClock = (wallMs: number) => number;

export const wallClock: MarketClock = (wallMs) => wallMs;

export function replayClock(
  replayTimeMs: number,
  speed: number,
  readAtWallMs: number,
): MarketClock {
  return (wallMs) => replayTimeMs + (wallMs - readAtWallMs) * speed;
}

/**
 * The clock for a feed status read at `readAtWallMs`. A replay that is not connected yet has no
 * clock of its own (its `replay_time` then reads the wall clock): the wall clock stands in.
 */
export function clockOfFeed(
  feed:
    | {
        readonly source: string | null;
        readonly connected: boolean;
        readonly replay_time: number | null;
        readonly replay_speed: number | null;
      }
    | undefined,
  readAtWallMs: number,
): MarketClock {
  if (
    feed?.source !== 'replay' ||
    !feed.connected ||
    feed.replay_time === null ||
    !feed.replay_speed
  )
    return wallClock;
  return replayClock(feed.replay_time, feed.replay_speed, readAtWallMs);
}
