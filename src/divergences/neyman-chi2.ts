import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';
import { squaredDifferenceOver } from './pearson-chi2.js';

/** The catalog id of this spec, `divergence/neyman-chi2`; errors from these functions name it. */
export const NEYMAN_CHI2_ID = 'divergence/neyman-chi2';

/**
 * Neyman χ² divergence between discrete distributions, along the last axis:
 *
 *   χ²_N(p ‖ q) = Σₓ (p(x) − q(x))² / p(x) = χ²_P(q ‖ p)
 *
 * The f-divergence with f(u) = (1 − u)²/u (Nowozin et al. 2016, Table 1, "Neyman χ²").
 * Conventions (CATALOG.md): 0 where pᵢ = qᵢ = 0, +Infinity where pᵢ = 0 < qᵢ; qᵢ = 0 < pᵢ
 * contributes pᵢ. Gradients: ∂/∂pᵢ = 1 − qᵢ²/pᵢ², ∂/∂qᵢ = 2(qᵢ − pᵢ)/pᵢ where pᵢ > 0.
 *
 * @param p probability vectors, shape [..., k]
 * @param q probability vectors of the same shape
 * @returns the divergence per leading index, shape [...]
 */
export function neymanChi2Divergence(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(NEYMAN_CHI2_ID, ['p', 'q'], p, q);
  return tf.tidy(() => tf.sum(squaredDifferenceOver(qt, pt), -1));
}
