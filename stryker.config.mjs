// StrykerJS configuration for `npm run mutation` (scripts/mutation.ts installs Stryker 10, its
// vitest runner and Node 22 on demand into .cache/mutation and sets the variables read here).
// Vitest runner with per-test coverage: each mutant is checked by only the tests that reach it, of
// mutation/vitest.config.ts: conform's checks on the cpu backend against the golden fixtures (no
// Python; one test per invariant, per spec's error inputs and per spec's cross-check) and the
// suite's files that need neither the oracle nor a browser. One directory of the library layer per run (GANREF_MUTATE), with the specs that
// exercise it (GANREF_MUTATION_SPECS, read by the test file).
const mutate = (process.env.GANREF_MUTATE ?? 'src/objectives/**/*.ts').split(',');
const name = process.env.GANREF_MUTATION_NAME ?? 'objectives';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'mutation/vitest.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate,
  concurrency: Number(process.env.GANREF_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 60_000,
  timeoutFactor: 3,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  // A re-run re-tests only the mutants whose code or covering tests changed since the last one.
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  tempDirName: '.cache/stryker-tmp',
  ignorePatterns: ['dist', 'reports', 'tmp', '.cache', 'docs', '/oracle', '/examples', '**/__pycache__'],
  cleanTempDir: 'always',
};
