import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asDistributions, type Distributions } from '../../types.js';
import { klDivergence } from '../../divergences/kl.js';
import { reverseKlDivergence, REVERSE_KL_ID } from '../../divergences/reverse-kl.js';
import { totalVariationDistance, TOTAL_VARIATION_ID } from '../../divergences/total-variation.js';
import { squaredHellingerDistance, SQUARED_HELLINGER_ID } from '../../divergences/squared-hellinger.js';
import { pearsonChi2Divergence, PEARSON_CHI2_ID } from '../../divergences/pearson-chi2.js';
import { neymanChi2Divergence, NEYMAN_CHI2_ID } from '../../divergences/neyman-chi2.js';
import { quantilePlan, wasserstein1d, WASSERSTEIN_1D_ID } from '../../divergences/wasserstein-1d.js';
import { disjointPair, distribution, distributionPair, f32, uniform, vector } from '../arbitraries.js';
import { checkClose, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, ErrorCase, Spec } from '../types.js';
import { distributionPairCases, distributionPairErrors, kl64 } from './divergences.js';
import { BENCH, benchCase, distributionsArray, uniformArray, withBenchmark } from '../bench.js';

/*
 * Discrete divergences (reverse KL, total variation, squared Hellinger, Pearson and Neyman χ²)
 * and the 1-D Wasserstein distance. Conventions, fixed so that D_f = Σ q f(p/q) of the
 * f-divergence group can be checked against these: inputs p, q are probability vectors [..., k],
 * output `value` [...]; zero masses give 0 where both are 0 and +Infinity where the mass in a
 * denominator is 0 and the numerator term is not.
 */

type Divergence = (p: Distributions, q: Distributions) => tf.Tensor;

const PQ: [string, string] = ['p', 'q'];
const P = (xs: number[] | number[][]) => asDistributions(tf.tensor(xs));
const on = (f: Divergence) => (p: number[], q: number[]) => scalar(f(P(p), P(q)));

const DISTRIBUTION_INPUTS = {
  p: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
  q: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
} as const;

// ---------------------------------------------------------------------------------------------
// float64 references, written from the definitions (term by term, conventions spelled out).

/** Σ q log(q/p): KL(q ‖ p). */
export const reverseKl64 = (p: number[], q: number[]): number => kl64(q, p);
/** ½ Σ |p − q|. */
export const tv64 = (p: number[], q: number[]): number => 0.5 * p.reduce((a, x, i) => a + Math.abs(x - q[i]!), 0);
/** Σ (√p − √q)². */
export const hellinger64 = (p: number[], q: number[]): number => p.reduce((a, x, i) => a + (Math.sqrt(x) - Math.sqrt(q[i]!)) ** 2, 0);
/** Σ (p − q)²/q with 0 where both are 0 and +∞ where q = 0 < p. */
export function pearson64(p: number[], q: number[]): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (q[i]! > 0) total += (p[i]! - q[i]!) ** 2 / q[i]!;
    else if (p[i]! > 0) total = Infinity;
  }
  return total;
}
/** Σ (p − q)²/p = χ²_P(q ‖ p). */
export const neyman64 = (p: number[], q: number[]): number => pearson64(q, p);

// ---------------------------------------------------------------------------------------------
// Cases.

function pairCase(p: number[], q: number[], label: string, grads = true): Case {
  return { inputs: { p: vector(p), q: vector(q) }, params: {}, grads, label };
}

/** Random pairs as `distributionPairCases`, with gradients off where some pᵢ = qᵢ (|·| has a kink there). */
const pairCasesWithoutTies: fc.Arbitrary<Case> = distributionPairCases(PQ).map((c) => {
  const p = c.inputs.p!.data;
  const q = c.inputs.q!.data;
  return { ...c, grads: c.grads && p.every((x, i) => x !== q[i]) };
});

/** Two distributions that differ in their last-but-one masses by a few float32 ulps: cancellation-prone. */
const NEAR_P = [0.25, 0.25, 0.5].map(f32);
const NEAR_Q = [0.25, f32(0.25 + 2 ** -22), f32(0.5 - 2 ** -22)];

/**
 * The properties every divergence of this group shares. `signed`: its terms can be negative
 * (reverse KL), so the sum cancels: on float32 vectors that sum to 1 only within rounding, the
 * definition itself can be −O(k·ulp) for nearly equal p and q, so non-negativity is checked with
 * that slack and strict positivity only for well-separated pairs; the sums of non-negative terms
 * (TV, H², χ²) are checked exactly, and to full relative accuracy a few ulps from p = q.
 */
function commonInvariants(name: string, f: Divergence, reference: (p: number[], q: number[]) => number, signed = false) {
  const d = on(f);
  const slack = signed ? 1e-6 : 0;
  const out = [
    invariant(`${name} ≥ 0${signed ? ' (up to float32 normalisation, 1e-6)' : ''}, ${name}(p, p) = 0 exactly, and ${name}(p, q) > 0 when p ≠ q${signed ? ' (TV ≥ 1e-3)' : ''}`, distributionPair(1, 12, true), ([p, q]) => {
      checkThat(d(p, q) >= -slack, `${name}(p, q) = ${d(p, q)} < 0`);
      checkThat(d(p, p) === 0 && d(q, q) === 0, `${name}(p, p) = ${d(p, p)} ≠ 0`);
      const apart = signed ? tv64(p, q) >= 1e-3 : p.some((x, i) => x !== q[i]);
      if (apart) checkThat(d(p, q) > 0, `${name}(p, q) = ${d(p, q)} for p ≠ q`);
    }),
    invariant('matches its float64 definition, zero-mass conventions included', distributionPair(1, 12, true), ([p, q]) => {
      checkClose(name, d(p, q), reference(p, q), 1e-5, 1e-6);
    }),
    invariant('a batch [b, k] gives each row its own divergence', fc.integer({ min: 1, max: 8 }).chain((k) => fc.array(fc.tuple(distribution(k, true), distribution(k, true)), { minLength: 1, maxLength: 5 })), (rows) => {
      const batch = values(f(P(rows.map((r) => r[0])), P(rows.map((r) => r[1]))));
      checkThat(batch.length === rows.length, `${batch.length} values for ${rows.length} rows`);
      rows.forEach(([p, q], i) => checkClose(`row ${i}`, batch[i]!, d(p, q), 1e-6, 1e-7));
    }),
  ];
  if (!signed) {
    out.push(
      invariant('keeps full relative accuracy for distributions a few ulps apart', fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k), fc.integer({ min: 0, max: k - 2 }), fc.integer({ min: 1, max: 16 }))), ([p, i, ulps]) => {
        // move ulps·2⁻²⁶ of mass from category i to i + 1 (rounded to float32)
        const delta = ulps * 2 ** -26;
        const q = p.slice();
        q[i] = f32(p[i]! - delta);
        q[i + 1] = f32(p[i + 1]! + delta);
        if (q.every((x, j) => x === p[j])) return;
        checkClose(`${name} of near-equal distributions`, d(p, q), reference(p, q), 1e-4, 0);
      }),
    );
  }
  return out;
}

/** Gradient of a divergence at interior points against closed forms. */
function gradientInvariant(name: string, f: Divergence, dp: (p: number, q: number) => number, dq: (p: number, q: number) => number, tolerance = 1e-4) {
  return invariant(name, distributionPair(1, 8, false), ([p, q]) => {
    const [gp, gq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(asDistributions(a), asDistributions(b)))([tf.tensor1d(p), tf.tensor1d(q)]);
    values(gp!).forEach((g, i) => checkClose(`d/dp[${i}]`, g, dp(p[i]!, q[i]!), tolerance, 1e-5));
    values(gq!).forEach((g, i) => checkClose(`d/dq[${i}]`, g, dq(p[i]!, q[i]!), tolerance, 1e-5));
  });
}

const errorsOf = (f: Divergence): ErrorCase[] => distributionPairErrors(PQ, (a, b) => f(asDistributions(a), asDistributions(b)));

// ---------------------------------------------------------------------------------------------

export const reverseKl: Spec = {
  id: REVERSE_KL_ID,
  title: 'Reverse Kullback–Leibler divergence KL(q ‖ p)',
  reference: 'Kullback & Leibler 1951; Nowozin et al. 2016, Table 1 (f(u) = −log u)',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: reverseKlDivergence(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase([0.5, 0.5], [1, 0], 'closed form: KL([1, 0] ‖ [½, ½]) = log 2; 0·log 0 = 0', false),
    pairCase([1, 0], [0.5, 0.5], 'edge: q > 0 = p gives +Infinity', false),
    pairCase([0.5, 0.5, 0], [0.25, 0.75, 0], 'edge: a category empty in both contributes 0', false),
    pairCase([0.2, 0.8], [0.6, 0.4], 'closed form: 0.6 log 3 + 0.4 log ½'),
    pairCase([0.3, 0.3, 0.4], [0.3, 0.3, 0.4], 'edge: p = q gives 0'),
    pairCase(NEAR_P, NEAR_Q, 'accuracy: masses a few ulps apart'),
    pairCase([1], [1], 'edge: one category'),
  ],
  secondOrder: true,
  invariants: [
    ...commonInvariants('reverse-KL', reverseKlDivergence, reverseKl64, true),
    invariant('reverse-KL(q ‖ p) = KL(p ‖ q), and reverse-KL(p ‖ q) = KL(q ‖ p)', distributionPair(1, 12, true), ([p, q]) => {
      checkClose('reverse-KL(q ‖ p)', on(reverseKlDivergence)(q, p), on(klDivergence)(p, q), 1e-6, 1e-7);
      checkClose('reverse-KL(p ‖ q)', on(reverseKlDivergence)(p, q), on(klDivergence)(q, p), 1e-6, 1e-7);
    }),
    invariant("Pinsker's inequality (Tsybakov 2009, Lemma 2.5): reverse-KL(p ‖ q) = KL(q ‖ p) ≥ 2·TV(p, q)²", distributionPair(1, 12, true), ([p, q]) => {
      const tv = tv64(p, q);
      checkThat(on(reverseKlDivergence)(p, q) >= 2 * tv * tv * (1 - 1e-5) - 1e-6, `reverse-KL below 2·TV² = ${2 * tv * tv}`);
    }),
    invariant('zero masses: +Infinity exactly when some qᵢ > 0 = pᵢ', fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))), ([p, q]) => {
      const infinite = q.some((x, i) => x > 0 && p[i] === 0);
      const v = on(reverseKlDivergence)(p, q);
      checkThat(infinite ? v === Infinity : Number.isFinite(v), `reverse-KL = ${v} (a qᵢ > 0 = pᵢ: ${infinite})`);
    }),
    gradientInvariant('gradient is −q/p in p and log(q/p) + 1 in q for positive masses', reverseKlDivergence, (p, q) => -q / p, (p, q) => Math.log(q / p) + 1),
  ],
  errors: errorsOf(reverseKlDivergence),
};

export const totalVariation: Spec = {
  id: TOTAL_VARIATION_ID,
  title: 'Total variation distance ½ Σ |p − q|',
  reference: 'Nowozin et al. 2016, Table 1 (f(u) = ½|u − 1|); Tsybakov 2009, section 2.4',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: totalVariationDistance(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: pairCasesWithoutTies,
  edges: [
    pairCase([1, 0], [0, 1], 'closed form: disjoint supports give 1', false),
    pairCase([0.2, 0.8], [0.6, 0.4], 'closed form: 0.4'),
    pairCase([0.5, 0.25, 0.25], [0.5, 0.5, 0], 'edge: a tie pᵢ = qᵢ and a zero mass', false),
    pairCase([0.3, 0.7], [0.3, 0.7], 'edge: p = q gives 0 (a kink)', false),
    pairCase(NEAR_P, NEAR_Q, 'accuracy: masses a few ulps apart', false),
  ],
  secondOrder: true,
  invariants: [
    ...commonInvariants('TV', totalVariationDistance, tv64),
    invariant('a metric: symmetric, ≤ 1, and the triangle inequality holds', fc.integer({ min: 1, max: 8 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true), distribution(k, true))), ([p, q, r]) => {
      const d = on(totalVariationDistance);
      checkThat(d(p, q) === d(q, p), `TV(p, q) = ${d(p, q)} ≠ TV(q, p) = ${d(q, p)}`);
      checkThat(d(p, q) <= 1 + 1e-6, `TV = ${d(p, q)} > 1`);
      checkThat(d(p, r) <= d(p, q) + d(q, r) + 1e-6, `TV(p, r) = ${d(p, r)} > TV(p, q) + TV(q, r) = ${d(p, q) + d(q, r)}`);
    }),
    invariant('disjoint supports give exactly 1', disjointPair, ([p, q]) => {
      checkClose('TV', on(totalVariationDistance)(p, q), 1, 1e-6, 0);
    }),
    invariant('TV = Σ max(p − q, 0) = sup_A |P(A) − Q(A)| for normalised vectors', distributionPair(1, 12, true), ([p, q]) => {
      const positivePart = p.reduce((a, x, i) => a + Math.max(x - q[i]!, 0), 0);
      checkClose('TV', on(totalVariationDistance)(p, q), positivePart, 1e-5, 1e-6);
    }),
    invariant('Le Cam (Tsybakov 2009, Lemma 2.3): H²/2 ≤ TV ≤ √(H²(1 − H²/4)) with H² = Σ(√p − √q)²', distributionPair(1, 12, true), ([p, q]) => {
      const tv = on(totalVariationDistance)(p, q);
      const h2 = on(squaredHellingerDistance)(p, q);
      checkThat(h2 / 2 <= tv * (1 + 1e-5) + 1e-6, `H²/2 = ${h2 / 2} > TV = ${tv}`);
      checkThat(tv <= Math.sqrt(Math.max(h2 * (1 - h2 / 4), 0)) * (1 + 1e-5) + 1e-6, `TV = ${tv} > √(H²(1 − H²/4)) for H² = ${h2}`);
    }),
    gradientInvariant('gradient is ½ sign(p − q) in p and −½ sign(p − q) in q away from ties', totalVariationDistance, (p, q) => 0.5 * Math.sign(p - q), (p, q) => -0.5 * Math.sign(p - q), 0),
  ],
  errors: errorsOf(totalVariationDistance),
};

export const squaredHellinger: Spec = {
  id: SQUARED_HELLINGER_ID,
  title: 'Squared Hellinger distance Σ (√p − √q)² (no ½ factor)',
  reference: 'Nowozin et al. 2016, Table 1 (f(u) = (√u − 1)²); Hellinger 1909; Tsybakov 2009, section 2.4',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: squaredHellingerDistance(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase([1, 0], [0, 1], 'closed form: disjoint supports give 2', false),
    pairCase([0.25, 0.75], [0.75, 0.25], 'closed form: 2(√¾ − √¼)² = 2 − √3'),
    pairCase([1, 0, 0], [0.25, 0.75, 0], 'closed form: 2 − 2·½ = 1, with zero masses', false),
    pairCase([0.3, 0.7], [0.3, 0.7], 'edge: p = q gives 0'),
    pairCase(NEAR_P, NEAR_Q, 'accuracy: masses a few ulps apart'),
  ],
  secondOrder: true,
  invariants: [
    ...commonInvariants('H²', squaredHellingerDistance, hellinger64),
    invariant('symmetric, ≤ 2, and √H² satisfies the triangle inequality', fc.integer({ min: 1, max: 8 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true), distribution(k, true))), ([p, q, r]) => {
      const d = on(squaredHellingerDistance);
      checkClose('symmetry', d(p, q), d(q, p), 1e-6, 1e-7);
      checkThat(d(p, q) <= 2 * (1 + 1e-6), `H² = ${d(p, q)} > 2`);
      const s = (a: number[], b: number[]) => Math.sqrt(d(a, b));
      checkThat(s(p, r) <= s(p, q) + s(q, r) + 1e-3, `√H²(p, r) = ${s(p, r)} > ${s(p, q) + s(q, r)}`);
    }),
    invariant('disjoint supports give exactly 2', disjointPair, ([p, q]) => {
      checkClose('H²', on(squaredHellingerDistance)(p, q), 2, 1e-6, 0);
    }),
    invariant('H² = 2 − 2·Σ √(pq) (the Bhattacharyya coefficient form), and H² ≤ KL(p ‖ q) and ≤ χ²_P(p ‖ q)', distributionPair(1, 12, true), ([p, q]) => {
      const h2 = on(squaredHellingerDistance)(p, q);
      const bc = p.reduce((a, x, i) => a + Math.sqrt(x * q[i]!), 0);
      // the BC form is computed from the float32 masses, whose sums are 1 only within ~k ulps
      const sums = p.reduce((a, x) => a + x, 0) + q.reduce((a, x) => a + x, 0);
      checkClose('H²', h2, sums - 2 * bc, 1e-5, 1e-6);
      // (√p − √q)² ≤ (p − q)²/q termwise, and H² ≤ KL (Tsybakov 2009, Lemma 2.4)
      checkThat(h2 <= on(pearsonChi2Divergence)(p, q) * (1 + 1e-5) + 1e-6, 'H² > χ²');
      checkThat(h2 <= on(klDivergence)(p, q) * (1 + 1e-5) + 1e-6, 'H² > KL');
    }),
    gradientInvariant('gradient is 1 − √(q/p) in p and 1 − √(p/q) in q for positive masses', squaredHellingerDistance, (p, q) => 1 - Math.sqrt(q / p), (p, q) => 1 - Math.sqrt(p / q)),
  ],
  errors: errorsOf(squaredHellingerDistance),
};

export const pearsonChi2: Spec = {
  id: PEARSON_CHI2_ID,
  title: 'Pearson χ² divergence Σ (p − q)²/q',
  reference: 'Pearson 1900; Nowozin et al. 2016, Table 1 (f(u) = (u − 1)²); Mao et al. 2017, section 3.2',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: pearsonChi2Divergence(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase([0.2, 0.8], [0.6, 0.4], 'closed form: 0.16/0.6 + 0.16/0.4 = 2/3'),
    pairCase([1, 0], [0.5, 0.5], 'closed form: pᵢ = 0 < qᵢ contributes qᵢ; value 1', false),
    pairCase([0.5, 0.5], [1, 0], 'edge: qᵢ = 0 < pᵢ gives +Infinity', false),
    pairCase([0.5, 0.5, 0], [0.25, 0.75, 0], 'edge: a category empty in both contributes 0', false),
    pairCase([0.3, 0.7], [0.3, 0.7], 'edge: p = q gives 0'),
    pairCase(NEAR_P, NEAR_Q, 'accuracy: masses a few ulps apart'),
  ],
  secondOrder: true,
  invariants: [
    ...commonInvariants('χ²_P', pearsonChi2Divergence, pearson64),
    invariant('KL(p ‖ q) ≤ log(1 + χ²_P(p ‖ q)) ≤ χ²_P(p ‖ q) (Gibbs & Su 2002; Tsybakov 2009, Lemma 2.7)', distributionPair(1, 12, true), ([p, q]) => {
      const chi2 = on(pearsonChi2Divergence)(p, q);
      const kl = on(klDivergence)(p, q);
      checkThat(kl <= Math.log1p(chi2) * (1 + 1e-5) + 1e-6, `KL = ${kl} > log(1 + χ²) = ${Math.log1p(chi2)}`);
      checkThat(kl <= chi2 * (1 + 1e-5) + 1e-6, `KL = ${kl} > χ² = ${chi2}`);
    }),
    invariant('χ²_P ≥ 4·TV² (Cauchy–Schwarz: Σ|p − q| ≤ √(χ²·Σq))', distributionPair(1, 12, true), ([p, q]) => {
      const tv = tv64(p, q);
      checkThat(on(pearsonChi2Divergence)(p, q) >= 4 * tv * tv * (1 - 1e-5) - 1e-6, `χ² below 4·TV² = ${4 * tv * tv}`);
    }),
    invariant('zero masses: +Infinity exactly when some pᵢ > 0 = qᵢ', fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))), ([p, q]) => {
      const infinite = p.some((x, i) => x > 0 && q[i] === 0);
      const v = on(pearsonChi2Divergence)(p, q);
      checkThat(infinite ? v === Infinity : Number.isFinite(v), `χ²_P = ${v} (a pᵢ > 0 = qᵢ: ${infinite})`);
    }),
    gradientInvariant('gradient is 2(p − q)/q in p and 1 − p²/q² in q for positive masses', pearsonChi2Divergence, (p, q) => (2 * (p - q)) / q, (p, q) => 1 - (p * p) / (q * q)),
  ],
  errors: errorsOf(pearsonChi2Divergence),
};

export const neymanChi2: Spec = {
  id: NEYMAN_CHI2_ID,
  title: 'Neyman χ² divergence Σ (p − q)²/p',
  reference: 'Neyman 1949; Nowozin et al. 2016, Table 1 (f(u) = (1 − u)²/u)',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: neymanChi2Divergence(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase([0.2, 0.8], [0.6, 0.4], 'closed form: 0.16/0.2 + 0.16/0.8 = 1'),
    pairCase([0.5, 0.5], [1, 0], 'closed form: qᵢ = 0 < pᵢ contributes pᵢ; value 1', false),
    pairCase([1, 0], [0.5, 0.5], 'edge: pᵢ = 0 < qᵢ gives +Infinity', false),
    pairCase([0.5, 0.5, 0], [0.25, 0.75, 0], 'edge: a category empty in both contributes 0', false),
    pairCase([0.3, 0.7], [0.3, 0.7], 'edge: p = q gives 0'),
    pairCase(NEAR_P, NEAR_Q, 'accuracy: masses a few ulps apart'),
  ],
  secondOrder: true,
  invariants: [
    ...commonInvariants('χ²_N', neymanChi2Divergence, neyman64),
    invariant('χ²_N(p ‖ q) = χ²_P(q ‖ p)', distributionPair(1, 12, true), ([p, q]) => {
      checkClose('χ²_N(p ‖ q)', on(neymanChi2Divergence)(p, q), on(pearsonChi2Divergence)(q, p), 1e-6, 1e-7);
    }),
    invariant('reverse-KL(p ‖ q) = KL(q ‖ p) ≤ log(1 + χ²_N(p ‖ q)) (Gibbs & Su 2002)', distributionPair(1, 12, true), ([p, q]) => {
      const chi2 = on(neymanChi2Divergence)(p, q);
      const rkl = on(reverseKlDivergence)(p, q);
      checkThat(rkl <= Math.log1p(chi2) * (1 + 1e-5) + 1e-6, `reverse-KL = ${rkl} > log(1 + χ²_N) = ${Math.log1p(chi2)}`);
    }),
    invariant('zero masses: +Infinity exactly when some qᵢ > 0 = pᵢ', fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))), ([p, q]) => {
      const infinite = q.some((x, i) => x > 0 && p[i] === 0);
      const v = on(neymanChi2Divergence)(p, q);
      checkThat(infinite ? v === Infinity : Number.isFinite(v), `χ²_N = ${v} (a qᵢ > 0 = pᵢ: ${infinite})`);
    }),
    gradientInvariant('gradient is 1 − q²/p² in p and 2(q − p)/p in q for positive masses', neymanChi2Divergence, (p, q) => 1 - (q * q) / (p * p), (p, q) => (2 * (q - p)) / p),
  ],
  errors: errorsOf(neymanChi2Divergence),
};

// ---------------------------------------------------------------------------------------------
// The 1-D Wasserstein distance.

/** A 1-D sample value: moderate reals, some large ones, and exact small integers (ties on purpose). */
const sampleValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: uniform(-10, 10) },
  { weight: 1, arbitrary: uniform(-1e4, 1e4) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 2.5) },
);
/** A 1-D sample of 1 to `max` values. */
const sample1d = (max = 12) => fc.array(sampleValue, { minLength: 1, maxLength: max });
/** Two samples whose n + m values are pairwise distinct (W₁ is differentiable there). */
const distinctSamples = fc.tuple(sample1d(), sample1d()).filter(([x, y]) => new Set([...x, ...y]).size === x.length + y.length);

/** Values on the grid k/64, |v| ≤ 1000: sums and power-of-2 scalings of them are float32-exact. */
const gridValue = fc.integer({ min: -64_000, max: 64_000 }).map((k) => k / 64);

const W = (x: number[], y: number[]) => scalar(wasserstein1d(tf.tensor1d(x), tf.tensor1d(y)));

/**
 * The empirical CDF's pooled breakpoints and the optimal Kantorovich–Rubinstein witness in 1-D:
 * f(t) = ∫_{z₀}^t sign(F_y(s) − F_x(s)) ds, piecewise linear with slopes ±1 (or 0 where the
 * CDFs agree), evaluated at every sample point, in float64.
 */
function witness(x: number[], y: number[]): (t: number) => number {
  const z = [...x, ...y].sort((a, b) => a - b);
  const cdf = (s: number[], t: number) => s.filter((v) => v <= t).length / s.length;
  const at = new Map<number, number>([[z[0]!, 0]]);
  let f = 0;
  for (let k = 0; k + 1 < z.length; k++) {
    f += Math.sign(cdf(y, z[k]!) - cdf(x, z[k]!)) * (z[k + 1]! - z[k]!);
    at.set(z[k + 1]!, f);
  }
  return (t) => at.get(t)!;
}

/** W₁ by the CDF form ∫ |F_x − F_y| over the pooled sorted sample, in float64. */
export function w1Cdf64(x: number[], y: number[]): number {
  const z = [...x, ...y].sort((a, b) => a - b);
  const cdf = (s: number[], t: number) => s.filter((v) => v <= t).length / s.length;
  let total = 0;
  for (let k = 0; k + 1 < z.length; k++) total += Math.abs(cdf(x, z[k]!) - cdf(y, z[k]!)) * (z[k + 1]! - z[k]!);
  return total;
}

const mean = (s: number[]) => s.reduce((a, b) => a + b, 0) / s.length;
const maxAbs = (...ss: number[][]) => Math.max(...ss.flat().map(Math.abs));

function samplesCase(x: number[], y: number[], label?: string): Case {
  return { inputs: { x: vector(x), y: vector(y) }, params: {}, grads: new Set([...x, ...y]).size === x.length + y.length, ...(label ? { label } : {}) };
}

export const wasserstein1dSpec: Spec = {
  id: WASSERSTEIN_1D_ID,
  title: 'Wasserstein-1 distance between two 1-D empirical samples',
  reference: 'Arjovsky et al. 2017, eq. 1–2; Vallender 1973 (the quantile and CDF forms in 1-D)',
  section: 'divergences',
  inputs: {
    x: { kind: 'critic-scores', doc: 'the first 1-D sample (real values), [n]' },
    y: { kind: 'critic-scores', doc: 'the second 1-D sample (real values), [m]; m may differ from n' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: wasserstein1d(x.x!, x.y!) }),
  sample: fc.tuple(sample1d(16), sample1d(16)).map(([x, y]) => samplesCase(x.map(f32), y.map(f32))),
  edges: [
    samplesCase([0], [1], 'closed form: one atom each, |0 − 1| = 1'),
    samplesCase([0, 1], [0.5], 'closed form: n = 2, m = 1 gives ½'),
    samplesCase([0, 3], [1, 2, 4], 'closed form: n = 2, m = 3 gives 7/6'),
    samplesCase([0, 1, 2], [10, 11, 12, 13], 'closed form: ordered supports give mean(y) − mean(x) = 10.5'),
    samplesCase([-1e4, 1e4], [0, 5e3], 'extreme values ±1e4'),
    samplesCase([1, 2, 3], [3, 1, 2], 'edge: the same sample permuted gives 0 (ties)'),
    samplesCase([1, 1, 2], [1, 3], 'edge: ties within and across samples'),
  ],
  secondOrder: true,
  invariants: [
    invariant('W₁ ≥ 0, symmetric, and W₁(x, x) = 0', fc.tuple(sample1d(), sample1d()), ([x, y]) => {
      const xy = W(x, y);
      checkThat(xy >= 0, `W₁ = ${xy} < 0`);
      checkClose('W₁(y, x)', W(y, x), xy, 1e-6, 0);
      checkThat(W(x, x) === 0, `W₁(x, x) = ${W(x, x)}`);
    }),
    invariant('matches ∫ |F_x − F_y| (the CDF form) in float64', fc.tuple(sample1d(16), sample1d(16)).map(([x, y]) => [x.map(f32), y.map(f32)] as const), ([x, y]) => {
      checkClose('W₁', W(x, y), w1Cdf64(x, y), 1e-5, 1e-6 * (1 + maxAbs(x, y)));
    }),
    invariant('n = m: W₁ = mean |sort(x) − sort(y)|', fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.array(sampleValue, { minLength: n, maxLength: n }), fc.array(sampleValue, { minLength: n, maxLength: n }))), ([x, y]) => {
      const sx = [...x].sort((a, b) => a - b);
      const sy = [...y].sort((a, b) => a - b);
      checkClose('W₁', W(x, y), mean(sx.map((v, i) => Math.abs(v - sy[i]!))), 1e-5, 1e-6 * (1 + maxAbs(x, y)));
    }),
    invariant('permuting either sample changes nothing (bit for bit)', fc.tuple(sample1d(), sample1d()).chain(([x, y]) => fc.tuple(fc.constant(x), fc.constant(y), fc.shuffledSubarray(x, { minLength: x.length }), fc.shuffledSubarray(y, { minLength: y.length }))), ([x, y, px, py]) => {
      checkThat(W(px, py) === W(x, y), `W₁ of permuted samples ${W(px, py)} ≠ ${W(x, y)}`);
    }),
    invariant('translation: W₁(x + c, y + c) = W₁(x, y)', fc.tuple(fc.array(gridValue, { minLength: 1, maxLength: 12 }), fc.array(gridValue, { minLength: 1, maxLength: 12 }), gridValue), ([x, y, c]) => {
      checkClose('W₁(x + c, y + c)', W(x.map((v) => v + c), y.map((v) => v + c)), W(x, y), 1e-5, 1e-6);
    }),
    invariant('scaling: W₁(s·x, s·y) = |s|·W₁(x, y), also for s < 0 (which reverses the order)', fc.tuple(fc.array(gridValue, { minLength: 1, maxLength: 12 }), fc.array(gridValue, { minLength: 1, maxLength: 12 }), fc.constantFrom(-4, -2, -1, -0.5, -0.25, 0, 0.25, 0.5, 2, 8)), ([x, y, s]) => {
      checkClose('W₁(s·x, s·y)', W(x.map((v) => s * v), y.map((v) => s * v)), Math.abs(s) * W(x, y), 1e-5, 1e-6);
    }),
    invariant('ordered supports (all x ≤ all y): W₁ = mean(y) − mean(x)', fc.tuple(fc.array(uniform(-100, 0), { minLength: 1, maxLength: 12 }), fc.array(uniform(0, 100), { minLength: 1, maxLength: 12 })), ([x, y]) => {
      checkClose('W₁', W(x, y), mean(y) - mean(x), 1e-5, 1e-5);
    }),
    invariant('Kantorovich–Rubinstein: E_x f − E_y f = W₁ for the 1-D witness f = ∫ sign(F_y − F_x), and ≤ W₁ for other 1-Lipschitz f', fc.tuple(sample1d(), sample1d(), uniform(-1, 1), uniform(-1, 1), uniform(-10, 10)), ([x, y, a, b, c]) => {
      const w = W(x, y);
      const f = witness(x, y);
      const dual = mean(x.map(f)) - mean(y.map(f));
      checkClose('E_x f − E_y f', dual, w, 1e-5, 1e-6 * (1 + maxAbs(x, y)));
      // g(t) = α·t + β·|t − c| with |α| + |β| ≤ 1 is 1-Lipschitz
      const [alpha, beta] = Math.abs(a) + Math.abs(b) > 1 ? [a / (Math.abs(a) + Math.abs(b)), b / (Math.abs(a) + Math.abs(b))] : [a, b];
      const g = (t: number) => alpha * t + beta * Math.abs(t - c);
      const other = mean(x.map(g)) - mean(y.map(g));
      checkThat(other <= w * (1 + 1e-5) + 1e-6 * (1 + maxAbs(x, y)), `E_x g − E_y g = ${other} > W₁ = ${w} for a 1-Lipschitz g`);
    }),
    invariant('gradient: ∂W₁/∂xᵢ = Σ over the quantile intervals picking xᵢ of w_k·sign(xᵢ − y_(b_k)), and ∂/∂y likewise with the opposite sign', distinctSamples, ([x, y]) => {
      const [gx, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => wasserstein1d(a, b))([tf.tensor1d(x), tf.tensor1d(y)]);
      const plan = quantilePlan(x.length, y.length);
      const sx = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
      const sy = y.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
      const ex = new Array<number>(x.length).fill(0);
      const ey = new Array<number>(y.length).fill(0);
      plan.w.forEach((w, k) => {
        const [xv, xi] = sx[plan.x[k]!]!;
        const [yv, yi] = sy[plan.y[k]!]!;
        ex[xi] += w * Math.sign(xv - yv);
        ey[yi] -= w * Math.sign(xv - yv);
      });
      values(gx!).forEach((g, i) => checkClose(`∂/∂x[${i}]`, g, ex[i]!, 1e-5, 1e-6));
      values(gy!).forEach((g, i) => checkClose(`∂/∂y[${i}]`, g, ey[i]!, 1e-5, 1e-6));
    }),
    invariant('the quantile plan: weights sum to 1, ranks are non-decreasing and cover every atom', fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 })), ([n, m]) => {
      const plan = quantilePlan(n, m);
      checkClose('Σ w', plan.w.reduce((a, b) => a + b, 0), 1, 1e-12, 0);
      checkThat(plan.w.every((w) => w > 0) && plan.w.length <= n + m - 1, 'a non-positive weight or too many intervals');
      for (const [ranks, size] of [[plan.x, n], [plan.y, m]] as const) {
        checkThat(ranks[0] === 0 && ranks[ranks.length - 1] === size - 1, 'ranks do not span the sample');
        for (let k = 1; k < ranks.length; k++) checkThat(ranks[k]! - ranks[k - 1]! <= 1 && ranks[k]! >= ranks[k - 1]!, 'ranks skip or go back');
      }
    }),
  ],
  errors: [
    { name: 'a rank-2 sample', call: () => wasserstein1d(tf.tensor2d([[1, 2]]), tf.tensor1d([1])), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'an empty sample', call: () => wasserstein1d(tf.tensor1d([1]), tf.tensor1d([])), error: 'InvalidArgumentError', argument: 'y' },
    { name: 'a NaN value', call: () => wasserstein1d(tf.tensor1d([1, NaN]), tf.tensor1d([1])), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'an infinite value', call: () => wasserstein1d(tf.tensor1d([1]), tf.tensor1d([0, Infinity])), error: 'InvalidArgumentError', argument: 'y' },
    { name: 'an int32 tensor', call: () => wasserstein1d(tf.tensor1d([1]), tf.tensor1d([1, 2], 'int32')), error: 'InvalidArgumentError', argument: 'y' },
    { name: 'a plain array', call: () => wasserstein1d([1, 2] as unknown as tf.Tensor, tf.tensor1d([1])), error: 'InvalidArgumentError', argument: 'x' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
const benchPair = () => benchCase({ p: distributionsArray(BENCH.batch, BENCH.categories, 1), q: distributionsArray(BENCH.batch, BENCH.categories, 2) });

export const SPECS: Spec[] = [
  ...[reverseKl, totalVariation, squaredHellinger, pearsonChi2, neymanChi2].map((s) => withBenchmark(s, benchPair)),
  withBenchmark(wasserstein1dSpec, () => benchCase({ x: uniformArray([BENCH.batch], -3, 3, 1), y: uniformArray([BENCH.batch], -2, 4, 2) })),
];
