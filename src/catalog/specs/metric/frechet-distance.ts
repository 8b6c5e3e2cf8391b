import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { uniform } from '../../arbitraries.js';
import { rowsOf } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { mean64 } from '../../reference64.js';
import { gradsOf, matrixOf, t2, toRows } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { FRECHET_DISTANCE_ID, frechetDistance, frechetDistanceFromMoments } from '../../../metrics/frechet-distance.js';
import { symmetricEigen } from '../../../metrics/linalg.js';
import { asFeatures } from '../../../types.js';

// The Fréchet distance between Gaussian fits of two feature sets.

const FD = (x: number[][], y: number[][]) => scalar(frechetDistance(asFeatures(t2(x)), asFeatures(t2(y))));

/** Column means and unbiased covariance (divisor n − 1) of rows, in float64. */
function moments64(rows: number[][]): { mu: number[]; cov: number[][] } {
  const n = rows.length;
  const d = rows[0]!.length;
  const mu = Array.from({ length: d }, (_, j) => mean64(rows.map((r) => r[j]!)));
  const cov = mu.map((_, j) =>
    mu.map((__, k) => rows.reduce((a, r) => a + (r[j]! - mu[j]!) * (r[k]! - mu[k]!), 0) / (n - 1)),
  );
  return { mu, cov };
}

/**
 * FD for d ≤ 2 without any matrix square root: for 2×2 P = Σ₁Σ₂ with eigenvalues λ₁, λ₂ ≥ 0,
 * (√λ₁ + √λ₂)² = tr P + 2√det P, so tr P^{1/2} = √(tr P + 2√det P); for d = 1 it is √(σ₁²σ₂²).
 */
function fdSmall64(x: number[][], y: number[][]): number {
  const a = moments64(x);
  const b = moments64(y);
  const d = a.mu.length;
  const meanTerm = a.mu.reduce((s, v, j) => s + (v - b.mu[j]!) ** 2, 0);
  if (d === 1) return meanTerm + a.cov[0]![0]! + b.cov[0]![0]! - 2 * Math.sqrt(a.cov[0]![0]! * b.cov[0]![0]!);
  const [[p, q], [r, s]] = [a.cov[0]!, a.cov[1]!];
  const [[t, u], [v, w]] = [b.cov[0]!, b.cov[1]!];
  const trP = p! * t! + q! * v! + r! * u! + s! * w!;
  const detP = Math.max(0, (p! * s! - q! * r!) * (t! * w! - u! * v!));
  const trSqrt = Math.sqrt(Math.max(0, trP + 2 * Math.sqrt(detP)));
  return meanTerm + p! + s! + t! + w! - 2 * trSqrt;
}

/** The scale of a case's rounding: 1 + tr Σ₁ + tr Σ₂ + ‖μ₁ − μ₂‖² (FD and each of its terms are below it). */
function scaleOf(x: number[][], y: number[][]): number {
  const a = moments64(x);
  const b = moments64(y);
  const tr = (c: number[][]) => c.reduce((s, r, j) => s + r[j]!, 0);
  return 1 + tr(a.cov) + tr(b.cov) + a.mu.reduce((s, v, j) => s + (v - b.mu[j]!) ** 2, 0);
}

/**
 * The float64 error bound of our FD for d features at a given scale: each eigenvalue near 0 is
 * known to ±16·d·2⁻⁵²·λ_max (Jacobi's backward error, and the cutoff below which the library takes
 * it as 0), so its square root to ±√(16·d·2⁻⁵²·λ_max) ≤ 4√d·2⁻²⁶·scale; d of them, in each of the
 * two square roots (of Σ₁ and of M). Far below float32 rounding except for FD(X, X)-type
 * identities; well-conditioned cases are ~1e-15·scale.
 */
const rootError = (d: number, scale: number) => 2 * d * 4 * Math.sqrt(d) * 2 ** -26 * scale;

const featureValue = uniform(-5, 5);

/** Two feature sets [n, d], [m, d] with n, m ≥ d + 2 (nonsingular covariances almost surely), d ∈ [1, maxD]. */
const fullRank = (maxD = 4, maxExtra = 6) =>
  fc
    .record({
      d: fc.integer({ min: 1, max: maxD }),
      n: fc.integer({ min: 0, max: maxExtra }),
      m: fc.integer({ min: 0, max: maxExtra }),
    })
    .chain(({ d, n, m }) => fc.tuple(rowsOf(featureValue, d + 2 + n, d), rowsOf(featureValue, d + 2 + m, d)));

/** Feature sets with n, m ∈ [2, 4] rows in d ∈ [3, 6]: singular covariances. */
const singular = fc
  .record({ d: fc.integer({ min: 3, max: 6 }), n: fc.integer({ min: 2, max: 4 }), m: fc.integer({ min: 2, max: 4 }) })
  .chain(({ d, n, m }) => fc.tuple(rowsOf(featureValue, Math.min(n, d), d), rowsOf(featureValue, Math.min(m, d), d)));

/** Values on the grid k/64 in [−8, 8]: sums, differences and power-of-2 scalings stay float32-exact. */
const gridValue = fc.integer({ min: -512, max: 512 }).map((k) => k / 64);

/** The condition number λ_max/λ_min of a covariance (∞ when singular), in float64. */
function kappa(rows: number[][]): number {
  const { cov } = moments64(rows);
  const d = cov.length;
  const { values } = symmetricEigen(Float64Array.from(cov.flat()), d);
  const lo = Math.min(...values);
  return lo > 0 ? Math.max(...values) / lo : Infinity;
}

/** Beyond this condition number of Σ₁ or Σ₂ a case compares values only (see `conditioning`). */
const KAPPA_LIMIT = 1e3;

function fdCase(x: number[][], y: number[][], label?: string): Case {
  const d = x[0]!.length;
  return {
    inputs: { x: matrixOf(x), y: matrixOf(y) },
    params: {},
    // Differentiable where both covariances are nonsingular: n, m > d (and general position);
    // compared where they are well conditioned (see `conditioning`).
    grads: x.length > d + 1 && y.length > d + 1 && Math.max(kappa(x), kappa(y)) <= KAPPA_LIMIT,
    ...(label ? { label } : {}),
  };
}

/** Rows μ ± sⱼ·eⱼ (2d rows): mean μ and the diagonal covariance diag(2sⱼ²/(2d − 1)). */
function axisRows(mu: number[], s: number[]): number[][] {
  return s.flatMap((sj, j) => [1, -1].map((sign) => mu.map((v, k) => (k === j ? v + sign * sj : v))));
}

export const frechetDistanceSpec: Spec = defineSpec({
  id: FRECHET_DISTANCE_ID,
  title: 'Fréchet distance between Gaussian fits of two feature sets (FID)',
  reference: 'Heusel et al. 2017, GANs Trained by a Two Time-Scale Update Rule, eq. 6; Dowson & Landau 1982',
  section: 'metrics',
  inputs: {
    x: { kind: 'features', doc: 'the first feature set (e.g. Inception activations of real data), [n, d], n ≥ 2' },
    y: { kind: 'features', doc: 'the second feature set, [m, d], m ≥ 2' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: frechetDistance(x.x, x.y) }),
  sample: fc.oneof(
    { weight: 4, arbitrary: fullRank().map(([x, y]) => fdCase(x, y)) },
    { weight: 1, arbitrary: singular.map(([x, y]) => fdCase(x, y)) },
  ),
  edges: [
    fdCase([[0], [2]], [[1], [1], [4]], 'closed form 1-D: (μ₁ − μ₂)² + (σ₁ − σ₂)² = 1 + (√2 − √3)²'),
    fdCase(
      [
        [1, 0],
        [-1, 0],
        [0, 2],
        [0, -2],
      ],
      [
        [2, 1],
        [0, 1],
        [1, 3],
        [1, -1],
      ],
      'closed form: equal covariances give ‖μ₁ − μ₂‖² = 2',
    ),
    fdCase(
      [
        [1, 2],
        [3, 1],
        [0, 0],
        [2, 5],
      ],
      [
        [1, 2],
        [3, 1],
        [0, 0],
        [2, 5],
      ],
      'edge: FD(X, X) = 0',
    ),
    fdCase(
      [
        [1, 0],
        [-1, 0],
        [0, 3],
        [0, -3],
      ],
      [
        [2, 0],
        [-2, 0],
        [0, 1],
        [0, -1],
      ],
      'closed form: diagonal covariances, Σ(σ₁ − σ₂)² = 2/3 + 8/3',
    ),
    fdCase(
      [
        [1, 2, 3],
        [0, 1, -1],
      ],
      [
        [2, 0, 1],
        [1, 1, 1],
        [0, 3, 2],
      ],
      'edge: singular covariances (n ≤ d)',
    ),
    fdCase(
      [
        [1e3, -1e3],
        [-1e3, 2e3],
        [5e2, 0],
        [0, 1],
      ],
      [
        [0, 0],
        [1, 1],
        [2, -1],
        [-3, 1],
      ],
      'large scale: features ~1e3 against ~1',
    ),
  ],
  secondOrder: false,
  // Our result is float64 throughout (rounded once to float32), so it meets the default tolerance
  // against the oracle's float64; the oracle's own float32 path is what this error model must
  // admit, or the comparator calls it a defect of the reference. That path computes
  // ‖A Bᵀ‖_* of the centred data in float32: a backward-stable SVD perturbs each singular value by
  // ≲ ε·‖A Bᵀ‖₂ and there are min(n, m) of them, against a value whose terms are of size
  // tr Σ₁ + tr Σ₂ (≥ 2‖A Bᵀ‖₂/√((n−1)(m−1))), not max |x|: a factor
  // min(n, m)·(1 + tr Σ₁ + tr Σ₂)/(1 + max |x|).
  // Its gradient U Vᵀ B carries singular-vector errors of ε·σ_max/σ_min of A Bᵀ, i.e. up to
  // √(κ(Σ₁)κ(Σ₂)) ≤ KAPPA_LIMIT in the cases whose gradients are compared. The larger factor is
  // the conditioning; where the oracle's float32 agrees with its float64 (well-conditioned cases)
  // the tight default tolerance still judges us.
  conditioning: (c) => {
    const x = toRows(c.inputs.x!);
    const y = toRows(c.inputs.y!);
    const big = Math.max(...c.inputs.x!.data.map(Math.abs), ...c.inputs.y!.data.map(Math.abs));
    const cancellation = (Math.min(x.length, y.length) * scaleOf(x, y)) / (1 + big);
    const spectral = c.grads ? Math.sqrt(kappa(x) * kappa(y)) : 1;
    return Math.max(1, cancellation, spectral);
  },
  invariants: [
    invariant('FD(X, X) = 0 and FD ≥ 0', fc.oneof(fullRank(), singular), ([x, y]) => {
      // Computed in float64 from the float32 inputs: FD(X, X) is left with the float64 error of
      // the square roots (`rootError`), then rounded to float32.
      checkClose('FD(X, X)', FD(x, x), 0, 0, rootError(x[0]!.length, scaleOf(x, x)));
      checkThat(FD(x, y) >= 0, `FD = ${FD(x, y)} < 0`);
    }),
    invariant('symmetric: FD(X, Y) = FD(Y, X)', fc.oneof(fullRank(), singular), ([x, y]) => {
      // Both orders compute the same float64 quantity by different square roots (of Σ₁ or Σ₂):
      // they agree to float64 rounding of the scale, then each is rounded to float32 (6e-8).
      checkClose('FD(Y, X)', FD(y, x), FD(x, y), 2e-7, 2 * rootError(x[0]!.length, scaleOf(x, y)));
    }),
    invariant(
      'matches the 2×2 closed form tr P^{1/2} = √(tr P + 2√det P) in float64 (d ≤ 2)',
      fullRank(2, 8),
      ([x, y]) => {
        // Our float64 result, rounded once to float32 (6e-8 relative), against a float64 closed form
        // that loses ~1e-16·scale/√det P to the cancellation in its inner square root: rtol 2e-7
        // plus 1e-10 of the scale.
        checkClose('FD', FD(x, y), fdSmall64(x, y), 2e-7, 1e-10 * scaleOf(x, y) + rootError(2, scaleOf(x, y)));
      },
    ),
    invariant(
      'diagonal covariances: FD = ‖μ₁ − μ₂‖² + Σⱼ(σ₁ⱼ − σ₂ⱼ)²',
      fc
        .integer({ min: 1, max: 5 })
        .chain((d) =>
          fc.tuple(
            fc.array(gridValue, { minLength: d, maxLength: d }),
            fc.array(gridValue, { minLength: d, maxLength: d }),
            fc.array(gridValue, { minLength: d, maxLength: d }),
            fc.array(gridValue, { minLength: d, maxLength: d }),
          ),
        ),
      ([mu1, s1, mu2, s2]) => {
        const d = mu1.length;
        const c = Math.sqrt(2 / (2 * d - 1));
        const expected =
          mu1.reduce((a, v, j) => a + (v - mu2[j]!) ** 2, 0) +
          s1.reduce((a, v, j) => a + (c * Math.abs(v) - c * Math.abs(s2[j]!)) ** 2, 0);
        const x = axisRows(mu1, s1);
        const y = axisRows(mu2, s2);
        // The inputs are exact (grid values); float64 throughout, one rounding to float32, and the
        // float64 error of the square roots (`rootError`; a zero sⱼ makes a covariance singular).
        checkClose('FD', FD(x, y), expected, 2e-7, rootError(d, scaleOf(x, y)));
      },
    ),
    invariant(
      '1-D closed form: FD = (μ₁ − μ₂)² + (s₁ − s₂)² with the sample standard deviations (n − 1)',
      fc.tuple(
        fc.array(featureValue, { minLength: 2, maxLength: 12 }),
        fc.array(featureValue, { minLength: 2, maxLength: 12 }),
      ),
      ([a, b]) => {
        const x = a.map((v) => [v]);
        const y = b.map((v) => [v]);
        const sa = Math.sqrt(moments64(x).cov[0]![0]!);
        const sb = Math.sqrt(moments64(y).cov[0]![0]!);
        const expected = (mean64(a) - mean64(b)) ** 2 + (sa - sb) ** 2;
        checkClose('FD', FD(x, y), expected, 2e-7, rootError(1, scaleOf(x, y)));
      },
    ),
    invariant(
      'a common translation and a rotation by 90° change nothing; scaling by 2^k scales FD by 4^k',
      fc.tuple(
        fc.integer({ min: 0, max: 4 }).chain((e) => fc.tuple(rowsOf(gridValue, 4 + e, 2), rowsOf(gridValue, 3 + e, 2))),
        gridValue,
        gridValue,
        fc.integer({ min: -3, max: 3 }),
      ),
      ([[x, y], tx, ty, k]) => {
        const base = FD(x, y);
        const tol = 2 * rootError(2, scaleOf(x, y));
        const move = (rows: number[][]) => rows.map(([a, b]) => [a! + tx, b! + ty]);
        const turn = (rows: number[][]) => rows.map(([a, b]) => [-b!, a!]);
        const scale = (rows: number[][]) => rows.map((r) => r.map((v) => v * 2 ** k));
        checkClose('FD after translation', FD(move(x), move(y)), base, 2e-7, tol);
        checkClose('FD after rotation', FD(turn(x), turn(y)), base, 2e-7, tol);
        checkClose('FD after scaling', FD(scale(x), scale(y)), 4 ** k * base, 2e-7, 4 ** k * tol);
      },
    ),
    invariant(
      'gradient: rows of ∂FD/∂X sum to 2(μ₁ − μ₂), rows of ∂FD/∂Y to −2(μ₁ − μ₂) (translation)',
      fullRank(),
      ([x, y]) => {
        const [gx, gy] = gradsOf((a, b) => frechetDistance(asFeatures(a!), asFeatures(b!)), [t2(x), t2(y)]);
        const d = x[0]!.length;
        const gap = moments64(x).mu.map((v, j) => v - moments64(y).mu[j]!);
        const colSums = (g: number[], rows: number) =>
          Array.from({ length: d }, (_, j) =>
            Array.from({ length: rows }, (__, i) => g[i * d + j]!).reduce((a, b) => a + b, 0),
          );
        // Each float32 gradient element is a float64 value rounded once; their sums cancel the
        // covariance parts (whose rows sum to 0) of size up to ~|x|·(1 + κ) per element.
        const atol = 1e-5 * (1 + Math.max(...[...gx!, ...gy!].map(Math.abs)));
        checkAllClose(
          'Σᵢ ∂FD/∂xᵢ',
          colSums(gx!, x.length),
          gap.map((g) => 2 * g),
          1e-5,
          atol,
        );
        checkAllClose(
          'Σᵢ ∂FD/∂yᵢ',
          colSums(gy!, y.length),
          gap.map((g) => -2 * g),
          1e-5,
          atol,
        );
      },
    ),
    invariant(
      'frechetDistanceFromMoments on the float64 moments of the data gives the same value',
      fc.oneof(fullRank(), singular),
      ([x, y]) => {
        const a = moments64(x);
        const b = moments64(y);
        // The same float64 computation from moments formed in another order: both within `rootError`.
        checkClose(
          'FD from moments',
          frechetDistanceFromMoments(a.mu, a.cov, b.mu, b.cov),
          FD(x, y),
          2e-7,
          2 * rootError(x[0]!.length, scaleOf(x, y)),
        );
      },
    ),
  ],
  errors: [
    {
      name: 'a rank-1 tensor',
      call: () => frechetDistance(asFeatures(tf.tensor1d([1, 2])), asFeatures(t2([[1], [2]]))),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'one row (no covariance)',
      call: () => frechetDistance(asFeatures(t2([[1], [2]])), asFeatures(t2([[1]]))),
      error: 'InvalidArgumentError',
      argument: 'y',
    },
    {
      name: 'feature widths that differ',
      call: () =>
        frechetDistance(
          asFeatures(
            t2([
              [1, 2],
              [3, 4],
            ]),
          ),
          asFeatures(t2([[1], [2]])),
        ),
      error: 'InvalidArgumentError',
      argument: 'y',
    },
    {
      name: 'a NaN',
      call: () => frechetDistance(asFeatures(t2([[NaN], [2]])), asFeatures(t2([[1], [2]]))),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'an infinity',
      call: () => frechetDistance(asFeatures(t2([[1], [2]])), asFeatures(t2([[Infinity], [2]]))),
      error: 'InvalidArgumentError',
      argument: 'y',
    },
    {
      name: 'a plain array',
      call: () => frechetDistance([[1], [2]] as never, asFeatures(t2([[1], [2]]))),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'moments: a covariance of the wrong size',
      call: () =>
        frechetDistanceFromMoments(
          [0, 0],
          [
            [1, 0],
            [0, 1],
          ],
          [0, 0],
          [[1]],
        ),
      error: 'InvalidArgumentError',
      argument: 'sigma2',
    },
  ],
  // d = 64 (not 512): the float64 Jacobi eigendecompositions run in JavaScript at O(d³) per sweep.
  benchmark: () =>
    benchCase({ x: uniformArray([BENCH.batch, 64], -1, 1, 1), y: uniformArray([BENCH.batch, 64], -1, 2, 2) }),
});
