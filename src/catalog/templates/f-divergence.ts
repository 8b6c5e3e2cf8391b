import { defineSpec, requiredParam } from '../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, distribution, distributionPair, EDGE_LOGITS, f32, logit, uniform, vector } from '../arbitraries.js';
import { BENCH, benchCase, distributionsArray, uniformArray } from '../bench.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import { jsd64, kl64, softplus64, sum64 } from '../reference64.js';
import { gradValues, t1 } from '../tensors.js';
import type { Case, ErrorCase, Invariant, Spec, ParamDecl } from '../types.js';
import {
  type ConjugateDomain,
  fDivergence,
  fDivergenceFunctions,
  type FDivergenceFunctions,
  type FDivergenceName,
  fDivergences,
  inDomain,
} from '../../fdiv/index.js';
import { asDistributions } from '../../types.js';

/** The f-divergence family (`fdiv/<name>`, and what `objective/f-gan` shares with it). */

/**
 * Relative error bound of one float32 evaluation of f or f* in the grid invariants. Generators and
 * conjugates built from pow, exp and log carry the conditioning of pow: s^a in float32 is off by
 * about (1 + |a·ln s|)·ε relative, and backends differ (wasm's pow is computed as exp(a·ln s) in
 * float32). Over the sampled ranges |a·ln s| ≤ 15, hence 32 ulps (ε = 6e-8).
 */
export const EVAL_ERROR = 32 * 5.96e-8;

/*
 * Float64 references, written from Nowozin, Cseke & Tomioka 2016, Tables 1 and 2 in their
 * textbook form (not ganref's stable float32 forms), for moderate arguments where they are
 * accurate in float64: f, f', f*, g_f, its inverse, f*(g_f(·)), and the closed-form divergences.
 */

export const LN2 = Math.LN2;

export const F32_MAX = 3.4028234663852886e38;

export interface Ref {
  f(u: number): number;
  fp(u: number): number;
  conj(t: number): number;
  g(v: number): number;
  gInv(t: number): number;
  fused(v: number): number;
  /** D_f(P‖Q) in its textbook closed form, zero masses included. */
  divergence(p: number[], q: number[]): number;
  domain: ConjugateDomain;
  /** f(1): 0, except −log 4 for the GAN generator. */
  fOne: number;
  /** Where the conjugate has a kink below which sup_u is attained at u = 0 (Pearson, α > 1, TV). */
  kink?: number;
}

/** Σ num/den with x/0 = +∞ for x > 0 and 0/0 = 0. */
export const ratioSum = (num: number[], den: number[]) =>
  sum64(num.map((n, i) => (den[i]! > 0 ? n / den[i]! : n > 0 ? Infinity : 0)));

export function ref(name: FDivergenceName, alpha = NaN): Ref {
  switch (name) {
    case 'kl':
      return {
        f: (u) => u * Math.log(u),
        fp: (u) => Math.log(u) + 1,
        conj: (t) => Math.exp(t - 1),
        g: (v) => v,
        gInv: (t) => t,
        fused: (v) => Math.exp(v - 1),
        divergence: kl64,
        domain: { upper: Infinity, closed: false },
        fOne: 0,
      };
    case 'reverse-kl':
      return {
        f: (u) => -Math.log(u),
        fp: (u) => -1 / u,
        conj: (t) => -1 - Math.log(-t),
        g: (v) => -Math.exp(-v),
        gInv: (t) => -Math.log(-t),
        fused: (v) => v - 1,
        divergence: (p, q) => kl64(q, p),
        domain: { upper: 0, closed: false },
        fOne: 0,
      };
    case 'pearson-chi2':
      return {
        f: (u) => (u - 1) ** 2,
        fp: (u) => 2 * (u - 1),
        conj: (t) => (t >= -2 ? t + (t * t) / 4 : -1),
        g: (v) => v,
        gInv: (t) => t,
        fused: (v) => (v >= -2 ? v + (v * v) / 4 : -1),
        divergence: (p, q) =>
          ratioSum(
            p.map((x, i) => (x - q[i]!) ** 2),
            q,
          ),
        domain: { upper: Infinity, closed: false },
        fOne: 0,
        kink: -2,
      };
    case 'neyman-chi2':
      return {
        f: (u) => (1 - u) ** 2 / u,
        fp: (u) => 1 - 1 / (u * u),
        conj: (t) => 2 - 2 * Math.sqrt(1 - t),
        g: (v) => 1 - Math.exp(v),
        gInv: (t) => Math.log(1 - t),
        fused: (v) => 2 - 2 * Math.exp(v / 2),
        divergence: (p, q) =>
          ratioSum(
            p.map((x, i) => (x - q[i]!) ** 2),
            p,
          ),
        domain: { upper: 1, closed: false },
        fOne: 0,
      };
    case 'squared-hellinger':
      return {
        f: (u) => (Math.sqrt(u) - 1) ** 2,
        fp: (u) => 1 - 1 / Math.sqrt(u),
        conj: (t) => t / (1 - t),
        g: (v) => 1 - Math.exp(v),
        gInv: (t) => Math.log(1 - t),
        fused: (v) => Math.exp(-v) - 1,
        divergence: (p, q) => sum64(p.map((x, i) => (Math.sqrt(x) - Math.sqrt(q[i]!)) ** 2)),
        domain: { upper: 1, closed: false },
        fOne: 0,
      };
    case 'jensen-shannon':
      return {
        f: (u) => u * Math.log(u) - (u + 1) * Math.log((u + 1) / 2),
        fp: (u) => Math.log((2 * u) / (u + 1)),
        conj: (t) => -Math.log(2 - Math.exp(t)),
        g: (v) => LN2 - softplus64(-v),
        gInv: (t) => t - LN2 - Math.log1p(-Math.exp(t) / 2),
        fused: (v) => softplus64(v) - LN2,
        divergence: (p, q) => 2 * jsd64(p, q),
        domain: { upper: LN2, closed: false },
        fOne: 0,
      };
    case 'gan':
      return {
        f: (u) => u * Math.log(u) - (u + 1) * Math.log(u + 1),
        fp: (u) => Math.log(u / (u + 1)),
        conj: (t) => -Math.log(-Math.expm1(t)),
        g: (v) => -softplus64(-v),
        gInv: (t) => t - Math.log(-Math.expm1(t)),
        fused: softplus64,
        divergence: (p, q) => 2 * jsd64(p, q) - Math.log(4),
        domain: { upper: 0, closed: false },
        fOne: -Math.log(4),
      };
    case 'total-variation':
      return {
        f: (u) => 0.5 * Math.abs(u - 1),
        fp: (u) => 0.5 * Math.sign(u - 1),
        conj: (t) => Math.max(t, -0.5),
        g: (v) => 0.5 * Math.tanh(v),
        // ±½ lie on the boundary of g's range: any |v| ≥ 9 rounds to ±½ in float32.
        gInv: (t) => (Math.abs(t) >= 0.5 ? Math.sign(t) * 20 : Math.atanh(2 * t)),
        fused: (v) => 0.5 * Math.tanh(v),
        divergence: (p, q) => 0.5 * sum64(p.map((x, i) => Math.abs(x - q[i]!))),
        domain: { upper: 0.5, closed: true },
        fOne: 0,
        kink: -0.5,
      };
    case 'alpha': {
      const a = alpha / (alpha - 1);
      const c = 1 / (alpha * (alpha - 1));
      const conj = (t: number) => {
        const s = 1 + (alpha - 1) * t;
        return s > 0 || (s === 0 && alpha < 0) ? (s ** a - 1) / alpha : -1 / alpha;
      };
      const upper = 1 / (1 - alpha);
      const mixed = (x: number, y: number) =>
        x > 0 && y > 0
          ? x ** alpha * y ** (1 - alpha)
          : x === 0 && y === 0
            ? 0
            : x === 0
              ? alpha < 0
                ? Infinity
                : 0
              : alpha > 1
                ? Infinity
                : 0;
      return {
        f: (u) => c * (u ** alpha - 1 - alpha * (u - 1)),
        fp: (u) => (u ** (alpha - 1) - 1) / (alpha - 1),
        conj,
        g: (v) => (alpha > 1 ? v : upper - softplus64(-v)),
        gInv: (t) => (alpha > 1 ? t : -Math.log(Math.expm1(upper - t))),
        // log softplus(−v) = −v − e^{−v}/2 + … for v > 30 (softplus itself would be a float64 denormal)
        fused: (v) =>
          alpha > 1
            ? conj(v)
            : Math.expm1(a * (Math.log(1 - alpha) + (v > 30 ? -v : Math.log(softplus64(-v))))) / alpha,
        divergence: (p, q) => sum64(p.map((x, i) => c * (mixed(x, q[i]!) - q[i]! - alpha * (x - q[i]!)))),
        domain: alpha > 1 ? { upper: Infinity, closed: false } : { upper, closed: alpha < 0 },
        fOne: 0,
        ...(alpha > 1 ? { kink: -1 / (alpha - 1) } : {}),
      };
    }
  }
}

/* ------------------------------------------------------------------ arbitraries and helpers */

export const logUniform = (lo: number, hi: number) => uniform(Math.log(lo), Math.log(hi)).map((x) => f32(Math.exp(x)));

/** Density ratios u > 0: around 1 and at every scale from 1e-3 to 1e3. */
export const ratio: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: uniform(0.5, 2) },
  { weight: 3, arbitrary: logUniform(1e-3, 1e3) },
);

/** α of the α-divergence: both sides of both poles, the named special cases, and α near 0 and 1. */
export const alphaArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(uniform(-3, -0.05), uniform(0.05, 0.9), uniform(1.1, 4)) },
  { weight: 1, arbitrary: fc.constantFrom(2, 0.5, -1, 3, -0.5, 0.95, 1.001, 0.001, -0.001) },
);

/** A point of dom f*, away from the boundary by a factor e^-4 of its scale, and near any kink. */
export function conjugatePoint(r: Ref, alpha?: number): fc.Arbitrary<number> {
  const { upper } = r.domain;
  const base = Number.isFinite(upper)
    ? uniform(-4, 3).map((s) => f32(upper - (alpha !== undefined && alpha < 1 ? upper : 1) * Math.exp(s)))
    : uniform(-10, 10);
  const kink = r.kink;
  const arb = kink === undefined ? base : fc.oneof(base, uniform(kink - 5, Math.min(kink + 1, upper)));
  return arb.filter((t) => inDomain(r.domain, t) && (kink === undefined || t !== kink));
}

/**
 * The largest |v| for which f*(g_f(v)), g_f(v) and their first two derivatives stay well
 * inside float32 (the float64 oracle would otherwise be finite where float32 is ±∞).
 */
export function safeV(r: Ref): number {
  let b = 30;
  while (b > 1 && ![-b, -b + 0.5, b - 0.5, b].every((v) => Math.abs(r.fused(v)) < 1e25 && Math.abs(r.g(v)) < 1e25))
    b /= 1.5;
  return b;
}

/** Edge v values (the logit edges) for which every output is representable in float32. */
export function edgeV(r: Ref): number[] {
  return EDGE_LOGITS.filter((v) =>
    [v - 0.5, v, v + 0.5].every((w) => Math.abs(r.fused(w)) < 1e25 && Math.abs(r.g(w)) < 1e25),
  );
}

export const params = (name: FDivergenceName, alpha?: number): Record<string, unknown> =>
  name === 'alpha' ? { alpha } : {};

export const opts = (alpha?: number) => (alpha !== undefined ? { alpha } : undefined);

export const fnsOf = (name: FDivergenceName, alpha?: number): FDivergenceFunctions =>
  fDivergenceFunctions(name, opts(alpha));

export const D = (xs: number[]) => asDistributions(tf.tensor1d(xs));

/** An arbitrary of α (for 'alpha') or undefined, paired with a value built from the reference. */
export function withAlpha<T>(
  name: FDivergenceName,
  build: (r: Ref, alpha: number | undefined) => fc.Arbitrary<T>,
): fc.Arbitrary<[number | undefined, T]> {
  const alphas: fc.Arbitrary<number | undefined> = name === 'alpha' ? alphaArb : fc.constant(undefined);
  return alphas.chain((alpha) => build(ref(name, alpha), alpha).map((x) => [alpha, x] as [number | undefined, T]));
}

/* ------------------------------------------------------------------ fdiv/<name> specs */

export function fdivCase(
  name: FDivergenceName,
  alpha: number | undefined,
  u: number[],
  t: number[],
  v: number[],
  p: number[],
  q: number[],
  grads: boolean,
  label?: string,
): Case {
  return {
    inputs: { u: vector(u), t: vector(t), v: vector(v), p: vector(p), q: vector(q) },
    params: params(name, alpha),
    grads,
    ...(label ? { label } : {}),
  };
}

export function fdivSample(name: FDivergenceName): fc.Arbitrary<Case> {
  return withAlpha(name, (r, alpha) => {
    const b = safeV(r);
    return fc.record({ n: fc.integer({ min: 1, max: 8 }), k: fc.integer({ min: 1, max: 8 }) }).chain(({ n, k }) =>
      fc.record({
        u: batch(ratio, n, n),
        t: batch(conjugatePoint(r, alpha), n, n),
        v: batch(fc.oneof(uniform(-b, b), uniform(-Math.min(b, 5), Math.min(b, 5))), n, n),
        p: distribution(k),
        q: distribution(k),
      }),
    );
  }).map(([alpha, x]) => fdivCase(name, alpha, x.u, x.t, x.v, x.p, x.q, true));
}

export function fdivEdges(name: FDivergenceName): Case[] {
  const alphas = name === 'alpha' ? [2, 0.5, -1, 1.001, 0.01] : [undefined];
  const cases: Case[] = [];
  for (const alpha of alphas) {
    const r = ref(name, alpha);
    const fns = fnsOf(name, alpha);
    const tOne = fns.fPrimeAtOne;
    const vOne = f32(r.gInv(tOne));
    const tag = alpha !== undefined ? ` (α = ${alpha})` : '';
    cases.push(
      fdivCase(
        name,
        alpha,
        [1],
        [tOne],
        [vOne],
        [0.25, 0.75],
        [0.25, 0.75],
        name !== 'total-variation',
        `closed form${tag}: u = 1, t = f'(1), g(v) = f'(1), P = Q gives f = f(1), f*(t) = f'(1) − f(1), D = f(1)`,
      ),
    );
    const vs = edgeV(r);
    const us = [1e-4, 1e-2, 0.5, 2, 100, 1e4].map(f32);
    const ts = [conjugatePoint(r, alpha)].flatMap((a) => fc.sample(a, { seed: 7, numRuns: 6 }));
    cases.push(
      fdivCase(
        name,
        alpha,
        us,
        ts,
        vs,
        [0.5, 0.5, 0],
        [0, 0.5, 0.5],
        false,
        `edge${tag}: extreme u and v, zero masses on both sides`,
      ),
    );
    cases.push(
      fdivCase(name, alpha, us.slice(1, 5), ts.slice(0, 3), vs, [1, 0], [0, 1], false, `edge${tag}: disjoint supports`),
    );
    if (r.kink !== undefined) {
      cases.push(
        fdivCase(
          name,
          alpha,
          [3],
          [f32(r.kink - 1), f32(r.kink - 10)],
          [f32(r.kink - 1)],
          [0.1, 0.9],
          [0.6, 0.4],
          true,
          `edge${tag}: t below the kink, where f*(t) = −f(0)`,
        ),
      );
    }
  }
  if (name === 'total-variation')
    cases.push(
      fdivCase(
        name,
        undefined,
        [0.5, 3],
        [0.5, -0.25],
        [0.3],
        [0.3, 0.7],
        [0.6, 0.4],
        true,
        'edge: t = ½, the closed end of dom f*',
      ),
    );
  return cases;
}

/** Invariants shared by every member of the family. */
export function fdivInvariants(name: FDivergenceName): Invariant[] {
  const W = <T>(build: (r: Ref, alpha: number | undefined) => fc.Arbitrary<T>) => withAlpha(name, build);
  return [
    invariant(
      'f(1) = 0 (−log 4 for the GAN generator, as in the paper) and f is midpoint-convex on random pairs',
      W(() => fc.tuple(ratio, ratio)),
      ([alpha, [a, b]]) => {
        const fns = fnsOf(name, alpha);
        const r = ref(name, alpha);
        checkClose('f(1)', scalar(fns.generator(tf.scalar(1))), r.fOne, 0, 1e-6);
        if (name !== 'alpha')
          checkThat(fns === fDivergences[name], 'fDivergenceFunctions(name) is not the record fDivergences[name]');
        const mid = f32((a + b) / 2);
        const [fa, fb, fm] = values(fns.generator(t1([a, b, mid])));
        // f32(mid) may miss (a + b)/2 by half an ulp: allow |f'|·ulp besides rounding.
        const slack = 1e-5 * (Math.abs(fa!) + Math.abs(fb!)) + Math.abs(r.fp(mid)) * Math.abs(mid - (a + b) / 2) + 1e-6;
        checkThat(
          fm! <= (fa! + fb!) / 2 + slack,
          `f((a + b)/2) = ${fm} > (f(a) + f(b))/2 = ${(fa! + fb!) / 2} at a = ${a}, b = ${b}`,
        );
      },
    ),
    invariant(
      "f'(1) matches a central difference of f and the autodiff gradient of f at 1",
      W(() => fc.constant(0)),
      ([alpha]) => {
        const fns = fnsOf(name, alpha);
        const h = 1 / 64;
        const [lo, hi] = values(fns.generator(t1([1 - h, 1 + h])));
        // error of the central difference: h²/6·|f'''| (≤ 6 on [1 − h, 1 + h] for every member and |α| ≤ 4) plus rounding
        checkClose("f'(1) vs central difference", fns.fPrimeAtOne, (hi! - lo!) / (2 * h), 0, 1.2e-3);
        checkClose("f'(1) vs autodiff", fns.fPrimeAtOne, gradValues((u) => fns.generator(u), [1])[0]!, 0, 1e-6);
      },
    ),
    invariant(
      'f, f*, g_f and f*(g_f) match the float64 formulas of Tables 1–2',
      W((r, alpha) =>
        fc.tuple(
          batch(ratio, 1, 8),
          batch(conjugatePoint(r, alpha), 1, 8),
          batch(uniform(-Math.min(safeV(r), 20), Math.min(safeV(r), 20)), 1, 8),
        ),
      ),
      ([alpha, [u, t, v]]) => {
        const fns = fnsOf(name, alpha);
        const r = ref(name, alpha);
        // Near the boundary of dom f* the conjugate is ill-conditioned: (α − 1)t rounds in float32
        // (relative 6e-8), and s = 1 + (α − 1)t ≥ 0.018 amplifies it by |α/(α − 1)|/s ≤ 500 for
        // the sampled α (|α/(α − 1)| ≤ 9): up to 3e-5 relative.
        const conjTol = name === 'alpha' ? 1e-4 : 2e-5;
        values(fns.generator(t1(u))).forEach((y, i) =>
          checkClose(`f(${u[i]})`, y, r.f(u[i]!), 2e-5, 2e-6 * (1 + Math.abs(u[i]!))),
        );
        values(fns.conjugate(t1(t))).forEach((y, i) => checkClose(`f*(${t[i]})`, y, r.conj(t[i]!), conjTol, 2e-6));
        values(fns.activation(t1(v))).forEach((y, i) => checkClose(`g(${v[i]})`, y, r.g(v[i]!), 2e-5, 2e-6));
        values(fns.conjugateOfActivation(t1(v))).forEach((y, i) =>
          checkClose(`f*(g(${v[i]}))`, y, r.fused(v[i]!), 2e-5, 2e-6),
        );
      },
    ),
    invariant(
      "Fenchel–Young: f(u) + f*(t) ≥ u·t for u > 0 and t ∈ dom f*, with equality at t = f'(u)",
      W((r, alpha) => fc.tuple(batch(ratio, 1, 8), batch(conjugatePoint(r, alpha), 1, 8))),
      ([alpha, [u, t]]) => {
        const fns = fnsOf(name, alpha);
        const r = ref(name, alpha);
        const n = Math.min(u.length, t.length);
        const fu = values(fns.generator(t1(u)));
        const ft = values(fns.conjugate(t1(t)));
        for (let i = 0; i < n; i++) {
          const scale = Math.abs(fu[i]!) + Math.abs(ft[i]!) + Math.abs(u[i]! * t[i]!);
          checkThat(
            fu[i]! + ft[i]! - u[i]! * t[i]! >= -2e-5 * scale - 1e-6,
            `f(${u[i]}) + f*(${t[i]}) = ${fu[i]! + ft[i]!} < u·t = ${u[i]! * t[i]!}`,
          );
        }
        const tight = u.map((x) => f32(r.fp(x)));
        const keep = tight.map((x) => inDomain(r.domain, x));
        const tt = tight.map((x, i) => (keep[i] ? x : fns.fPrimeAtOne));
        const fs = values(fns.conjugate(t1(tt)));
        u.forEach((x, i) => {
          if (!keep[i]) return;
          const gap = fu[i]! + fs[i]! - x * tt[i]!;
          const scale = Math.abs(fu[i]!) + Math.abs(fs[i]!) + Math.abs(x * tt[i]!);
          checkClose(`f(u) + f*(f'(u)) − u·f'(u) at u = ${x}`, gap, 0, 0, 3e-6 * scale + 1e-6);
        });
      },
    ),
    invariant(
      'f** = f: sup over a fine grid of t of u·t − f*(t) (in float64) equals f(u)',
      W((r) => fc.tuple(fc.constant(r), batch(logUniform(0.01, 100), 1, 6))),
      ([alpha, [r, u]]) => {
        const fns = fnsOf(name, alpha);
        // t-grid: f'(u) on a geometric grid of ratio 1.001 over [1e-3, 1e3] (so that the grid reaches every
        // maximiser), plus a uniform grid over dom f* ∩ [−50, 50]; a grid point misses the
        // maximiser by a relative 5e-4 in u, which costs ½f''(u)(5e-4·u)² ≤ 3e-7·u²f''(u).
        const grid: number[] = [];
        for (let x = 1e-3; x <= 1e3; x *= 1.001) grid.push(f32(r.fp(x)));
        const hi = Math.min(50, r.domain.upper);
        for (let i = 0; i <= 2000; i++) grid.push(f32(-50 + ((hi + 50) * i) / 2000));
        const ts = grid.filter((x) => inDomain(r.domain, x));
        const fs = values(fns.conjugate(t1(ts)));
        const fu = values(fns.generator(t1(u)));
        u.forEach((x, i) => {
          // Each float32 f*(t_j) is within EVAL_ERROR (relative) of its exact value: bracket the sup.
          let lower = -Infinity;
          let upper = -Infinity;
          for (let j = 0; j < ts.length; j++) {
            if (!Number.isFinite(fs[j]!)) continue;
            const c = x * ts[j]! - fs[j]!;
            const err = EVAL_ERROR * Math.abs(fs[j]!);
            lower = Math.max(lower, c - err);
            upper = Math.max(upper, c + err);
          }
          const tol = 1e-4 * (1 + Math.abs(fu[i]!) + Math.abs(x * r.fp(x)));
          checkThat(
            upper >= fu[i]! - tol && lower <= fu[i]! + 2 * EVAL_ERROR * (1 + Math.abs(fu[i]!)),
            `f**(${x}) in [${lower}, ${upper}], f(${x}) = ${fu[i]}`,
          );
        });
      },
      25,
    ),
    invariant(
      'f* is the conjugate of f on u ≥ 0: f*(t) equals the sup over a fine u-grid of u·t − f(u), below any kink too',
      W((r) =>
        fc.tuple(
          fc.constant(r),
          batch(
            fc.oneof(
              logUniform(0.01, 100).map((x) => f32(r.fp(x))),
              r.kink !== undefined ? uniform(r.kink - 5, r.kink) : uniform(0, 0).map(() => f32(r.fp(1))),
            ),
            1,
            6,
          ),
        ),
      ),
      ([alpha, [r, t]]) => {
        const fns = fnsOf(name, alpha);
        const ts = t.filter((x) => inDomain(r.domain, x));
        if (ts.length === 0) return;
        const us: number[] = [];
        for (let x = 1e-6; x <= 1e6; x *= 1.001) us.push(f32(x));
        const fu = values(fns.generator(t1(us)));
        const f0 = fns.fAtZero;
        const ft = values(fns.conjugate(t1(ts)));
        ts.forEach((x, i) => {
          // Each float32 f(u_j) is within EVAL_ERROR of its exact value: bracket the sup (u = 0 included).
          let lower = Number.isFinite(f0) ? -f0 : -Infinity;
          let upper = lower;
          for (let j = 0; j < us.length; j++) {
            const c = us[j]! * x - fu[j]!;
            const err = EVAL_ERROR * Math.abs(fu[j]!);
            lower = Math.max(lower, c - err);
            upper = Math.max(upper, c + err);
          }
          const tol = 1e-4 * (1 + Math.abs(ft[i]!));
          checkThat(
            ft[i]! >= lower - 2 * EVAL_ERROR * (1 + Math.abs(ft[i]!)) && ft[i]! <= upper + tol,
            `f*(${x}) = ${ft[i]} outside the grid supremum [${lower}, ${upper}]`,
          );
        });
      },
      25,
    ),
    invariant(
      'g_f(v) lies in dom f* for every finite v up to ±1e4 (strictly, wherever float32 can tell g_f(v) from the boundary), never NaN',
      W(() => batch(logit)),
      ([alpha, v]) => {
        const fns = fnsOf(name, alpha);
        const r = ref(name, alpha);
        values(fns.activation(t1(v))).forEach((y, i) => {
          const exact = r.g(v[i]!);
          checkThat(
            !Number.isNaN(y) && y <= r.domain.upper,
            `g(${v[i]}) = ${y} outside dom f* (upper ${r.domain.upper})`,
          );
          if (inDomain(r.domain, f32(exact)) && Number.isFinite(f32(exact)))
            checkThat(inDomain(r.domain, y), `g(${v[i]}) = ${y} on the boundary though float32 holds ${f32(exact)}`);
          if (Math.abs(exact) < F32_MAX) checkClose(`g(${v[i]})`, y, exact, 2e-5, 2e-6);
          else
            checkThat(
              y === Math.sign(exact) * Infinity,
              `g(${v[i]}) = ${y}, expected overflow to ${Math.sign(exact) * Infinity}`,
            );
        });
      },
    ),
    invariant(
      'f*(g_f(v)) is finite, with a finite gradient, for every finite v up to ±1e4 whose exact value float32 can hold; it equals the composition f*(g_f(v)) where that is accurate',
      W(() => batch(logit)),
      ([alpha, v]) => {
        const fns = fnsOf(name, alpha);
        const r = ref(name, alpha);
        const y = values(fns.conjugateOfActivation(t1(v)));
        const grads = gradValues((x) => fns.conjugateOfActivation(x), v);
        v.forEach((x, i) => {
          const exact = r.fused(x);
          if (Math.abs(exact) < 1e30) {
            checkFinite(`f*(g(${x})) and its gradient`, [y[i]!, grads[i]!]);
            checkClose(`f*(g(${x}))`, y[i]!, exact, 2e-5, 2e-6);
          } else if (Math.abs(exact) > F32_MAX)
            checkThat(
              y[i] === Math.sign(exact) * Infinity,
              `f*(g(${x})) = ${y[i]}, expected overflow to ${Math.sign(exact) * Infinity}`,
            );
        });
        const moderate = v.map((x) => Math.max(-4, Math.min(4, x)));
        const composed = values(fns.conjugate(fns.activation(t1(moderate))));
        values(fns.conjugateOfActivation(t1(moderate))).forEach((y2, i) => {
          // The composition rounds g(v) before f* amplifies the error by |f*'(g)| (a float64 central
          // difference of the reference): g = U₃₂ − softplus(−v) carries U rounded down (≤ 1 ulp),
          // softplus's error (≤ 1 ulp of it, below one of g) and the subtraction (½ ulp), so
          // |δg| ≤ 2.5 ulps ≤ 3e-7·|g|.
          const g = r.g(moderate[i]!);
          const h = 1e-6 * (1 + Math.abs(g));
          const slope = inDomain(r.domain, g + h) ? Math.abs(r.conj(g + h) - r.conj(g - h)) / (2 * h) : Infinity;
          if (Number.isFinite(slope))
            checkClose(
              `fused vs composed at v = ${moderate[i]}`,
              y2,
              composed[i]!,
              1e-5,
              1e-5 + 3e-7 * Math.abs(g) * slope,
            );
        });
      },
    ),
    invariant(
      "f-GAN bound: E_P[T] − E_Q[f*(T)] ≤ D_f(P‖Q) for any T = g_f(V), with equality at T = f'(p/q)",
      W((r) =>
        fc
          .integer({ min: 1, max: 10 })
          .chain((k) =>
            fc.tuple(
              distribution(k),
              distribution(k),
              batch(uniform(-Math.min(safeV(r), 10), Math.min(safeV(r), 10)), k, k),
            ),
          ),
      ),
      ([alpha, [p, q, v]]) => {
        const fns = fnsOf(name, alpha);
        const r = ref(name, alpha);
        const d = scalar(fDivergence(name, D(p), D(q), opts(alpha)));
        const bound = (T: number[], fT: number[]) =>
          sum64(p.map((x, i) => x * T[i]!)) - sum64(q.map((x, i) => x * fT[i]!));
        const T = values(fns.activation(t1(v)));
        const lhs = bound(T, values(fns.conjugateOfActivation(t1(v))));
        checkThat(lhs <= d + 1e-5 * (1 + Math.abs(d) + Math.abs(lhs)), `E_P[T] − E_Q[f*(T)] = ${lhs} > D_f = ${d}`);
        const star = p.map((x, i) => f32(r.fp(x / q[i]!)));
        if (!star.every((x) => inDomain(r.domain, x))) return;
        const tight = bound(star, values(fns.conjugate(t1(star))));
        checkClose("bound at T = f'(p/q)", tight, d, 1e-4, 1e-5);
      },
    ),
    invariant(
      'fDivergence matches the float64 closed form (zero masses included) and D_f(P‖P) = f(1) ≤ D_f(P‖Q)',
      W(() => distributionPair(1, 10, true)),
      ([alpha, [p, q]]) => {
        const r = ref(name, alpha);
        const d = scalar(fDivergence(name, D(p), D(q), opts(alpha)));
        const expected = r.divergence(p, q);
        checkClose('D_f(P‖Q)', d, expected, 1e-4, 1e-5);
        checkClose('D_f(P‖P)', scalar(fDivergence(name, D(p), D(p), opts(alpha))), r.fOne, 0, 1e-6);
        checkThat(d >= r.fOne - 1e-6, `D_f = ${d} below f(1) = ${r.fOne}`);
      },
    ),
  ];
}

/** Invariants that only the α-divergence has: its special cases and limits. */
export const alphaInvariants: Invariant[] = [
  invariant(
    'α = 2, ½, −1 give ½·Pearson χ², 2·squared Hellinger, ½·Neyman χ²; α → 1 and α → 0 approach KL and reverse KL',
    fc.tuple(batch(uniform(0.05, 20), 1, 8), distributionPair(1, 8)),
    ([u, [p, q]]) => {
      const U = () => t1(u);
      const gen = (name: FDivergenceName, alpha?: number) => values(fnsOf(name, alpha).generator(U()));
      const div = (name: FDivergenceName, alpha?: number) => scalar(fDivergence(name, D(p), D(q), opts(alpha)));
      const pairs: [number, FDivergenceName, number][] = [
        [2, 'pearson-chi2', 0.5],
        [0.5, 'squared-hellinger', 2],
        [-1, 'neyman-chi2', 0.5],
      ];
      for (const [alpha, other, factor] of pairs) {
        gen('alpha', alpha).forEach((y, i) =>
          checkClose(`f_α=${alpha}(${u[i]})`, y, factor * gen(other)[i]!, 2e-5, 1e-6),
        );
        checkClose(`D_α=${alpha}`, div('alpha', alpha), factor * div(other), 1e-4, 1e-6);
      }
      // |f_α − f_limit| = O(|α − pole|): the limits of Table 1 are u log u − u + 1 and u − 1 − log u.
      const kl = u.map((x) => x * Math.log(x) - x + 1);
      const rkl = u.map((x) => x - 1 - Math.log(x));
      gen('alpha', 1 + 1e-4).forEach((y, i) => checkClose(`f_α→1(${u[i]})`, y, kl[i]!, 2e-3, 2e-5));
      gen('alpha', -1e-4).forEach((y, i) => checkClose(`f_α→0(${u[i]})`, y, rkl[i]!, 2e-3, 2e-5));
    },
  ),
];

export function fdivErrors(name: FDivergenceName): ErrorCase[] {
  const alpha = name === 'alpha' ? 0.5 : undefined;
  const fns = () => fnsOf(name, alpha);
  const r = ref(name, alpha);
  const outside = Number.isFinite(r.domain.upper) ? r.domain.upper + 1 : Infinity;
  const ok = () => D([0.5, 0.5]);
  const errors: ErrorCase[] = [
    { name: 'u = 0', call: () => fns().generator(t1([1, 0])), error: 'InvalidArgumentError', argument: 'u' },
    { name: 'a negative u', call: () => fns().generator(t1([-1])), error: 'InvalidArgumentError', argument: 'u' },
    { name: 'a NaN u', call: () => fns().generator(t1([NaN])), error: 'InvalidArgumentError', argument: 'u' },
    {
      name: 'a plain array u',
      call: () => fns().generator([1, 2] as unknown as tf.Tensor),
      error: 'InvalidArgumentError',
      argument: 'u',
    },
    {
      name: `t outside dom f* (${outside})`,
      call: () => fns().conjugate(t1([0 < outside ? -1 : -2, outside])),
      error: 'InvalidArgumentError',
      argument: 't',
    },
    {
      name: 'an int32 t',
      call: () => fns().conjugate(tf.tensor1d([-1], 'int32')),
      error: 'InvalidArgumentError',
      argument: 't',
    },
    {
      name: 'an infinite v',
      call: () => fns().activation(t1([Infinity])),
      error: 'InvalidArgumentError',
      argument: 'v',
    },
    {
      name: 'a NaN v (fused form)',
      call: () => fns().conjugateOfActivation(t1([0, NaN])),
      error: 'InvalidArgumentError',
      argument: 'v',
    },
    {
      name: 'a negative mass',
      call: () => fDivergence(name, D([1.5, -0.5]), ok(), opts(alpha)),
      error: 'InvalidArgumentError',
      argument: 'p',
    },
    {
      name: 'distributions of different shapes',
      call: () => fDivergence(name, ok(), D([0.2, 0.3, 0.5]), opts(alpha)),
      error: 'InvalidArgumentError',
      argument: 'q',
    },
    {
      name: 'an unknown option',
      call: () => fDivergenceFunctions(name, { alpah: 2 } as never),
      error: 'InvalidParameterError',
      argument: 'alpah',
    },
  ];
  if (name === 'alpha') {
    errors.push(
      {
        name: 'α = 1',
        call: () => fDivergenceFunctions('alpha', { alpha: 1 }),
        error: 'InvalidParameterError',
        argument: 'alpha',
      },
      {
        name: 'α = 0',
        call: () => fDivergence('alpha', ok(), ok(), { alpha: 0 }),
        error: 'InvalidParameterError',
        argument: 'alpha',
      },
      {
        name: 'α missing',
        call: () => fDivergenceFunctions('alpha'),
        error: 'InvalidParameterError',
        argument: 'alpha',
      },
      {
        name: 'α = NaN',
        call: () => fDivergenceFunctions('alpha', { alpha: NaN }),
        error: 'InvalidParameterError',
        argument: 'alpha',
      },
    );
  } else {
    errors.push({
      name: 'an α for a divergence without one',
      call: () => fDivergenceFunctions(name, { alpha: 2 }),
      error: 'InvalidParameterError',
      argument: 'alpha',
    });
  }
  return errors;
}

export const FDIV_TITLES: Record<FDivergenceName, string> = {
  kl: 'Kullback–Leibler',
  'reverse-kl': 'reverse Kullback–Leibler',
  'pearson-chi2': 'Pearson χ²',
  'neyman-chi2': 'Neyman χ²',
  'squared-hellinger': 'squared Hellinger',
  'jensen-shannon': 'Jensen–Shannon (2·JSD)',
  gan: 'GAN (2·JSD − log 4)',
  'total-variation': 'total variation',
  alpha: 'α-divergence',
};

/** The α-divergence takes α (required); the other members take no parameter. */
function fdivParams(name: FDivergenceName): { alpha?: ParamDecl<number | undefined> } {
  return name === 'alpha'
    ? { alpha: requiredParam<number>('α of the α-divergence, any finite real other than 0 and 1 (required)') }
    : {};
}

/** The catalog record of one member of the f-divergence family, `fdiv/<name>`. */
export function fdivSpec(name: FDivergenceName): Spec {
  return defineSpec({
    id: `fdiv/${name}`,
    title: `f-divergence: ${FDIV_TITLES[name]} — generator, conjugate, output activation`,
    reference: 'Nowozin, Cseke & Tomioka 2016, f-GAN, Tables 1 and 2 (eq. 1–4)',
    section: 'divergences',
    inputs: {
      u: { kind: 'densities', doc: 'density ratios u = p/q > 0, [n]' },
      t: { kind: 'critic-scores', doc: 'points of dom f*, [n]' },
      v: { kind: 'critic-scores', doc: 'raw variational outputs V (any real), [n]' },
      p: { kind: 'distributions', doc: 'probability vector P, [k]' },
      q: { kind: 'distributions', doc: 'probability vector Q, [k]' },
    },
    params: fdivParams(name),
    outputs: ['f', 'conjugate', 'activation', 'conjugateOfActivation', 'fPrimeAtOne', 'divergence'],
    evaluate: (x, p) => {
      const alpha = name === 'alpha' ? p.alpha : undefined;
      const fns = fnsOf(name, alpha);
      return {
        f: fns.generator(x.u),
        conjugate: fns.conjugate(x.t),
        activation: fns.activation(x.v),
        conjugateOfActivation: fns.conjugateOfActivation(x.v),
        fPrimeAtOne: tf.scalar(fns.fPrimeAtOne),
        divergence: fDivergence(name, x.p, x.q, opts(alpha)),
      };
    },
    sample: fdivSample(name),
    edges: fdivEdges(name),
    secondOrder: true,
    // The α-divergence's formulas divide a combination of O(1) terms by α(α − 1), α − 1 or α
    // (f(u) = (u^α − 1 − α(u − 1))/(α(α − 1)), f'(u) = (u^(α−1) − 1)/(α − 1), f*(t) through
    // 1 + (α − 1)t and 1/α): the rounding of those terms is amplified by the largest of these
    // reciprocals (999 at α = 1.001, where float32 f(1) is 6e-5 for a true 1e-13).
    ...(name === 'alpha'
      ? {
          conditioning: (c: Case) => {
            const a = c.params.alpha as number;
            return Math.max(1, 1 / Math.abs(a * (a - 1)), 1 / Math.abs(a), 1 / Math.abs(a - 1));
          },
        }
      : {}),
    invariants: [...fdivInvariants(name), ...(name === 'alpha' ? alphaInvariants : [])],
    errors: fdivErrors(name),
    benchmark: fdivBenchmark(name),
  });
}

/** Benchmark: batch-sized u, v and t = g_f(v) (inside dom f*), and distributions over 512 categories. */
export function fdivBenchmark(name: FDivergenceName): () => Case {
  return () => {
    const alpha = name === 'alpha' ? 2 : undefined;
    const r = ref(name, alpha);
    const v = uniformArray([BENCH.batch], -3, 3, 3);
    const t = { shape: v.shape, data: v.data.map((x) => f32(r.g(x))) };
    const p = distributionsArray(1, BENCH.categories, 4);
    const q = distributionsArray(1, BENCH.categories, 5);
    return benchCase(
      {
        u: uniformArray([BENCH.batch], 0.05, 20, 1),
        t,
        v,
        p: { shape: [BENCH.categories], data: p.data },
        q: { shape: [BENCH.categories], data: q.data },
      },
      params(name, alpha),
    );
  };
}
