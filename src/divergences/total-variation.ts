import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';

/** The catalog id of this spec, `divergence/total-variation`; errors from these functions name it. */
export const TOTAL_VARIATION_ID = 'divergence/total-variation';

/**
 * Total variation distance between discrete distributions, along the last axis:
 *
 *   TV(p, q) = ½ Σₓ |p(x) − q(x)| = sup_A |P(A) − Q(A)|
 *
 * The f-divergence with f(u) = ½|u − 1| (Nowozin et al. 2016, Table 1, "Total variation"); a
 * metric with 0 ≤ TV ≤ 1, and TV = 1 exactly for disjoint supports. Zero masses need no
 * convention: a category where both masses are 0 contributes 0.
 *
 * Not differentiable where pᵢ = qᵢ (a tie): there the gradient returned is the subgradient 0
 * (TF.js's and PyTorch's |·|′(0) = 0); elsewhere ∂/∂pᵢ = ½ sign(pᵢ − qᵢ) = −∂/∂qᵢ. Conventions
 * differ between authors by the factor ½: the "L1" or "variational" distance of many papers is
 * Σ|p − q| = 2·TV; this function is the ½-normalised one (Tsybakov 2009, section 2.4).
 *
 * @param p probability vectors, shape [..., k]
 * @param q probability vectors of the same shape
 * @returns the distance per leading index, shape [...]
 */
export function totalVariationDistance(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(TOTAL_VARIATION_ID, ['p', 'q'], p, q);
  return tf.tidy(() => tf.mul(tf.sum(tf.abs(tf.sub(pt, qt)), -1), 0.5));
}
