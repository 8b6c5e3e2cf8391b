import * as tf from '@tensorflow/tfjs-core';
import type { Logits, Reduced } from '../types.js';
import { checkNumber } from '../validate.js';
import {
  discriminatorLoss,
  generatorLoss,
  splitOptions,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/label-smoothing`; errors from these functions name it. */
export const LABEL_SMOOTHING_ID = 'objective/label-smoothing';

/** Options of the one-sided label-smoothing discriminator loss. */
export interface LabelSmoothingDiscriminatorOptions extends DiscriminatorLossOptions {
  /** The target for real data, α ∈ (0, 1] (default 0.9); fakes keep the target 0. α = 1 is no smoothing. */
  alpha?: number;
}

/**
 * Discriminator loss with one-sided label smoothing (Salimans et al. 2016, Improved Techniques for
 * Training GANs, §3.4), from logits: binary cross-entropy with target α for real data and 0 for
 * generated data,
 *
 *   L_D = E[α·softplus(−l_r) + (1 − α)·softplus(l_r)] + E[softplus(l_f)]
 *       = −E[α·log D(x) + (1 − α)·log(1 − D(x))] − E[log(1 − D(G(z)))]
 *
 * The optimal discriminator becomes D*(x) = α·p_d(x) / (p_d(x) + p_g(x)): the paper's
 * (α·p_d + β·p_g)/(p_d + p_g) with β = 0, which is why only the real labels are smoothed (a
 * β > 0 would reward the generator for staying where p_d = 0). α = 1 gives the non-saturating
 * (and minimax) discriminator loss exactly. Both terms of the real loss are non-negative, so the
 * sum has no cancellation for any finite logit (the equivalent softplus(l) − α·l cancels at large
 * l when α is close to 1).
 *
 * TF-GAN's `label_smoothing` s (default 0.25 in `modified_discriminator_loss` and
 * `minimax_discriminator_loss`) is a different parameter: `tf.losses.sigmoid_cross_entropy`
 * smooths the real label 1 toward ½, to 1·(1 − s) + ½·s = 1 − s/2. So α = 1 − s/2 and s = 2(1 − α):
 * TF-GAN's default s = 0.25 is α = 0.875, and our default α = 0.9 is s = 0.2. torchgan's
 * `minimax_discriminator_loss(…, label_smoothing=s)` smooths toward 0 instead, to the target
 * 1 − s: there α = 1 − s (default s = 0, no smoothing).
 *
 * @param logitsReal discriminator logits on real data, shape [n, ...]
 * @param logitsFake discriminator logits on generated data, shape [m, ...]
 * @param options alpha; reduction ('mean' default, 'sum', 'none' — needs n = m) and per-example weights
 */
export function labelSmoothingDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options?: Reduced<LabelSmoothingDiscriminatorOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function labelSmoothingDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options: LabelSmoothingDiscriminatorOptions,
): tf.Tensor;
export function labelSmoothingDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options?: LabelSmoothingDiscriminatorOptions,
): tf.Tensor {
  const { own, rest } = splitOptions(options, ['alpha'] as const);
  const alpha = checkNumber(LABEL_SMOOTHING_ID, 'alpha', own.alpha ?? 0.9, { min: 0, minExclusive: true, max: 1 });
  // 1 − α is formed in float64 before it becomes a float32 scalar, so it is accurate even for α near 1.
  const realTerm = (l: tf.Tensor) => tf.add(tf.mul(alpha, tf.softplus(tf.neg(l))), tf.mul(1 - alpha, tf.softplus(l)));
  return discriminatorLoss(
    LABEL_SMOOTHING_ID,
    ['logitsReal', 'logitsFake'],
    logitsReal,
    logitsFake,
    rest,
    realTerm,
    (l) => tf.softplus(l),
  );
}

/**
 * Generator loss of the label-smoothing GAN: the non-saturating loss L_G = −E[log D(G(z))] =
 * E[softplus(−l_f)] (Goodfellow et al. 2014, §3), unchanged by one-sided smoothing, which only
 * touches the discriminator's real targets (Salimans et al. 2016, §3.4). TF-GAN's
 * `modified_generator_loss` equals it with its default `label_smoothing` = 0.
 *
 * @param logitsFake discriminator logits on generated data, shape [m, ...]
 * @param options reduction and per-example weights
 */
export function labelSmoothingGeneratorLoss(logitsFake: Logits, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function labelSmoothingGeneratorLoss(logitsFake: Logits, options: GeneratorLossOptions): tf.Tensor;
export function labelSmoothingGeneratorLoss(logitsFake: Logits, options?: GeneratorLossOptions): tf.Tensor {
  return generatorLoss(LABEL_SMOOTHING_ID, 'logitsFake', logitsFake, options, (l) => tf.softplus(tf.neg(l)));
}
