import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import type { Invariant } from './types.js';

/**
 * Declares an invariant: a fast-check property over `arbitrary` whose predicate runs inside
 * `tf.tidy` (tensors it makes are freed) and fails by throwing or returning false.
 */
export function invariant<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => boolean | void,
  numRuns?: number,
): Invariant {
  const property = fc.property(arbitrary, (value: T) => {
    let verdict: boolean | void = undefined;
    tf.tidy(() => {
      verdict = predicate(value);
    });
    return verdict;
  });
  return { name, property: property as unknown as fc.IProperty<[unknown]>, numRuns };
}

/** Thrown by the `check*` helpers below; its message says what differed. */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

/** Reads a tensor as plain float64 numbers. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Reads a scalar (or single-element) tensor. */
export function scalar(t: tf.Tensor): number {
  const data = t.dataSync();
  if (data.length !== 1) throw new InvariantViolation(`expected one element, got shape [${t.shape.join(', ')}]`);
  return data[0]!;
}

/** Passes when |actual − expected| ≤ atol + rtol·|expected|, with ±∞ equal only to itself and NaN never. */
export function checkClose(what: string, actual: number, expected: number, rtol = 1e-5, atol = 1e-6): void {
  // Both finite: the tolerance. Otherwise only the same infinity passes (a finite value is not
  // close to ±∞, whose tolerance atol + rtol·∞ would otherwise admit anything).
  const ok =
    Number.isFinite(expected) && Number.isFinite(actual)
      ? Math.abs(actual - expected) <= atol + rtol * Math.abs(expected)
      : actual === expected;
  if (!ok) throw new InvariantViolation(`${what}: got ${actual}, expected ${expected} (rtol ${rtol}, atol ${atol})`);
}

/** Elementwise `checkClose` over two equal-length lists. */
export function checkAllClose(
  what: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  if (actual.length !== expected.length)
    throw new InvariantViolation(`${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) checkClose(`${what}[${i}]`, actual[i]!, expected[i]!, rtol, atol);
}

/** Passes when the condition holds; the message says what was seen. */
export function checkThat(condition: boolean, message: string): void {
  if (!condition) throw new InvariantViolation(message);
}

/** Passes when every value is finite. */
export function checkFinite(what: string, xs: ArrayLike<number>): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]!)) throw new InvariantViolation(`${what}[${i}] = ${xs[i]} is not finite`);
  }
}
