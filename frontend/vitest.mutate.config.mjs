// Vitest for `npm run mutate:web` (Stryker): the app's own config, narrowed to the unit tests of
// the order checks (pure functions: plain Node, no jsdom, no React setup) so each mutant runs in
// milliseconds, not under every component test. Spread, not mergeConfig: that would append to
// `include` rather than replace it.
import base from './vite.config.ts';

export default {
  ...base,
  test: {
    ...base.test,
    environment: 'node',
    setupFiles: [],
    include: ['src/features/trading/lib/*.test.ts'],
  },
};
