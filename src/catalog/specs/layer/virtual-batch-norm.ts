import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform, vector } from '../../arbitraries.js';
import { flat, rowsOf } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkFinite, invariant, values } from '../../invariant.js';
import { benchFeatures, maxAbs } from '../../templates/layers.js';
import { gradsOf, matrixOf, t1, t2 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import {
  referenceBatchNorm,
  VIRTUAL_BATCH_NORM_ID,
  virtualBatchNorm,
} from '../../../regularizers/virtual-batch-norm.js';
import { asFeatures } from '../../../types.js';

/** VBN in float64 from the definition: the biased moments of reference ∪ {x_i}, per feature. */
function vbn64(x: number[][], ref: number[][], gamma: number[], beta: number[], eps: number): number[][] {
  return x.map((row) =>
    row.map((v, j) => {
      const pool = [...ref.map((r) => r[j]!), v];
      const m = pool.reduce((a, b) => a + b, 0) / pool.length;
      const s2 = pool.reduce((a, b) => a + (b - m) ** 2, 0) / pool.length;
      return (gamma[j]! * (v - m)) / Math.sqrt(s2 + eps) + beta[j]!;
    }),
  );
}

/**
 * Absolute error bound of a float32 VBN output for one feature whose pooled values are `col`.
 * Error analysis: the float32 mean μ is off by up to ~(n + 2)·2⁻²⁴·max|v| (summation and the
 * division), which shifts the centred value x − μ by as much; dividing by √(σ² + ε) and scaling
 * by γ gives |γ|·(n + 2)·2⁻²⁴·max|v|/√(σ² + ε). When the values nearly coincide (σ² ≪ ε) this is
 * large relative to the output (x − μ is then mostly rounding), for any float32 implementation;
 * for well-spread features it is ~1e-7. A fixed 1e-6 covers the remaining roundings.
 */
function vbnAtol(col: number[], gamma: number, eps: number): number {
  const m = col.reduce((a, b) => a + b, 0) / col.length;
  const s2 = col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length;
  return 1e-6 + (Math.abs(gamma) * (col.length + 2) * 2 ** -24 * maxAbs(col)) / Math.sqrt(s2 + eps);
}

interface VbnDraw {
  x: number[][];
  ref: number[][];
  gamma: number[];
  beta: number[];
  epsilon: number;
}

function vbnDraws(value: fc.Arbitrary<number>, minRef = 2): fc.Arbitrary<VbnDraw> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 6 }),
      r: fc.integer({ min: minRef, max: 8 }),
      d: fc.integer({ min: 1, max: 5 }),
    })
    .chain(({ n, r, d }) =>
      fc.record({
        x: rowsOf(value, n, d),
        ref: rowsOf(value, r, d),
        gamma: flat(fc.oneof(uniform(0.2, 2), uniform(-2, -0.2), fc.constant(1)), d),
        beta: flat(fc.oneof(uniform(-1, 1), fc.constant(0)), d),
        epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
      }),
    );
}

function vbnCase(d: VbnDraw, label?: string): Case {
  return {
    inputs: { x: matrixOf(d.x), reference: matrixOf(d.ref), gamma: vector(d.gamma), beta: vector(d.beta) },
    params: { epsilon: d.epsilon },
    grads: true,
    ...(label ? { label } : {}),
  };
}

const vbn = (d: VbnDraw) =>
  virtualBatchNorm(asFeatures(t2(d.x)), asFeatures(t2(d.ref)), t1(d.gamma), t1(d.beta), { epsilon: d.epsilon });

export const virtualBatchNormSpec: Spec = defineSpec({
  id: VIRTUAL_BATCH_NORM_ID,
  title: 'Virtual batch normalization',
  reference:
    'Salimans et al. 2016, Improved Techniques for Training GANs, §3.5 (reference batch ∪ {x}, weight 1/(N+1), as the authors’ code and TF-GAN)',
  section: 'regularizers',
  inputs: {
    x: { kind: 'features', doc: 'the examples to normalise, [n, d]' },
    reference: { kind: 'features', doc: 'the fixed reference batch, [N, d]' },
    gamma: { kind: 'network-weights', doc: 'scale γ, [d]' },
    beta: { kind: 'network-weights', doc: 'shift β, [d]' },
  },
  params: { epsilon: { doc: 'ε > 0 added to the variance', default: 1e-5 } },
  outputs: ['normalized', 'referenceNormalized'],
  evaluate: (x, p) => {
    const o = { epsilon: p.epsilon };
    return {
      normalized: virtualBatchNorm(x.x, x.reference, x.gamma, x.beta, o),
      referenceNormalized: referenceBatchNorm(x.reference, x.gamma, x.beta, o),
    };
  },
  sample: vbnDraws(fc.oneof({ weight: 4, arbitrary: uniform(-3, 3) }, { weight: 1, arbitrary: uniform(-50, 50) })).map(
    (d) => vbnCase(d),
  ),
  edges: [
    vbnCase(
      { x: [[1], [3]], ref: [[0], [2]], gamma: [1], beta: [0], epsilon: 1e-5 },
      'closed form: μ_ref = 1, σ²_ref = 1: x = 1 gives 0, x = 3 gives (4/3)/√(14/9 + ε)',
    ),
    vbnCase(
      {
        x: [
          [5, -1],
          [6, 2],
        ],
        ref: [
          [5, 1],
          [5, 1],
          [5, 1],
        ],
        gamma: [2, 1],
        beta: [0.5, -0.5],
        epsilon: 1e-3,
      },
      'edge: a constant reference feature (variance from x and ε only)',
    ),
    vbnCase(
      {
        x: [
          [0.5, 2],
          [-1, 0],
        ],
        ref: [[1, -1]],
        gamma: [1, 0.5],
        beta: [0, 0],
        epsilon: 0.1,
      },
      'edge: a reference batch of one example',
    ),
    vbnCase(
      {
        x: [
          [100.5, -20],
          [99, -21],
        ],
        ref: [
          [100, -20.5],
          [101, -19],
          [99.5, -20.25],
          [100.25, -21],
        ],
        gamma: [1, 1],
        beta: [0, 0],
        epsilon: 1e-5,
      },
      'edge: features offset far from 0',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'equals γ(x − μ)/√(σ² + ε) + β with the biased moments of reference ∪ {x} in float64',
      vbnDraws(uniform(-3, 3)),
      (d) => {
        const got = values(vbn(d));
        const want = vbn64(d.x, d.ref, d.gamma, d.beta, d.epsilon);
        const dim = d.gamma.length;
        want.flat().forEach((w, k) => {
          const j = k % dim;
          const col = [...d.ref.map((r) => r[j]!), d.x[Math.floor(k / dim)]![j]!];
          checkClose(`normalized[${k}]`, got[k]!, w, 1e-4, vbnAtol(col, d.gamma[j]!, d.epsilon));
        });
      },
    ),
    invariant(
      'the output for one example does not depend on the other examples of its batch',
      fc.tuple(vbnDraws(uniform(-3, 3)), rowsOf(uniform(-10, 10), 5, 5)),
      ([d, others]) => {
        const dim = d.x[0]!.length;
        const alone = values(vbn({ ...d, x: [d.x[0]!] }));
        const replaced = vbn({ ...d, x: [d.x[0]!, ...others.map((r) => r.slice(0, dim))] }).arraySync() as number[][];
        checkAllClose('row 0 among other rows', replaced[0]!, alone, 1e-6, 1e-7);
        const batch = vbn(d).arraySync() as number[][];
        checkAllClose('row 0 in its own batch', batch[0]!, alone, 1e-6, 1e-7);
      },
    ),
    invariant(
      'the reference batch normalised by its own statistics (γ = 1, β = 0) has mean 0 and variance σ²/(σ² + ε) per feature',
      vbnDraws(uniform(-3, 3)),
      (d) => {
        const dim = d.ref[0]!.length;
        const out = referenceBatchNorm(asFeatures(t2(d.ref)), tf.ones([dim]), tf.zeros([dim]), {
          epsilon: d.epsilon,
        }).arraySync() as number[][];
        for (let j = 0; j < dim; j++) {
          const col = out.map((r) => r[j]!);
          const ref = d.ref.map((r) => r[j]!);
          const mu = ref.reduce((a, b) => a + b, 0) / ref.length;
          const s2 = ref.reduce((a, b) => a + (b - mu) ** 2, 0) / ref.length;
          const mean = col.reduce((a, b) => a + b, 0) / col.length;
          checkClose(`mean of feature ${j}`, mean, 0, 0, vbnAtol(ref, 1, d.epsilon));
          checkClose(
            `variance of feature ${j}`,
            col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length,
            s2 / (s2 + d.epsilon),
            1e-4,
            1e-6,
          );
        }
      },
    ),
    invariant(
      'an example equal to the reference mean maps to β; γ and β act affinely',
      vbnDraws(uniform(-3, 3)),
      (d) => {
        const mu = tf.mean(t2(d.ref), 0, true);
        checkAllClose(
          'VBN(μ_ref)',
          values(
            virtualBatchNorm(asFeatures(mu), asFeatures(t2(d.ref)), t1(d.gamma), t1(d.beta), { epsilon: d.epsilon }),
          ),
          d.beta.map(f32),
          0,
          1e-7,
        );
        const dim = d.gamma.length;
        const unit = values(
          virtualBatchNorm(asFeatures(t2(d.x)), asFeatures(t2(d.ref)), tf.ones([dim]), tf.zeros([dim]), {
            epsilon: d.epsilon,
          }),
        );
        checkAllClose(
          'γ·VBN₁ + β',
          values(vbn(d)),
          unit.map((v, i) => f32(d.gamma[i % dim]!) * v + f32(d.beta[i % dim]!)),
          1e-5,
          1e-6,
        );
      },
    ),
    invariant('finite values and gradients for constant features (ε > 0)', vbnDraws(uniform(-3, 3)), (d) => {
      const c = d.ref[0]!;
      const flatRef = d.ref.map(() => c);
      const xs = d.x.map(() => c);
      const o = { epsilon: d.epsilon };
      checkFinite(
        'normalized',
        values(virtualBatchNorm(asFeatures(t2(xs)), asFeatures(t2(flatRef)), t1(d.gamma), t1(d.beta), o)),
      );
      for (const g of gradsOf(
        (a, b, g1, b1) =>
          tf.add(
            tf.sum(virtualBatchNorm(asFeatures(a!), asFeatures(b!), g1!, b1!, o)),
            tf.sum(referenceBatchNorm(asFeatures(b!), g1!, b1!, o)),
          ),
        [t2(xs), t2(flatRef), t1(d.gamma), t1(d.beta)],
      ))
        checkFinite('gradient', g);
    }),
  ],
  errors: [
    {
      name: 'ε = 0',
      call: () => virtualBatchNorm(asFeatures(t2([[1]])), asFeatures(t2([[1]])), t1([1]), t1([0]), { epsilon: 0 }),
      error: 'InvalidParameterError',
      argument: 'epsilon',
    },
    {
      name: 'an unknown option',
      call: () => virtualBatchNorm(asFeatures(t2([[1]])), asFeatures(t2([[1]])), t1([1]), t1([0]), { eps: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'eps',
    },
    {
      name: 'rank-1 x',
      call: () => virtualBatchNorm(asFeatures(t1([1])), asFeatures(t2([[1]])), t1([1]), t1([0])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'x with other features',
      call: () => virtualBatchNorm(asFeatures(t2([[1, 2]])), asFeatures(t2([[1]])), t1([1]), t1([0])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'gamma of the wrong length',
      call: () => virtualBatchNorm(asFeatures(t2([[1]])), asFeatures(t2([[1]])), t1([1, 2]), t1([0])),
      error: 'InvalidArgumentError',
      argument: 'gamma',
    },
    {
      name: 'beta of the wrong length',
      call: () => referenceBatchNorm(asFeatures(t2([[1]])), t1([1]), t1([0, 0])),
      error: 'InvalidArgumentError',
      argument: 'beta',
    },
    {
      name: 'a NaN in the reference',
      call: () => virtualBatchNorm(asFeatures(t2([[1]])), asFeatures(t2([[NaN]])), t1([1]), t1([0])),
      error: 'InvalidArgumentError',
      argument: 'reference',
    },
  ],
  benchmark: () =>
    benchCase(
      {
        x: benchFeatures(1),
        reference: benchFeatures(2),
        gamma: uniformArray([BENCH.features], 0.5, 1.5, 3),
        beta: uniformArray([BENCH.features], -0.5, 0.5, 4),
      },
      { epsilon: 1e-5 },
    ),
});
