import * as tf from '@tensorflow/tfjs-core';
import type { CriticScores, Reduced } from '../types.js';
import { checkNumber } from '../validate.js';
import {
  discriminatorLoss,
  generatorLoss,
  splitOptions,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/least-squares`; errors from these functions name it. */
export const LEAST_SQUARES_ID = 'objective/least-squares';

/** Options of the least-squares discriminator loss: the coding a (fake) and b (real). */
export interface LeastSquaresDiscriminatorOptions extends DiscriminatorLossOptions {
  /** Target of the discriminator on generated data, a finite number (default 0). */
  a?: number;
  /** Target of the discriminator on real data, a finite number (default 1). */
  b?: number;
}

/** Options of the least-squares generator loss: the value c the generator wants D to give its samples. */
export interface LeastSquaresGeneratorOptions extends GeneratorLossOptions {
  /** Target of the generator on generated data, a finite number (default 1). */
  c?: number;
}

/**
 * ½(s − t)², a square of a difference (no expansion, so no cancellation), in one SquaredDifference
 * kernel rather than Sub then Square: the same float32 operations, so the same bits, forward and
 * backward (the factors 2 and ½ are exact), with one kernel fewer each way.
 */
const halfSquaredError = (target: number) => (s: tf.Tensor) => tf.mul(0.5, tf.squaredDifference(s, target));

/**
 * Least-squares GAN discriminator loss (Mao et al. 2017, Least Squares Generative Adversarial
 * Networks, eq. 2):
 *
 *   L_D = ½·E[(D(x) − b)²] + ½·E[(D(G(z)) − a)²]
 *
 * with the a-b coding of the paper: a the target for fake data, b for real data (defaults a = 0,
 * b = 1, the 0-1 coding of the paper's eq. 9; a = −1, b = 1 with c = 0 is the coding under which
 * the generator minimises a Pearson χ² divergence, §3.2.2). D is the RAW discriminator output,
 * the last linear layer with no sigmoid, hence `CriticScores` rather than `Logits`: the loss
 * squares the score itself. The optimal discriminator is D*(x) = (b·p_d(x) + a·p_g(x)) / (p_d(x) +
 * p_g(x)) (the paper's eq. 4). Same value as TF-GAN's `least_squares_discriminator_loss`
 * (`real_label` = b, `fake_label` = a), which however reduces by SUM_BY_NONZERO_WEIGHTS by
 * default; ours is the weighted mean.
 *
 * @param criticReal raw discriminator outputs on real data, shape [n, ...]
 * @param criticFake raw discriminator outputs on generated data, shape [m, ...]
 * @param options a, b; reduction ('mean' default, 'sum', 'none' — needs n = m) and per-example weights
 */
export function leastSquaresDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: Reduced<LeastSquaresDiscriminatorOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function leastSquaresDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options: LeastSquaresDiscriminatorOptions,
): tf.Tensor;
export function leastSquaresDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: LeastSquaresDiscriminatorOptions,
): tf.Tensor {
  const { own, rest } = splitOptions(options, ['a', 'b'] as const);
  const fakeTarget = checkNumber(LEAST_SQUARES_ID, 'a', own.a ?? 0);
  const realTarget = checkNumber(LEAST_SQUARES_ID, 'b', own.b ?? 1);
  return discriminatorLoss(
    LEAST_SQUARES_ID,
    ['criticReal', 'criticFake'],
    criticReal,
    criticFake,
    rest,
    halfSquaredError(realTarget),
    halfSquaredError(fakeTarget),
  );
}

/**
 * Least-squares GAN generator loss (Mao et al. 2017, eq. 2): L_G = ½·E[(D(G(z)) − c)²], with c
 * the value the generator wants the discriminator to believe for fake data (default 1).
 *
 * Mao et al.'s theorem (§3.2.2) adds ½·E_x[(D(x) − c)²] to this criterion, a term constant in G;
 * with b − c = 1 and b − a = 2 the sum at D* is ½·χ²_Pearson(p_d + p_g ‖ 2p_g). Same value as
 * TF-GAN's `least_squares_generator_loss` (`real_label` = c), up to its default reduction.
 *
 * @param criticFake raw discriminator outputs on generated data, shape [m, ...]
 * @param options c; reduction and per-example weights
 */
export function leastSquaresGeneratorLoss(
  criticFake: CriticScores,
  options?: Reduced<LeastSquaresGeneratorOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function leastSquaresGeneratorLoss(criticFake: CriticScores, options: LeastSquaresGeneratorOptions): tf.Tensor;
export function leastSquaresGeneratorLoss(criticFake: CriticScores, options?: LeastSquaresGeneratorOptions): tf.Tensor {
  const { own, rest } = splitOptions(options, ['c'] as const);
  const target = checkNumber(LEAST_SQUARES_ID, 'c', own.c ?? 1);
  return generatorLoss(LEAST_SQUARES_ID, 'criticFake', criticFake, rest, halfSquaredError(target));
}
