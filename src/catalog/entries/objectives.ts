import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asCriticScores, asLogits, asWeights } from '../../types.js';
import {
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  MINIMAX_ID,
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  NON_SATURATING_ID,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
  WASSERSTEIN_ID,
} from '../../objectives/index.js';
import { batch, criticScore, EDGE_LOGITS, f32, logit, moderateLogit, uniform, weight } from '../arbitraries.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import { BENCH, benchCase, uniformArray } from '../bench.js';
import type { Invariant, Spec } from '../types.js';
import { gradValues, lossOptions, REDUCTION_PARAM, twoBatchCase, twoBatchCases, twoBatchErrors } from './shared.js';

const LOGIT_NAMES: [string, string] = ['logitsReal', 'logitsFake'];
const CRITIC_NAMES: [string, string] = ['criticReal', 'criticFake'];

type DLoss = typeof minimaxDiscriminatorLoss;
type GLoss = typeof minimaxGeneratorLoss;

/** float64 closed forms, for moderate logits only (where they are themselves accurate). */
const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));

const L = (t: tf.Tensor) => asLogits(t);

/** Invariants of the shared discriminator loss E[softplus(−l_r)] + E[softplus(l_f)]. */
function logitDiscriminatorInvariants(d: DLoss): Invariant[] {
  return [
    invariant('finite value and gradient for every logit up to |l| = 1e4', fc.tuple(batch(logit), batch(logit)), ([r, f]) => {
      checkFinite('loss', values(d(L(tf.tensor1d(r)), L(tf.tensor1d(f)))));
      checkFinite('grad real', gradValues((x) => d(L(x), L(tf.tensor1d(f))), r));
      checkFinite('grad fake', gradValues((x) => d(L(tf.tensor1d(r)), L(x)), f));
    }),
    invariant('equals the binary cross-entropy −log D(x_r) − log(1 − D(x_f)) in float64', fc.tuple(batch(moderateLogit), batch(moderateLogit)), ([r, f]) => {
      const expected = r.reduce((a, l) => a - Math.log(sigmoid(l)), 0) / r.length + f.reduce((a, l) => a - Math.log(1 - sigmoid(l)), 0) / f.length;
      checkClose('loss', scalar(d(L(tf.tensor1d(r)), L(tf.tensor1d(f)))), expected, 1e-5, 1e-6);
    }),
    invariant('gradient is (σ(l_r) − 1)/n on reals and σ(l_f)/m on fakes', fc.tuple(batch(logit), batch(logit)), ([r, f]) => {
      checkAllClose('d/dl_r', gradValues((x) => d(L(x), L(tf.tensor1d(f))), r), r.map((l) => (sigmoid(l) - 1) / r.length), 1e-5, 1e-7);
      checkAllClose('d/dl_f', gradValues((x) => d(L(tf.tensor1d(r)), L(x)), f), f.map((l) => sigmoid(l) / f.length), 1e-5, 1e-7);
    }),
    invariant("reductions agree: 'sum' = n·'mean' on equal batches, 'none' sums to 'sum', unit weights change nothing", batch(logit, 1, 12).chain((r) => fc.tuple(fc.constant(r), batch(logit, r.length, r.length))), ([r, f]) => {
      const rt = L(tf.tensor1d(r));
      const ft = L(tf.tensor1d(f));
      const mean = scalar(d(rt, ft));
      const sum = scalar(d(rt, ft, { reduction: 'sum' }));
      const none = values(d(rt, ft, { reduction: 'none' }));
      const ones = asWeights(tf.onesLike(rt));
      checkClose("'sum' vs n·'mean'", sum, r.length * mean, 1e-5, 1e-5);
      checkClose("Σ 'none' vs 'sum'", none.reduce((a, b) => a + b, 0), sum, 1e-5, 1e-5);
      checkClose('unit weights', scalar(d(rt, ft, { weightsReal: ones, weightsFake: ones })), mean, 1e-6, 1e-6);
    }),
    invariant("weighted 'mean' is invariant to scaling all weights and to permuting examples with their weights", fc.tuple(batch(logit, 2, 12), uniform(0.01, 100)).chain(([r, c]) => fc.tuple(fc.constant(r), batch(weight, r.length, r.length), fc.constant(c), fc.shuffledSubarray(r.map((_, i) => i), { minLength: r.length, maxLength: r.length }))), ([r, w, c, perm]) => {
      const f = L(tf.tensor1d([0.25]));
      const base = scalar(d(L(tf.tensor1d(r)), f, { weightsReal: asWeights(tf.tensor1d(w)) }));
      const scaled = scalar(d(L(tf.tensor1d(r)), f, { weightsReal: asWeights(tf.tensor1d(w.map((x) => f32(x * c)))) }));
      const permuted = scalar(d(L(tf.tensor1d(perm.map((i) => r[i]!))), f, { weightsReal: asWeights(tf.tensor1d(perm.map((i) => w[i]!))) }));
      checkClose('scaled weights', scaled, base, 1e-5, 1e-5);
      checkClose('permuted batch', permuted, base, 1e-5, 1e-5);
    }),
    invariant('non-negative, and decreasing in every real logit and increasing in every fake logit', fc.tuple(batch(logit), batch(logit)), ([r, f]) => {
      checkThat(scalar(d(L(tf.tensor1d(r)), L(tf.tensor1d(f)))) >= 0, 'loss is negative');
      checkThat(gradValues((x) => d(L(x), L(tf.tensor1d(f))), r).every((g) => g <= 0), 'a real-logit gradient is positive');
      checkThat(gradValues((x) => d(L(tf.tensor1d(r)), L(x)), f).every((g) => g >= 0), 'a fake-logit gradient is negative');
    }),
  ];
}

function logitObjectiveSpec(id: string, title: string, reference: string, d: DLoss, g: GLoss, generatorInvariants: Invariant[]): Spec {
  return {
    id,
    title,
    reference,
    section: 'objectives',
    inputs: {
      logitsReal: { kind: 'logits', doc: 'discriminator logits on real data, [n]' },
      logitsFake: { kind: 'logits', doc: 'discriminator logits on generated data, [m]' },
      weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real batch' },
      weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake batch' },
    },
    params: { reduction: REDUCTION_PARAM },
    outputs: ['discriminator', 'generator'],
    evaluate: (x, p) => ({
      discriminator: d(L(x.logitsReal!), L(x.logitsFake!), lossOptions(x, p)),
      generator: g(L(x.logitsFake!), { reduction: lossOptions(x, p).reduction, weightsFake: lossOptions(x, p).weightsFake }),
    }),
    sample: twoBatchCases(LOGIT_NAMES, logit),
    edges: [
      twoBatchCase(LOGIT_NAMES, EDGE_LOGITS, [...EDGE_LOGITS].reverse(), 'edge: extreme logits ±1e4, ±104, ±88.7, ±20, ±0'),
      twoBatchCase(LOGIT_NAMES, [3, 3, 3], [3, 3, 3], 'edge: exact ties', 'sum'),
      twoBatchCase(LOGIT_NAMES, [0], [0], 'closed form: D = ½ gives 2·log 2'),
      twoBatchCase(LOGIT_NAMES, [-1e4, 1e4], [1e4, -1e4], "edge: ±1e4 with 'none'", 'none'),
    ],
    secondOrder: true,
    invariants: [
      ...logitDiscriminatorInvariants(d),
      ...generatorInvariants,
      invariant('generator loss is finite with finite gradients for every logit up to |l| = 1e4', batch(logit), (f) => {
        checkFinite('loss', values(g(L(tf.tensor1d(f)))));
        checkFinite('grad', gradValues((x) => g(L(x)), f));
      }),
      invariant('generator loss decreases as the discriminator is fooled (every fake logit up)', fc.tuple(batch(logit, 1, 8), uniform(0.5, 50)), ([f, delta]) => {
        const before = scalar(g(L(tf.tensor1d(f))));
        const after = scalar(g(L(tf.tensor1d(f.map((l) => f32(l + delta))))));
        checkThat(after <= before, `loss went up from ${before} to ${after} when every logit rose by ${delta}`);
      }),
    ],
    errors: twoBatchErrors(LOGIT_NAMES, (r, f, o) => d(L(r), L(f), o as never), (f, o) => g(L(f), o as never)),
    benchmark: () => benchCase({ logitsReal: uniformArray([BENCH.batch], -8, 8, 1), logitsFake: uniformArray([BENCH.batch], -8, 8, 2) }, { reduction: 'mean' }),
  };
}

export const minimax: Spec = logitObjectiveSpec(
  MINIMAX_ID,
  'Minimax GAN (saturating generator)',
  'Goodfellow et al. 2014, Generative Adversarial Nets, eq. 1',
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  [
    invariant('generator gradient is −σ(l_f)/m: it vanishes as D(G(z)) → 0 (saturation)', batch(logit), (f) => {
      const grads = gradValues((x) => minimaxGeneratorLoss(L(x)), f);
      checkAllClose('d/dl_f', grads, f.map((l) => -sigmoid(l) / f.length), 1e-5, 1e-7);
      f.forEach((l, i) => {
        if (l <= -20) checkThat(Math.abs(grads[i]! * f.length) < 1e-8, `gradient ${grads[i]} at l = ${l} has not vanished`);
      });
    }),
    invariant('generator loss equals E[log(1 − D(G(z)))] in float64 for moderate logits', batch(moderateLogit), (f) => {
      checkClose('loss', scalar(minimaxGeneratorLoss(L(tf.tensor1d(f)))), f.reduce((a, l) => a + Math.log(1 - sigmoid(l)), 0) / f.length, 1e-5, 1e-6);
    }),
  ],
);

export const nonSaturating: Spec = logitObjectiveSpec(
  NON_SATURATING_ID,
  'Non-saturating GAN',
  'Goodfellow et al. 2014, Generative Adversarial Nets, §3 (eq. 4 of Goodfellow 2016, NIPS tutorial)',
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  [
    invariant('generator gradient is (σ(l_f) − 1)/m: it tends to −1/m as D(G(z)) → 0, never vanishing there', batch(logit), (f) => {
      const grads = gradValues((x) => nonSaturatingGeneratorLoss(L(x)), f);
      checkAllClose('d/dl_f', grads, f.map((l) => (sigmoid(l) - 1) / f.length), 1e-5, 1e-7);
      f.forEach((l, i) => {
        if (l <= -20) checkClose(`m·d/dl_f at l = ${l}`, grads[i]! * f.length, -1, 1e-6, 1e-7);
      });
    }),
    invariant('generator loss equals −E[log D(G(z))] in float64 for moderate logits', batch(moderateLogit), (f) => {
      checkClose('loss', scalar(nonSaturatingGeneratorLoss(L(tf.tensor1d(f)))), -f.reduce((a, l) => a + Math.log(sigmoid(l)), 0) / f.length, 1e-5, 1e-6);
    }),
    invariant('same direction as the saturating loss: both fall as l_f rises, and their gradients have the same sign', batch(logit), (f) => {
      const ns = gradValues((x) => nonSaturatingGeneratorLoss(L(x)), f);
      const mm = gradValues((x) => minimaxGeneratorLoss(L(x)), f);
      ns.forEach((gn, i) => checkThat(gn <= 0 && mm[i]! <= 0, `gradients ${gn} and ${mm[i]} at l = ${f[i]} are not both ≤ 0`));
    }),
  ],
);

const C = (t: tf.Tensor) => asCriticScores(t);

export const wasserstein: Spec = {
  id: WASSERSTEIN_ID,
  title: 'Wasserstein GAN',
  reference: 'Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, eq. 3 and Algorithm 1',
  section: 'objectives',
  inputs: {
    criticReal: { kind: 'critic-scores', doc: 'critic scores on real data, [n]' },
    criticFake: { kind: 'critic-scores', doc: 'critic scores on generated data, [m]' },
    weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real batch' },
    weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake batch' },
  },
  params: { reduction: REDUCTION_PARAM },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    return {
      discriminator: wassersteinCriticLoss(C(x.criticReal!), C(x.criticFake!), o),
      generator: wassersteinGeneratorLoss(C(x.criticFake!), { reduction: o.reduction, weightsFake: o.weightsFake }),
    };
  },
  sample: twoBatchCases(CRITIC_NAMES, criticScore),
  edges: [
    twoBatchCase(CRITIC_NAMES, [1e4, -1e4, 0], [-1e4, 1e4, 0], 'edge: ±1e4 scores'),
    twoBatchCase(CRITIC_NAMES, [2, 2], [2, 2], 'edge: equal critics give 0', 'none'),
  ],
  secondOrder: true,
  invariants: [
    invariant('critic loss is E[c_f] − E[c_r]', fc.tuple(batch(criticScore), batch(criticScore)), ([r, f]) => {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const scale = Math.max(1, ...r.map(Math.abs), ...f.map(Math.abs));
      checkClose('loss', scalar(wassersteinCriticLoss(C(tf.tensor1d(r)), C(tf.tensor1d(f)))), mean(f) - mean(r), 1e-5, 1e-6 * scale);
    }),
    invariant('critic loss is invariant to adding a constant to the critic', fc.tuple(batch(uniform(-10, 10)), batch(uniform(-10, 10)), uniform(-100, 100)), ([r, f, k]) => {
      const base = scalar(wassersteinCriticLoss(C(tf.tensor1d(r)), C(tf.tensor1d(f))));
      const shifted = scalar(wassersteinCriticLoss(C(tf.tensor1d(r.map((x) => f32(x + k)))), C(tf.tensor1d(f.map((x) => f32(x + k))))));
      checkClose('shifted loss', shifted, base, 1e-4, 1e-4);
    }),
    invariant('swapping real and fake negates the critic loss', fc.tuple(batch(criticScore), batch(criticScore)), ([r, f]) => {
      const a = scalar(wassersteinCriticLoss(C(tf.tensor1d(r)), C(tf.tensor1d(f))));
      const b = scalar(wassersteinCriticLoss(C(tf.tensor1d(f)), C(tf.tensor1d(r))));
      checkThat(a === -b, `loss ${a} and swapped loss ${b} are not negatives`);
    }),
    invariant('gradients are −1/n on reals, +1/m on fakes; the generator gradient is −1/m', fc.tuple(batch(criticScore), batch(criticScore)), ([r, f]) => {
      checkAllClose('d/dc_r', gradValues((x) => wassersteinCriticLoss(C(x), C(tf.tensor1d(f))), r), r.map(() => -1 / r.length), 1e-6, 0);
      checkAllClose('d/dc_f', gradValues((x) => wassersteinCriticLoss(C(tf.tensor1d(r)), C(x)), f), f.map(() => 1 / f.length), 1e-6, 0);
      checkAllClose('generator d/dc_f', gradValues((x) => wassersteinGeneratorLoss(C(x)), f), f.map(() => -1 / f.length), 1e-6, 0);
    }),
  ],
  errors: twoBatchErrors(CRITIC_NAMES, (r, f, o) => wassersteinCriticLoss(C(r), C(f), o as never), (f, o) => wassersteinGeneratorLoss(C(f), o as never)),
  benchmark: () => benchCase({ criticReal: uniformArray([BENCH.batch], -10, 10, 1), criticFake: uniformArray([BENCH.batch], -10, 10, 2) }, { reduction: 'mean' }),
};
