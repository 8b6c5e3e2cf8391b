import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { distribution, distributionPair } from '../../arbitraries.js';
import { checkClose, checkThat, invariant } from '../../invariant.js';
import { neyman64 } from '../../reference64.js';
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
import { NEYMAN_CHI2_ID, neymanChi2Divergence } from '../../../divergences/neyman-chi2.js';
import { pearsonChi2Divergence } from '../../../divergences/pearson-chi2.js';
import { reverseKlDivergence } from '../../../divergences/reverse-kl.js';

export const neymanChi2: Spec = defineSpec({
  id: NEYMAN_CHI2_ID,
  title: 'Neyman χ² divergence Σ (p − q)²/p',
  reference: 'Neyman 1949; Nowozin et al. 2016, Table 1 (f(u) = (1 − u)²/u)',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: neymanChi2Divergence(x.p, x.q) }),
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
    invariant(
      'reverse-KL(p ‖ q) = KL(q ‖ p) ≤ log(1 + χ²_N(p ‖ q)) (Gibbs & Su 2002)',
      distributionPair(1, 12, true),
      ([p, q]) => {
        const chi2 = on(neymanChi2Divergence)(p, q);
        const rkl = on(reverseKlDivergence)(p, q);
        checkThat(
          rkl <= Math.log1p(chi2) * (1 + 1e-5) + 1e-6,
          `reverse-KL = ${rkl} > log(1 + χ²_N) = ${Math.log1p(chi2)}`,
        );
      },
    ),
    invariant(
      'zero masses: +Infinity exactly when some qᵢ > 0 = pᵢ',
      fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))),
      ([p, q]) => {
        const infinite = q.some((x, i) => x > 0 && p[i] === 0);
        const v = on(neymanChi2Divergence)(p, q);
        checkThat(infinite ? v === Infinity : Number.isFinite(v), `χ²_N = ${v} (a qᵢ > 0 = pᵢ: ${infinite})`);
      },
    ),
    gradientInvariant(
      'gradient is 1 − q²/p² in p and 2(q − p)/p in q for positive masses',
      neymanChi2Divergence,
      (p, q) => 1 - (q * q) / (p * p),
      (p, q) => (2 * (q - p)) / p,
    ),
  ],
  errors: errorsOf(neymanChi2Divergence),
  benchmark: benchPair,
});
