import * as tf from '@tensorflow/tfjs-core';
import type { CriticScores, Reduced } from '../types.js';
import {
  discriminatorLoss,
  generatorLoss,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/wasserstein`; errors from these functions name it. */
export const WASSERSTEIN_ID = 'objective/wasserstein';

/**
 * Wasserstein GAN critic loss (Arjovsky et al. 2017, eq. 3 and Algorithm 1):
 *
 *   L_C = E[c(G(z))] − E[c(x)]
 *
 * the negative of the Kantorovich–Rubinstein estimate of W1 for a 1-Lipschitz critic c (keep it
 * Lipschitz with a gradient penalty, weight clipping or spectral normalisation). Invariant to
 * adding a constant to the critic. Same sign convention as TF-GAN's
 * `wasserstein_discriminator_loss`.
 *
 * @param criticReal critic scores on real data, shape [n, ...]
 * @param criticFake critic scores on generated data, shape [m, ...]
 * @param options reduction ('mean' default, 'sum', 'none' — needs n = m) and per-example weights
 */
export function wassersteinCriticLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: Reduced<DiscriminatorLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function wassersteinCriticLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options: DiscriminatorLossOptions,
): tf.Tensor;
export function wassersteinCriticLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: DiscriminatorLossOptions,
): tf.Tensor {
  return discriminatorLoss(
    WASSERSTEIN_ID,
    ['criticReal', 'criticFake'],
    criticReal,
    criticFake,
    options,
    (c) => tf.neg(c),
    (c) => c,
  );
}

/**
 * Wasserstein GAN generator loss (Arjovsky et al. 2017, Algorithm 1): L_G = −E[c(G(z))].
 *
 * @param criticFake critic scores on generated data, shape [m, ...]
 * @param options reduction and per-example weights
 */
export function wassersteinGeneratorLoss(criticFake: CriticScores, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function wassersteinGeneratorLoss(criticFake: CriticScores, options: GeneratorLossOptions): tf.Tensor;
export function wassersteinGeneratorLoss(criticFake: CriticScores, options?: GeneratorLossOptions): tf.Tensor {
  return generatorLoss(WASSERSTEIN_ID, 'criticFake', criticFake, options, (c) => tf.neg(c));
}
