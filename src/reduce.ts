import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './types.js';
import { InvalidArgumentError, InvalidParameterError } from './errors.js';
import { checkNumber, checkTensor, describeValue, formatNumber, valueStats, valuesChecked } from './validate.js';

export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Loss weights as validated: a tensor that broadcasts to the losses' shape, or one number. */
export type CheckedWeights = tf.Tensor | number;

/**
 * Validates a reduction: one of ganref's strings, or TF.js's `tf.Reduction` enum. `NONE`, `MEAN`
 * and `SUM` are the same reductions as `'none'`, `'mean'` (Σ wᵢℓᵢ / Σ wᵢ) and `'sum'`;
 * `SUM_BY_NONZERO_WEIGHTS` (the default of `tf.losses.*`, Σ wᵢℓᵢ / #{wᵢ ≠ 0}) is accepted without
 * weights, where it is the plain mean, and refused with weights, where ganref has no equivalent.
 */
export function checkReduction(spec: string, value: unknown, weighted = false): Reduction {
  if (value === undefined) return 'mean';
  if (typeof value === 'string' && (REDUCTIONS as readonly string[]).includes(value)) return value as Reduction;
  switch (value) {
    case tf.Reduction.NONE:
      return 'none';
    case tf.Reduction.MEAN:
      return 'mean';
    case tf.Reduction.SUM:
      return 'sum';
    case tf.Reduction.SUM_BY_NONZERO_WEIGHTS:
      if (!weighted) return 'mean';
      throw new InvalidParameterError(
        spec,
        'reduction',
        "'mean' (= tf.Reduction.MEAN, Σ wᵢℓᵢ / Σ wᵢ), 'sum' or 'none' when weights are given: tf.Reduction.SUM_BY_NONZERO_WEIGHTS (Σ wᵢℓᵢ / #{wᵢ ≠ 0}) has no ganref equivalent; with 0/1 weights it equals 'mean'",
        'tf.Reduction.SUM_BY_NONZERO_WEIGHTS with weights',
      );
  }
  throw new InvalidParameterError(
    spec,
    'reduction',
    "one of 'mean', 'sum', 'none' or tf.Reduction.MEAN, SUM, NONE",
    describeValue(value),
  );
}

/** Weights of the losses' exact shape; call inside `tf.tidy`. */
export function expandWeights(weights: CheckedWeights, shape: readonly number[]): tf.Tensor {
  if (typeof weights === 'number') return tf.fill(shape as number[], weights);
  return tf.util.arraysEqual(weights.shape, shape as number[]) ? weights : tf.broadcastTo(weights, shape as number[]);
}

/**
 * Reduces per-example losses ℓ with optional weights w ≥ 0 (broadcast to ℓ's shape, as
 * `tf.losses.*` do): `mean` = Σ wᵢℓᵢ / Σ wᵢ (the plain mean without weights), `sum` = Σ wᵢℓᵢ,
 * `none` = wᵢℓᵢ. Call inside `tf.tidy`.
 */
export function reduceLoss(losses: tf.Tensor, weights: CheckedWeights | undefined, reduction: Reduction): tf.Tensor {
  const w = weights === undefined ? undefined : expandWeights(weights, losses.shape);
  const weighted = w ? tf.mul(losses, w) : losses;
  switch (reduction) {
    case 'none':
      return weighted;
    case 'sum':
      return tf.sum(weighted);
    case 'mean':
      // Σwℓ/Σw, differentiated as PyTorch does (∂/∂w = ℓ/Σw − (Σwℓ/Σw)/Σw). A form centred on the
      // plain mean was tried and was no more accurate in float32: the error of ∂/∂w is
      // O(ε·max|ℓ|/Σw) either way, and this form matches the reference's own rounding.
      return w ? tf.div(tf.sum(weighted), tf.sum(w)) : tf.mean(losses);
  }
}

/** Whether `shape` broadcasts to `target` (NumPy rules, without growing `target`). */
function broadcastsTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  for (let i = 1; i <= shape.length; i++) {
    const a = shape[shape.length - i]!;
    if (a !== 1 && a !== target[target.length - i]) return false;
  }
  return true;
}

/**
 * Validates optional loss weights against the losses they weight: a tensor of the same shape, or
 * one that broadcasts to it (a scalar tensor, [n, 1] against [n, k], …), or a number, as
 * `tf.losses.*` take them. Finite and ≥ 0.
 */
export function checkWeights(
  spec: string,
  name: string,
  weights: unknown,
  like: [string, tf.Tensor],
  reduction: Reduction,
): CheckedWeights | undefined {
  if (weights === undefined) return undefined;
  if (typeof weights === 'number') {
    const w = checkNumber(spec, name, weights, { min: 0 });
    if (reduction === 'mean' && !(w > 0))
      throw new InvalidArgumentError(
        spec,
        name,
        "weights with a positive sum (reduction 'mean' divides by Σ w)",
        'Σ w = 0',
      );
    return w;
  }
  const w = checkTensor(spec, name, weights, { min: 0, finite: true, domain: 'finite and ≥ 0' });
  if (!broadcastsTo(w.shape, like[1].shape)) {
    throw new InvalidArgumentError(
      spec,
      name,
      `of the shape of '${like[0]}' [${like[1].shape.join(', ')}], or one that broadcasts to it (a scalar, as tf.losses.* take)`,
      `shape [${w.shape.join(', ')}]`,
    );
  }
  // The weighted mean divides by Σ w: refuse all-zero weights rather than return NaN. The weights
  // are finite and ≥ 0 (checked above), so Σ w > 0 exactly when max w > 0, which the value check
  // has already reduced on the device; only a failure reads the weights back, for the message.
  if (reduction === 'mean' && valuesChecked() && !(valueStats(w).max > 0)) {
    const data = w.dataSync();
    let total = 0;
    for (let i = 0; i < data.length; i++) total += data[i]!;
    if (!(total > 0))
      throw new InvalidArgumentError(
        spec,
        name,
        "weights with a positive sum (reduction 'mean' divides by Σ w)",
        `Σ w = ${formatNumber(total, true)}`,
      );
  }
  return w;
}
