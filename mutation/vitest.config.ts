import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The tests of `npm run mutation`: conform's checks (mutation/conform.test.ts) and the suite's
 * files that need neither the oracle nor a browser. The library is imported by its public names
 * through the "ganref-source" condition, with the suite's own setup (seed, gradients, backend), as
 * in vitest.config.ts.
 */
export const MUTATION_SPEC_FILES = [
  'spec/autodiff.test.ts',
  'spec/conventions.test.ts',
  'spec/leaks.test.ts',
  'spec/stock-tfjs.test.ts',
  'spec/train.test.ts',
  'spec/validate.test.ts',
];

export default defineConfig({
  ssr: { resolve: { conditions: ['ganref-source', ...defaultServerConditions] } },
  test: {
    include: ['mutation/**/*.test.ts', ...MUTATION_SPEC_FILES],
    setupFiles: ['spec/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
