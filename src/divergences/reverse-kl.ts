import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkDistributionPair } from './check.js';
import { xLogXOverY } from './terms.js';

/** The catalog id of this spec, `divergence/reverse-kl`; errors from these functions name it. */
export const REVERSE_KL_ID = 'divergence/reverse-kl';

/**
 * Reverse Kullback–Leibler divergence between discrete distributions, along the last axis:
 *
 *   reverse-KL(p ‖ q) = KL(q ‖ p) = Σₓ q(x) · log(q(x) / p(x))          (natural log, nats)
 *
 * The f-divergence D_f(p ‖ q) = Σ q f(p/q) with f(u) = −log u (Nowozin et al. 2016, Table 1,
 * "Reverse Kullback-Leibler"): the divergence a GAN generator minimises when it is mode-seeking.
 * Conventions (CATALOG.md): 0 · log(0/p) = 0 (also where p = 0), and a mass q(x) > 0 where
 * p(x) = 0 gives +Infinity. Differentiable where every mass is positive: ∂/∂pᵢ = −qᵢ/pᵢ,
 * ∂/∂qᵢ = log(qᵢ/pᵢ) + 1.
 *
 * Relation to other libraries: `torch.nn.functional.kl_div(input, target)` takes log-probabilities
 * `input = log p` and computes Σ target·(log target − input) = KL(target ‖ p), i.e. this function
 * with `target = q`; `tf.losses` has no reverse form (use `klDivergence(q, p)`).
 *
 * @param p probability vectors, shape [..., k] (masses in [0, 1] summing to 1 along the last axis)
 * @param q probability vectors of the same shape
 * @returns the divergence per leading index, shape [...] (a scalar for rank-1 inputs)
 */
export function reverseKlDivergence(p: Distributions, q: Distributions): tf.Tensor {
  ensureGradients();
  const [pt, qt] = checkDistributionPair(REVERSE_KL_ID, ['p', 'q'], p, q);
  return tf.tidy(() => tf.sum(xLogXOverY(qt, pt), -1));
}
