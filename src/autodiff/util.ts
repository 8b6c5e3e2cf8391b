import * as tf from '@tensorflow/tfjs-core';

/**
 * Helpers shared by the gradient configs. Every helper is built only from ops whose kernels have a
 * gradient registered by ganref (see `gradients/*.ts`), so anything computed with them can be
 * differentiated again, to any order.
 */

/** A gradient config as `tf.registerGradient` takes it. */
export type GradConfig = tf.GradConfig;

/** The float dtype every gradient must have (the tape refuses any other). */
export const FLOAT = 'float32' as const;

/**
 * Sums `g` over the axes along which an input of `shape` was broadcast to `g.shape`, then reshapes
 * it to `shape`. The adjoint of broadcasting. Always returns a new tensor object: the tape disposes
 * an accumulated gradient when it adds the next one, so a gradient function must never hand back
 * `dy` itself (it may be the gradient of another input too). `fresh` says that `g` was created by
 * the calling thunk itself (a matMul's result, say), so it can be returned as it is, without a
 * clone (a buffer copy on backends whose Identity copies).
 */
export function reduceToShape(g: tf.Tensor, shape: number[], fresh = false): tf.Tensor {
  if (tf.util.arraysEqual(g.shape, shape)) return fresh ? g : tf.clone(g);
  const axes = tf.broadcast_util.getReductionAxes(shape, g.shape);
  const summed = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(summed, shape);
}

/**
 * Broadcasts `t` to `shape` (a no-op when the shapes already agree). The cpu backend broadcasts
 * fastest with Tile (`tf.broadcastTo`); the wasm backend's Tile is 10–40× slower than its
 * broadcasting Add there, so every other backend adds zeros of the target shape. Both are
 * differentiable to every order with ganref's gradients.
 */
export function broadcastTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.util.arraysEqual(t.shape, shape)) return t;
  let r = t;
  if (r.rank < shape.length) {
    r = tf.reshape(r, [...new Array<number>(shape.length - r.rank).fill(1), ...r.shape]);
  }
  return tf.getBackend() === 'cpu' ? tf.broadcastTo(r, shape) : tf.add(r, tf.zeros(shape));
}

/** Normalises a reduction `axis` attribute (number, array, negative or absent) against `shape`. */
export function normAxes(axis: number | number[] | null | undefined, shape: number[]): number[] {
  return tf.util.parseAxisParam((axis ?? null) as number | number[], shape);
}

/** The shape `shape` would have after a keepDims reduction over `axes`. */
export function keptShape(shape: number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** A float32 tensor of zeros shaped like `t` (the gradient of a non-differentiable input). */
export function zerosFloat(t: tf.Tensor): tf.Tensor {
  return tf.zeros(t.shape, FLOAT);
}

/** `dy` as float32, unchanged if it already is. */
export function asFloat(t: tf.Tensor): tf.Tensor {
  return t.dtype === FLOAT ? t : tf.cast(t, FLOAT);
}

/** A float32 0/1 mask of `x > 0`. Built with Step, whose gradient is zero. */
export function positiveMask(x: tf.Tensor): tf.Tensor {
  return tf.step(x, 0);
}

/** Reads a scalar-or-pair attribute such as `strides` into a pair. */
export function pair(v: number | [number, number] | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * An `inputsToSave` list for kernels with optional inputs (bias, prelu weights, batch-norm scale).
 * The engine saves `inputsToSave.map(name => inputs[name])` by cloning each, and cloning an absent
 * input throws; this list's `map` drops absent inputs instead, so `saved` holds the present ones
 * in order. Gradient functions then tell which optional inputs are there from `saved.length` (and
 * the attributes), so optional inputs must come last.
 */
export function optionalInputs(...names: string[]): string[] {
  const list = new OptionalInputList();
  list.push(...names);
  return list;
}

class OptionalInputList extends Array<string> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  override map<U>(fn: (value: string, index: number, array: string[]) => U): U[] {
    const out: U[] = [];
    for (let i = 0; i < this.length; i++) {
      const u = fn(this[i], i, this);
      if (u != null) out.push(u);
    }
    return out;
  }
}
