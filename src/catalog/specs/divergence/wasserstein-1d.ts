import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform, vector } from '../../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64 } from '../../reference64.js';
import type { Case, Spec } from '../../types.js';
import { quantilePlan, WASSERSTEIN_1D_ID, wasserstein1d } from '../../../divergences/wasserstein-1d.js';

// The 1-D Wasserstein distance.

/** A 1-D sample value: moderate reals, some large ones, and exact small integers (ties on purpose). */
const sampleValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: uniform(-10, 10) },
  { weight: 1, arbitrary: uniform(-1e4, 1e4) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 2.5) },
);

/** A 1-D sample of 1 to `max` values. */
const sample1d = (max = 12) => fc.array(sampleValue, { minLength: 1, maxLength: max });

/** Two samples whose n + m values are pairwise distinct (W₁ is differentiable there). */
const distinctSamples = fc
  .tuple(sample1d(), sample1d())
  .filter(([x, y]) => new Set([...x, ...y]).size === x.length + y.length);

/** Values on the grid k/64, |v| ≤ 1000: sums and power-of-2 scalings of them are float32-exact. */
const gridValue = fc.integer({ min: -64_000, max: 64_000 }).map((k) => k / 64);

const W = (x: number[], y: number[]) => scalar(wasserstein1d(tf.tensor1d(x), tf.tensor1d(y)));

/**
 * The empirical CDF's pooled breakpoints and the optimal Kantorovich–Rubinstein witness in 1-D:
 * f(t) = ∫_{z₀}^t sign(F_y(s) − F_x(s)) ds, piecewise linear with slopes ±1 (or 0 where the
 * CDFs agree), evaluated at every sample point, in float64.
 */
function witness(x: number[], y: number[]): (t: number) => number {
  const z = [...x, ...y].sort((a, b) => a - b);
  const cdf = (s: number[], t: number) => s.filter((v) => v <= t).length / s.length;
  const at = new Map<number, number>([[z[0]!, 0]]);
  let f = 0;
  for (let k = 0; k + 1 < z.length; k++) {
    f += Math.sign(cdf(y, z[k]!) - cdf(x, z[k]!)) * (z[k + 1]! - z[k]!);
    at.set(z[k + 1]!, f);
  }
  return (t) => at.get(t)!;
}

/** W₁ by the CDF form ∫ |F_x − F_y| over the pooled sorted sample, in float64. */
function w1Cdf64(x: number[], y: number[]): number {
  const z = [...x, ...y].sort((a, b) => a - b);
  const cdf = (s: number[], t: number) => s.filter((v) => v <= t).length / s.length;
  let total = 0;
  for (let k = 0; k + 1 < z.length; k++) total += Math.abs(cdf(x, z[k]!) - cdf(y, z[k]!)) * (z[k + 1]! - z[k]!);
  return total;
}

const maxAbs = (...ss: number[][]) => Math.max(...ss.flat().map(Math.abs));

function samplesCase(x: number[], y: number[], label?: string): Case {
  return {
    inputs: { x: vector(x), y: vector(y) },
    params: {},
    grads: new Set([...x, ...y]).size === x.length + y.length,
    ...(label ? { label } : {}),
  };
}

export const wasserstein1dSpec: Spec = defineSpec({
  id: WASSERSTEIN_1D_ID,
  title: 'Wasserstein-1 distance between two 1-D empirical samples',
  reference: 'Arjovsky et al. 2017, eq. 1–2; Vallender 1973 (the quantile and CDF forms in 1-D)',
  section: 'divergences',
  inputs: {
    x: { kind: 'critic-scores', doc: 'the first 1-D sample (real values), [n]' },
    y: { kind: 'critic-scores', doc: 'the second 1-D sample (real values), [m]; m may differ from n' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: wasserstein1d(x.x, x.y) }),
  sample: fc.tuple(sample1d(16), sample1d(16)).map(([x, y]) => samplesCase(x.map(f32), y.map(f32))),
  edges: [
    samplesCase([0], [1], 'closed form: one atom each, |0 − 1| = 1'),
    samplesCase([0, 1], [0.5], 'closed form: n = 2, m = 1 gives ½'),
    samplesCase([0, 3], [1, 2, 4], 'closed form: n = 2, m = 3 gives 7/6'),
    samplesCase([0, 1, 2], [10, 11, 12, 13], 'closed form: ordered supports give mean(y) − mean(x) = 10.5'),
    samplesCase([-1e4, 1e4], [0, 5e3], 'extreme values ±1e4'),
    samplesCase([1, 2, 3], [3, 1, 2], 'edge: the same sample permuted gives 0 (ties)'),
    samplesCase([1, 1, 2], [1, 3], 'edge: ties within and across samples'),
  ],
  secondOrder: true,
  invariants: [
    invariant('W₁ ≥ 0, symmetric, and W₁(x, x) = 0', fc.tuple(sample1d(), sample1d()), ([x, y]) => {
      const xy = W(x, y);
      checkThat(xy >= 0, `W₁ = ${xy} < 0`);
      checkClose('W₁(y, x)', W(y, x), xy, 1e-6, 0);
      checkThat(W(x, x) === 0, `W₁(x, x) = ${W(x, x)}`);
    }),
    invariant(
      'matches ∫ |F_x − F_y| (the CDF form) in float64',
      fc.tuple(sample1d(16), sample1d(16)).map(([x, y]) => [x.map(f32), y.map(f32)] as const),
      ([x, y]) => {
        checkClose('W₁', W(x, y), w1Cdf64(x, y), 1e-5, 1e-6 * (1 + maxAbs(x, y)));
      },
    ),
    invariant(
      'n = m: W₁ = mean |sort(x) − sort(y)|',
      fc
        .integer({ min: 1, max: 12 })
        .chain((n) =>
          fc.tuple(
            fc.array(sampleValue, { minLength: n, maxLength: n }),
            fc.array(sampleValue, { minLength: n, maxLength: n }),
          ),
        ),
      ([x, y]) => {
        const sx = [...x].sort((a, b) => a - b);
        const sy = [...y].sort((a, b) => a - b);
        checkClose('W₁', W(x, y), mean64(sx.map((v, i) => Math.abs(v - sy[i]!))), 1e-5, 1e-6 * (1 + maxAbs(x, y)));
      },
    ),
    invariant(
      'permuting either sample changes nothing (bit for bit)',
      fc
        .tuple(sample1d(), sample1d())
        .chain(([x, y]) =>
          fc.tuple(
            fc.constant(x),
            fc.constant(y),
            fc.shuffledSubarray(x, { minLength: x.length }),
            fc.shuffledSubarray(y, { minLength: y.length }),
          ),
        ),
      ([x, y, px, py]) => {
        checkThat(W(px, py) === W(x, y), `W₁ of permuted samples ${W(px, py)} ≠ ${W(x, y)}`);
      },
    ),
    invariant(
      'translation: W₁(x + c, y + c) = W₁(x, y)',
      fc.tuple(
        fc.array(gridValue, { minLength: 1, maxLength: 12 }),
        fc.array(gridValue, { minLength: 1, maxLength: 12 }),
        gridValue,
      ),
      ([x, y, c]) => {
        checkClose(
          'W₁(x + c, y + c)',
          W(
            x.map((v) => v + c),
            y.map((v) => v + c),
          ),
          W(x, y),
          1e-5,
          1e-6,
        );
      },
    ),
    invariant(
      'scaling: W₁(s·x, s·y) = |s|·W₁(x, y), also for s < 0 (which reverses the order)',
      fc.tuple(
        fc.array(gridValue, { minLength: 1, maxLength: 12 }),
        fc.array(gridValue, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(-4, -2, -1, -0.5, -0.25, 0, 0.25, 0.5, 2, 8),
      ),
      ([x, y, s]) => {
        checkClose(
          'W₁(s·x, s·y)',
          W(
            x.map((v) => s * v),
            y.map((v) => s * v),
          ),
          Math.abs(s) * W(x, y),
          1e-5,
          1e-6,
        );
      },
    ),
    invariant(
      'ordered supports (all x ≤ all y): W₁ = mean(y) − mean(x)',
      fc.tuple(
        fc.array(uniform(-100, 0), { minLength: 1, maxLength: 12 }),
        fc.array(uniform(0, 100), { minLength: 1, maxLength: 12 }),
      ),
      ([x, y]) => {
        checkClose('W₁', W(x, y), mean64(y) - mean64(x), 1e-5, 1e-5);
      },
    ),
    invariant(
      'Kantorovich–Rubinstein: E_x f − E_y f = W₁ for the 1-D witness f = ∫ sign(F_y − F_x), and ≤ W₁ for other 1-Lipschitz f',
      fc.tuple(sample1d(), sample1d(), uniform(-1, 1), uniform(-1, 1), uniform(-10, 10)),
      ([x, y, a, b, c]) => {
        const w = W(x, y);
        const f = witness(x, y);
        const dual = mean64(x.map(f)) - mean64(y.map(f));
        checkClose('E_x f − E_y f', dual, w, 1e-5, 1e-6 * (1 + maxAbs(x, y)));
        // g(t) = α·t + β·|t − c| with |α| + |β| ≤ 1 is 1-Lipschitz
        const [alpha, beta] =
          Math.abs(a) + Math.abs(b) > 1 ? [a / (Math.abs(a) + Math.abs(b)), b / (Math.abs(a) + Math.abs(b))] : [a, b];
        const g = (t: number) => alpha * t + beta * Math.abs(t - c);
        const other = mean64(x.map(g)) - mean64(y.map(g));
        checkThat(
          other <= w * (1 + 1e-5) + 1e-6 * (1 + maxAbs(x, y)),
          `E_x g − E_y g = ${other} > W₁ = ${w} for a 1-Lipschitz g`,
        );
      },
    ),
    invariant(
      'gradient: ∂W₁/∂xᵢ = Σ over the quantile intervals picking xᵢ of w_k·sign(xᵢ − y_(b_k)), and ∂/∂y likewise with the opposite sign',
      distinctSamples,
      ([x, y]) => {
        const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => wasserstein1d(a, b))([
          tf.tensor1d(x),
          tf.tensor1d(y),
        ]);
        const plan = quantilePlan(x.length, y.length);
        const sx = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
        const sy = y.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
        const ex = new Array<number>(x.length).fill(0);
        const ey = new Array<number>(y.length).fill(0);
        plan.w.forEach((w, k) => {
          const [xv, xi] = sx[plan.x[k]!]!;
          const [yv, yi] = sy[plan.y[k]!]!;
          ex[xi] += w * Math.sign(xv - yv);
          ey[yi] -= w * Math.sign(xv - yv);
        });
        values(gx!).forEach((g, i) => checkClose(`∂/∂x[${i}]`, g, ex[i]!, 1e-5, 1e-6));
        values(gy!).forEach((g, i) => checkClose(`∂/∂y[${i}]`, g, ey[i]!, 1e-5, 1e-6));
      },
    ),
    invariant(
      'the quantile plan: weights sum to 1, ranks are non-decreasing and cover every atom',
      fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 })),
      ([n, m]) => {
        const plan = quantilePlan(n, m);
        checkClose(
          'Σ w',
          plan.w.reduce((a, b) => a + b, 0),
          1,
          1e-12,
          0,
        );
        checkThat(
          plan.w.every((w) => w > 0) && plan.w.length <= n + m - 1,
          'a non-positive weight or too many intervals',
        );
        for (const [ranks, size] of [
          [plan.x, n],
          [plan.y, m],
        ] as const) {
          checkThat(ranks[0] === 0 && ranks[ranks.length - 1] === size - 1, 'ranks do not span the sample');
          for (let k = 1; k < ranks.length; k++)
            checkThat(ranks[k]! - ranks[k - 1]! <= 1 && ranks[k]! >= ranks[k - 1]!, 'ranks skip or go back');
        }
      },
    ),
  ],
  errors: [
    {
      name: 'a rank-2 sample',
      call: () => wasserstein1d(tf.tensor2d([[1, 2]]), tf.tensor1d([1])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'an empty sample',
      call: () => wasserstein1d(tf.tensor1d([1]), tf.tensor1d([])),
      error: 'InvalidArgumentError',
      argument: 'y',
    },
    {
      name: 'a NaN value',
      call: () => wasserstein1d(tf.tensor1d([1, NaN]), tf.tensor1d([1])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'an infinite value',
      call: () => wasserstein1d(tf.tensor1d([1]), tf.tensor1d([0, Infinity])),
      error: 'InvalidArgumentError',
      argument: 'y',
    },
    {
      name: 'an int32 tensor',
      call: () => wasserstein1d(tf.tensor1d([1]), tf.tensor1d([1, 2], 'int32')),
      error: 'InvalidArgumentError',
      argument: 'y',
    },
    {
      name: 'a plain array',
      call: () => wasserstein1d([1, 2] as unknown as tf.Tensor, tf.tensor1d([1])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
  ],
  benchmark: () => benchCase({ x: uniformArray([BENCH.batch], -3, 3, 1), y: uniformArray([BENCH.batch], -2, 4, 2) }),
});
