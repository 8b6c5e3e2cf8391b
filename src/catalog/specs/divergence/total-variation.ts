import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { disjointPair, distribution, distributionPair } from '../../arbitraries.js';
import { checkClose, checkThat, invariant } from '../../invariant.js';
import { tv64 } from '../../reference64.js';
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
import type { Case, Spec } from '../../types.js';
import { squaredHellingerDistance } from '../../../divergences/squared-hellinger.js';
import { TOTAL_VARIATION_ID, totalVariationDistance } from '../../../divergences/total-variation.js';

/** Random pairs as `distributionPairCases`, with gradients off where some pᵢ = qᵢ (|·| has a kink there). */
const pairCasesWithoutTies: fc.Arbitrary<Case> = distributionPairCases(PQ).map((c) => {
  const p = c.inputs.p!.data;
  const q = c.inputs.q!.data;
  return { ...c, grads: c.grads && p.every((x, i) => x !== q[i]) };
});

export const totalVariation: Spec = defineSpec({
  id: TOTAL_VARIATION_ID,
  title: 'Total variation distance ½ Σ |p − q|',
  reference: 'Nowozin et al. 2016, Table 1 (f(u) = ½|u − 1|); Tsybakov 2009, section 2.4',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: totalVariationDistance(x.p, x.q) }),
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
    invariant(
      'a metric: symmetric, ≤ 1, and the triangle inequality holds',
      fc
        .integer({ min: 1, max: 8 })
        .chain((k) => fc.tuple(distribution(k, true), distribution(k, true), distribution(k, true))),
      ([p, q, r]) => {
        const d = on(totalVariationDistance);
        checkThat(d(p, q) === d(q, p), `TV(p, q) = ${d(p, q)} ≠ TV(q, p) = ${d(q, p)}`);
        checkThat(d(p, q) <= 1 + 1e-6, `TV = ${d(p, q)} > 1`);
        checkThat(
          d(p, r) <= d(p, q) + d(q, r) + 1e-6,
          `TV(p, r) = ${d(p, r)} > TV(p, q) + TV(q, r) = ${d(p, q) + d(q, r)}`,
        );
      },
    ),
    invariant('disjoint supports give exactly 1', disjointPair, ([p, q]) => {
      checkClose('TV', on(totalVariationDistance)(p, q), 1, 1e-6, 0);
    }),
    invariant(
      'TV = Σ max(p − q, 0) = sup_A |P(A) − Q(A)| for normalised vectors',
      distributionPair(1, 12, true),
      ([p, q]) => {
        const positivePart = p.reduce((a, x, i) => a + Math.max(x - q[i]!, 0), 0);
        checkClose('TV', on(totalVariationDistance)(p, q), positivePart, 1e-5, 1e-6);
      },
    ),
    invariant(
      'Le Cam (Tsybakov 2009, Lemma 2.3): H²/2 ≤ TV ≤ √(H²(1 − H²/4)) with H² = Σ(√p − √q)²',
      distributionPair(1, 12, true),
      ([p, q]) => {
        const tv = on(totalVariationDistance)(p, q);
        const h2 = on(squaredHellingerDistance)(p, q);
        checkThat(h2 / 2 <= tv * (1 + 1e-5) + 1e-6, `H²/2 = ${h2 / 2} > TV = ${tv}`);
        checkThat(
          tv <= Math.sqrt(Math.max(h2 * (1 - h2 / 4), 0)) * (1 + 1e-5) + 1e-6,
          `TV = ${tv} > √(H²(1 − H²/4)) for H² = ${h2}`,
        );
      },
    ),
    gradientInvariant(
      'gradient is ½ sign(p − q) in p and −½ sign(p − q) in q away from ties',
      totalVariationDistance,
      (p, q) => 0.5 * Math.sign(p - q),
      (p, q) => -0.5 * Math.sign(p - q),
      0,
    ),
  ],
  errors: errorsOf(totalVariationDistance),
  benchmark: benchPair,
});
