import type { Tolerance } from '../catalog/types.js';

/**
 * The comparator of every cross-check. An element passes when
 *
 *   |a − e₆₄| ≤ max(atol + rtol·|e₆₄|, 2·|e₃₂ − e₆₄|)
 *
 * where e₆₄ is the reference in float64 and e₃₂ the same reference computed in float32: the
 * float64 tie-break of PyTorch's OpInfo tests. When our float32 result and the reference's
 * float32 result disagree, float64 decides, and we pass only if we are (within a factor 2) no
 * further from the float64 truth than the reference's own float32 computation is. ±∞ equal only
 * themselves, NaN equals NaN only (both sides must agree the value is undefined), and a finite
 * value never equals a non-finite one.
 */
export interface ElementVerdict {
  /** Error over tolerance: ≤ 1 passes; Infinity for a finite/non-finite mismatch. */
  ratio: number;
  /** Whether the float32 tie-break widened the tolerance for this element. */
  tieBreak: boolean;
}

export function compareElement(actual: number, expected64: number, expected32: number | undefined, tol: Tolerance): ElementVerdict {
  const finiteA = Number.isFinite(actual);
  const finiteE = Number.isFinite(expected64);
  if (!finiteA || !finiteE) {
    const same = (Number.isNaN(actual) && Number.isNaN(expected64)) || actual === expected64;
    return { ratio: same ? 0 : Infinity, tieBreak: false };
  }
  const err = Math.abs(actual - expected64);
  const base = tol.atol + tol.rtol * Math.abs(expected64);
  const own = expected32 !== undefined && Number.isFinite(expected32) ? 2 * Math.abs(expected32 - expected64) : 0;
  if (err <= base || own <= base) return { ratio: base > 0 ? err / base : err === 0 ? 0 : Infinity, tieBreak: false };
  return { ratio: err / own, tieBreak: true };
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
): ArrayComparison {
  const sameShape = actualShape.length === expectedShape.length && actualShape.every((d, i) => d === expectedShape[i]);
  if (!sameShape || actual.length !== expected64.length) {
    return { key, ratio: Infinity, index: -1, actual: NaN, expected: NaN, tieBreak: false, shapeError: `shape [${actualShape.join(', ')}] vs reference [${expectedShape.join(', ')}]` };
  }
  let worst: ArrayComparison = { key, ratio: 0, index: -1, actual: NaN, expected: NaN, tieBreak: false };
  for (let i = 0; i < actual.length; i++) {
    const e32 = expected32?.[i];
    const v = compareElement(actual[i]!, expected64[i]!, e32, tol);
    if (worst.index === -1 || v.ratio > worst.ratio || Number.isNaN(v.ratio)) {
      worst = { key, ratio: v.ratio, index: i, actual: actual[i]!, expected: expected64[i]!, expected32: e32, tieBreak: v.tieBreak };
    }
  }
  return worst;
}
