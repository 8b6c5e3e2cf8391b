import * as tf from '@tensorflow/tfjs-core';
import { broadcastTo, FLOAT, type GradConfig, keptShape, normAxes } from '../util.js';

/**
 * Gradients of the reductions. The gradient of a reduction broadcasts `dy` back over the reduced
 * axes (BroadcastTo runs the Tile kernel, whose gradient is a Sum: the pair closes on itself).
 */

type T = tf.Tensor;

/** `dy` (shaped with or without the reduced axes) broadcast back to the input's shape. */
function expandBack(dy: T, xShape: number[], axes: number[]): T {
  return broadcastTo(tf.reshape(dy, keptShape(xShape, axes)), xShape);
}

/**
 * max/min: the gradient goes to the elements equal to the extreme, split evenly between ties (as
 * PyTorch's amax/amin and TensorFlow's reduce_max). The mask is piecewise constant, so the second
 * derivative through it is zero, which is right almost everywhere.
 */
function extremeGrad(kernelName: 'Max' | 'Min', axisAttr: 'reductionIndices' | 'axis'): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = normAxes(attrs[axisAttr] as number | number[], x.shape);
      return {
        x: () => {
          const ext = kernelName === 'Max' ? tf.max(x, axes, true) : tf.min(x, axes, true);
          const mask = tf.cast(tf.equal(x, ext), FLOAT);
          const count = tf.sum(mask, axes, true);
          return tf.mul(expandBack(dy as T, x.shape, axes), tf.div(mask, count));
        },
      };
    },
  };
}

export const reductionGradients: GradConfig[] = [
  {
    // softmax: dx = s ⊙ (dy − Σ dy ⊙ s), s recomputed from the logits (the stock config uses the
    // saved output, which loses the second-order terms).
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => {
      const [logits] = saved;
      const dim = attrs.dim as number;
      return {
        logits: () => {
          const s = tf.softmax(logits, dim);
          return tf.mul(s, tf.sub(dy as T, tf.sum(tf.mul(dy as T, s), dim, true)));
        },
      };
    },
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = normAxes(attrs.axis as number | number[], x.shape);
      return { x: () => expandBack(dy as T, x.shape, axes) };
    },
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = normAxes(attrs.axis as number | number[], x.shape);
      const n = axes.reduce((p, a) => p * x.shape[a], 1);
      return { x: () => tf.div(expandBack(dy as T, x.shape, axes), n) };
    },
  },
  extremeGrad('Max', 'reductionIndices'),
  extremeGrad('Min', 'axis'),
  {
    // prod: ∂/∂x_i = Π_{j≠i} x_j. Computed as exclusive products from both sides along the
    // (flattened) reduced axis, so zeros in x are handled exactly (no division by x).
    kernelName: 'Prod',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = normAxes(attrs.axis as number | number[], x.shape);
      return {
        x: () => {
          const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
          const perm = [...keep, ...axes];
          const xt = tf.transpose(x, perm);
          const keepSize = keep.reduce((p, a) => p * x.shape[a], 1);
          const n = axes.reduce((p, a) => p * x.shape[a], 1);
          const flat = tf.reshape(xt, [keepSize, n]);
          // others[k] = Π_{j<k} x_j · Π_{j>k} x_j, built column by column (n is small in practice).
          const cols = tf.split(flat, n, 1);
          const left: T[] = [];
          let acc: T = tf.onesLike(cols[0]);
          for (let k = 0; k < n; k++) {
            left.push(acc);
            acc = tf.mul(acc, cols[k]);
          }
          const others: T[] = new Array<T>(n);
          acc = tf.onesLike(cols[0]);
          for (let k = n - 1; k >= 0; k--) {
            others[k] = tf.mul(left[k], acc);
            acc = tf.mul(acc, cols[k]);
          }
          const partial = tf.concat(others, 1);
          const back = tf.transpose(tf.reshape(partial, xt.shape), inversePerm(perm));
          return tf.mul(expandBack(dy as T, x.shape, axes), back);
        },
      };
    },
  },
];

/** The permutation that undoes `perm`. */
export function inversePerm(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}
