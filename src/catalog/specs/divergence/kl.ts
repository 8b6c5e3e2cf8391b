import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { distribution, distributionPair } from '../../arbitraries.js';
import { BENCH, benchCase, distributionsArray } from '../../bench.js';
import { checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { kl64 } from '../../reference64.js';
import { distributionPairCases, distributionPairErrors, P, pairCase, PQ } from '../../templates/distribution-pair.js';
import type { Spec } from '../../types.js';
import { KL_ID, klDivergence } from '../../../divergences/index.js';
import { asDistributions } from '../../../types.js';

export const kl: Spec = defineSpec({
  id: KL_ID,
  title: 'Kullback–Leibler divergence',
  reference: 'Kullback & Leibler 1951; standard closed form Σ p log(p/q)',
  section: 'divergences',
  inputs: {
    p: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
    q: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: klDivergence(x.p, x.q) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase(PQ, [1, 0], [0.5, 0.5], 'edge: 0·log 0 = 0', false),
    pairCase(PQ, [0.5, 0.5], [1, 0], 'edge: mass where q = 0 gives +Infinity', false),
    pairCase(PQ, [0.25, 0.25, 0.5], [0.25, 0.25, 0.5], 'edge: p = q gives 0'),
    pairCase(PQ, [1], [1], 'edge: one category'),
  ],
  secondOrder: true,
  invariants: [
    invariant("Gibbs' inequality: KL ≥ 0, and KL(p ‖ p) = 0", distributionPair(1, 12, true), ([p, q]) => {
      checkThat(scalar(klDivergence(P(p), P(q))) >= 0, 'KL(p ‖ q) < 0');
      checkThat(scalar(klDivergence(P(p), P(p))) === 0, 'KL(p ‖ p) ≠ 0');
    }),
    invariant(
      'matches Σ p log(p/q) in float64, with 0·log 0 = 0 and +Infinity where q = 0 < p',
      distributionPair(1, 12, true),
      ([p, q]) => {
        checkClose('KL', scalar(klDivergence(P(p), P(q))), kl64(p, q), 1e-5, 1e-6);
      },
    ),
    invariant("Pinsker's inequality: KL(p ‖ q) ≥ 2·TV(p, q)²", distributionPair(1, 12, true), ([p, q]) => {
      const tv = 0.5 * p.reduce((a, x, i) => a + Math.abs(x - q[i]!), 0);
      checkThat(scalar(klDivergence(P(p), P(q))) >= 2 * tv * tv - 1e-6, `KL below 2·TV² = ${2 * tv * tv}`);
    }),
    invariant(
      'a batch [b, k] gives each row its own divergence',
      fc
        .integer({ min: 1, max: 8 })
        .chain((k) => fc.array(fc.tuple(distribution(k), distribution(k)), { minLength: 1, maxLength: 5 })),
      (rows) => {
        const batchValues = values(klDivergence(P(rows.map((r) => r[0])), P(rows.map((r) => r[1]))));
        rows.forEach(([p, q], i) =>
          checkClose(`row ${i}`, batchValues[i]!, scalar(klDivergence(P(p), P(q))), 1e-6, 1e-7),
        );
      },
    ),
    invariant(
      'gradient is log(p/q) + 1 in p and −p/q in q for positive masses',
      distributionPair(1, 8, false),
      ([p, q]) => {
        const [gp, gq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => klDivergence(asDistributions(a), asDistributions(b)))(
          [tf.tensor1d(p), tf.tensor1d(q)],
        );
        values(gp!).forEach((g, i) => checkClose(`d/dp[${i}]`, g, Math.log(p[i]! / q[i]!) + 1, 1e-4, 1e-5));
        values(gq!).forEach((g, i) => checkClose(`d/dq[${i}]`, g, -p[i]! / q[i]!, 1e-4, 1e-5));
      },
    ),
  ],
  errors: distributionPairErrors(PQ, (a, b) => klDivergence(asDistributions(a), asDistributions(b))),
  benchmark: () =>
    benchCase({
      p: distributionsArray(BENCH.batch, BENCH.categories, 1),
      q: distributionsArray(BENCH.batch, BENCH.categories, 2),
    }),
});
