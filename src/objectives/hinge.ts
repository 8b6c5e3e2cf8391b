import * as tf from '@tensorflow/tfjs-core';
import type { CriticScores, Reduced } from '../types.js';
import {
  discriminatorLoss,
  generatorLoss,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/hinge`; errors from these functions name it. */
export const HINGE_ID = 'objective/hinge';

/**
 * Hinge-loss discriminator (Lim & Ye 2017, Geometric GAN, the SVM-margin discriminator; Miyato et
 * al. 2018, Spectral Normalization for GANs, eq. 16, with the sign flipped to a loss):
 *
 *   L_D = E[max(0, 1 − c(x))] + E[max(0, 1 + c(G(z)))]
 *
 * on raw critic scores c (no sigmoid). Zero, with zero gradient, once every margin holds (c_r ≥ 1,
 * c_f ≤ −1): examples beyond the margin stop contributing, as support vectors do in an SVM. The
 * loss is not differentiable at the kinks c_r = 1 and c_f = −1, where the gradient taken is 0 (the
 * convention of both `tf.relu` and `torch.relu`). Same as TF-GAN's
 * `wasserstein_hinge_discriminator_loss` with its default hinges 1, up to its default reduction
 * (SUM_BY_NONZERO_WEIGHTS; ours is the weighted mean).
 *
 * @param criticReal critic scores on real data, shape [n, ...]
 * @param criticFake critic scores on generated data, shape [m, ...]
 * @param options reduction ('mean' default, 'sum', 'none' — needs n = m) and per-example weights
 */
export function hingeDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: Reduced<DiscriminatorLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function hingeDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options: DiscriminatorLossOptions,
): tf.Tensor;
export function hingeDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: DiscriminatorLossOptions,
): tf.Tensor {
  return discriminatorLoss(
    HINGE_ID,
    ['criticReal', 'criticFake'],
    criticReal,
    criticFake,
    options,
    (c) => tf.relu(tf.sub(1, c)),
    (c) => tf.relu(tf.add(1, c)),
  );
}

/**
 * Hinge-loss generator (Lim & Ye 2017; Miyato et al. 2018, eq. 17): L_G = −E[c(G(z))],
 * the Wasserstein generator loss on the hinge critic's scores. TF-GAN's
 * `wasserstein_hinge_generator_loss` is the same function.
 *
 * @param criticFake critic scores on generated data, shape [m, ...]
 * @param options reduction and per-example weights
 */
export function hingeGeneratorLoss(criticFake: CriticScores, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function hingeGeneratorLoss(criticFake: CriticScores, options: GeneratorLossOptions): tf.Tensor;
export function hingeGeneratorLoss(criticFake: CriticScores, options?: GeneratorLossOptions): tf.Tensor {
  return generatorLoss(HINGE_ID, 'criticFake', criticFake, options, (c) => tf.neg(c));
}
