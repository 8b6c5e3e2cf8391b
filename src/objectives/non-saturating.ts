import * as tf from '@tensorflow/tfjs-core';
import type { Logits, Reduced } from '../types.js';
import {
  discriminatorLoss,
  generatorLoss,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/non-saturating`; errors from these functions name it. */
export const NON_SATURATING_ID = 'objective/non-saturating';

/**
 * Discriminator loss of the non-saturating GAN: the same as the minimax one (Goodfellow et al.
 * 2014, eq. 1), E[softplus(−l_r)] + E[softplus(l_f)].
 *
 * @param logitsReal discriminator logits on real data, shape [n, ...]
 * @param logitsFake discriminator logits on generated data, shape [m, ...]
 * @param options reduction ('mean' default, 'sum', 'none' — needs n = m) and per-example weights
 */
export function nonSaturatingDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options?: Reduced<DiscriminatorLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function nonSaturatingDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options: DiscriminatorLossOptions,
): tf.Tensor;
export function nonSaturatingDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options?: DiscriminatorLossOptions,
): tf.Tensor {
  return discriminatorLoss(
    NON_SATURATING_ID,
    ['logitsReal', 'logitsFake'],
    logitsReal,
    logitsFake,
    options,
    (l) => tf.softplus(tf.neg(l)),
    (l) => tf.softplus(l),
  );
}

/**
 * Non-saturating generator loss (Goodfellow et al. 2014, §3; eq. 4 of Goodfellow's 2016 survey):
 *
 *   L_G = −E[log D(G(z))] = E[softplus(−l_f)]
 *
 * Its gradient in l is sigmoid(l) − 1 → −1 as D(G(z)) → 0, so the generator keeps learning when
 * the discriminator rejects its samples. Equals TF-GAN's `modified_generator_loss` (with its
 * default `label_smoothing=0`; without weights its default reduction is this mean) and
 * torchgan's `minimax_generator_loss` (default `nonsaturating=True`).
 *
 * @param logitsFake discriminator logits on generated data, shape [m, ...]
 * @param options reduction and per-example weights
 */
export function nonSaturatingGeneratorLoss(logitsFake: Logits, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function nonSaturatingGeneratorLoss(logitsFake: Logits, options: GeneratorLossOptions): tf.Tensor;
export function nonSaturatingGeneratorLoss(logitsFake: Logits, options?: GeneratorLossOptions): tf.Tensor {
  return generatorLoss(NON_SATURATING_ID, 'logitsFake', logitsFake, options, (l) => tf.softplus(tf.neg(l)));
}
