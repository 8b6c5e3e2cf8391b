import * as tf from '@tensorflow/tfjs-core';
import type { Distributions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkTensor, valuesChecked } from '../validate.js';
import { checkDistributionPair } from '../divergences/check.js';
import {
  alphaKernel,
  FDIVERGENCE_NAMES,
  KERNELS,
  perspectiveSum,
  type ConjugateDomain,
  type FDivergenceName,
  type FKernel,
} from './generators.js';

export { FDIVERGENCE_NAMES, type ConjugateDomain, type FDivergenceName } from './generators.js';

/** The catalog id of an f-divergence: `fdiv/<name>`. */
export function fDivergenceId(name: FDivergenceName): string {
  return `fdiv/${name}`;
}

/** Options of the f-divergence family: α for `'alpha'` (required there, refused elsewhere). */
export interface FDivergenceOptions {
  /** α of the α-divergence, any finite real other than 0 and 1. Only with `'alpha'`. */
  alpha?: number;
}

/**
 * One f-divergence of the f-GAN family (Nowozin, Cseke & Tomioka 2016, Tables 1 and 2):
 * D_f(P‖Q) = ∫ q(x) f(p(x)/q(x)) dx for a convex generator f on u > 0, with its Fenchel
 * conjugate f*(t) = sup_{u ≥ 0} (ut − f(u)) (eq. 3 of the paper, the supremum taken over the
 * generator's own domain), the output activation g_f: ℝ → dom f* of Table 2, and f'(1).
 *
 * The variational bound (eq. 4) D_f(P‖Q) ≥ sup_T E_P[T] − E_Q[f*(T)] is tight at
 * T*(x) = f'(p(x)/q(x)); the f-GAN objective (eq. 6) evaluates it at T = g_f(V).
 *
 * Every method validates its tensor (throwing `InvalidArgumentError` naming `fdiv/<name>` and
 * the argument), works elementwise on any shape, runs inside `tf.tidy` and is differentiable to
 * second order wherever the mathematics is (values stay exact in float32: see each formula).
 */
export interface FDivergenceFunctions {
  /** The catalog id, `fdiv/<name>`. */
  readonly id: string;
  readonly name: FDivergenceName;
  /** α, for the α-divergence only. */
  readonly alpha?: number;
  /** f'(1): the value of T where the variational function cannot tell P from Q (Table 2). */
  readonly fPrimeAtOne: number;
  /** f(0) = lim_{u→0⁺} f(u) (may be +Infinity): the weight of a category with p = 0 < q. */
  readonly fAtZero: number;
  /** f'(∞) = lim_{u→∞} f(u)/u (may be +Infinity): the weight of a category with q = 0 < p. */
  readonly fPrimeAtInfinity: number;
  /** The effective domain of f*: t < upper (t ≤ upper when `closed`), ℝ when upper = Infinity. */
  readonly domain: ConjugateDomain;
  /** The generator f(u), elementwise, for u > 0 (finite). */
  generator(u: tf.Tensor): tf.Tensor;
  /** The conjugate f*(t), elementwise, for t in dom f* (finite). */
  conjugate(t: tf.Tensor): tf.Tensor;
  /** The output activation g_f(v) ∈ dom f*, elementwise, for finite v (raw variational outputs). */
  activation(v: tf.Tensor): tf.Tensor;
  /**
   * f*(g_f(v)), elementwise, for finite v, in a fused closed form that stays exact where the
   * composition would round g_f(v) onto the boundary of dom f* (e.g. softplus(v) for the GAN
   * divergence). It is the fake-sample term of the f-GAN objective.
   */
  conjugateOfActivation(v: tf.Tensor): tf.Tensor;
}

const TITLES: Record<FDivergenceName, string> = {
  kl: 'Kullback–Leibler',
  'reverse-kl': 'reverse Kullback–Leibler',
  'pearson-chi2': 'Pearson χ²',
  'neyman-chi2': 'Neyman χ²',
  'squared-hellinger': 'squared Hellinger',
  'jensen-shannon': 'Jensen–Shannon',
  gan: 'GAN',
  'total-variation': 'total variation',
  alpha: 'α-divergence',
};

/** Human words for the domain of f*, for messages. */
export function describeDomain(d: ConjugateDomain): string {
  if (!Number.isFinite(d.upper)) return 'finite';
  return `finite and ${d.closed ? '≤' : '<'} ${d.upper}`;
}

/** Throws unless every element is finite and passes `ok`. */
function checkValues(spec: string, argument: string, t: tf.Tensor, domain: string, ok: (x: number) => boolean): void {
  if (!valuesChecked()) return;
  const data = t.dataSync();
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (!Number.isFinite(x) || !ok(x)) {
      throw new InvalidArgumentError(
        spec,
        argument,
        `a float32 tensor with values ${domain}`,
        `${x} at flat index ${i}`,
      );
    }
  }
}

/** Whether t lies in the domain (compared in float64: a float32 t equal to f32(log 2) > log 2 is outside). */
export function inDomain(d: ConjugateDomain, t: number): boolean {
  return d.closed ? t <= d.upper : t < d.upper;
}

function build(name: FDivergenceName, kernel: FKernel, alpha?: number): FDivergenceFunctions {
  const id = fDivergenceId(name);
  const domainWords = describeDomain(kernel.domain);
  const record: FDivergenceFunctions = {
    id,
    name,
    ...(alpha !== undefined ? { alpha } : {}),
    fPrimeAtOne: kernel.fPrimeAtOne,
    fAtZero: kernel.fAtZero,
    fPrimeAtInfinity: kernel.fPrimeAtInfinity,
    domain: kernel.domain,
    generator(u) {
      ensureGradients();
      const x = checkTensor(id, 'u', u);
      checkValues(id, 'u', x, 'finite and > 0', (v) => v > 0);
      return tf.tidy(() => kernel.f(x));
    },
    conjugate(t) {
      ensureGradients();
      const x = checkTensor(id, 't', t);
      checkValues(id, 't', x, `${domainWords} (the domain of f*)`, (v) => inDomain(kernel.domain, v));
      return tf.tidy(() => kernel.conjugate(x));
    },
    activation(v) {
      ensureGradients();
      const x = checkTensor(id, 'v', v, { finite: true });
      return tf.tidy(() => kernel.activation(x));
    },
    conjugateOfActivation(v) {
      ensureGradients();
      const x = checkTensor(id, 'v', v, { finite: true });
      return tf.tidy(() => kernel.conjugateOfActivation(x));
    },
  };
  return Object.freeze(record);
}

/**
 * The fixed members of the family (all but the α-divergence, see `alphaDivergence`), from
 * Nowozin et al. 2016, Tables 1 and 2:
 *
 * | name | f(u) | f*(t) | dom f* | g_f(v) | f'(1) |
 * |---|---|---|---|---|---|
 * | kl | u log u | exp(t − 1) | ℝ | v | 1 |
 * | reverse-kl | −log u | −1 − log(−t) | t < 0 | −exp(−v) | −1 |
 * | pearson-chi2 | (u − 1)² | t + t²/4 (t ≥ −2), −1 (t < −2) | ℝ | v | 0 |
 * | neyman-chi2 | (1 − u)²/u | 2 − 2√(1 − t) | t < 1 | 1 − exp(v) | 0 |
 * | squared-hellinger | (√u − 1)² | t/(1 − t) | t < 1 | 1 − exp(v) | 0 |
 * | jensen-shannon | u log u − (u + 1) log((u + 1)/2) | −log(2 − exp(t)) | t < log 2 | log 2 − log(1 + exp(−v)) | 0 |
 * | gan | u log u − (u + 1) log(u + 1) | −log(1 − exp(t)) | t < 0 | −log(1 + exp(−v)) | −log 2 |
 * | total-variation | ½\|u − 1\| | max(t, −½) | t ≤ ½ | ½ tanh(v) | 0 |
 *
 * Where these differ from the paper, and why:
 * - pearson-chi2 and total-variation: Table 2 gives f*(t) = t + t²/4 on ℝ and f*(t) = t on
 *   [−½, ½]; those are conjugates of the generators extended to u < 0. The conjugate of the
 *   generator on its own domain u ≥ 0 (the definition, eq. 3) is the one above; the two agree
 *   wherever the optimal T* = f'(p/q) can lie (t ≥ −2, resp. t ∈ [−½, ½]) and on the range of
 *   g_f for total variation; for Pearson with g_f(v) = v they differ only for v < −2, where
 *   the paper's t + t²/4 is larger (a looser bound). To reproduce the paper's Pearson loss, use
 *   f*(v) = v + v²/4 there.
 * - jensen-shannon: Table 1 writes D_JS with a factor ½, but its generator (and Table 2's
 *   conjugate and T*) give Σ q f(p/q) = KL(P‖M) + KL(Q‖M) = 2·JSD(P‖Q), M = (P + Q)/2. We keep
 *   the generator, so `fDivergence('jensen-shannon', p, q)` = 2·`jensenShannonDivergence(p, q)`.
 * - gan: f(1) = −log 4, not 0 (so D_GAN(P‖Q) = 2·JSD(P‖Q) − log 4, the paper's §2.2 and
 *   Goodfellow et al.'s C(G)); it is the one member with D(P‖P) ≠ 0.
 * - total-variation: f is not differentiable at 1; f'(1) = 0 is the paper's choice from the
 *   subdifferential [−½, ½] (it is also what autodiff of |u − 1| returns at u = 1).
 */
export const fDivergences: Readonly<Record<Exclude<FDivergenceName, 'alpha'>, FDivergenceFunctions>> = Object.freeze(
  Object.fromEntries(Object.entries(KERNELS).map(([name, k]) => [name, build(name as FDivergenceName, k)])) as Record<
    Exclude<FDivergenceName, 'alpha'>,
    FDivergenceFunctions
  >,
);

/** Validates α of the α-divergence: a finite number other than 0 and 1. */
export function checkAlpha(spec: string, alpha: unknown): number {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha === 0 || alpha === 1) {
    throw new InvalidParameterError(
      spec,
      'alpha',
      'a finite number other than 0 and 1',
      JSON.stringify(alpha) ?? String(alpha),
    );
  }
  return alpha;
}

/**
 * The α-divergence of Nowozin et al. 2016 (Tables 1 and 2; Amari's α-family):
 *
 *   f(u) = (u^α − 1 − α(u − 1)) / (α(α − 1)),  α ∉ {0, 1},   f'(1) = 0
 *   f*(t) = ((1 + (α − 1)t)^{α/(α−1)} − 1)/α
 *   α < 1: dom f* = t < 1/(1 − α) (t ≤ 1/(1 − α) for α < 0), g_f(v) = 1/(1 − α) − log(1 + e⁻ᵛ)
 *   α > 1: dom f* = ℝ, g_f(v) = v, and f*(t) = −1/α for t ≤ −1/(α − 1)
 *
 * For α > 1 the paper's formula is undefined where 1 + (α − 1)t < 0; there the supremum of
 * ut − f(u) over u ≥ 0 is attained at u = 0 and equals −f(0) = −1/α, which is what we return
 * (continuously, with a continuous derivative). Special cases: α = 2 is ½·Pearson χ², α = ½ is
 * 2·squared Hellinger, α = −1 is ½·Neyman χ²; α → 1 tends to KL and α → 0 to reverse KL (the
 * generator is evaluated in forms that stay accurate near both poles).
 *
 * @param alpha any finite α other than 0 and 1 (`InvalidParameterError` naming `alpha` otherwise)
 */
export function alphaDivergence(alpha: number): FDivergenceFunctions {
  return build('alpha', alphaKernel(checkAlpha(fDivergenceId('alpha'), alpha)), alpha);
}

/**
 * The f-divergence functions by name: `fDivergences[name]`, or `alphaDivergence(options.alpha)`
 * for `'alpha'`. Throws `InvalidParameterError` for an unknown name (naming `divergence`), a
 * missing or invalid α with `'alpha'`, and an α given with another name (naming `alpha`).
 *
 * @param divergence one of `FDIVERGENCE_NAMES`
 * @param options `{ alpha }` for the α-divergence
 */
export function fDivergenceFunctions(divergence: FDivergenceName, options?: FDivergenceOptions): FDivergenceFunctions {
  const name = checkChoice('fdiv', 'divergence', divergence, FDIVERGENCE_NAMES);
  const id = fDivergenceId(name);
  checkKnownOptions(id, options, ['alpha']);
  if (name === 'alpha') return alphaDivergence(options?.alpha as number);
  if (options?.alpha !== undefined) {
    throw new InvalidParameterError(
      id,
      'alpha',
      "absent: only the 'alpha' divergence takes α",
      JSON.stringify(options.alpha) ?? String(options.alpha),
    );
  }
  return fDivergences[name];
}

/**
 * The f-divergence between discrete distributions, along the last axis (Csiszár 1967; Nowozin
 * et al. 2016, eq. 1 on a finite set):
 *
 *   D_f(P‖Q) = Σₓ q(x) f(p(x)/q(x))
 *
 * with the standard limits at zero masses: a category with p = 0 < q adds q·f(0), one with
 * q = 0 < p adds p·f'(∞) where f'(∞) = lim_{u→∞} f(u)/u, and one with p = q = 0 adds 0; each
 * limit may be +Infinity (`fAtZero`, `fPrimeAtInfinity`). With the generators of Table 1 this is
 * KL(P‖Q) for 'kl', KL(Q‖P) for 'reverse-kl', Σ(p − q)²/q for 'pearson-chi2', Σ(p − q)²/p for
 * 'neyman-chi2', Σ(√p − √q)² for 'squared-hellinger', ½Σ|p − q| for 'total-variation',
 * 2·JSD(P‖Q) for 'jensen-shannon' and 2·JSD(P‖Q) − log 4 for 'gan' (see `fDivergences`).
 * Gradients are exact where every mass is positive; at a zero mass the divergence is not
 * differentiable (its domain ends) and the one-sided derivative in the other mass is returned.
 *
 * @param divergence one of `FDIVERGENCE_NAMES`
 * @param p probability vectors, shape [..., k] (masses in [0, 1] summing to 1 along the last axis)
 * @param q probability vectors of the same shape
 * @param options `{ alpha }` for the α-divergence
 * @returns the divergence per leading index, shape [...] (a scalar for rank-1 inputs)
 */
export function fDivergence(
  divergence: FDivergenceName,
  p: Distributions,
  q: Distributions,
  options?: FDivergenceOptions,
): tf.Tensor {
  ensureGradients();
  const fns = fDivergenceFunctions(divergence, options);
  const kernel = fns.name === 'alpha' ? alphaKernel(fns.alpha!) : KERNELS[fns.name];
  const [pt, qt] = checkDistributionPair(fns.id, ['p', 'q'], p, q);
  return tf.tidy(() => perspectiveSum(kernel, pt, qt));
}

/** The kernel behind a validated record (internal, for the f-GAN objective). */
export function kernelOf(fns: FDivergenceFunctions): FKernel {
  return fns.name === 'alpha' ? alphaKernel(fns.alpha!) : KERNELS[fns.name];
}

/** Title of a member, for docs and reports. */
export function fDivergenceTitle(name: FDivergenceName): string {
  return TITLES[name];
}
