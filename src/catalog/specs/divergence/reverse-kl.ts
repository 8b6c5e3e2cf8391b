import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { distribution, distributionPair } from '../../arbitraries.js';
import { checkClose, checkThat, invariant } from '../../invariant.js';
import { reverseKl64, tv64 } from '../../reference64.js';
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
import { REVERSE_KL_ID, reverseKlDivergence } from '../../../divergences/reverse-kl.js';

export const reverseKl: Spec = defineSpec({
  id: REVERSE_KL_ID,
  title: 'Reverse Kullback–Leibler divergence KL(q ‖ p)',
  reference: 'Kullback & Leibler 1951; Nowozin et al. 2016, Table 1 (f(u) = −log u)',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: reverseKlDivergence(x.p, x.q) }),
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
    invariant(
      'reverse-KL(q ‖ p) = KL(p ‖ q), and reverse-KL(p ‖ q) = KL(q ‖ p)',
      distributionPair(1, 12, true),
      ([p, q]) => {
        checkClose('reverse-KL(q ‖ p)', on(reverseKlDivergence)(q, p), on(klDivergence)(p, q), 1e-6, 1e-7);
        checkClose('reverse-KL(p ‖ q)', on(reverseKlDivergence)(p, q), on(klDivergence)(q, p), 1e-6, 1e-7);
      },
    ),
    invariant(
      "Pinsker's inequality (Tsybakov 2009, Lemma 2.5): reverse-KL(p ‖ q) = KL(q ‖ p) ≥ 2·TV(p, q)²",
      distributionPair(1, 12, true),
      ([p, q]) => {
        const tv = tv64(p, q);
        checkThat(
          on(reverseKlDivergence)(p, q) >= 2 * tv * tv * (1 - 1e-5) - 1e-6,
          `reverse-KL below 2·TV² = ${2 * tv * tv}`,
        );
      },
    ),
    invariant(
      'zero masses: +Infinity exactly when some qᵢ > 0 = pᵢ',
      fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))),
      ([p, q]) => {
        const infinite = q.some((x, i) => x > 0 && p[i] === 0);
        const v = on(reverseKlDivergence)(p, q);
        checkThat(infinite ? v === Infinity : Number.isFinite(v), `reverse-KL = ${v} (a qᵢ > 0 = pᵢ: ${infinite})`);
      },
    ),
    gradientInvariant(
      'gradient is −q/p in p and log(q/p) + 1 in q for positive masses',
      reverseKlDivergence,
      (p, q) => -q / p,
      (p, q) => Math.log(q / p) + 1,
    ),
  ],
  errors: errorsOf(reverseKlDivergence),
  benchmark: benchPair,
});
