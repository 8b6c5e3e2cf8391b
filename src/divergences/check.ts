import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { checkSameShape, checkTensor, valuesChecked } from '../validate.js';

/**
 * Validates a pair of discrete distributions: float32 tensors of the same shape, rank ≥ 1, masses
 * in [0, 1] along the last axis summing to 1 (up to float32 rounding of k masses).
 */
export function checkDistributionPair(
  spec: string,
  names: [string, string],
  p: unknown,
  q: unknown,
): [tf.Tensor, tf.Tensor] {
  const rule = { minRank: 1, finite: true, min: 0, max: 1, domain: 'in [0, 1]' };
  const pt = checkTensor(spec, names[0], p, rule);
  const qt = checkTensor(spec, names[1], q, rule);
  checkSameShape(spec, [names[0], pt], [names[1], qt]);
  if (valuesChecked()) {
    for (const [name, t] of [
      [names[0], pt],
      [names[1], qt],
    ] as const)
      checkNormalized(spec, name, t);
  }
  return [pt, qt];
}

/** Checks that every row along the last axis sums to 1 (up to float32 rounding of k masses). */
export function checkNormalized(spec: string, name: string, t: tf.Tensor): void {
  const k = t.shape[t.rank - 1]!;
  const data = t.dataSync();
  const tolerance = 1e-4 + k * 2.4e-7;
  for (let row = 0; row * k < data.length; row++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += data[row * k + j]!;
    if (Math.abs(total - 1) > tolerance) {
      throw new InvalidArgumentError(
        spec,
        name,
        `probability vectors along the last axis (each summing to 1 within ${tolerance.toExponential(1)})`,
        `a row ${row} summing to ${total}`,
      );
    }
  }
}
