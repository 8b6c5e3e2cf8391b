import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asDistributions } from '../../types.js';
import { jensenShannonDivergence, JSD_ID, klDivergence, KL_ID } from '../../divergences/index.js';
import { disjointPair, distribution, distributionPair, f32, normalize } from '../arbitraries.js';
import { checkClose, checkThat, invariant, scalar, values } from '../invariant.js';
import { BENCH, benchCase, distributionsArray } from '../bench.js';
import type { Case, ErrorCase, NDArray, Spec } from '../types.js';

const P = (xs: number[] | number[][]) => asDistributions(tf.tensor(xs));

/** float64 reference Σ p log(p/q) with the conventions of CATALOG.md. */
export function kl64(p: number[], q: number[]): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! > 0) total += q[i]! > 0 ? p[i]! * Math.log(p[i]! / q[i]!) : Infinity;
  }
  return total;
}

/** float64 reference JSD. */
export function jsd64(p: number[], q: number[]): number {
  const m = p.map((x, i) => (x + q[i]!) / 2);
  return 0.5 * kl64(p, m) + 0.5 * kl64(q, m);
}

/**
 * Cases for a pair of distributions `names` over k categories, as one vector each or as a batch
 * [b, k]. Pairs with zero masses are compared by value only: the divergence is not
 * differentiable on the boundary of the simplex.
 */
export function distributionPairCases(names: [string, string]): fc.Arbitrary<Case> {
  const batchOf = (zeros: boolean) =>
    fc.record({ b: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 10 }), rank: fc.constantFrom(1, 2) }).chain(({ b, k, rank }) => {
      const rows = rank === 1 ? 1 : b;
      return fc.tuple(fc.array(distribution(k, zeros), { minLength: rows, maxLength: rows }), fc.array(distribution(k, zeros), { minLength: rows, maxLength: rows })).map(([ps, qs]): Case => {
        const shape = rank === 1 ? [k] : [rows, k];
        return { inputs: { [names[0]]: { shape, data: ps.flat() }, [names[1]]: { shape, data: qs.flat() } }, params: {}, grads: !zeros };
      });
    });
  return fc.oneof({ weight: 3, arbitrary: batchOf(false) }, { weight: 1, arbitrary: batchOf(true) });
}

function pairCase(names: [string, string], p: number[], q: number[], label: string, grads = true): Case {
  const v = (xs: number[]): NDArray => ({ shape: [xs.length], data: xs.map(f32) });
  return { inputs: { [names[0]]: v(p), [names[1]]: v(q) }, params: {}, grads, label };
}

/** Error inputs every pair-of-distributions function must refuse. */
export function distributionPairErrors(names: [string, string], f: (a: tf.Tensor, b: tf.Tensor) => unknown): ErrorCase[] {
  const ok = () => tf.tensor1d([0.5, 0.5]);
  return [
    { name: 'shapes differ', call: () => f(ok(), tf.tensor1d([0.2, 0.3, 0.5])), error: 'InvalidArgumentError', argument: names[1] },
    { name: 'a negative mass', call: () => f(tf.tensor1d([1.5, -0.5]), ok()), error: 'InvalidArgumentError', argument: names[0] },
    { name: 'masses not summing to 1', call: () => f(ok(), tf.tensor1d([0.5, 0.6])), error: 'InvalidArgumentError', argument: names[1] },
    { name: 'a NaN mass', call: () => f(tf.tensor1d([NaN, 1]), ok()), error: 'InvalidArgumentError', argument: names[0] },
    { name: 'a scalar', call: () => f(tf.scalar(1), tf.scalar(1)), error: 'InvalidArgumentError', argument: names[0] },
    { name: 'an int32 tensor', call: () => f(ok(), tf.tensor1d([0, 1], 'int32')), error: 'InvalidArgumentError', argument: names[1] },
  ];
}

const PQ: [string, string] = ['p', 'q'];

export const kl: Spec = {
  id: KL_ID,
  title: 'Kullback–Leibler divergence',
  reference: 'Kullback & Leibler 1951; standard closed form Σ p log(p/q)',
  section: 'divergences',
  inputs: {
    p: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
    q: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: klDivergence(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase(PQ, [1, 0], [0.5, 0.5], 'edge: 0·log 0 = 0', false),
    pairCase(PQ, [0.5, 0.5], [1, 0], 'edge: mass where q = 0 gives +Infinity', false),
    pairCase(PQ, [0.25, 0.25, 0.5], [0.25, 0.25, 0.5], 'edge: p = q gives 0'),
    pairCase(PQ, [1], [1], 'edge: one category'),
  ],
  secondOrder: true,
  invariants: [
    invariant("Gibbs' inequality: KL ≥ 0, and KL(p ‖ p) = 0", distributionPair(1, 12, true), ([p, q]) => {
      checkThat(scalar(klDivergence(P(p), P(q))) >= 0, 'KL(p ‖ q) < 0');
      checkThat(scalar(klDivergence(P(p), P(p))) === 0, 'KL(p ‖ p) ≠ 0');
    }),
    invariant('matches Σ p log(p/q) in float64, with 0·log 0 = 0 and +Infinity where q = 0 < p', distributionPair(1, 12, true), ([p, q]) => {
      checkClose('KL', scalar(klDivergence(P(p), P(q))), kl64(p, q), 1e-5, 1e-6);
    }),
    invariant("Pinsker's inequality: KL(p ‖ q) ≥ 2·TV(p, q)²", distributionPair(1, 12, true), ([p, q]) => {
      const tv = 0.5 * p.reduce((a, x, i) => a + Math.abs(x - q[i]!), 0);
      checkThat(scalar(klDivergence(P(p), P(q))) >= 2 * tv * tv - 1e-6, `KL below 2·TV² = ${2 * tv * tv}`);
    }),
    invariant('a batch [b, k] gives each row its own divergence', fc.integer({ min: 1, max: 8 }).chain((k) => fc.array(fc.tuple(distribution(k), distribution(k)), { minLength: 1, maxLength: 5 })), (rows) => {
      const batchValues = values(klDivergence(P(rows.map((r) => r[0])), P(rows.map((r) => r[1]))));
      rows.forEach(([p, q], i) => checkClose(`row ${i}`, batchValues[i]!, scalar(klDivergence(P(p), P(q))), 1e-6, 1e-7));
    }),
    invariant('gradient is log(p/q) + 1 in p and −p/q in q for positive masses', distributionPair(1, 8, false), ([p, q]) => {
      const [gp, gq] = tf.grads((a: tf.Tensor, b: tf.Tensor) => klDivergence(asDistributions(a), asDistributions(b)))([tf.tensor1d(p), tf.tensor1d(q)]);
      values(gp!).forEach((g, i) => checkClose(`d/dp[${i}]`, g, Math.log(p[i]! / q[i]!) + 1, 1e-4, 1e-5));
      values(gq!).forEach((g, i) => checkClose(`d/dq[${i}]`, g, -p[i]! / q[i]!, 1e-4, 1e-5));
    }),
  ],
  errors: distributionPairErrors(PQ, (a, b) => klDivergence(asDistributions(a), asDistributions(b))),
  benchmark: () => benchCase({ p: distributionsArray(BENCH.batch, BENCH.categories, 1), q: distributionsArray(BENCH.batch, BENCH.categories, 2) }),
};

export const jensenShannon: Spec = {
  id: JSD_ID,
  title: 'Jensen–Shannon divergence',
  reference: 'Lin 1991; Goodfellow et al. 2014, Theorem 1',
  section: 'divergences',
  inputs: {
    p: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
    q: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: jensenShannonDivergence(asDistributions(x.p!), asDistributions(x.q!)) }),
  sample: distributionPairCases(PQ),
  edges: [
    pairCase(PQ, [1, 0], [0, 1], 'closed form: disjoint supports give log 2', false),
    pairCase(PQ, [0.3, 0.7], [0.3, 0.7], 'edge: p = q gives 0'),
    pairCase(PQ, [0.5, 0.5, 0], [0, 0.5, 0.5], 'edge: partly overlapping supports', false),
  ],
  secondOrder: true,
  invariants: [
    invariant('0 ≤ JSD ≤ log 2, symmetric, and JSD(p ‖ p) = 0', distributionPair(1, 12, true), ([p, q]) => {
      const a = scalar(jensenShannonDivergence(P(p), P(q)));
      const b = scalar(jensenShannonDivergence(P(q), P(p)));
      checkThat(a >= 0 && a <= f32(Math.LN2) * (1 + 1e-6), `JSD = ${a} outside [0, log 2]`);
      checkClose('symmetry', a, b, 1e-6, 1e-7);
      checkThat(scalar(jensenShannonDivergence(P(p), P(p))) === 0, 'JSD(p ‖ p) ≠ 0');
    }),
    invariant('disjoint supports give exactly log 2', disjointPair, ([p, q]) => {
      checkClose('JSD', scalar(jensenShannonDivergence(P(p), P(q))), Math.LN2, 1e-6, 0);
    }),
    invariant('matches ½KL(p ‖ m) + ½KL(q ‖ m) in float64', distributionPair(1, 12, true), ([p, q]) => {
      checkClose('JSD', scalar(jensenShannonDivergence(P(p), P(q))), jsd64(p, q), 1e-5, 1e-6);
    }),
    invariant('√JSD is a metric: the triangle inequality holds', fc.integer({ min: 1, max: 8 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true), distribution(k, true))), ([p, q, r]) => {
      const d = (a: number[], b: number[]) => Math.sqrt(scalar(jensenShannonDivergence(P(a), P(b))));
      checkThat(d(p, r) <= d(p, q) + d(q, r) + 1e-3, `√JSD(p, r) = ${d(p, r)} > √JSD(p, q) + √JSD(q, r) = ${d(p, q) + d(q, r)}`);
    }),
    invariant('mixing toward each other never increases the divergence (convexity)', fc.tuple(distributionPair(2, 8, true), fc.integer({ min: 0, max: 100 })), ([[p, q], t]) => {
      const lambda = t / 100;
      const mixed = normalize(p.map((x, i) => lambda * x + (1 - lambda) * q[i]!));
      checkThat(scalar(jensenShannonDivergence(P(mixed), P(q))) <= scalar(jensenShannonDivergence(P(p), P(q))) * (1 + 1e-5) + 1e-6, 'JSD grew under mixing');
    }),
  ],
  errors: distributionPairErrors(PQ, (a, b) => jensenShannonDivergence(asDistributions(a), asDistributions(b))),
  benchmark: () => benchCase({ p: distributionsArray(BENCH.batch, BENCH.categories, 1), q: distributionsArray(BENCH.batch, BENCH.categories, 2) }),
};
