import * as fc from 'fast-check';
import type { NDArray } from './types.js';

/**
 * Named arbitraries for the catalog. fast-check's `fc.double({min, max})` samples the space of
 * doubles, so most of its draws are tiny; ours draw uniformly on a grid and scale explicitly, then
 * add edge values (±0, huge magnitudes, ties) on purpose. Every value is rounded to float32, so
 * TF.js and the oracle see the same numbers.
 */

export const f32 = Math.fround;

/** Uniform on [lo, hi] on a grid of 2·10⁶ steps, rounded to float32. */
export function uniform(lo: number, hi: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 2_000_000 }).map((i) => f32(lo + ((hi - lo) * i) / 2_000_000));
}

/** The logits every logit loss must survive: zeros, the float32 exp overflow point, and ±1e4. */
export const EDGE_LOGITS = [0, -0, 1, -1, 20, -20, 88.7, -88.7, 104, -104, 1e4, -1e4].map(f32);

/** Largest |logit| the catalog promises finite losses for. */
export const LOGIT_LIMIT = 1e4;

/** Logits at every scale up to ±1e4, with the edges mixed in. */
export const logit: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: uniform(-8, 8) },
  { weight: 2, arbitrary: uniform(-100, 100) },
  { weight: 1, arbitrary: uniform(-LOGIT_LIMIT, LOGIT_LIMIT) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_LOGITS) },
);

/** Moderate logits, |l| ≤ 15, where a float64 closed form in JavaScript is itself accurate. */
export const moderateLogit: fc.Arbitrary<number> = uniform(-15, 15);

/** Critic scores: unbounded reals of any scale. */
export const criticScore: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: uniform(-10, 10) },
  { weight: 1, arbitrary: uniform(-1e4, 1e4) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1) },
);

/** Per-example weights: positive, with exact ones and a spread of scales. */
export const weight: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: uniform(0.05, 2) },
  { weight: 1, arbitrary: fc.constant(1) },
);

/** A batch of values of length in [minLength, maxLength]. */
export function batch(of: fc.Arbitrary<number>, minLength = 1, maxLength = 16): fc.Arbitrary<number[]> {
  return fc.array(of, { minLength, maxLength });
}

/** A rank-1 NDArray. */
export function vector(data: number[]): NDArray {
  return { shape: [data.length], data: data.map(f32) };
}

/**
 * A probability vector of k masses: non-negative integers normalised in float64, then rounded to
 * float32. `zeros` allows zero masses (never all of them).
 */
export function distribution(k: number, zeros = false): fc.Arbitrary<number[]> {
  return fc
    .array(fc.integer({ min: zeros ? 0 : 1, max: 1000 }), { minLength: k, maxLength: k })
    .filter((w) => w.some((x) => x > 0))
    .map((w) => normalize(w));
}

/** Normalises non-negative numbers to sum to 1 (in float64), then rounds each to float32. */
export function normalize(w: number[]): number[] {
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => f32(x / total));
}

/** Two probability vectors over the same k categories, k ∈ [minK, maxK]. */
export function distributionPair(minK = 1, maxK = 12, zeros = false): fc.Arbitrary<[number[], number[]]> {
  return fc.integer({ min: minK, max: maxK }).chain((k) => fc.tuple(distribution(k, zeros), distribution(k, zeros)));
}

/** Two distributions with disjoint supports over k ≥ 2 categories. */
export const disjointPair: fc.Arbitrary<[number[], number[]]> = fc
  .integer({ min: 2, max: 12 })
  .chain((k) =>
    fc.tuple(
      fc.integer({ min: 1, max: k - 1 }),
      fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: k, maxLength: k }),
    ),
  )
  .map(([split, w]) => {
    const p = w.map((x, i) => (i < split ? x : 0));
    const q = w.map((x, i) => (i < split ? 0 : x));
    return [normalize(p), normalize(q)] as [number[], number[]];
  });

/** Positive densities, including ones far apart in scale. */
export const density: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: uniform(1e-3, 5) },
  { weight: 1, arbitrary: uniform(1e-3, 1e3) },
);
