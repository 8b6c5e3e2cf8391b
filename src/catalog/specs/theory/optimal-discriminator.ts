import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { density, distribution, f32, uniform } from '../../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { value64 } from '../../reference64.js';
import type { Case, Spec } from '../../types.js';
import { jensenShannonDivergence, klDivergence } from '../../../divergences/index.js';
import { nonSaturatingGeneratorLoss } from '../../../objectives/index.js';
import { OPTIMAL_DISCRIMINATOR_ID, optimalDiscriminator } from '../../../theory/index.js';
import { asDensities, asDistributions, asLogits, asWeights } from '../../../types.js';

const densityCases: fc.Arbitrary<Case> = fc.integer({ min: 1, max: 16 }).chain((n) =>
  fc
    .tuple(fc.array(density, { minLength: n, maxLength: n }), fc.array(density, { minLength: n, maxLength: n }))
    .map(([a, b]): Case => ({
      inputs: { pData: { shape: [n], data: a }, pG: { shape: [n], data: b } },
      params: {},
      grads: true,
    })),
);

export const optimalDiscriminatorSpec: Spec = defineSpec({
  id: OPTIMAL_DISCRIMINATOR_ID,
  title: 'Optimal discriminator D*',
  reference: 'Goodfellow et al. 2014, Generative Adversarial Nets, Proposition 1 (eq. 2)',
  section: 'theory',
  inputs: {
    pData: { kind: 'densities', doc: 'p_data(x) ≥ 0, any shape' },
    pG: { kind: 'densities', doc: 'p_g(x) ≥ 0, same shape' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: optimalDiscriminator(x.pData, x.pG) }),
  sample: densityCases,
  edges: [
    {
      inputs: { pData: { shape: [3], data: [1, 0, 0.5] }, pG: { shape: [3], data: [1, 2, 0] } },
      params: {},
      grads: true,
      label: 'edge: equal densities, and each one 0',
    },
    // 30 orders of magnitude apart: the Hessian-vector products (~1/(p_data + p_g)²) stay in float32 range.
    {
      inputs: {
        pData: { shape: [2], data: [1e-15, 1e15].map(f32) },
        pG: { shape: [2], data: [1e-15, 1e-15].map(f32) },
      },
      params: {},
      grads: true,
      label: 'edge: densities 30 orders of magnitude apart',
    },
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'value and gradient are finite for densities from 1e-30 to 1e30',
      fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -30, max: 30 })),
      ([i, j]) => {
        const a = tf.tensor1d([f32(10 ** i)]);
        const b = tf.tensor1d([f32(10 ** j)]);
        const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => optimalDiscriminator(asDensities(x), asDensities(y)))(
          [a, b],
        );
        const d = scalar(optimalDiscriminator(asDensities(a), asDensities(b)));
        checkThat(
          Number.isFinite(d) && Number.isFinite(scalar(ga!)) && Number.isFinite(scalar(gb!)),
          `D* = ${d}, gradients ${scalar(ga!)}, ${scalar(gb!)} at p_data = 1e${i}, p_g = 1e${j}`,
        );
      },
    ),
    invariant(
      'Arjovsky & Bottou 2017, Thm 2.5: the non-saturating generator gradient at D* is ∇θ[KL(P_g ‖ P_r) − 2·JSD(P_g ‖ P_r)] (P_g = softmax θ)',
      fc
        .integer({ min: 2, max: 8 })
        .chain((k) => fc.tuple(distribution(k), fc.array(uniform(-2, 2), { minLength: k, maxLength: k }))),
      ([pr, theta]) => {
        const pR = tf.tensor1d(pr);
        const th = tf.tensor1d(theta);
        // D* for the current P_g, held fixed (it is the discriminator): logit l = log(P_r / P_g).
        const logits = tf.sub(tf.log(pR), tf.logSoftmax(th));
        // E_{x∼P_g(θ)}[−log D*(x)] = Σ_x P_g(x; θ)·softplus(−l_x): the loss with P_g as weights.
        const nsGrad = values(
          tf.grad((t: tf.Tensor) =>
            nonSaturatingGeneratorLoss(asLogits(logits), { weightsFake: asWeights(tf.softmax(t)), reduction: 'sum' }),
          )(th),
        );
        const divGrad = values(
          tf.grad((t: tf.Tensor) => {
            const pG = asDistributions(tf.softmax(t));
            return tf.sub(
              klDivergence(pG, asDistributions(pR)),
              tf.mul(2, jensenShannonDivergence(pG, asDistributions(pR))),
            );
          })(th),
        );
        nsGrad.forEach((g, i) => checkClose(`∂/∂θ[${i}]`, g, divGrad[i]!, 1e-4, 1e-6));
      },
    ),
    invariant('D* ∈ [0, 1], and D* ≡ ½ when p_data = p_g', fc.tuple(density, density), ([a, b]) => {
      const d = scalar(optimalDiscriminator(asDensities(tf.tensor1d([a])), asDensities(tf.tensor1d([b]))));
      checkThat(d >= 0 && d <= 1, `D* = ${d} outside [0, 1]`);
      checkThat(
        scalar(optimalDiscriminator(asDensities(tf.tensor1d([a])), asDensities(tf.tensor1d([a])))) === 0.5,
        'D* ≠ ½ for equal densities',
      );
    }),
    invariant('D*(p_data, p_g) + D*(p_g, p_data) = 1', fc.tuple(density, density), ([a, b]) => {
      const x = tf.tensor1d([a]);
      const y = tf.tensor1d([b]);
      checkClose(
        'sum',
        scalar(optimalDiscriminator(asDensities(x), asDensities(y))) +
          scalar(optimalDiscriminator(asDensities(y), asDensities(x))),
        1,
        1e-6,
        0,
      );
    }),
    invariant(
      'D* maximises V(D, G) over every other discriminator D (pointwise in (0, 1))',
      fc
        .integer({ min: 1, max: 10 })
        .chain((k) =>
          fc.tuple(distribution(k), distribution(k), fc.array(uniform(0.001, 0.999), { minLength: k, maxLength: k })),
        ),
      ([pd, pg, other]) => {
        const dStar = values(optimalDiscriminator(asDensities(tf.tensor1d(pd)), asDensities(tf.tensor1d(pg))));
        const best = value64(pd, pg, dStar);
        checkThat(best >= value64(pd, pg, other) - 1e-6, `V(D*, G) = ${best} < V(D, G) = ${value64(pd, pg, other)}`);
      },
    ),
  ],
  errors: [
    {
      name: 'both densities 0',
      call: () => optimalDiscriminator(asDensities(tf.tensor1d([1, 0])), asDensities(tf.tensor1d([1, 0]))),
      error: 'InvalidArgumentError',
      argument: 'pG',
    },
    {
      name: 'a negative density',
      call: () => optimalDiscriminator(asDensities(tf.tensor1d([-1])), asDensities(tf.tensor1d([1]))),
      error: 'InvalidArgumentError',
      argument: 'pData',
    },
    {
      name: 'an infinite density',
      call: () => optimalDiscriminator(asDensities(tf.tensor1d([1])), asDensities(tf.tensor1d([Infinity]))),
      error: 'InvalidArgumentError',
      argument: 'pG',
    },
    {
      name: 'shapes differ',
      call: () => optimalDiscriminator(asDensities(tf.tensor1d([1])), asDensities(tf.tensor1d([1, 2]))),
      error: 'InvalidArgumentError',
      argument: 'pG',
    },
  ],
  benchmark: () =>
    benchCase({
      pData: uniformArray([BENCH.batch, BENCH.features], 0.01, 5, 1),
      pG: uniformArray([BENCH.batch, BENCH.features], 0.01, 5, 2),
    }),
});
