import { defineConfig } from 'vitest/config';

export default defineConfig({
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
