import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// GANREF_SEED=random (npm run test:explore) is resolved once here, before the test processes
// start, so that every file of the run explores from the same printed seed, which replays it.
if (process.env.GANREF_SEED === 'random') {
  process.env.GANREF_SEED = String((Math.random() * 2 ** 32) | 0);
  process.stderr.write(
    `GANREF_SEED=random: exploring with seed ${process.env.GANREF_SEED}; replay a failure with GANREF_SEED=${process.env.GANREF_SEED}\n`,
  );
}

// The tests import ganref by its public names (`ganref`, `ganref/catalog`…), as a user does; the
// condition "ganref-source" of package.json's "exports" points those names at the sources.
const conditions = ['ganref-source', ...defaultServerConditions];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    include: ['spec/**/*.test.ts'],
    // The terminal report, plus a JSON one that .ci/run reads for its closing line.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    setupFiles: ['spec/setup.ts'],
    // zeromq's native addon and TF.js's wasm backend are happiest in child processes.
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Never let a stray socket or child process keep a run alive.
    teardownTimeout: 10_000,
  },
});
