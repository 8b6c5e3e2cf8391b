import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  asCriticScores,
  asLogits,
  featureMatchingLoss,
  asFeatures,
  gradientPenalty,
  hingeDiscriminatorLoss,
  minimaxDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  relativisticDiscriminatorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
  type Reduction,
} from '../src/index.js';

// Compile-time tests, checked by `tsc --noEmit` (strict) in `npm test`: a reduced loss is a
// `tf.Scalar`, so `optimizer.minimize(() => loss(…))` compiles with no cast; 'none' gives a
// `tf.Tensor`, which minimize refuses (each @ts-expect-error line must fail to compile). The
// runtime part trains one step so the code is also exercised.
test('reduced losses are tf.Scalar: optimizer.minimize(() => loss(…)) compiles without casts', () => {
  const w = tf.variable(tf.tensor2d([[0.5], [-0.25]]));
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const optimizer = tf.train.adam(1e-3);
  const scores = () => asCriticScores(tf.squeeze(tf.matMul(x, w), [1]));

  optimizer.minimize(
    () =>
      tf.add(
        wassersteinCriticLoss(scores(), scores()),
        gradientPenalty((t) => tf.squeeze(tf.matMul(t, w), [1]), x, x),
      ),
    false,
    [w],
  );
  optimizer.minimize(() => wassersteinGeneratorLoss(scores()), false, [w]);
  optimizer.minimize(() => wassersteinCriticLoss(scores(), scores(), { reduction: 'sum' }), false, [w]);
  optimizer.minimize(() => wassersteinCriticLoss(scores(), scores(), { reduction: tf.Reduction.MEAN }), false, [w]);
  optimizer.minimize(() => hingeDiscriminatorLoss(scores(), scores(), { weightsReal: 2 }), false, [w]);
  optimizer.minimize(() => relativisticDiscriminatorLoss(scores(), scores(), { variant: 'average' }), false, [w]);
  optimizer.minimize(() => minimaxDiscriminatorLoss(asLogits(scores()), asLogits(scores())), false, [w]);
  optimizer.minimize(() => nonSaturatingGeneratorLoss(asLogits(scores())), false, [w]);
  optimizer.minimize(() => featureMatchingLoss(asFeatures(tf.matMul(x, w)), asFeatures(tf.ones([3, 1]))), false, [w]);

  const perExample: tf.Tensor = tf.tidy(() => wassersteinGeneratorLoss(scores(), { reduction: 'none' }));
  expect(perExample.shape).toEqual([2]);
  perExample.dispose();
  // @ts-expect-error 'none' is the per-example tensor, not a scalar
  const notScalar: tf.Scalar = tf.tidy(() => wassersteinGeneratorLoss(scores(), { reduction: 'none' }));
  notScalar.dispose();
  // Compiled, never run (minimize would throw on a per-example tensor):
  const refused = () => {
    // @ts-expect-error TF.js's enum NONE is the per-example tensor too
    optimizer.minimize(() => wassersteinGeneratorLoss(scores(), { reduction: tf.Reduction.NONE }), false, [w]);
  };
  expect(typeof refused).toBe('function');
  const dynamic = 'sum' as Reduction;
  // @ts-expect-error a reduction known only at run time may be 'none'
  tf.dispose(tf.tidy((): tf.Scalar => wassersteinGeneratorLoss(scores(), { reduction: dynamic })));

  optimizer.dispose();
  tf.dispose([w, x]);
});
