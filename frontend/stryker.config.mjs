// Stryker on the web app's order checks (`npm run mutate:web`, run by `make mutate`, never by
// `npm test`): every mutant of the pre-send checks must fail a unit test. Figures and the
// explained survivors: README "Reliability" > "Test strength".
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.mjs' },
  mutate: [
    'src/features/trading/lib/checks.ts',
    'src/features/trading/lib/filters.ts',
    'src/features/trading/lib/ticket.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // a shared 2-core build machine stalls a run for seconds: a generous timeout keeps "timed out"
  // for real endless loops instead of a busy machine
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'e2e-artifacts', 'reports'],
  thresholds: { high: 95, low: 90, break: 90 },
};
