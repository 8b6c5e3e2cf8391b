import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { distribution, distributionPair } from '../../arbitraries.js';
import { checkThat, invariant } from '../../invariant.js';
import { pearson64, tv64 } from '../../reference64.js';
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
import { PEARSON_CHI2_ID, pearsonChi2Divergence } from '../../../divergences/pearson-chi2.js';

export const pearsonChi2: Spec = defineSpec({
  id: PEARSON_CHI2_ID,
  title: 'Pearson χ² divergence Σ (p − q)²/q',
  reference: 'Pearson 1900; Nowozin et al. 2016, Table 1 (f(u) = (u − 1)²); Mao et al. 2017, section 3.2',
  section: 'divergences',
  inputs: DISTRIBUTION_INPUTS,
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: pearsonChi2Divergence(x.p, x.q) }),
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
    invariant(
      'KL(p ‖ q) ≤ log(1 + χ²_P(p ‖ q)) ≤ χ²_P(p ‖ q) (Gibbs & Su 2002; Tsybakov 2009, Lemma 2.7)',
      distributionPair(1, 12, true),
      ([p, q]) => {
        const chi2 = on(pearsonChi2Divergence)(p, q);
        const kl = on(klDivergence)(p, q);
        checkThat(kl <= Math.log1p(chi2) * (1 + 1e-5) + 1e-6, `KL = ${kl} > log(1 + χ²) = ${Math.log1p(chi2)}`);
        checkThat(kl <= chi2 * (1 + 1e-5) + 1e-6, `KL = ${kl} > χ² = ${chi2}`);
      },
    ),
    invariant('χ²_P ≥ 4·TV² (Cauchy–Schwarz: Σ|p − q| ≤ √(χ²·Σq))', distributionPair(1, 12, true), ([p, q]) => {
      const tv = tv64(p, q);
      checkThat(on(pearsonChi2Divergence)(p, q) >= 4 * tv * tv * (1 - 1e-5) - 1e-6, `χ² below 4·TV² = ${4 * tv * tv}`);
    }),
    invariant(
      'zero masses: +Infinity exactly when some pᵢ > 0 = qᵢ',
      fc.integer({ min: 2, max: 10 }).chain((k) => fc.tuple(distribution(k, true), distribution(k, true))),
      ([p, q]) => {
        const infinite = p.some((x, i) => x > 0 && q[i] === 0);
        const v = on(pearsonChi2Divergence)(p, q);
        checkThat(infinite ? v === Infinity : Number.isFinite(v), `χ²_P = ${v} (a pᵢ > 0 = qᵢ: ${infinite})`);
      },
    ),
    gradientInvariant(
      'gradient is 2(p − q)/q in p and 1 − p²/q² in q for positive masses',
      pearsonChi2Divergence,
      (p, q) => (2 * (p - q)) / q,
      (p, q) => 1 - (p * p) / (q * q),
    ),
  ],
  errors: errorsOf(pearsonChi2Divergence),
  benchmark: benchPair,
});
