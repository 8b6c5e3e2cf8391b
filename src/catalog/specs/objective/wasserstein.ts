import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, criticScore, f32, uniform } from '../../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import {
  bareCallInvariant,
  CRITIC_NAMES,
  lossOptions,
  type RawDiscriminator,
  type RawGenerator,
  twoBatchCase,
  twoBatchCases,
  twoBatchErrors,
} from '../../templates/two-batch.js';
import { gradValues } from '../../tensors.js';
import type { Spec } from '../../types.js';
import { WASSERSTEIN_ID, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../../../objectives/index.js';
import { asCriticScores } from '../../../types.js';

const rawD: RawDiscriminator = (r, f, o) => wassersteinCriticLoss(asCriticScores(r), asCriticScores(f), o as never);
const rawG: RawGenerator = (f, o) => wassersteinGeneratorLoss(asCriticScores(f), o as never);

export const wasserstein: Spec = defineSpec({
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
      discriminator: wassersteinCriticLoss(x.criticReal, x.criticFake, o),
      generator: wassersteinGeneratorLoss(x.criticFake, { reduction: o.reduction, weightsFake: o.weightsFake }),
    };
  },
  sample: twoBatchCases(CRITIC_NAMES, criticScore),
  edges: [
    twoBatchCase(CRITIC_NAMES, [1e4, -1e4, 0], [-1e4, 1e4, 0], 'edge: ±1e4 scores'),
    twoBatchCase(CRITIC_NAMES, [2, 2], [2, 2], 'edge: equal critics give 0', 'none'),
  ],
  secondOrder: true,
  invariants: [
    bareCallInvariant(criticScore, rawD, rawG),
    invariant('critic loss is E[c_f] − E[c_r]', fc.tuple(batch(criticScore), batch(criticScore)), ([r, f]) => {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const scale = Math.max(1, ...r.map(Math.abs), ...f.map(Math.abs));
      checkClose(
        'loss',
        scalar(wassersteinCriticLoss(asCriticScores(tf.tensor1d(r)), asCriticScores(tf.tensor1d(f)))),
        mean(f) - mean(r),
        1e-5,
        1e-6 * scale,
      );
    }),
    invariant(
      'critic loss is invariant to adding a constant to the critic',
      fc.tuple(batch(uniform(-10, 10)), batch(uniform(-10, 10)), uniform(-100, 100)),
      ([r, f, k]) => {
        const base = scalar(wassersteinCriticLoss(asCriticScores(tf.tensor1d(r)), asCriticScores(tf.tensor1d(f))));
        const shifted = scalar(
          wassersteinCriticLoss(
            asCriticScores(tf.tensor1d(r.map((x) => f32(x + k)))),
            asCriticScores(tf.tensor1d(f.map((x) => f32(x + k)))),
          ),
        );
        checkClose('shifted loss', shifted, base, 1e-4, 1e-4);
      },
    ),
    invariant(
      'swapping real and fake negates the critic loss',
      fc.tuple(batch(criticScore), batch(criticScore)),
      ([r, f]) => {
        const a = scalar(wassersteinCriticLoss(asCriticScores(tf.tensor1d(r)), asCriticScores(tf.tensor1d(f))));
        const b = scalar(wassersteinCriticLoss(asCriticScores(tf.tensor1d(f)), asCriticScores(tf.tensor1d(r))));
        checkThat(a === -b, `loss ${a} and swapped loss ${b} are not negatives`);
      },
    ),
    invariant(
      'gradients are −1/n on reals, +1/m on fakes; the generator gradient is −1/m',
      fc.tuple(batch(criticScore), batch(criticScore)),
      ([r, f]) => {
        checkAllClose(
          'd/dc_r',
          gradValues((x) => wassersteinCriticLoss(asCriticScores(x), asCriticScores(tf.tensor1d(f))), r),
          r.map(() => -1 / r.length),
          1e-6,
          0,
        );
        checkAllClose(
          'd/dc_f',
          gradValues((x) => wassersteinCriticLoss(asCriticScores(tf.tensor1d(r)), asCriticScores(x)), f),
          f.map(() => 1 / f.length),
          1e-6,
          0,
        );
        checkAllClose(
          'generator d/dc_f',
          gradValues((x) => wassersteinGeneratorLoss(asCriticScores(x)), f),
          f.map(() => -1 / f.length),
          1e-6,
          0,
        );
      },
    ),
  ],
  errors: twoBatchErrors(CRITIC_NAMES, rawD, rawG),
  benchmark: () =>
    benchCase(
      { criticReal: uniformArray([BENCH.batch], -10, 10, 1), criticFake: uniformArray([BENCH.batch], -10, 10, 2) },
      { reduction: 'mean' },
    ),
});
