import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { CATALOG } from 'ganref/catalog';
import { TEST_BACKENDS, useBackend } from './helpers.js';

// Every public function returns only its result: tf.memory().numTensors grows by exactly the
// tensors returned, and by nothing once they are disposed.
describe.each(TEST_BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  for (const spec of CATALOG) {
    test(`${spec.id} leaves no tensor behind`, () => {
      for (const c of [...spec.edges, ...fc.sample(spec.sample, { seed: 7, numRuns: 10 })]) {
        const inputs = Object.fromEntries(
          Object.entries(c.inputs).map(([n, a]) => [n, tf.tensor(a.data, a.shape, 'float32')]),
        );
        const before = tf.memory().numTensors;
        const outputs = spec.evaluate(inputs, c.params);
        expect(tf.memory().numTensors - before).toBe(Object.keys(outputs).length);
        tf.dispose(outputs);
        tf.dispose(inputs);
      }
    });
  }
});
