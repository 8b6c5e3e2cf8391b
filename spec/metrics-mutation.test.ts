import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { getSpec } from 'ganref/catalog';
import { crossCheck, runInvariants } from 'ganref/conformance';
import { OracleClient } from 'ganref/oracle';
import type { Features, Samples } from 'ganref';

// A test must be able to fail: two metric bugs with real precedents, caught by the same catalog
// entries that pass on the real implementations.
// 1. A Fréchet distance whose covariances divide by n instead of n − 1 (the FID reference
//    implementation, numpy.cov, divides by n − 1; a biased estimate shifts every FID).
// 2. A mode coverage that counts a mode as covered by any nearest sample, high quality or not.
vi.mock('../src/metrics/frechet-distance.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/metrics/frechet-distance.js')>();
  // Centred data scaled by √((n − 1)/n): its (n − 1)-covariance is the n-covariance of the input.
  const biased = (x: tf.Tensor) =>
    tf.tidy(() => {
      const n = x.shape[0]!;
      const mu = tf.mean(x, 0, true);
      return tf.add(mu, tf.mul(tf.sub(x, mu), Math.sqrt((n - 1) / n)));
    });
  return {
    ...real,
    frechetDistance: (x: Features, y: Features) => {
      const [bx, by] = [biased(x), biased(y)];
      const out = real.frechetDistance(bx as Features, by as Features);
      tf.dispose([bx, by]);
      return out;
    },
  };
});
vi.mock('../src/metrics/mode-coverage.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/metrics/mode-coverage.js')>();
  return {
    ...real,
    modeCoverage: (samples: Samples, centres: tf.Tensor, options: { sigma: number; minSamples?: number }) =>
      real.modeCoverage(samples, centres, { ...options, within: 1e6 }),
  };
});

let oracle: OracleClient;
beforeAll(async () => {
  oracle = await OracleClient.spawn();
});
afterAll(async () => {
  await oracle?.close();
});

describe('a Fréchet distance with covariances divided by n', () => {
  const spec = getSpec('metric/frechet-distance')!;
  test('fails the closed-form invariants', () => {
    const failed = runInvariants(spec, { numRuns: 50 })
      .filter((o) => !o.pass)
      .map((o) => o.name);
    expect(failed).toEqual(
      expect.arrayContaining([
        'diagonal covariances: FD = ‖μ₁ − μ₂‖² + Σⱼ(σ₁ⱼ − σ₂ⱼ)²',
        '1-D closed form: FD = (μ₁ − μ₂)² + (s₁ − s₂)² with the sample standard deviations (n − 1)',
      ]),
    );
  });
  test('fails the oracle cross-check', async () => {
    expect((await crossCheck(spec, oracle, { cases: 4 })).pass).toBe(false);
  });
});

describe('a mode coverage that ignores sample quality', () => {
  const spec = getSpec('metric/mode-coverage')!;
  test('fails the float64 convention invariant', () => {
    const failed = runInvariants(spec, { numRuns: 50 })
      .filter((o) => !o.pass)
      .map((o) => o.name);
    expect(failed).toContain('matches the convention computed in float64');
  });
  test('fails the oracle cross-check', async () => {
    expect((await crossCheck(spec, oracle, { cases: 4 })).pass).toBe(false);
  });
});
