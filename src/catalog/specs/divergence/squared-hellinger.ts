import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { disjointPair, distribution, distributionPair } from '../../arbitraries.js';
import { checkClose, checkThat, invariant } from '../../invariant.js';
import { hellinger64 } from '../../reference64.js';
import {
  benchPair,
  commonInvariants,
  DISTRIBUTION_INPUTS,
  errorsOf,
  gradientInvariant,
  NEAR_P,
  NEAR_Q,
  on,
  pairCase,
} from '../../templates/discrete-divergence.js';
import { distributionPairCases, PQ } from '../../templates/distribution-pair.js';
import type { Spec } from '../../types.js';
import { klDivergence } from '../../../divergences/kl.js';
import { pearsonChi2Divergence } from '../../../divergences/pearson-chi2.js';
import { SQUARED_HELLINGER_ID, squaredHellingerDistance } from '../../../divergences/squared-hellinger.js';

export const squaredHellinger: Spec = defineSpec({
  id: SQUARED_HELLINGER_ID,
  title: 'Squared Hellinger distance Σ (√p − √q)² (no ½ factor)',
  reference: 'Nowozin et al. 2016, Table 1 (f(u) = (√u − 1)²); Hellinger 1909; Tsybakov 2009, section 2.4',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: squaredHellingerDistance(x.p, x.q) }),
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
    invariant(
      'symmetric, ≤ 2, and √H² satisfies the triangle inequality',
      fc
        .integer({ min: 1, max: 8 })
        .chain((k) => fc.tuple(distribution(k, true), distribution(k, true), distribution(k, true))),
      ([p, q, r]) => {
        const d = on(squaredHellingerDistance);
        checkClose('symmetry', d(p, q), d(q, p), 1e-6, 1e-7);
        checkThat(d(p, q) <= 2 * (1 + 1e-6), `H² = ${d(p, q)} > 2`);
        const s = (a: number[], b: number[]) => Math.sqrt(d(a, b));
        checkThat(s(p, r) <= s(p, q) + s(q, r) + 1e-3, `√H²(p, r) = ${s(p, r)} > ${s(p, q) + s(q, r)}`);
      },
    ),
    invariant('disjoint supports give exactly 2', disjointPair, ([p, q]) => {
      checkClose('H²', on(squaredHellingerDistance)(p, q), 2, 1e-6, 0);
    }),
    invariant(
      'H² = 2 − 2·Σ √(pq) (the Bhattacharyya coefficient form), and H² ≤ KL(p ‖ q) and ≤ χ²_P(p ‖ q)',
      distributionPair(1, 12, true),
      ([p, q]) => {
        const h2 = on(squaredHellingerDistance)(p, q);
        const bc = p.reduce((a, x, i) => a + Math.sqrt(x * q[i]!), 0);
        // the BC form is computed from the float32 masses, whose sums are 1 only within ~k ulps
        const sums = p.reduce((a, x) => a + x, 0) + q.reduce((a, x) => a + x, 0);
        checkClose('H²', h2, sums - 2 * bc, 1e-5, 1e-6);
        // (√p − √q)² ≤ (p − q)²/q termwise, and H² ≤ KL (Tsybakov 2009, Lemma 2.4)
        checkThat(h2 <= on(pearsonChi2Divergence)(p, q) * (1 + 1e-5) + 1e-6, 'H² > χ²');
        checkThat(h2 <= on(klDivergence)(p, q) * (1 + 1e-5) + 1e-6, 'H² > KL');
      },
    ),
    gradientInvariant(
      'gradient is 1 − √(q/p) in p and 1 − √(p/q) in q for positive masses',
      squaredHellingerDistance,
      (p, q) => 1 - Math.sqrt(q / p),
      (p, q) => 1 - Math.sqrt(p / q),
    ),
  ],
  errors: errorsOf(squaredHellingerDistance),
  benchmark: benchPair,
});
