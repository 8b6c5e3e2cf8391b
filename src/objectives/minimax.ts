import * as tf from '@tensorflow/tfjs-core';
import type { Logits, Reduced } from '../types.js';
import {
  discriminatorLoss,
  generatorLoss,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/minimax`; errors from these functions name it. */
export const MINIMAX_ID = 'objective/minimax';

/**
 * Discriminator loss of the original GAN game (Goodfellow et al. 2014, eq. 1), from logits:
 *
 *   L_D = −E[log D(x)] − E[log(1 − D(G(z)))] = E[softplus(−l_r)] + E[softplus(l_f)]
 *
 * using −log sigmoid(l) = softplus(−l) and −log(1 − sigmoid(l)) = softplus(l), so it is finite
 * and exact for every finite logit (no log(D + ε) clamp). This is the binary cross-entropy with
 * targets 1 for real and 0 for fake, PyTorch's `BCEWithLogitsLoss` summed over the two batches
 * (each batch reduced on its own), and torchgan's `minimax_discriminator_loss` (its default
 * `label_smoothing=0`). TF-GAN's `minimax_discriminator_loss` and `modified_discriminator_loss`
 * equal it only with `label_smoothing=0`: their default 0.25 smooths the real target to
 * 1 − 0.25/2 = 0.875, which is `labelSmoothingDiscriminatorLoss` with α = 0.875.
 *
 * @param logitsReal discriminator logits on real data, shape [n, ...]
 * @param logitsFake discriminator logits on generated data, shape [m, ...]
 * @param options reduction ('mean' default, 'sum', 'none' — needs n = m) and per-example weights
 */
export function minimaxDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options?: Reduced<DiscriminatorLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function minimaxDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options: DiscriminatorLossOptions,
): tf.Tensor;
export function minimaxDiscriminatorLoss(
  logitsReal: Logits,
  logitsFake: Logits,
  options?: DiscriminatorLossOptions,
): tf.Tensor {
  return discriminatorLoss(
    MINIMAX_ID,
    ['logitsReal', 'logitsFake'],
    logitsReal,
    logitsFake,
    options,
    (l) => tf.softplus(tf.neg(l)),
    (l) => tf.softplus(l),
  );
}

/**
 * Saturating generator loss of the original minimax game (Goodfellow et al. 2014, eq. 1):
 *
 *   L_G = E[log(1 − D(G(z)))] = −E[softplus(l_f)]
 *
 * Its gradient in l is −sigmoid(l) → 0 as D(G(z)) → 0: the generator learns nothing exactly when
 * the discriminator wins, which is why the paper proposes the non-saturating loss. torchgan's
 * `minimax_generator_loss(…, nonsaturating=False)` equals this value. TF-GAN's
 * `minimax_generator_loss` does not: it is −`minimax_discriminator_loss` called with the constant
 * logits 1 in place of the real outputs, so it adds −softplus(−1) = −log(1 + e⁻¹) ≈ −0.3133 to
 * this value (the same gradients; −n·0.3133 under its `SUM` reduction). No constant is added here.
 *
 * @param logitsFake discriminator logits on generated data, shape [m, ...]
 * @param options reduction and per-example weights
 */
export function minimaxGeneratorLoss(logitsFake: Logits, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function minimaxGeneratorLoss(logitsFake: Logits, options: GeneratorLossOptions): tf.Tensor;
export function minimaxGeneratorLoss(logitsFake: Logits, options?: GeneratorLossOptions): tf.Tensor {
  return generatorLoss(MINIMAX_ID, 'logitsFake', logitsFake, options, (l) => tf.neg(tf.softplus(l)));
}
