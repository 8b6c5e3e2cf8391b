import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';

/** The catalog id of this spec, `divergence/pearson-chi2`; errors from these functions name it. */
export const PEARSON_CHI2_ID = 'divergence/pearson-chi2';

/**
 * Elementwise (a − b)² / b with the conventions of CATALOG.md: 0 where a = b = 0, +∞ where
 * b = 0 < a. The masked-out entries are computed on the stand-in b = 1, so gradients are exact
 * wherever b > 0 and never NaN. Call inside `tf.tidy`.
 */
export function squaredDifferenceOver(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const positive = tf.greater(b, 0);
  const bSafe = tf.where(positive, b, tf.onesLike(b));
  const interior = tf.div(tf.square(tf.sub(a, b)), bSafe);
  const boundary = tf.where(tf.greater(a, 0), tf.fill(a.shape, Infinity), tf.zerosLike(a));
  return tf.where(positive, interior, boundary);
}

/**
 * Pearson χ² divergence between discrete distributions, along the last axis:
 *
 *   χ²_P(p ‖ q) = Σₓ (p(x) − q(x))² / q(x) = Σₓ p(x)²/q(x) − 1
 *
 * The f-divergence with f(u) = (u − 1)² (Nowozin et al. 2016, Table 1, "Pearson χ²"; the
 * divergence least-squares GANs minimise, Mao et al. 2017, section 3.2). Evaluated as
 * Σ (p − q)²/q, which has no cancellation when p ≈ q (Σ p²/q − 1 does).
 * Conventions (CATALOG.md): 0 where pᵢ = qᵢ = 0, +Infinity where qᵢ = 0 < pᵢ; pᵢ = 0 < qᵢ
 * contributes qᵢ. Gradients: ∂/∂pᵢ = 2(pᵢ − qᵢ)/qᵢ, ∂/∂qᵢ = 1 − pᵢ²/qᵢ² where qᵢ > 0.
 * Not symmetric: χ²_P(p ‖ q) = χ²_N(q ‖ p) (see `neymanChi2Divergence`).
 *
 * @param p probability vectors, shape [..., k]
 * @param q probability vectors of the same shape
 * @returns the divergence per leading index, shape [...]
 */
export function pearsonChi2Divergence(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(PEARSON_CHI2_ID, ['p', 'q'], p, q);
  return tf.tidy(() => tf.sum(squaredDifferenceOver(pt, qt), -1));
}
