import type { Tolerance } from '../catalog/types.js';

/**
 * The comparator of every cross-check. With e₆₄ the reference in float64, e₃₂ the same reference
 * computed in float32, s the reference's float32 rounding spread (`spread32`, below) and a our
 * float32 result, an element passes when
 *
 *   |a − e₆₄| ≤ B     when |e₃₂ − e₆₄| ≤ B and c·s ≤ B (a well-conditioned element),
 *   |a − e₆₄| ≤ M     otherwise, while |e₃₂ − e₆₄| ≤ M (an ill-conditioned one),
 *   B = atol + rtol·|e₆₄|,   M = atol + rtol·max(|e₆₄|, σ),   c = SPREAD_EVIDENCE
 *
 * B is the tolerance of a well-conditioned element. The float64 tie-break (PyTorch's OpInfo
 * tests): when the element is ill-conditioned (a cancellation, say), so that a correct float32
 * computation may land beyond B, we are judged by the float32 error model M instead. Two kinds of
 * evidence say so. The spread s: the largest move of the element over a few float64 evaluations
 * of the reference's formulas with every operation's result perturbed by a relative error of at
 * most u = 2⁻²⁴ (Monte Carlo arithmetic at float32's unit roundoff, seeded): it estimates how far
 * float32 rounding can carry that element, from float64 arithmetic alone, so it is the same on
 * every machine; c = 4 allows for another correct formulation rounding at other points, and for a
 * maximum over few samples. And the reference's own float32 result off beyond B. Neither is ever
 * the bound. The reference's float32 error is one sample of rounding, which may land small where
 * the spread is large (objective/feature-matching once: torch's float32 off by 1.8e-6, ours by
 * 2.5e-5 = 0.99 B, spread 2.1e-5), and it changes from machine to machine (the BLAS, the instruction set,
 * the order of a reduction) — a bound of 2·|e₃₂ − e₆₄| failed on a machine whose OpenBLAS gave a
 * float32 error 2.8× smaller than ours on an hvp that cancels to 0 from terms of 10⁴ (both errors
 * ≈ 10⁻⁶ of those terms). M, the float32 error model: a float32 computation rounds each term it
 * combines at u = 2⁻²⁴ relative, so an element
 * built by a chain of ops from terms no larger than σ is off by at most (chain length)·u·σ, which
 * rtol (≥ 170 u) covers; σ is the error scale of the case (`errorScale`: the largest magnitude
 * among its inputs and its float64 results of the same kind, times a spec's declared
 * conditioning). A reference whose float32 and float64 answers disagree beyond M is itself wrong
 * (a wrong float64 reference, or a float32 path that is not a correct float32 computation): that
 * element fails as a defect of the reference, whatever our result is. ±∞ equal only themselves,
 * NaN equals NaN only (both sides must agree the value is undefined), and a finite value never
 * equals a non-finite one.
 */
/** The factor c by which the rounding spread must exceed B to count as ill-conditioning (see above). */
export const SPREAD_EVIDENCE = 4;

export interface ElementVerdict {
  /** Error over tolerance: ≤ 1 passes; Infinity for a finite/non-finite mismatch. */
  ratio: number;
  /** Whether the float32 tie-break widened the tolerance for this element. */
  tieBreak: boolean;
  /**
   * Whether the reference's float32 and float64 answers disagree beyond the float32 error model
   * (the element then fails, with `ratio` = |e₃₂ − e₆₄| / M).
   */
  referenceDefect?: boolean;
}

/**
 * Compares one element. `scale` is σ of the error model above (default |e₆₄|: no cancellation,
 * so no widening beyond the tolerance); `spread` is s (none: no evidence from it).
 */
export function compareElement(
  actual: number,
  expected64: number,
  expected32: number | undefined,
  tol: Tolerance,
  scale = 0,
  spread?: number,
): ElementVerdict {
  const finiteA = Number.isFinite(actual);
  const finiteE = Number.isFinite(expected64);
  if (!finiteA || !finiteE) {
    const same = (Number.isNaN(actual) && Number.isNaN(expected64)) || actual === expected64;
    return { ratio: same ? 0 : Infinity, tieBreak: false };
  }
  const err = Math.abs(actual - expected64);
  const base = tol.atol + tol.rtol * Math.abs(expected64);
  const model = tol.atol + tol.rtol * Math.max(Math.abs(expected64), Number.isFinite(scale) ? Math.abs(scale) : 0);
  // A non-finite float32 reference (an overflow of the float32 range) says nothing about conditioning.
  const own = expected32 !== undefined && Number.isFinite(expected32) ? Math.abs(expected32 - expected64) : 0;
  if (own > model) return { ratio: own / model, tieBreak: false, referenceDefect: true };
  // A spread that is not finite (a perturbation made the result overflow) is evidence too.
  const rounding = spread !== undefined && !Number.isNaN(spread) ? SPREAD_EVIDENCE * Math.abs(spread) : 0;
  const allowed = own > base || rounding > base ? Math.max(base, model) : base;
  const ratio = allowed > 0 ? err / allowed : err === 0 ? 0 : Infinity;
  return { ratio, tieBreak: allowed > base && err > base };
}

/**
 * σ of the float32 error model for one result of a case: the largest finite magnitude among the
 * case's inputs and its float64 results of the same kind (values, gradients or Hessian-vector
 * products: a result element combines terms of at most that size), times `conditioning` (≥ 1; a
 * spec declares it where its formulas amplify rounding beyond that, e.g. a division by a small
 * parameter-dependent constant).
 */
export function errorScale(
  inputs: Iterable<ArrayLike<number>>,
  sameKindResults: Iterable<ArrayLike<number>>,
  conditioning = 1,
): number {
  let s = 0;
  for (const group of [inputs, sameKindResults]) {
    for (const a of group) {
      for (let i = 0; i < a.length; i++) {
        const x = Math.abs(a[i]!);
        if (x > s && Number.isFinite(x)) s = x;
      }
    }
  }
  return s * Math.max(1, conditioning);
}

/** The worst element of a comparison between two arrays. */
export interface ArrayComparison {
  /** The result compared, e.g. `grad:discriminator:logitsReal`. */
  key: string;
  /** Worst error over tolerance (≤ 1 passes). */
  ratio: number;
  /** Flat index of the worst element, and the numbers there. */
  index: number;
  actual: number;
  expected: number;
  expected32?: number;
  tieBreak: boolean;
  /** The reference's float32 and float64 disagree here beyond the float32 error model. */
  referenceDefect?: boolean;
  /** A shape mismatch, described; the comparison then fails. */
  shapeError?: string;
}

export function compareArrays(
  key: string,
  actual: ArrayLike<number>,
  actualShape: readonly number[],
  expected64: ArrayLike<number>,
  expectedShape: readonly number[],
  expected32: ArrayLike<number> | undefined,
  tol: Tolerance,
  /** σ of the float32 error model (see `compareElement`, `errorScale`). */
  scale = 0,
  /** The reference's rounding spread per element (see `compareElement`), when it has one. */
  spread?: ArrayLike<number>,
): ArrayComparison {
  const sameShape = actualShape.length === expectedShape.length && actualShape.every((d, i) => d === expectedShape[i]);
  if (!sameShape || actual.length !== expected64.length) {
    return {
      key,
      ratio: Infinity,
      index: -1,
      actual: NaN,
      expected: NaN,
      tieBreak: false,
      shapeError: `shape [${actualShape.join(', ')}] vs reference [${expectedShape.join(', ')}]`,
    };
  }
  let worst: ArrayComparison = { key, ratio: 0, index: -1, actual: NaN, expected: NaN, tieBreak: false };
  for (let i = 0; i < actual.length; i++) {
    const e32 = expected32?.[i];
    const v = compareElement(actual[i]!, expected64[i]!, e32, tol, scale, spread?.[i]);
    if (worst.index === -1 || v.ratio > worst.ratio || Number.isNaN(v.ratio)) {
      worst = {
        key,
        ratio: v.ratio,
        index: i,
        actual: actual[i]!,
        expected: expected64[i]!,
        expected32: e32,
        tieBreak: v.tieBreak,
        ...(v.referenceDefect ? { referenceDefect: true } : {}),
      };
    }
  }
  return worst;
}
