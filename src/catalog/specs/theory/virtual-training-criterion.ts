import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { disjointPair, distribution, distributionPair, f32, uniform } from '../../arbitraries.js';
import { BENCH, benchCase, distributionsArray } from '../../bench.js';
import { checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { value64 } from '../../reference64.js';
import { distributionPairCases, distributionPairErrors } from '../../templates/distribution-pair.js';
import type { Spec } from '../../types.js';
import { jensenShannonDivergence } from '../../../divergences/index.js';
import { VIRTUAL_TRAINING_CRITERION_ID, virtualTrainingCriterion } from '../../../theory/index.js';
import { asDistributions } from '../../../types.js';

const LOG4 = Math.log(4);

const PAIR: [string, string] = ['pData', 'pG'];

export const virtualTrainingCriterionSpec: Spec = defineSpec({
  id: VIRTUAL_TRAINING_CRITERION_ID,
  title: 'Virtual training criterion C(G)',
  reference: 'Goodfellow et al. 2014, Generative Adversarial Nets, eq. 4 and Theorem 1',
  section: 'theory',
  inputs: {
    pData: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
    pG: { kind: 'distributions', doc: 'probability vectors, [..., k]' },
  },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: virtualTrainingCriterion(x.pData, x.pG) }),
  sample: distributionPairCases(PAIR),
  edges: [
    {
      inputs: { pData: { shape: [2], data: [0.5, 0.5] }, pG: { shape: [2], data: [0.5, 0.5] } },
      params: {},
      grads: true,
      label: 'closed form: p_g = p_data gives −log 4',
    },
    {
      inputs: { pData: { shape: [2], data: [1, 0] }, pG: { shape: [2], data: [0, 1] } },
      params: {},
      grads: false,
      label: 'closed form: disjoint supports give 0',
    },
  ],
  secondOrder: true,
  invariants: [
    invariant('Theorem 1: C(G) = −log 4 + 2·JSD(p_data ‖ p_g)', distributionPair(1, 12, true), ([a, b]) => {
      const pd = asDistributions(tf.tensor1d(a));
      const pg = asDistributions(tf.tensor1d(b));
      checkClose(
        'C(G)',
        scalar(virtualTrainingCriterion(pd, pg)),
        -LOG4 + 2 * scalar(jensenShannonDivergence(pd, pg)),
        1e-5,
        1e-6,
      );
    }),
    invariant('C(G) ≥ −log 4, with equality when p_g = p_data', distributionPair(1, 12, true), ([a, b]) => {
      checkThat(
        scalar(virtualTrainingCriterion(asDistributions(tf.tensor1d(a)), asDistributions(tf.tensor1d(b)))) >=
          f32(-LOG4),
        'C(G) < −log 4',
      );
      checkClose(
        'C(G) at p_g = p_data',
        scalar(virtualTrainingCriterion(asDistributions(tf.tensor1d(a)), asDistributions(tf.tensor1d(a)))),
        -LOG4,
        1e-6,
        0,
      );
    }),
    invariant('disjoint supports give C(G) = −log 4 + 2 log 2 = 0', disjointPair, ([a, b]) => {
      checkClose(
        'C(G)',
        scalar(virtualTrainingCriterion(asDistributions(tf.tensor1d(a)), asDistributions(tf.tensor1d(b)))),
        0,
        0,
        1e-6,
      );
    }),
    invariant(
      'C(G) = V(D*, G) ≥ V(D, G) for any other discriminator D',
      fc
        .integer({ min: 1, max: 10 })
        .chain((k) =>
          fc.tuple(
            distribution(k, true),
            distribution(k, true),
            fc.array(uniform(0.001, 0.999), { minLength: k, maxLength: k }),
          ),
        ),
      ([pd, pg, other]) => {
        const c = scalar(virtualTrainingCriterion(asDistributions(tf.tensor1d(pd)), asDistributions(tf.tensor1d(pg))));
        checkThat(c >= value64(pd, pg, other) - 1e-5, `C(G) = ${c} < V(D, G) = ${value64(pd, pg, other)}`);
      },
    ),
  ],
  errors: distributionPairErrors(PAIR, (a, b) => virtualTrainingCriterion(asDistributions(a), asDistributions(b))),
  benchmark: () =>
    benchCase({
      pData: distributionsArray(BENCH.batch, BENCH.categories, 1),
      pG: distributionsArray(BENCH.batch, BENCH.categories, 2),
    }),
});
