import * as tf from '@tensorflow/tfjs-core';
import { vector } from '../arbitraries.js';
import type { NDArray } from '../types.js';
import type { Mlp } from '../../nets/mlp.js';

/** Helpers shared by the objectives on networks (energy-based, mode-regularized). */

export function identity(d: number): NDArray {
  return { shape: [d, d], data: Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0)) };
}

export const zeros = (n: number): NDArray => vector(new Array<number>(n).fill(0));

/** A fixed valid 2 → 2 → 2 autoencoder for error inputs. */
export function netOfStatic(): Mlp {
  return {
    layers: [
      { weight: tf.eye(2), bias: tf.zeros([2]) },
      { weight: tf.eye(2), bias: tf.zeros([2]) },
    ],
  };
}
