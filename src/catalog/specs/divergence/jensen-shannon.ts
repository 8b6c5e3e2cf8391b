import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { disjointPair, distribution, distributionPair, f32, normalize } from '../../arbitraries.js';
import { BENCH, benchCase, distributionsArray } from '../../bench.js';
import { checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { jsd64 } from '../../reference64.js';
import { distributionPairCases, distributionPairErrors, P, pairCase, PQ } from '../../templates/distribution-pair.js';
import type { Spec } from '../../types.js';
import { jensenShannonDivergence, JSD_ID } from '../../../divergences/index.js';
import { asDistributions } from '../../../types.js';

export const jensenShannon: Spec = defineSpec({
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
  evaluate: (x) => ({ value: jensenShannonDivergence(x.p, x.q) }),
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
    invariant(
      '√JSD is a metric: the triangle inequality holds',
      fc
        .integer({ min: 1, max: 8 })
        .chain((k) => fc.tuple(distribution(k, true), distribution(k, true), distribution(k, true))),
      ([p, q, r]) => {
        const d = (a: number[], b: number[]) => Math.sqrt(scalar(jensenShannonDivergence(P(a), P(b))));
        checkThat(
          d(p, r) <= d(p, q) + d(q, r) + 1e-3,
          `√JSD(p, r) = ${d(p, r)} > √JSD(p, q) + √JSD(q, r) = ${d(p, q) + d(q, r)}`,
        );
      },
    ),
    invariant(
      'mixing toward each other never increases the divergence (convexity)',
      fc.tuple(distributionPair(2, 8, true), fc.integer({ min: 0, max: 100 })),
      ([[p, q], t]) => {
        const lambda = t / 100;
        const mixed = normalize(p.map((x, i) => lambda * x + (1 - lambda) * q[i]!));
        checkThat(
          scalar(jensenShannonDivergence(P(mixed), P(q))) <=
            scalar(jensenShannonDivergence(P(p), P(q))) * (1 + 1e-5) + 1e-6,
          'JSD grew under mixing',
        );
      },
    ),
  ],
  errors: distributionPairErrors(PQ, (a, b) => jensenShannonDivergence(asDistributions(a), asDistributions(b))),
  benchmark: () =>
    benchCase({
      p: distributionsArray(BENCH.batch, BENCH.categories, 1),
      q: distributionsArray(BENCH.batch, BENCH.categories, 2),
    }),
});
