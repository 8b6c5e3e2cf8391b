import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { CATALOG } from 'ganref/catalog';
import { runErrorCase } from 'ganref/conformance';
import { TEST_BACKENDS, useBackend } from './helpers.js';

// The invariant template: every invariant of every spec, on every backend, through fast-check.
// A failure prints fast-check's report: the shrunk counterexample, its seed and path.
describe.each(TEST_BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    expect(await useBackend(backend)).toBe(backend);
  });

  for (const spec of CATALOG) {
    describe(spec.id, () => {
      for (const inv of spec.invariants) {
        test(inv.name, () => {
          const before = tf.memory().numTensors;
          fc.assert(inv.property, inv.numRuns !== undefined ? { numRuns: inv.numRuns } : {});
          expect(tf.memory().numTensors).toBe(before);
        });
      }
      for (const e of spec.errors) {
        test(`refuses ${e.name} with ${e.error} naming '${e.argument}'`, () => {
          const outcome = runErrorCase(spec, e);
          expect(outcome.pass, outcome.message).toBe(true);
        });
      }
    });
  }
});
