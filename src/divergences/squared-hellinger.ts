import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';

/** The catalog id of this spec, `divergence/squared-hellinger`; errors from these functions name it. */
export const SQUARED_HELLINGER_ID = 'divergence/squared-hellinger';

/**
 * Squared Hellinger distance between discrete distributions, along the last axis, in the
 * convention of Nowozin et al. 2016, Table 1 ("Squared Hellinger", f(u) = (√u − 1)²):
 *
 *   H²(p, q) = Σₓ (√p(x) − √q(x))² = 2 − 2 Σₓ √(p(x) q(x)),      0 ≤ H² ≤ 2
 *
 * with no ½ factor (also Tsybakov 2009, section 2.4). Authors who define
 * H²½(p, q) = ½ Σ (√p − √q)² ∈ [0, 1] (Le Cam; Wikipedia; `scipy`-based code) get ½ of this
 * value: H²½ = squaredHellingerDistance(p, q) / 2. It is symmetric, 0 exactly when p = q,
 * 2 exactly for disjoint supports, and √H² is a metric (the Euclidean distance between √p and √q).
 *
 * Numerics: each term is evaluated as ((p − q) / (√p + √q))², which keeps full relative accuracy
 * when p ≈ q (the forms (√p − √q)² and p + q − 2√(pq) cancel catastrophically there); a category
 * with p = q = 0 contributes exactly 0, and its gradient is 0 rather than NaN. At a single zero
 * mass the term is finite (it equals the other mass) but its derivative is infinite (√ at 0):
 * compare gradients only where every mass is positive, where ∂/∂pᵢ = 1 − √(qᵢ/pᵢ).
 *
 * @param p probability vectors, shape [..., k]
 * @param q probability vectors of the same shape
 * @returns the divergence per leading index, shape [...]
 */
export function squaredHellingerDistance(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(SQUARED_HELLINGER_ID, ['p', 'q'], p, q);
  return tf.tidy(() => {
    // Categories where both masses are 0 get stand-ins 1, 1 (term 0, finite derivatives), so that
    // `where` never multiplies a zero cotangent by a 0/0.
    const any = tf.greater(tf.add(pt, qt), 0);
    const one = tf.onesLike(pt);
    const a = tf.where(any, pt, one);
    const b = tf.where(any, qt, one);
    const term = tf.square(tf.div(tf.sub(a, b), tf.add(tf.sqrt(a), tf.sqrt(b))));
    return tf.sum(tf.where(any, term, tf.zerosLike(term)), -1);
  });
}
