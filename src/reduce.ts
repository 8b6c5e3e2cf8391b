import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './types.js';
import { InvalidArgumentError } from './errors.js';
import { checkSameShape, checkTensor, valuesChecked } from './validate.js';

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
    case 'mean': {
      if (!weights) return tf.mean(losses);
      // Σwℓ/Σw written around the plain mean m₀: m₀ + Σw(ℓ − m₀)/Σw. Equal in exact arithmetic,
      // but its derivative in wⱼ, (ℓⱼ − m)/Σw, is then formed from differences ℓ − m₀ instead
      // of ℓⱼ/Σw − Σwℓ/(Σw)², which cancels catastrophically in float32 when |ℓ| ≫ spread of ℓ.
      const m0 = tf.mean(losses);
      return tf.add(m0, tf.div(tf.sum(tf.mul(weights, tf.sub(losses, m0))), tf.sum(weights)));
    }
  }
}

/** Validates optional per-example weights against the losses they weight. */
export function checkWeights(spec: string, name: string, weights: unknown, like: [string, tf.Tensor], reduction: Reduction): tf.Tensor | undefined {
  if (weights === undefined) return undefined;
  const w = checkTensor(spec, name, weights, { min: 0, finite: true, domain: 'finite and ≥ 0' });
  checkSameShape(spec, like, [name, w]);
  if (reduction === 'mean' && valuesChecked()) {
    // The weighted mean divides by Σ w: refuse all-zero weights rather than return NaN.
    const data = w.dataSync();
    let total = 0;
    for (let i = 0; i < data.length; i++) total += data[i]!;
    if (!(total > 0)) throw new InvalidArgumentError(spec, name, "weights with a positive sum (reduction 'mean' divides by Σ w)", `Σ w = ${total}`);
  }
  return w;
}
