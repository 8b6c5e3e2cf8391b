import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './types.js';
import { InvalidArgumentError } from './errors.js';
import { checkSameShape, checkTensor, valueStats, valuesChecked } from './validate.js';

export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/**
 * Reduces per-example losses ℓ with optional weights w ≥ 0 (same shape as ℓ):
 * `mean` = Σ wᵢℓᵢ / Σ wᵢ (the plain mean without weights), `sum` = Σ wᵢℓᵢ, `none` = wᵢℓᵢ.
 * Call inside `tf.tidy`.
 */
export function reduceLoss(losses: tf.Tensor, weights: tf.Tensor | undefined, reduction: Reduction): tf.Tensor {
  const weighted = weights ? tf.mul(losses, weights) : losses;
  switch (reduction) {
    case 'none':
      return weighted;
    case 'sum':
      return tf.sum(weighted);
    case 'mean':
      // Σwℓ/Σw, differentiated as PyTorch does (∂/∂w = ℓ/Σw − (Σwℓ/Σw)/Σw). A form centred on the
      // plain mean was tried and was no more accurate in float32: the error of ∂/∂w is
      // O(ε·max|ℓ|/Σw) either way, and this form matches the reference's own rounding.
      return weights ? tf.div(tf.sum(weighted), tf.sum(weights)) : tf.mean(losses);
  }
}

/** Validates optional per-example weights against the losses they weight. */
export function checkWeights(spec: string, name: string, weights: unknown, like: [string, tf.Tensor], reduction: Reduction): tf.Tensor | undefined {
  if (weights === undefined) return undefined;
  const w = checkTensor(spec, name, weights, { min: 0, finite: true, domain: 'finite and ≥ 0' });
  checkSameShape(spec, like, [name, w]);
  // The weighted mean divides by Σ w: refuse all-zero weights rather than return NaN. The weights
  // are finite and ≥ 0 (checked above), so Σ w > 0 exactly when max w > 0, which the value check
  // has already reduced on the device; only a failure reads the weights back, for the message.
  if (reduction === 'mean' && valuesChecked() && !(valueStats(w).max > 0)) {
    const data = w.dataSync();
    let total = 0;
    for (let i = 0; i < data.length; i++) total += data[i]!;
    if (!(total > 0)) throw new InvalidArgumentError(spec, name, "weights with a positive sum (reduction 'mean' divides by Σ w)", `Σ w = ${total}`);
  }
  return w;
}
