import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from '../divergences/check.js';
import { xLogXOverY } from '../divergences/terms.js';

/** The catalog id of this spec, `theory/virtual-training-criterion`; errors from these functions name it. */
export const VIRTUAL_TRAINING_CRITERION_ID = 'theory/virtual-training-criterion';

/**
 * The virtual training criterion of Goodfellow et al. 2014 (eq. 4 and Theorem 1): the value of
 * the minimax game at the optimal discriminator, for discrete distributions along the last axis,
 *
 *   C(G) = V(D*_G, G) = Σₓ p_data(x) log D*(x) + p_g(x) log(1 − D*(x)),
 *   D* = p_data / (p_data + p_g),
 *
 * computed as Σ p_data·log(p_data/(p_data + p_g)) + p_g·log(p_g/(p_data + p_g)) with
 * 0·log 0 = 0, so it is finite for every pair. Theorem 1: C(G) = −log 4 + 2·JSD(p_data ‖ p_g),
 * minimal (−log 4) exactly when p_g = p_data.
 *
 * @param pData probability vectors, shape [..., k]
 * @param pG probability vectors of the same shape
 * @returns C(G) per leading index, shape [...]
 */
export function virtualTrainingCriterion(pData: Distributions, pG: Distributions): tf.Tensor {
  ensureGradients();
  const [a, b] = checkDistributionPair(VIRTUAL_TRAINING_CRITERION_ID, ['pData', 'pG'], pData, pG);
  return tf.tidy(() => {
    const total = tf.add(a, b);
    return tf.sum(tf.add(xLogXOverY(a, total), xLogXOverY(b, total)), -1);
  });
}
