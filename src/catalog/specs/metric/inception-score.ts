import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { distribution } from '../../arbitraries.js';
import { BENCH, benchCase, distributionsArray } from '../../bench.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { kl64, mean64 } from '../../reference64.js';
import { gradsOf, matrixOf, t2 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { INCEPTION_SCORE_ID, inceptionScore } from '../../../metrics/inception-score.js';
import { asDistributions } from '../../../types.js';

// The Inception Score from class probabilities.

const IS = (rows: number[][]) => scalar(inceptionScore(asDistributions(t2(rows))));

/** The batch mean of the rows, in float64. */
const marginal64 = (rows: number[][]) => rows[0]!.map((_, y) => mean64(rows.map((r) => r[y]!)));

/** exp(mean KL(pᵢ ‖ p̄)) in float64, 0·log 0 = 0. */
const is64 = (rows: number[][]) => {
  const m = marginal64(rows);
  return Math.exp(mean64(rows.map((r) => kl64(r, m))));
};

/** n rows of k-class probabilities, n ∈ [1, 8], k ∈ [1, 8]. */
const batches = (zeros: boolean) =>
  fc
    .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }))
    .chain(([n, k]) => fc.array(distribution(k, zeros), { minLength: n, maxLength: n }));

/** k classes, r confident (one-hot) rows per class, in a shuffled order. */
const evenOneHots = fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 })).chain(([k, r]) =>
  fc.shuffledSubarray(
    Array.from({ length: k * r }, (_, i) => Array.from({ length: k }, (_, y) => (y === i % k ? 1 : 0))),
    { minLength: k * r, maxLength: k * r },
  ),
);

function isCase(rows: number[][], label?: string): Case {
  return {
    inputs: { probabilities: matrixOf(rows) },
    params: {},
    // 0·log 0 has an infinite derivative at a zero mass: gradients only inside the simplex.
    grads: rows.every((r) => r.every((v) => v > 0)),
    ...(label ? { label } : {}),
  };
}

export const inceptionScoreSpec: Spec = defineSpec({
  id: INCEPTION_SCORE_ID,
  title: 'Inception Score from class probabilities',
  reference: 'Salimans et al. 2016, Improved Techniques for Training GANs, §4',
  section: 'metrics',
  inputs: {
    probabilities: { kind: 'distributions', doc: 'class probabilities p(y|xᵢ) of n samples over k classes, [n, k]' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: inceptionScore(x.probabilities) }),
  sample: fc.boolean().chain((zeros) => batches(zeros).map((rows) => isCase(rows))),
  edges: [
    isCase(
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      'closed form: one confident row per class gives IS = k = 3',
    ),
    isCase(
      [
        [0.2, 0.3, 0.5],
        [0.2, 0.3, 0.5],
      ],
      'closed form: identical rows give IS = 1',
    ),
    isCase([[0.25, 0.75]], 'closed form: one row gives IS = 1'),
    isCase(
      [
        [1, 0],
        [1, 0],
        [0, 1],
      ],
      'closed form: one-hots 2 : 1 give exp(H(⅔, ⅓)) = 3/2^{2/3}',
    ),
    isCase(
      [
        [0.9, 0.1],
        [0.1, 0.9],
        [0.5, 0.5],
      ],
      'interior: mixed confidence',
    ),
    isCase([[1]], 'edge: one class gives IS = 1'),
  ],
  secondOrder: true,
  invariants: [
    invariant('1 ≤ IS ≤ k and IS = exp(E KL(p(y|x) ‖ p(y))) in float64', batches(true), (rows) => {
      const got = IS(rows);
      const k = rows[0]!.length;
      // IS = exp(mean KL); the mean KL is a sum of O(nk) float32 roundings of terms ≤ log k ≤ 2.1,
      // so its error is ≤ 1e-6 absolute and IS's relative error the same: rtol 1e-5 covers it.
      checkClose('IS', got, is64(rows), 1e-5, 0);
      checkThat(got >= 1 - 1e-6 && got <= k * (1 + 1e-6), `IS = ${got} outside [1, ${k}]`);
    }),
    invariant('confident predictions spread evenly over all k classes give IS = k', evenOneHots, (rows) => {
      checkClose('IS', IS(rows), rows[0]!.length, 1e-6, 0);
    }),
    invariant(
      'identical rows give IS = 1',
      fc.tuple(
        fc.integer({ min: 1, max: 8 }).chain((k) => distribution(k, true)),
        fc.integer({ min: 1, max: 12 }),
      ),
      ([p, n]) => {
        // p̄ = (n·p)/n is p up to the float32 rounding of the sum (≤ n ulps), and KL(p ‖ p̄) ≈ Σ p(p − p̄)/p̄
        // is of that size: ≤ 12·2⁻²⁴ < 1e-6.
        checkClose('IS', IS(Array.from({ length: n }, () => p)), 1, 0, 1e-6);
      },
    ),
    invariant(
      'permuting the samples changes nothing',
      batches(true).chain((rows) =>
        fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length })),
      ),
      ([rows, shuffled]) => {
        // Only the order of the float32 sums changes: a few roundings of terms ≤ log 8.
        checkClose('IS of the permuted batch', IS(shuffled), IS(rows), 1e-6, 0);
      },
    ),
    invariant('gradient ∂IS/∂p_iy = IS · log(p_iy / p̄_y) / n', batches(false), (rows) => {
      const n = rows.length;
      const m = marginal64(rows);
      const is = is64(rows);
      const [g] = gradsOf((p) => inceptionScore(asDistributions(p!)), [t2(rows)]);
      checkAllClose(
        'dIS/dp',
        g!,
        rows.flatMap((r) => r.map((v, y) => (is * Math.log(v / m[y]!)) / n)),
        1e-4,
        1e-5 * is,
      );
    }),
    invariant('splitting: IS of a batch of two copies of a batch equals IS of the batch', batches(true), (rows) => {
      checkClose('IS', IS([...rows, ...rows]), IS(rows), 1e-6, 0);
    }),
  ],
  errors: [
    {
      name: 'a rank-1 tensor',
      call: () => inceptionScore(asDistributions(tf.tensor1d([0.5, 0.5]))),
      error: 'InvalidArgumentError',
      argument: 'probabilities',
    },
    {
      name: 'rows not summing to 1',
      call: () => inceptionScore(asDistributions(tf.tensor2d([[0.5, 0.6]]))),
      error: 'InvalidArgumentError',
      argument: 'probabilities',
    },
    {
      name: 'a negative mass',
      call: () => inceptionScore(asDistributions(tf.tensor2d([[1.5, -0.5]]))),
      error: 'InvalidArgumentError',
      argument: 'probabilities',
    },
    {
      name: 'a NaN',
      call: () => inceptionScore(asDistributions(tf.tensor2d([[NaN, 1]]))),
      error: 'InvalidArgumentError',
      argument: 'probabilities',
    },
    {
      name: 'an int32 tensor',
      call: () => inceptionScore(asDistributions(tf.tensor2d([[0, 1]], [1, 2], 'int32'))),
      error: 'InvalidArgumentError',
      argument: 'probabilities',
    },
    {
      name: 'a plain array',
      call: () => inceptionScore([[0.5, 0.5]] as never),
      error: 'InvalidArgumentError',
      argument: 'probabilities',
    },
  ],
  benchmark: () => benchCase({ probabilities: distributionsArray(BENCH.batch, BENCH.categories, 1) }),
});
