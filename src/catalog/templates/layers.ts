import * as fc from 'fast-check';
import { BENCH, uniformArray } from '../bench.js';

/** Helpers shared by the layer, constraint and pulling-away specs. */

export const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** A seeded permutation of 0..n−1 (fast-check draws it). */
export function permutation(n: number): fc.Arbitrary<number[]> {
  const ids = Array.from({ length: n }, (_, i) => i);
  return fc.shuffledSubarray(ids, { minLength: n, maxLength: n });
}

export const benchFeatures = (seed: number) => uniformArray([BENCH.batch, BENCH.features], -1, 1, seed);
