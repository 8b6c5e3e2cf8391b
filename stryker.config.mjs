// StrykerJS configuration for `npm run mutation` (scripts/mutation.ts installs Stryker 10 and
// Node 22 on demand into .cache/mutation and sets the variables read here). Command runner: each
// mutant is checked by `ganref conform` on the cpu backend against the golden fixtures (no
// Python), run from the sources with tsx, so no rebuild per mutant. One directory of the library
// layer per run (GANREF_MUTATE), with the specs that exercise it (GANREF_MUTATION_SPECS).
const mutate = (process.env.GANREF_MUTATE ?? 'src/objectives/**/*.ts').split(',');
const specs = (process.env.GANREF_MUTATION_SPECS ?? 'objective/*').split(',');
const runs = process.env.GANREF_MUTATION_RUNS ?? '20';
const name = process.env.GANREF_MUTATION_NAME ?? 'objectives';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  commandRunner: {
    command: [
      'node --conditions=ganref-source --import tsx src/cli.ts conform --backend cpu',
      `--runs ${runs}`,
      ...specs.map((s) => `--spec '${s}'`),
    ].join(' '),
  },
  mutate,
  coverageAnalysis: 'off',
  concurrency: Number(process.env.GANREF_MUTATION_CONCURRENCY ?? 1),
  timeoutMS: 120_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  tempDirName: '.cache/stryker-tmp',
  ignorePatterns: ['dist', 'reports', 'tmp', '.cache', 'docs/api', 'oracle/.venv', '**/__pycache__'],
  cleanTempDir: 'always',
};
