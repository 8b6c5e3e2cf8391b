import * as tf from '@tensorflow/tfjs-core';
import { f32 } from './arbitraries.js';
import { values } from './invariant.js';
import type { NDArray } from './types.js';

/** Tensor and NDArray helpers shared by the catalog records (made inside `tf.tidy` by the runners). */

export const tensorOf = (a: NDArray) => tf.tensor(a.data, a.shape, 'float32');

export const rows = (xs: number[][]): NDArray => ({ shape: [xs.length, xs[0]!.length], data: xs.flat().map(f32) });

/** A rank-2 NDArray from rows of equal length. */
export function matrixOf(rows: number[][]): NDArray {
  return { shape: [rows.length, rows[0]?.length ?? 0], data: rows.flat().map(f32) };
}

export const t1 = (xs: number[]) => tf.tensor1d(xs.map(f32));

export const t2 = (rows: number[][]) =>
  tf.tensor2d(
    rows.map((r) => r.map(f32)),
    [rows.length, rows[0]!.length],
  );

/** Gradients of sum(f(x₁, …)) wrt each argument, as numbers. */
export function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): number[][] {
  return tf
    .grads((...args: tf.Tensor[]) => tf.sum(f(...args)) as tf.Scalar)(xs)
    .map((g) => values(g));
}

export const toRows = (a: NDArray): number[][] =>
  Array.from({ length: a.shape[0]! }, (_, i) => a.data.slice(i * a.shape[1]!, (i + 1) * a.shape[1]!));

/*
 * Catalog group "regularizers-layers" (CATALOG.md, section C): weight clipping, spectral
 * normalization, minibatch discrimination, virtual batch normalization, instance noise and the
 * EBGAN pulling-away term.
 */

/** An NDArray of the given shape from flat data (rounded to float32). */
export function nd(shape: number[], data: number[]): NDArray {
  return { shape, data: data.map(f32) };
}

export const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Gradient of sum(f(x)) with respect to x, as numbers. */
export function gradValues(f: (x: tf.Tensor) => tf.Tensor, x: number[]): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .grad((t: tf.Tensor) => tf.sum(f(t)))(tf.tensor1d(x))
        .dataSync(),
    ),
  );
}
