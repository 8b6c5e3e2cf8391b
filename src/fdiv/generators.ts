import * as tf from '@tensorflow/tfjs-core';
import { log1p } from '../numerics.js';

/**
 * The f-divergence family of Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural
 * Samplers using Variational Divergence Minimization", Tables 1 and 2: for each generator f, the
 * elementwise kernels ganref builds every public function from. Internal: no validation here;
 * call inside `tf.tidy`.
 *
 * Every kernel is written for accuracy in float32 and for gradients (first and second order)
 * that are finite wherever the mathematics is: stable forms (softplus, log1p, expm1) instead of
 * the textbook ones where these cancel or overflow, and the double-`where` pattern (each branch
 * of a piecewise formula is evaluated on safe stand-in inputs outside its region) so that no
 * unselected branch can put a NaN into a backward pass.
 */

type T = tf.Tensor;

/** The f-divergences ganref implements, by name. */
export const FDIVERGENCE_NAMES = [
  'kl',
  'reverse-kl',
  'pearson-chi2',
  'neyman-chi2',
  'squared-hellinger',
  'jensen-shannon',
  'gan',
  'total-variation',
  'alpha',
] as const;

/** The name of an f-divergence of the family (`fdiv/<name>` in the catalog). */
export type FDivergenceName = (typeof FDIVERGENCE_NAMES)[number];

/**
 * The effective domain of a conjugate f*: the t with f*(t) < ∞. It is always an interval
 * (−∞, upper) or (−∞, upper] (`closed`), or all of ℝ (`upper = Infinity`).
 */
export interface ConjugateDomain {
  readonly upper: number;
  readonly closed: boolean;
}

/** The elementwise kernels of one generator f (see `FDivergenceFunctions` for their meaning). */
export interface FKernel {
  f(u: T): T;
  conjugate(t: T): T;
  activation(v: T): T;
  conjugateOfActivation(v: T): T;
  readonly fPrimeAtOne: number;
  readonly fAtZero: number;
  readonly fPrimeAtInfinity: number;
  readonly domain: ConjugateDomain;
  /**
   * q·f(p/q) for p, q > 0, written directly in p and q. The composition q·f(p/q) is exact in
   * value, but its second derivatives in q cancel between product-rule terms of size |f'(p/q)|
   * (float32 Hessians off by 5 % for Neyman χ² at p/q = 0.003, nonzero for total variation).
   */
  perspective(p: T, q: T): T;
}

const LN2 = Math.LN2;
const ALL_REALS: ConjugateDomain = { upper: Infinity, closed: false };

/**
 * The largest float32 ≤ x. An activation u − softplus(−v) bounded by u must use it: the nearest
 * float32 to log 2 (or to 1/(1 − α)) can lie above the bound, and g_f(v) would then round onto
 * a point outside dom f* for large v.
 */
export function float32Below(x: number): number {
  const y = Math.fround(x);
  if (y <= x) return y;
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, y);
  view.setUint32(0, y > 0 ? view.getUint32(0) - 1 : view.getUint32(0) + 1);
  return view.getFloat32(0);
}

const LN2_BELOW = float32Below(LN2);

/** where(mask, x, safe): x inside the mask, a harmless stand-in elsewhere (double-where pattern). */
function inside(mask: T, x: T, safe: number): T {
  return tf.where(mask, x, tf.fill(x.shape, safe));
}

/**
 * log(1 − eᵗ) for t < 0 (Mächler 2012, "Accurately computing log(1 − exp(−|a|))"):
 * log(−expm1(t)) for t > −log 2, log1p(−exp(t)) below, each branch on safe inputs.
 */
function log1mexp(t: T): T {
  const near = tf.greater(t, -LN2);
  const a = tf.log(tf.neg(tf.expm1(inside(near, t, -1))));
  const b = log1p(tf.neg(tf.exp(inside(tf.logicalNot(near), t, -1))));
  return tf.where(near, a, b);
}

/**
 * log(softplus(x)) = log log(1 + eˣ) for every finite x: the plain composition for x ≥ −20, and
 * x itself below, where softplus(x) = eˣ(1 − eˣ/2 + …) would underflow (the relative error of
 * dropping log(1 − eˣ/2 + …) ≈ −eˣ/2 is below 2e-9 there).
 */
function logSoftplus(x: T): T {
  const big = tf.greaterEqual(x, -20);
  const a = tf.log(tf.softplus(inside(big, x, 0)));
  return tf.where(big, a, x);
}

const kl: FKernel = {
  // p log(p/q)
  perspective: (p, q) => tf.mul(p, tf.log(tf.div(p, q))),
  // f(u) = u log u                                             Table 1
  f: (u) => tf.mul(u, tf.log(u)),
  // f*(t) = exp(t − 1), dom ℝ                                    Table 2
  conjugate: (t) => tf.exp(tf.sub(t, 1)),
  // g(v) = v
  activation: (v) => tf.clone(v),
  conjugateOfActivation: (v) => tf.exp(tf.sub(v, 1)),
  fPrimeAtOne: 1,
  fAtZero: 0,
  fPrimeAtInfinity: Infinity,
  domain: ALL_REALS,
};

const reverseKl: FKernel = {
  // q log(q/p)
  perspective: (p, q) => tf.mul(q, tf.log(tf.div(q, p))),
  // f(u) = −log u
  f: (u) => tf.neg(tf.log(u)),
  // f*(t) = −1 − log(−t), t < 0
  conjugate: (t) => tf.sub(-1, tf.log(tf.neg(t))),
  // g(v) = −exp(−v)
  activation: (v) => tf.neg(tf.exp(tf.neg(v))),
  // f*(g(v)) = −1 − log(exp(−v)) = v − 1
  conjugateOfActivation: (v) => tf.sub(v, 1),
  fPrimeAtOne: -1,
  fAtZero: Infinity,
  fPrimeAtInfinity: 0,
  domain: { upper: 0, closed: false },
};

/**
 * Pearson χ² conjugate on the generator's own domain u ≥ 0: sup_{u ≥ 0} (ut − (u − 1)²) is
 * t + t²/4 = t(1 + t/4) for t ≥ −2 (maximiser u = 1 + t/2 ≥ 0) and −1 below (maximiser u = 0).
 */
function pearsonConjugate(t: T): T {
  return tf.where(tf.greaterEqual(t, -2), tf.mul(t, tf.add(1, tf.mul(0.25, t))), tf.fill(t.shape, -1));
}

const pearson: FKernel = {
  // (p − q)²/q
  perspective: (p, q) => tf.div(tf.square(tf.sub(p, q)), q),
  // f(u) = (u − 1)²
  f: (u) => tf.square(tf.sub(u, 1)),
  conjugate: pearsonConjugate,
  activation: (v) => tf.clone(v),
  conjugateOfActivation: pearsonConjugate,
  fPrimeAtOne: 0,
  fAtZero: 1,
  fPrimeAtInfinity: Infinity,
  domain: ALL_REALS,
};

const neyman: FKernel = {
  // (p − q)²/p
  perspective: (p, q) => tf.div(tf.square(tf.sub(p, q)), p),
  // f(u) = (1 − u)²/u, with u − 1 exact near 1 (no u − 2 + 1/u cancellation)
  f: (u) => tf.div(tf.square(tf.sub(u, 1)), u),
  // f*(t) = 2 − 2√(1 − t) = 2t / (1 + √(1 − t)), t < 1 (no cancellation near t = 0)
  conjugate: (t) => tf.div(tf.mul(2, t), tf.add(1, tf.sqrt(tf.sub(1, t)))),
  // g(v) = 1 − exp(v) = −expm1(v)
  activation: (v) => tf.neg(tf.expm1(v)),
  // f*(g(v)) = 2 − 2√(eᵛ) = −2 expm1(v/2)
  conjugateOfActivation: (v) => tf.mul(-2, tf.expm1(tf.mul(0.5, v))),
  fPrimeAtOne: 0,
  fAtZero: Infinity,
  fPrimeAtInfinity: 1,
  domain: { upper: 1, closed: false },
};

const hellinger: FKernel = {
  // (√p − √q)²
  perspective: (p, q) => tf.square(tf.sub(tf.sqrt(p), tf.sqrt(q))),
  // f(u) = (√u − 1)² = ((u − 1)/(√u + 1))²
  f: (u) => tf.square(tf.div(tf.sub(u, 1), tf.add(tf.sqrt(u), 1))),
  // f*(t) = t/(1 − t), t < 1
  conjugate: (t) => tf.div(t, tf.sub(1, t)),
  // g(v) = 1 − exp(v)
  activation: (v) => tf.neg(tf.expm1(v)),
  // f*(g(v)) = (1 − eᵛ)/eᵛ = e⁻ᵛ − 1
  conjugateOfActivation: (v) => tf.expm1(tf.neg(v)),
  fPrimeAtOne: 0,
  fAtZero: 1,
  fPrimeAtInfinity: 1,
  domain: { upper: 1, closed: false },
};

/**
 * Jensen–Shannon generator of Table 1, f(u) = u log u − (u + 1) log((u + 1)/2)
 * = u·log(2u/(u + 1)) − log((u + 1)/2): log1p forms for u ≥ ½, u·(log 2 + log u − log1p u)
 * below (where 2u/(u + 1) − 1 would round to −1 for tiny u).
 */
function jsGenerator(u: T): T {
  const large = tf.greaterEqual(u, 0.5);
  const uL = inside(large, u, 1);
  const uS = inside(tf.logicalNot(large), u, 0.25);
  const termL = tf.mul(uL, log1p(tf.div(tf.sub(uL, 1), tf.add(uL, 1))));
  const termS = tf.mul(uS, tf.sub(tf.add(LN2, tf.log(uS)), log1p(uS)));
  return tf.sub(tf.where(large, termL, termS), log1p(tf.mul(0.5, tf.sub(u, 1))));
}

const jensenShannon: FKernel = {
  // p log(2p/(p + q)) + q log(2q/(p + q))
  perspective: (p, q) => {
    const m = tf.mul(0.5, tf.add(p, q));
    return tf.add(tf.mul(p, tf.log(tf.div(p, m))), tf.mul(q, tf.log(tf.div(q, m))));
  },
  f: jsGenerator,
  // f*(t) = −log(2 − eᵗ) = −log1p(−expm1(t)), t < log 2
  conjugate: (t) => tf.neg(log1p(tf.neg(tf.expm1(t)))),
  // g(v) = log 2 − log(1 + e⁻ᵛ), with log 2 rounded down so that g(v) < log 2 in float32 too
  activation: (v) => tf.sub(LN2_BELOW, tf.softplus(tf.neg(v))),
  // f*(g(v)) = −log(2 − 2σ(v)) = softplus(v) − log 2
  conjugateOfActivation: (v) => tf.sub(tf.softplus(v), LN2),
  fPrimeAtOne: 0,
  fAtZero: LN2,
  fPrimeAtInfinity: LN2,
  domain: { upper: LN2, closed: false },
};

/**
 * GAN generator of Table 1, f(u) = u log u − (u + 1) log(u + 1) = −(u·log1p(1/u) + log1p(u)),
 * two negative terms (no cancellation); u·log1p(1/u) is taken as u·(log1p(u) − log u) for u < 1
 * so that 1/u cannot overflow.
 */
function ganGenerator(u: T): T {
  const large = tf.greaterEqual(u, 1);
  const uL = inside(large, u, 1);
  const uS = inside(tf.logicalNot(large), u, 0.5);
  const a = tf.mul(uL, log1p(tf.reciprocal(uL)));
  const b = tf.mul(uS, tf.sub(log1p(uS), tf.log(uS)));
  return tf.neg(tf.add(tf.where(large, a, b), log1p(u)));
}

const gan: FKernel = {
  // p log(p/(p + q)) + q log(q/(p + q))
  perspective: (p, q) => {
    const s = tf.add(p, q);
    return tf.add(tf.mul(p, tf.log(tf.div(p, s))), tf.mul(q, tf.log(tf.div(q, s))));
  },
  f: ganGenerator,
  // f*(t) = −log(1 − eᵗ), t < 0
  conjugate: (t) => tf.neg(log1mexp(t)),
  // g(v) = −log(1 + e⁻ᵛ) = log σ(v)
  activation: (v) => tf.neg(tf.softplus(tf.neg(v))),
  // f*(g(v)) = −log(1 − σ(v)) = softplus(v)
  conjugateOfActivation: (v) => tf.softplus(v),
  fPrimeAtOne: -LN2,
  fAtZero: 0,
  fPrimeAtInfinity: 0,
  domain: { upper: 0, closed: false },
};

/**
 * Total-variation conjugate on the generator's domain u ≥ 0: sup_{u ≥ 0} (ut − ½|u − 1|) is
 * max(t, −½) for t ≤ ½ (+∞ above).
 */
function tvConjugate(t: T): T {
  return tf.maximum(t, -0.5);
}

const totalVariation: FKernel = {
  // ½|p − q|
  perspective: (p, q) => tf.mul(0.5, tf.abs(tf.sub(p, q))),
  // f(u) = ½|u − 1|
  f: (u) => tf.mul(0.5, tf.abs(tf.sub(u, 1))),
  conjugate: tvConjugate,
  // g(v) = ½ tanh(v)
  activation: (v) => tf.mul(0.5, tf.tanh(v)),
  // f*(g(v)) = ½ tanh(v) (g(v) ∈ (−½, ½), where f*(t) = t)
  conjugateOfActivation: (v) => tf.mul(0.5, tf.tanh(v)),
  fPrimeAtOne: 0,
  fAtZero: 0.5,
  fPrimeAtInfinity: 0.5,
  domain: { upper: 0.5, closed: true },
};

/**
 * The α-divergence generator of Table 1, f(u) = (u^α − 1 − α(u − 1)) / (α(α − 1)), α ∉ {0, 1},
 * and its conjugate and activation of Table 2 (with the conjugate taken on u ≥ 0 for α > 1).
 */
export function alphaKernel(alpha: number): FKernel {
  const a = alpha / (alpha - 1);
  const beta = alpha - 1;
  // f: two algebraically equal forms, each free of the 1/α or 1/(α − 1) blow-up near its pole:
  //   α < ½:  f = (expm1(α log u)/α − (u − 1)) / (α − 1)     (→ u − 1 − log u as α → 0)
  //   α ≥ ½:  f = (u·expm1(β log u)/β − (u − 1)) / α, β = α − 1   (→ u log u − u + 1 as α → 1)
  const f = (u: T): T => {
    const logU = tf.log(u);
    const um1 = tf.sub(u, 1);
    if (alpha < 0.5) return tf.div(tf.sub(tf.div(tf.expm1(tf.mul(alpha, logU)), alpha), um1), alpha - 1);
    return tf.div(tf.sub(tf.div(tf.mul(u, tf.expm1(tf.mul(beta, logU))), beta), um1), alpha);
  };
  // f*(t) = ((1 + (α − 1)t)^{α/(α−1)} − 1)/α = expm1(α/(α−1) · log1p((α − 1)t))/α where
  // 1 + (α − 1)t > 0; for α > 1 and 1 + (α − 1)t ≤ 0 the supremum over u ≥ 0 is at u = 0:
  // f*(t) = −f(0) = −1/α.
  const conjugate = (t: T): T => {
    const value = (x: T) => tf.div(tf.expm1(tf.mul(a, log1p(tf.mul(beta, x)))), alpha);
    if (alpha < 1) {
      // Near the end U = 1/(1 − α) of the domain, s = 1 + (α − 1)t = (1 − α)(U − t) is small and
      // 1 + (α − 1)t would lose it to rounding (U is not a float32): there U = hi + lo in two
      // float32s and U − t = (hi − t) + lo, with hi − t exact (Sterbenz, t ∈ [U/2, U]).
      const upper = 1 / (1 - alpha);
      const hi = Math.fround(upper);
      const lo = Math.fround(upper - hi);
      const near = tf.less(tf.mul(beta, t), -0.5);
      const tN = inside(near, t, 0);
      const sNear = tf.mul(1 - alpha, tf.add(tf.sub(hi, tN), lo));
      const vNear = tf.div(tf.expm1(tf.mul(a, tf.log(sNear))), alpha);
      return tf.where(near, vNear, value(inside(tf.logicalNot(near), t, 0)));
    }
    const positive = tf.greater(tf.add(1, tf.mul(beta, t)), 0);
    return tf.where(positive, value(inside(positive, t, 0)), tf.fill(t.shape, -1 / alpha));
  };
  // q·f(p/q) with L = log(p/q), in the same two forms as f:
  //   α < ½:  (q·expm1(αL)/α − (p − q)) / (α − 1);   α ≥ ½:  (p·expm1(βL)/β − (p − q)) / α
  const perspective = (p: T, q: T): T => {
    const logRatio = tf.log(tf.div(p, q));
    const pmq = tf.sub(p, q);
    if (alpha < 0.5) return tf.div(tf.sub(tf.div(tf.mul(q, tf.expm1(tf.mul(alpha, logRatio))), alpha), pmq), alpha - 1);
    return tf.div(tf.sub(tf.div(tf.mul(p, tf.expm1(tf.mul(beta, logRatio))), beta), pmq), alpha);
  };
  if (alpha > 1) {
    return {
      f,
      perspective,
      conjugate,
      activation: (v) => tf.clone(v),
      conjugateOfActivation: conjugate,
      fPrimeAtOne: 0,
      fAtZero: 1 / alpha,
      fPrimeAtInfinity: Infinity,
      domain: ALL_REALS,
    };
  }
  const upper = 1 / (1 - alpha);
  return {
    f,
    perspective,
    conjugate,
    // g(v) = 1/(1 − α) − log(1 + e⁻ᵛ), the bound rounded down to float32 (g(v) stays in dom f*)
    activation: (v) => tf.sub(float32Below(upper), tf.softplus(tf.neg(v))),
    // 1 + (α − 1)g(v) = (1 − α)·softplus(−v), so
    // f*(g(v)) = expm1(α/(α−1) · (log(1 − α) + log softplus(−v)))/α
    conjugateOfActivation: (v) =>
      tf.div(tf.expm1(tf.mul(a, tf.add(Math.log(1 - alpha), logSoftplus(tf.neg(v))))), alpha),
    fPrimeAtOne: 0,
    fAtZero: alpha > 0 ? 1 / alpha : Infinity,
    fPrimeAtInfinity: 1 / (1 - alpha),
    domain: { upper, closed: alpha < 0 },
  };
}

/** The kernels of the fixed-name generators (every name but 'alpha'). */
export const KERNELS: Readonly<Record<Exclude<FDivergenceName, 'alpha'>, FKernel>> = {
  kl,
  'reverse-kl': reverseKl,
  'pearson-chi2': pearson,
  'neyman-chi2': neyman,
  'squared-hellinger': hellinger,
  'jensen-shannon': jensenShannon,
  gan,
  'total-variation': totalVariation,
};

/**
 * Σ q f(p/q) along the last axis with the limits at zero masses: a category with p = 0 < q adds
 * q·f(0), one with q = 0 < p adds p·f'(∞) (f'(∞) = lim f(u)/u), one with p = q = 0 adds 0.
 * Gradients are exact where both masses are positive (each kernel's `perspective` form).
 */
export function perspectiveSum(k: FKernel, p: T, q: T): T {
  const pPos = tf.greater(p, 0);
  const qPos = tf.greater(q, 0);
  const both = tf.logicalAnd(pPos, qPos);
  const pS = inside(both, p, 1);
  const qS = inside(both, q, 1);
  const interior = k.perspective(pS, qS);
  const limit = (m: T, c: number) => (Number.isFinite(c) ? tf.mul(m, c) : tf.fill(m.shape, c));
  const onlyQ = tf.logicalAnd(tf.logicalNot(pPos), qPos);
  const onlyP = tf.logicalAnd(pPos, tf.logicalNot(qPos));
  const zeros = tf.zerosLike(p);
  const edge = tf.where(
    onlyQ,
    limit(inside(onlyQ, q, 0), k.fAtZero),
    tf.where(onlyP, limit(inside(onlyP, p, 0), k.fPrimeAtInfinity), zeros),
  );
  return tf.sum(tf.where(both, interior, edge), -1);
}
