import { defineSpec } from '../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, EDGE_LOGITS, f32, logit, moderateLogit, uniform, weight } from '../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../bench.js';
import { REDUCTION_PARAM } from '../decls.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import { sigmoid64 } from '../reference64.js';
import {
  bareCallInvariant,
  LOGIT_NAMES,
  lossOptions,
  twoBatchCase,
  twoBatchCases,
  twoBatchErrors,
} from './two-batch.js';
import { gradValues } from '../tensors.js';
import type { Invariant, Spec } from '../types.js';
import type { RawDiscriminator, RawGenerator } from './two-batch.js';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss } from '../../objectives/index.js';
import { asLogits, asWeights } from '../../types.js';

/** The logit objectives (minimax, non-saturating): one record template with the shared discriminator invariants. */

export type DLoss = typeof minimaxDiscriminatorLoss;

export type GLoss = typeof minimaxGeneratorLoss;

/** Invariants of the shared discriminator loss E[softplus(−l_r)] + E[softplus(l_f)]. */
export function logitDiscriminatorInvariants(d: DLoss): Invariant[] {
  return [
    invariant(
      'finite value and gradient for every logit up to |l| = 1e4',
      fc.tuple(batch(logit), batch(logit)),
      ([r, f]) => {
        checkFinite('loss', values(d(asLogits(tf.tensor1d(r)), asLogits(tf.tensor1d(f)))));
        checkFinite(
          'grad real',
          gradValues((x) => d(asLogits(x), asLogits(tf.tensor1d(f))), r),
        );
        checkFinite(
          'grad fake',
          gradValues((x) => d(asLogits(tf.tensor1d(r)), asLogits(x)), f),
        );
      },
    ),
    invariant(
      'equals the binary cross-entropy −log D(x_r) − log(1 − D(x_f)) in float64',
      fc.tuple(batch(moderateLogit), batch(moderateLogit)),
      ([r, f]) => {
        const expected =
          r.reduce((a, l) => a - Math.log(sigmoid64(l)), 0) / r.length +
          f.reduce((a, l) => a - Math.log(1 - sigmoid64(l)), 0) / f.length;
        checkClose('loss', scalar(d(asLogits(tf.tensor1d(r)), asLogits(tf.tensor1d(f)))), expected, 1e-5, 1e-6);
      },
    ),
    invariant(
      'gradient is (σ(l_r) − 1)/n on reals and σ(l_f)/m on fakes',
      fc.tuple(batch(logit), batch(logit)),
      ([r, f]) => {
        checkAllClose(
          'd/dl_r',
          gradValues((x) => d(asLogits(x), asLogits(tf.tensor1d(f))), r),
          r.map((l) => (sigmoid64(l) - 1) / r.length),
          1e-5,
          1e-7,
        );
        checkAllClose(
          'd/dl_f',
          gradValues((x) => d(asLogits(tf.tensor1d(r)), asLogits(x)), f),
          f.map((l) => sigmoid64(l) / f.length),
          1e-5,
          1e-7,
        );
      },
    ),
    invariant(
      "reductions agree: 'sum' = n·'mean' on equal batches, 'none' sums to 'sum', unit weights change nothing",
      batch(logit, 1, 12).chain((r) => fc.tuple(fc.constant(r), batch(logit, r.length, r.length))),
      ([r, f]) => {
        const rt = asLogits(tf.tensor1d(r));
        const ft = asLogits(tf.tensor1d(f));
        const mean = scalar(d(rt, ft));
        const sum = scalar(d(rt, ft, { reduction: 'sum' }));
        const none = values(d(rt, ft, { reduction: 'none' }));
        const ones = asWeights(tf.onesLike(rt));
        checkClose("'sum' vs n·'mean'", sum, r.length * mean, 1e-5, 1e-5);
        checkClose(
          "Σ 'none' vs 'sum'",
          none.reduce((a, b) => a + b, 0),
          sum,
          1e-5,
          1e-5,
        );
        checkClose('unit weights', scalar(d(rt, ft, { weightsReal: ones, weightsFake: ones })), mean, 1e-6, 1e-6);
      },
    ),
    invariant(
      "weighted 'mean' is invariant to scaling all weights and to permuting examples with their weights",
      fc.tuple(batch(logit, 2, 12), uniform(0.01, 100)).chain(([r, c]) =>
        fc.tuple(
          fc.constant(r),
          batch(weight, r.length, r.length),
          fc.constant(c),
          fc.shuffledSubarray(
            r.map((_, i) => i),
            { minLength: r.length, maxLength: r.length },
          ),
        ),
      ),
      ([r, w, c, perm]) => {
        const f = asLogits(tf.tensor1d([0.25]));
        const base = scalar(d(asLogits(tf.tensor1d(r)), f, { weightsReal: asWeights(tf.tensor1d(w)) }));
        const scaled = scalar(
          d(asLogits(tf.tensor1d(r)), f, { weightsReal: asWeights(tf.tensor1d(w.map((x) => f32(x * c)))) }),
        );
        const permuted = scalar(
          d(asLogits(tf.tensor1d(perm.map((i) => r[i]!))), f, {
            weightsReal: asWeights(tf.tensor1d(perm.map((i) => w[i]!))),
          }),
        );
        checkClose('scaled weights', scaled, base, 1e-5, 1e-5);
        checkClose('permuted batch', permuted, base, 1e-5, 1e-5);
      },
    ),
    invariant(
      'non-negative, and decreasing in every real logit and increasing in every fake logit',
      fc.tuple(batch(logit), batch(logit)),
      ([r, f]) => {
        checkThat(scalar(d(asLogits(tf.tensor1d(r)), asLogits(tf.tensor1d(f)))) >= 0, 'loss is negative');
        checkThat(
          gradValues((x) => d(asLogits(x), asLogits(tf.tensor1d(f))), r).every((g) => g <= 0),
          'a real-logit gradient is positive',
        );
        checkThat(
          gradValues((x) => d(asLogits(tf.tensor1d(r)), asLogits(x)), f).every((g) => g >= 0),
          'a fake-logit gradient is negative',
        );
      },
    ),
  ];
}

export function logitObjectiveSpec(
  id: string,
  title: string,
  reference: string,
  d: DLoss,
  g: GLoss,
  generatorInvariants: Invariant[],
): Spec {
  const raw: RawDiscriminator = (r, f, o) => d(asLogits(r), asLogits(f), o as never);
  const rawG: RawGenerator = (f, o) => g(asLogits(f), o as never);
  return defineSpec({
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
      discriminator: d(x.logitsReal, x.logitsFake, lossOptions(x, p)),
      generator: g(x.logitsFake, {
        reduction: lossOptions(x, p).reduction,
        weightsFake: lossOptions(x, p).weightsFake,
      }),
    }),
    sample: twoBatchCases(LOGIT_NAMES, logit),
    edges: [
      twoBatchCase(
        LOGIT_NAMES,
        EDGE_LOGITS,
        [...EDGE_LOGITS].reverse(),
        'edge: extreme logits ±1e4, ±104, ±88.7, ±20, ±0',
      ),
      twoBatchCase(LOGIT_NAMES, [3, 3, 3], [3, 3, 3], 'edge: exact ties', 'sum'),
      twoBatchCase(LOGIT_NAMES, [0], [0], 'closed form: D = ½ gives 2·log 2'),
      twoBatchCase(LOGIT_NAMES, [-1e4, 1e4], [1e4, -1e4], "edge: ±1e4 with 'none'", 'none'),
    ],
    secondOrder: true,
    invariants: [
      ...logitDiscriminatorInvariants(d),
      ...generatorInvariants,
      invariant('generator loss is finite with finite gradients for every logit up to |l| = 1e4', batch(logit), (f) => {
        checkFinite('loss', values(g(asLogits(tf.tensor1d(f)))));
        checkFinite(
          'grad',
          gradValues((x) => g(asLogits(x)), f),
        );
      }),
      bareCallInvariant(logit, raw, rawG),
      invariant(
        'generator loss decreases as the discriminator is fooled (every fake logit up)',
        fc.tuple(batch(logit, 1, 8), uniform(0.5, 50)),
        ([f, delta]) => {
          const before = scalar(g(asLogits(tf.tensor1d(f))));
          const after = scalar(g(asLogits(tf.tensor1d(f.map((l) => f32(l + delta))))));
          checkThat(after <= before, `loss went up from ${before} to ${after} when every logit rose by ${delta}`);
        },
      ),
    ],
    errors: twoBatchErrors(LOGIT_NAMES, raw, rawG),
    benchmark: () =>
      benchCase(
        { logitsReal: uniformArray([BENCH.batch], -8, 8, 1), logitsFake: uniformArray([BENCH.batch], -8, 8, 2) },
        { reduction: 'mean' },
      ),
  });
}
