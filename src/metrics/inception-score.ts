import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkNormalized } from '../divergences/check.js';
import { xLogXOverY } from '../divergences/terms.js';
import { checkTensor, valuesChecked } from '../validate.js';

/** The catalog id of this spec, `metric/inception-score`; errors from these functions name it. */
export const INCEPTION_SCORE_ID = 'metric/inception-score';

/**
 * The Inception Score from class probabilities p(y|xᵢ) of n generated samples:
 *
 *   IS = exp( E_x KL(p(y|x) ‖ p(y)) ),   p(y) = (1/n) Σᵢ p(y|xᵢ)   (natural log)
 *
 * Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training
 * GANs, §4 (with an Inception-v3 classifier giving p(y|x); here the probabilities are the input,
 * from any classifier). E_x KL(p(y|x) ‖ p(y)) = H(p(y)) − E_x H(p(y|x)) is the mutual information
 * between sample and label, so 1 ≤ IS ≤ k for k classes: IS = 1 when every row is the same
 * distribution, IS = k for confident (one-hot) predictions spread evenly over all k classes.
 *
 * Numerics: each term p log(p/p̄) with 0·log 0 = 0 (`xLogXOverY`); p̄_y ≥ p_{iy}/n > 0 wherever
 * p_{iy} > 0, so no term is infinite. The whole batch is one split: the reference implementation
 * averages IS over 10 splits of 5000 samples, which is `mean` of this function over the splits.
 *
 * Gradient: ∂IS/∂p_{iy} = IS · log(p_{iy}/p̄_y) / n where every p_{iy} > 0 (the plain partial
 * derivative, not projected onto the simplex); −∞ at a zero mass, where IS is not differentiable.
 *
 * @param probabilities class probabilities, a float32 tensor [n, k] (rows in [0, 1] summing to 1), n, k ≥ 1
 * @returns IS as a scalar tensor, in [1, k]
 */
export function inceptionScore(probabilities: Distributions): tf.Scalar {
  ensureGradients();
  const p = checkTensor(INCEPTION_SCORE_ID, 'probabilities', probabilities, {
    rank: 2,
    finite: true,
    min: 0,
    max: 1,
    domain: 'in [0, 1]',
  });
  if (valuesChecked()) checkNormalized(INCEPTION_SCORE_ID, 'probabilities', p);
  return tf.tidy(() => {
    const marginal = tf.mul(tf.onesLike(p), tf.mean(p, 0, true));
    const kl = tf.sum(xLogXOverY(p, marginal), 1);
    return tf.exp(tf.mean(kl)) as tf.Scalar;
  });
}
