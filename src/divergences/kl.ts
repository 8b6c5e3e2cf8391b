import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';
import { xLogXOverY } from './terms.js';

/** The catalog id of this spec, `divergence/kl`; errors from these functions name it. */
export const KL_ID = 'divergence/kl';

/**
 * Kullback–Leibler divergence between discrete distributions, along the last axis:
 *
 *   KL(p ‖ q) = Σₓ p(x) · log(p(x) / q(x))          (natural log, nats)
 *
 * Conventions: 0 · log(0/q) = 0, and a mass p(x) > 0 where q(x) = 0 gives +Infinity.
 * Reference: Kullback & Leibler 1951; the standard closed form.
 *
 * @param p probability vectors, shape [..., k] (masses in [0, 1] summing to 1 along the last axis)
 * @param q probability vectors of the same shape
 * @returns the divergence per leading index, shape [...] (a scalar for rank-1 inputs)
 */
export function klDivergence(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(KL_ID, ['p', 'q'], p, q);
  return tf.tidy(() => tf.sum(xLogXOverY(pt, qt), -1));
}
