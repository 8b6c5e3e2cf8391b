import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';
import { xLogXOverY } from './terms.js';

/** The catalog id of this spec, `divergence/jensen-shannon`; errors from these functions name it. */
export const JSD_ID = 'divergence/jensen-shannon';

/**
 * Jensen–Shannon divergence between discrete distributions, along the last axis:
 *
 *   JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m),   m = (p + q) / 2
 *
 * Symmetric, 0 ≤ JSD ≤ log 2, with log 2 exactly for disjoint supports. It is finite for every
 * pair because m > 0 wherever p or q is. Reference: Lin 1991; its role in GANs: Goodfellow et
 * al. 2014, Theorem 1 (C(G) = −log 4 + 2·JSD(p_data ‖ p_g)).
 *
 * @param p probability vectors, shape [..., k]
 * @param q probability vectors of the same shape
 * @returns the divergence per leading index, shape [...]
 */
export function jensenShannonDivergence(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(JSD_ID, ['p', 'q'], p, q);
  return tf.tidy(() => {
    const m = tf.mul(tf.add(pt, qt), 0.5);
    return tf.mul(tf.sum(tf.add(xLogXOverY(pt, m), xLogXOverY(qt, m)), -1), 0.5);
  });
}
