import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { distribution, distributionPair, f32, vector } from '../arbitraries.js';
import { BENCH, benchCase, distributionsArray } from '../bench.js';
import { checkClose, checkThat, invariant, scalar, values } from '../invariant.js';
import { tv64 } from '../reference64.js';
import { distributionPairErrors, P, PQ } from './distribution-pair.js';
import type { Case, ErrorCase } from '../types.js';
import { asDistributions, type Distributions } from '../../types.js';

/** The discrete divergences on distributions: shared inputs, cases, invariants and error inputs. */

/*
 * Discrete divergences (reverse KL, total variation, squared Hellinger, Pearson and Neyman χ²)
 * and the 1-D Wasserstein distance. Conventions, fixed so that D_f = Σ q f(p/q) of the
 * f-divergence group can be checked against these: inputs p, q are probability vectors [..., k],
 * output `value` [...]; zero masses give 0 where both are 0 and +Infinity where the mass in a
 * denominator is 0 and the numerator term is not.
 */

export type Divergence = (p: Distributions, q: Distributions) => tf.Tensor;

export const on = (f: Divergence) => (p: number[], q: number[]) => scalar(f(P(p), P(q)));

export const DISTRIBUTION_INPUTS = {
  p: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
  q: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
} as const;

// Cases.

export function pairCase(p: number[], q: number[], label: string, grads = true): Case {
  return { inputs: { p: vector(p), q: vector(q) }, params: {}, grads, label };
}

/** Two distributions that differ in their last-but-one masses by a few float32 ulps: cancellation-prone. */
export const NEAR_P = [0.25, 0.25, 0.5].map(f32);

export const NEAR_Q = [0.25, f32(0.25 + 2 ** -22), f32(0.5 - 2 ** -22)];

/**
 * The properties every divergence of this group shares. `signed`: its terms can be negative
 * (reverse KL), so the sum cancels: on float32 vectors that sum to 1 only within rounding, the
 * definition itself can be −O(k·ulp) for nearly equal p and q, so non-negativity is checked with
 * that slack and strict positivity only for well-separated pairs; the sums of non-negative terms
 * (TV, H², χ²) are checked exactly, and to full relative accuracy a few ulps from p = q.
 */
export function commonInvariants(
  name: string,
  f: Divergence,
  reference: (p: number[], q: number[]) => number,
  signed = false,
) {
  const d = on(f);
  const slack = signed ? 1e-6 : 0;
  const out = [
    invariant(
      `${name} ≥ 0${signed ? ' (up to float32 normalisation, 1e-6)' : ''}, ${name}(p, p) = 0 exactly, and ${name}(p, q) > 0 when p ≠ q${signed ? ' (TV ≥ 1e-3)' : ''}`,
      distributionPair(1, 12, true),
      ([p, q]) => {
        checkThat(d(p, q) >= -slack, `${name}(p, q) = ${d(p, q)} < 0`);
        checkThat(d(p, p) === 0 && d(q, q) === 0, `${name}(p, p) = ${d(p, p)} ≠ 0`);
        const apart = signed ? tv64(p, q) >= 1e-3 : p.some((x, i) => x !== q[i]);
        if (apart) checkThat(d(p, q) > 0, `${name}(p, q) = ${d(p, q)} for p ≠ q`);
      },
    ),
    invariant(
      'matches its float64 definition, zero-mass conventions included',
      distributionPair(1, 12, true),
      ([p, q]) => {
        checkClose(name, d(p, q), reference(p, q), 1e-5, 1e-6);
      },
    ),
    invariant(
      'a batch [b, k] gives each row its own divergence',
      fc
        .integer({ min: 1, max: 8 })
        .chain((k) => fc.array(fc.tuple(distribution(k, true), distribution(k, true)), { minLength: 1, maxLength: 5 })),
      (rows) => {
        const batch = values(f(P(rows.map((r) => r[0])), P(rows.map((r) => r[1]))));
        checkThat(batch.length === rows.length, `${batch.length} values for ${rows.length} rows`);
        rows.forEach(([p, q], i) => checkClose(`row ${i}`, batch[i]!, d(p, q), 1e-6, 1e-7));
      },
    ),
    invariant(
      'accepts float32-normalised distributions over hundreds to thousands of categories, and matches its definition there',
      fc.integer({ min: 400, max: 3000 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))),
      ([p, q]) => {
        checkClose(`${name} over ${p.length} categories`, d(p, q), reference(p, q), 1e-4, 1e-6);
      },
      10,
    ),
  ];
  if (!signed) {
    out.push(
      invariant(
        'keeps full relative accuracy for distributions a few ulps apart',
        fc
          .integer({ min: 2, max: 10 })
          .chain((k) => fc.tuple(distribution(k), fc.integer({ min: 0, max: k - 2 }), fc.integer({ min: 1, max: 16 }))),
        ([p, i, ulps]) => {
          // move ulps·2⁻²⁶ of mass from category i to i + 1 (rounded to float32)
          const delta = ulps * 2 ** -26;
          const q = p.slice();
          q[i] = f32(p[i]! - delta);
          q[i + 1] = f32(p[i + 1]! + delta);
          if (q.every((x, j) => x === p[j])) return;
          checkClose(`${name} of near-equal distributions`, d(p, q), reference(p, q), 1e-4, 0);
        },
      ),
    );
  }
  return out;
}

/** Gradient of a divergence at interior points against closed forms. */
export function gradientInvariant(
  name: string,
  f: Divergence,
  dp: (p: number, q: number) => number,
  dq: (p: number, q: number) => number,
  tolerance = 1e-4,
) {
  return invariant(name, distributionPair(1, 8, false), ([p, q]) => {
    const [gp, gq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(asDistributions(a), asDistributions(b)))([
      tf.tensor1d(p),
      tf.tensor1d(q),
    ]);
    values(gp!).forEach((g, i) => checkClose(`d/dp[${i}]`, g, dp(p[i]!, q[i]!), tolerance, 1e-5));
    values(gq!).forEach((g, i) => checkClose(`d/dq[${i}]`, g, dq(p[i]!, q[i]!), tolerance, 1e-5));
  });
}

export const errorsOf = (f: Divergence): ErrorCase[] =>
  distributionPairErrors(PQ, (a, b) => f(asDistributions(a), asDistributions(b)));

export const benchPair = () =>
  benchCase({
    p: distributionsArray(BENCH.batch, BENCH.categories, 1),
    q: distributionsArray(BENCH.batch, BENCH.categories, 2),
  });
