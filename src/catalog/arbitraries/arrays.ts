import * as fc from 'fast-check';

/** Arbitraries of plain arrays: rows of equal length, flat arrays of a given size. */

/** n rows of d values each. */
export function rowsOf(of: fc.Arbitrary<number>, n: number, d: number): fc.Arbitrary<number[][]> {
  return fc.array(fc.array(of, { minLength: d, maxLength: d }), { minLength: n, maxLength: n });
}

/** Flat arrays of exactly `size` values. */
export function flat(of: fc.Arbitrary<number>, size: number): fc.Arbitrary<number[]> {
  return fc.array(of, { minLength: size, maxLength: size });
}
