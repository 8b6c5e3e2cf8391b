import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { getSpec } from 'ganref/catalog';
import { crossCheck, describeFailure, runInvariants } from 'ganref/conformance';
import { OracleClient } from 'ganref/oracle';
import type { Logits } from 'ganref';

// A test must be able to fail. Here the saturating generator loss is replaced by a mutant with a
// bug peers have shipped: log(1 − D + 1e-6) instead of the softplus form, a clamp that pins the
// loss near log(1e-6) once the discriminator wins. The very same catalog entry, invariants and
// cross-check that pass on the real implementation must catch it, with a replayable report.
vi.mock('../src/objectives/minimax.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/objectives/minimax.js')>();
  return {
    ...real,
    minimaxGeneratorLoss: (logitsFake: Logits) =>
      tf.tidy(() => tf.mean(tf.log(tf.add(tf.sub(1, tf.sigmoid(logitsFake)), 1e-6)))),
  };
});

let oracle: OracleClient;
beforeAll(async () => {
  oracle = await OracleClient.spawn();
});
afterAll(async () => {
  await oracle?.close();
});

describe('a deliberately wrong minimax generator loss', () => {
  const spec = getSpec('objective/minimax')!;

  test('fails the invariants, with fast-check counterexample, seed and path', () => {
    const failed = runInvariants(spec, { numRuns: 100 }).filter((o) => !o.pass);
    expect(failed.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        'generator gradient is −σ(l_f)/m: it vanishes as D(G(z)) → 0 (saturation)',
        'generator loss equals E[log(1 − D(G(z)))] in float64 for moderate logits',
      ]),
    );
    for (const o of failed) {
      expect(o.message).toMatch(/Counterexample: /);
      expect(o.message).toMatch(/seed: -?\d+, path: "[\d:]+"/);
    }
  });

  test('fails the oracle cross-check, naming the case, the numbers and the request that replays it', async () => {
    const result = await crossCheck(spec, oracle, { cases: 8 });
    expect(result.pass).toBe(false);
    const text = describeFailure(spec.id, result.failures[0]!);
    expect(text).toMatch(/objective\/minimax — .*\(seed \d+, case \d+\)/);
    expect(text).toMatch(/generator.*ganref .* oracle float64 /);
    expect(text).toMatch(/request: \{"spec":"objective\/minimax"/);
  });
});
