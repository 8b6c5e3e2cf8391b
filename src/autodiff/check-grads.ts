import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient checking against central finite differences, first and second order.
 *
 * Method. `f` maps the inputs to a tensor; a seeded random weight tensor `w` of `f`'s output shape
 * projects it to a scalar L(x) = Σ w ⊙ f(x) (a scalar `f` is used as is, w = 1). Directions `v` are
 * seeded standard normal vectors over all float inputs jointly, scaled to unit RMS, so a step `h`
 * moves each component by about `h`.
 *
 * - Order 1: the reverse-mode directional derivative ⟨∇L(x), v⟩ against the finite difference
 *   D(h) = (L(x + h v) − L(x − h v)) / 2h, refined by Richardson extrapolation
 *   R = (4 D(h/2) − D(h)) / 3, whose truncation error is O(h⁴) instead of O(h²).
 * - Order 2 (also runs order 1): the reverse-over-reverse Hessian-vector product H v = ∇⟨∇L, v⟩
 *   (a full vector) against the Richardson-refined central difference of the reverse-mode gradient
 *   along v, (∇L(x + h v) − ∇L(x − h v)) / 2h, componentwise.
 *
 * Error model. TF.js evaluates in float32 (unit roundoff u = 2⁻²⁴ ≈ 6e-8). A value V computed by a
 * short chain of kernels carries a rounding error of about k·u·S, where S is the magnitude of the
 * terms that were summed (|L| and Σ|w ⊙ f| for L; |∇L_i| and the gradient's RMS for gradients)
 * and k a small constant (taken as 32, covering the chain depth and reductions of the test cases;
 * rounding the perturbed input to float32 adds about u·Σ|∂L/∂x_i||x_i|). A central difference
 * divides two such errors by 2h: noise ≈ k·u·S / h. Its truncation error is estimated by
 * |D(h/2) − D(h)| / 3 (the Richardson correction itself, a conservative bound for R). The default
 * h = 2⁻⁶ · max(1, RMS(x)) balances noise (∝ 1/h) against truncation (∝ h⁴ after extrapolation)
 * for float32; for float64 evaluation (not available in TF.js) h = 2⁻¹² would be used. A component
 * passes when |analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|) + noise + truncation.
 *
 * Functions with kinks (relu, abs, max) must be checked at inputs further than 2h from the kink.
 * Nothing is leaked: everything runs inside `tf.tidy` and only plain numbers are returned.
 */

export interface CheckGradsOptions {
  /** 1: first order; 2: first and second order. Default 1. */
  order?: 1 | 2;
  /** Finite-difference step, relative to max(1, RMS of the inputs). Default 2⁻⁶. */
  eps?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Seed for the projection and the directions. Default 1. */
  seed?: number;
  /** Number of random directions. Default 3. */
  directions?: number;
  /** Rounding-noise multiplier k of the error model. Default 32. */
  noiseFactor?: number;
  /** When false, returns the failing report instead of throwing. Default true. */
  throwOnMismatch?: boolean;
  /**
   * Switching functions of the inputs (same arguments as `f`): quantities whose sign decides
   * which smooth piece `f` is on (a pre-activation of relu, the g of |g| in Adam's first step).
   * A direction whose finite-difference points (x ± h v, x ± h v/2) do not all share the signs
   * of x straddles a kink, where no difference formula converges: it is skipped, and counted in
   * `skipped` (the caller can discard such an input).
   */
  switches?: Fn;
}

export interface GradCheckEntry {
  order: 1 | 2;
  direction: number;
  /** Component index in the flattened concatenation of the inputs (order 2), −1 for order 1. */
  index: number;
  analytic: number;
  numeric: number;
  error: number;
  tolerance: number;
  ok: boolean;
}

export interface CheckGradsReport {
  ok: boolean;
  order: 1 | 2;
  step: number;
  rtol: number;
  atol: number;
  directions: number;
  /** Largest error / tolerance over all comparisons (≤ 1 passes). */
  worstRatio: number;
  /** The comparison with the largest error / tolerance per order and direction. */
  worst: GradCheckEntry[];
  /** Number of comparisons made. */
  comparisons: number;
  /** Directions skipped because their points straddle a kink of `switches`. */
  skipped: number;
  failures: GradCheckEntry[];
}

export class GradCheckError extends Error {
  constructor(readonly report: CheckGradsReport) {
    const f = report.failures[0];
    super(
      `gradient check failed (${report.failures.length} of ${report.comparisons} comparisons): ` +
        `order ${f.order}, direction ${f.direction}` +
        (f.index >= 0 ? `, component ${f.index}` : '') +
        `: reverse-mode ${f.analytic} vs finite differences ${f.numeric} ` +
        `(error ${f.error.toExponential(3)} > tolerance ${f.tolerance.toExponential(3)}; step ${report.step})`,
    );
    this.name = 'GradCheckError';
  }
}

const U32 = 2 ** -24;

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(rand: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rand(), 1e-300);
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

/** `tf.tidy` for a function returning plain numbers (which tidy passes through untouched). */
function tidyValue<R>(fn: () => R): R {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as R;
}

/**
 * Compares reverse-mode gradients of `f` at `inputs` with finite differences; see the module
 * comment for the method and the error model. Throws a `GradCheckError` on mismatch (unless
 * `throwOnMismatch` is false) and returns the report otherwise.
 */
// One numerical procedure whose steps (flatten, project, first- and second-order comparisons per
// direction) share one closure over the flattened inputs; to be split into a probe object and
// per-order functions when it next changes.
// eslint-disable-next-line max-lines-per-function -- see the comment above
export function checkGrads(f: Fn, inputs: tf.Tensor[], options: CheckGradsOptions = {}): CheckGradsReport {
  const order = options.order ?? 1;
  const rtol = options.rtol ?? 1e-3;
  const atol = options.atol ?? 1e-5;
  const nDir = options.directions ?? 3;
  const k = options.noiseFactor ?? 32;
  const rand = rng(options.seed ?? 1);

  for (const x of inputs) {
    if (x.dtype !== 'float32') throw new Error(`checkGrads: inputs must be float32, got ${x.dtype}`);
  }
  const shapes = inputs.map((x) => x.shape);
  const sizes = inputs.map((x) => x.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const x0 = new Float64Array(total);
  {
    let o = 0;
    for (const x of inputs) {
      x0.set(x.dataSync(), o);
      o += x.size;
    }
  }
  let rms = 0;
  for (const v of x0) rms += v * v;
  rms = Math.sqrt(rms / Math.max(1, total));
  const h = (options.eps ?? 2 ** -6) * Math.max(1, rms);

  // Projection weights for a non-scalar output.
  const outShape = tf.tidy(() => f(...inputs).shape);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const w = outSize === 1 ? null : normals(rand, outSize);

  const split = (flat: Float64Array): tf.Tensor[] => {
    const out: tf.Tensor[] = [];
    let o = 0;
    shapes.forEach((s, i) => {
      out.push(tf.tensor(Float32Array.from(flat.subarray(o, o + sizes[i])), s, 'float32'));
      o += sizes[i];
    });
    return out;
  };
  const flatten = (ts: (tf.Tensor | undefined)[]): Float64Array => {
    const out = new Float64Array(total);
    let o = 0;
    ts.forEach((t, i) => {
      if (t != null) out.set(t.dataSync(), o);
      o += sizes[i];
    });
    return out;
  };
  const lossOf = (xs: tf.Tensor[]): tf.Tensor => {
    const y = f(...xs);
    return w == null ? tf.sum(y) : tf.sum(tf.mul(y, tf.tensor(Float32Array.from(w), y.shape, 'float32')));
  };
  /** L and its magnitude scale Σ|w ⊙ f|. */
  const evalL = (flat: Float64Array): { L: number; S: number } =>
    tidyValue(() => {
      const y = f(...split(flat));
      const wt = w == null ? tf.onesLike(y) : tf.tensor(Float32Array.from(w), y.shape, 'float32');
      return { L: tf.sum(tf.mul(y, wt)).dataSync()[0], S: tf.sum(tf.abs(tf.mul(y, wt))).dataSync()[0] };
    });
  /** Reverse-mode gradient of L, flattened (absent gradients are zero). */
  const gradAt = (flat: Float64Array): Float64Array =>
    tidyValue(() => {
      const xs = split(flat);
      const { grads } = tf.engine().gradients(() => lossOf(xs), xs, undefined, true);
      return flatten(grads);
    });

  const entries: GradCheckEntry[] = [];
  const worst: GradCheckEntry[] = [];
  const g0 = gradAt(x0);
  let gAbsX = 0;
  let gRms = 0;
  for (let i = 0; i < total; i++) {
    gAbsX += Math.abs(g0[i] * x0[i]);
    gRms += g0[i] * g0[i];
  }
  gRms = Math.sqrt(gRms / Math.max(1, total));

  const shifted = (v: Float64Array, s: number): Float64Array => {
    const out = new Float64Array(total);
    for (let i = 0; i < total; i++) out[i] = x0[i] + s * v[i];
    return out;
  };

  const signsAt = (flat: Float64Array): number[] =>
    tidyValue(() => Array.from(options.switches!(...split(flat)).dataSync(), Math.sign));
  const signs0 = options.switches ? signsAt(x0) : [];
  let skipped = 0;
  for (let d = 0; d < nDir; d++) {
    const v = normals(rand, total);
    let vr = 0;
    for (const c of v) vr += c * c;
    vr = Math.sqrt(vr / Math.max(1, total)) || 1;
    for (let i = 0; i < total; i++) v[i] /= vr;
    if (
      options.switches &&
      [h, -h, h / 2, -h / 2].some((s) => signsAt(shifted(v, s)).some((sg, i) => sg === 0 || sg !== signs0[i]))
    ) {
      skipped++;
      continue;
    }

    // Order 1.
    {
      let analytic = 0;
      for (let i = 0; i < total; i++) analytic += g0[i] * v[i];
      const p1 = evalL(shifted(v, h));
      const m1 = evalL(shifted(v, -h));
      const p2 = evalL(shifted(v, h / 2));
      const m2 = evalL(shifted(v, -h / 2));
      const D1 = (p1.L - m1.L) / (2 * h);
      const D2 = (p2.L - m2.L) / h;
      const numeric = (4 * D2 - D1) / 3;
      const S = Math.max(p1.S, m1.S, p2.S, m2.S, Math.abs(p1.L));
      const noise = (k * U32 * (S + gAbsX)) / (h / 2);
      const trunc = Math.abs(D2 - D1) / 3;
      const error = Math.abs(analytic - numeric);
      const tolerance = atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)) + noise + trunc;
      const e: GradCheckEntry = {
        order: 1,
        direction: d,
        index: -1,
        analytic,
        numeric,
        error,
        tolerance,
        ok: error <= tolerance,
      };
      entries.push(e);
      worst.push(e);
    }

    if (order === 2) {
      const hv = tidyValue(() => {
        const xs = inputs.map((x) => tf.clone(x));
        const vs = split(v);
        const { grads } = tf.engine().gradients(
          () => {
            const inner = tf.engine().gradients(() => lossOf(xs), xs, undefined, true).grads;
            let acc: tf.Tensor = tf.scalar(0);
            inner.forEach((g, i) => {
              if (g != null) acc = tf.add(acc, tf.sum(tf.mul(g, vs[i])));
            });
            return acc;
          },
          xs,
          undefined,
          true,
        );
        return flatten(grads);
      });
      const gp1 = gradAt(shifted(v, h));
      const gm1 = gradAt(shifted(v, -h));
      const gp2 = gradAt(shifted(v, h / 2));
      const gm2 = gradAt(shifted(v, -h / 2));
      let worstEntry: GradCheckEntry | null = null;
      for (let i = 0; i < total; i++) {
        const D1 = (gp1[i] - gm1[i]) / (2 * h);
        const D2 = (gp2[i] - gm2[i]) / h;
        const numeric = (4 * D2 - D1) / 3;
        const S = Math.max(Math.abs(gp1[i]), Math.abs(gm1[i]), gRms);
        const noise = (k * U32 * S) / (h / 2);
        const trunc = Math.abs(D2 - D1) / 3;
        const analytic = hv[i];
        const error = Math.abs(analytic - numeric);
        const tolerance = atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)) + noise + trunc;
        const e: GradCheckEntry = {
          order: 2,
          direction: d,
          index: i,
          analytic,
          numeric,
          error,
          tolerance,
          ok: error <= tolerance,
        };
        if (!e.ok || Number.isNaN(error)) entries.push({ ...e, ok: false });
        if (
          worstEntry == null ||
          e.error / e.tolerance > worstEntry.error / worstEntry.tolerance ||
          Number.isNaN(error)
        ) {
          worstEntry = e;
        }
      }
      if (worstEntry != null) worst.push(worstEntry);
    }
  }

  const failures = entries.filter((e) => !e.ok || Number.isNaN(e.error));
  const comparisons = (nDir - skipped) * (1 + (order === 2 ? total : 0));
  const worstRatio = worst.reduce((m, e) => Math.max(m, Number.isNaN(e.error) ? Infinity : e.error / e.tolerance), 0);
  const report: CheckGradsReport = {
    ok: failures.length === 0,
    order,
    step: h,
    rtol,
    atol,
    directions: nDir,
    worstRatio,
    worst,
    comparisons,
    skipped,
    failures,
  };
  if (!report.ok && (options.throwOnMismatch ?? true)) throw new GradCheckError(report);
  return report;
}
