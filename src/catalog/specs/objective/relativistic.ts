import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, criticScore, uniform, vector, weight } from '../../arbitraries.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { mean64, softplus64, sum64, sumAbs64 } from '../../reference64.js';
import {
  benchCritic,
  CRITIC_NAMES,
  edge,
  finiteInvariant,
  type Loss2,
  lossOptions,
  reductionInvariants,
  twoBatchErrors,
  criticBatchInputs,
} from '../../templates/two-batch.js';
import { gradValues, t1 } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import {
  RELATIVISTIC_ID,
  relativisticDiscriminatorLoss,
  relativisticGeneratorLoss,
  type RelativisticVariant,
} from '../../../objectives/relativistic.js';
import { asCriticScores, asWeights, type Reduction } from '../../../types.js';

const VARIANTS: readonly RelativisticVariant[] = ['standard', 'average'];

const rD =
  (variant: RelativisticVariant): Loss2 =>
  (r, f, o) =>
    relativisticDiscriminatorLoss(asCriticScores(r), asCriticScores(f), { ...o, variant } as never);

const rG =
  (variant: RelativisticVariant): Loss2 =>
  (r, f, o) =>
    relativisticGeneratorLoss(asCriticScores(r), asCriticScores(f), { ...o, variant } as never);

/** Relativistic cases: the standard variant pairs samples, so its batches (and 'none') have n = m. */
const relativisticCases: fc.Arbitrary<Case> = fc
  .record({
    variant: fc.constantFrom<RelativisticVariant>('standard', 'average'),
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
    n: fc.integer({ min: 1, max: 16 }),
    m: fc.integer({ min: 1, max: 16 }),
    weighted: fc.boolean(),
  })
  .chain(({ variant, reduction, n, m, weighted }) => {
    const k = variant === 'standard' || reduction === 'none' ? n : m;
    return fc
      .record({
        r: batch(criticScore, n, n),
        f: batch(criticScore, k, k),
        wr: batch(weight, n, n),
        wf: batch(weight, k, k),
      })
      .map(({ r, f, wr, wf }): Case => {
        const inputs: Record<string, NDArray> = { criticReal: vector(r), criticFake: vector(f) };
        if (weighted) {
          inputs.weightsReal = vector(wr);
          inputs.weightsFake = vector(wf);
        }
        return { inputs, params: { reduction, variant }, grads: true };
      });
  });

/** Values on a 2⁻¹⁰ grid within ±10 and integer shifts within ±100: every C + k is exact in float32. */
const gridScore = fc.integer({ min: -10240, max: 10240 }).map((i) => i / 1024);

/** A pair of batches, equal in length for the standard variant. */
const relativisticBatches = (score: fc.Arbitrary<number>) =>
  fc
    .constantFrom(...VARIANTS)
    .chain((variant) =>
      fc
        .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }))
        .chain(([n, m]) =>
          fc.tuple(
            fc.constant(variant),
            batch(score, n, n),
            batch(score, variant === 'standard' ? n : m, variant === 'standard' ? n : m),
          ),
        ),
    );

export const relativistic: Spec = defineSpec({
  id: RELATIVISTIC_ID,
  title: 'Relativistic GAN (RSGAN, RaSGAN)',
  reference:
    'Jolicoeur-Martineau 2018, The relativistic discriminator: a key element missing from standard GAN, §4 (RSGAN; RaSGAN)',
  section: 'objectives',
  inputs: criticBatchInputs('raw critic outputs C (before any sigmoid)'),
  params: {
    reduction: REDUCTION_PARAM,
    variant: choice(
      "'standard' (RSGAN: paired samples, n = m) or 'average' (RaSGAN: each against the other batch's mean)",
      'standard',
      VARIANTS,
    ),
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = { ...lossOptions(x, p), variant: p.variant };
    return {
      discriminator: relativisticDiscriminatorLoss(x.criticReal, x.criticFake, o),
      generator: relativisticGeneratorLoss(x.criticReal, x.criticFake, o),
    };
  },
  sample: relativisticCases,
  edges: [
    edge(CRITIC_NAMES, [1e4, -1e4, 0, 104], [-1e4, 1e4, 0, -104], 'edge: ±1e4 paired scores'),
    edge(CRITIC_NAMES, [1e4, -1e4, 5], [-1e4, 1e4, 1e4, 0], 'edge: ±1e4 scores, average', { variant: 'average' }),
    edge(CRITIC_NAMES, [2, 2, 2], [2, 2, 2], "closed form: equal critics give log 2 (standard), 'none'", {
      reduction: 'none',
    }),
    edge(CRITIC_NAMES, [-3, -3], [-3, -3, -3], 'closed form: equal critics give 2·log 2 (average)', {
      variant: 'average',
    }),
  ],
  secondOrder: true,
  invariants: [
    finiteInvariant(
      {
        'standard discriminator': rD('standard'),
        'standard generator': rG('standard'),
        'average discriminator': rD('average'),
        'average generator': rG('average'),
      },
      criticScore,
      true,
    ),
    invariant(
      'equals the float64 RSGAN / RaSGAN formulas',
      relativisticBatches(uniform(-15, 15)),
      ([variant, r, f]) => {
        let d: number;
        let g: number;
        if (variant === 'standard') {
          d = mean64(r.map((x, i) => softplus64(-(x - f[i]!))));
          g = mean64(r.map((x, i) => softplus64(-(f[i]! - x))));
        } else {
          const mr = mean64(r);
          const mf = mean64(f);
          d = mean64(r.map((x) => softplus64(-(x - mf)))) + mean64(f.map((x) => softplus64(x - mr)));
          g = mean64(f.map((x) => softplus64(-(x - mr)))) + mean64(r.map((x) => softplus64(x - mf)));
        }
        checkClose(`${variant} discriminator`, scalar(rD(variant)(t1(r), t1(f))), d, 1e-5, 1e-6);
        checkClose(`${variant} generator`, scalar(rG(variant)(t1(r), t1(f))), g, 1e-5, 1e-6);
      },
    ),
    invariant(
      'invariant to adding a constant to the critic (both variants, both losses)',
      fc.tuple(relativisticBatches(gridScore), fc.integer({ min: -100, max: 100 })),
      ([[variant, r, f], k]) => {
        for (const [name, h] of [
          ['discriminator', rD(variant)],
          ['generator', rG(variant)],
        ] as const) {
          const base = scalar(h(t1(r), t1(f)));
          const shifted = scalar(h(t1(r.map((x) => x + k)), t1(f.map((x) => x + k))));
          checkClose(`${variant} ${name} shifted by ${k}`, shifted, base, 2e-6, 1e-6);
        }
      },
    ),
    invariant(
      'the gradients sum to 0 over both batches (shift invariance, infinitesimally)',
      relativisticBatches(criticScore),
      ([variant, r, f]) => {
        for (const [name, h] of [
          ['discriminator', rD(variant)],
          ['generator', rG(variant)],
        ] as const) {
          const g = [...gradValues((x) => h(x, t1(f)), r), ...gradValues((x) => h(t1(r), x), f)];
          checkClose(`${variant} ${name}: Σ gradients`, sum64(g), 0, 0, 1e-6 * (1 + sumAbs64(g)));
        }
      },
    ),
    invariant(
      'the generator loss is the discriminator loss with real and fake swapped (weights too)',
      relativisticBatches(criticScore).chain(([v, r, f]) =>
        fc.tuple(
          fc.constant(v),
          fc.constant(r),
          fc.constant(f),
          batch(weight, r.length, r.length),
          batch(weight, f.length, f.length),
        ),
      ),
      ([variant, r, f, wr, wf]) => {
        const g = scalar(
          relativisticGeneratorLoss(asCriticScores(t1(r)), asCriticScores(t1(f)), {
            variant,
            weightsReal: asWeights(t1(wr)),
            weightsFake: asWeights(t1(wf)),
          }),
        );
        const d = scalar(
          relativisticDiscriminatorLoss(asCriticScores(t1(f)), asCriticScores(t1(r)), {
            variant,
            weightsReal: asWeights(t1(wf)),
            weightsFake: asWeights(t1(wr)),
          }),
        );
        checkThat(g === d, `${variant}: generator ${g} ≠ swapped discriminator ${d}`);
      },
    ),
    invariant(
      'RSGAN pairs samples (n = m): permuting the pairs changes nothing, and with one pair RaSGAN = 2·RSGAN',
      fc
        .integer({ min: 1, max: 12 })
        .chain((n) =>
          fc.tuple(
            batch(criticScore, n, n),
            batch(criticScore, n, n),
            fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
          ),
        ),
      ([r, f, perm]) => {
        for (const [name, h] of [
          ['discriminator', rD],
          ['generator', rG],
        ] as const) {
          const base = scalar(h('standard')(t1(r), t1(f)));
          const permuted = scalar(h('standard')(t1(perm.map((i) => r[i]!)), t1(perm.map((i) => f[i]!))));
          checkClose(`${name}: permuted pairs`, permuted, base, 1e-5, 1e-6);
          const one = [t1([r[0]!]), t1([f[0]!])] as const;
          checkClose(`${name}: one pair`, scalar(h('average')(...one)), 2 * scalar(h('standard')(...one)), 1e-6, 1e-7);
        }
      },
    ),
    reductionInvariants(
      {
        'standard discriminator': rD('standard'),
        'standard generator': rG('standard'),
        'average discriminator': rD('average'),
        'average generator': rG('average'),
      },
      uniform(-10, 10),
    ),
  ],
  errors: [
    ...twoBatchErrors(
      CRITIC_NAMES,
      (r, f, o) => relativisticDiscriminatorLoss(asCriticScores(r), asCriticScores(f), o as never),
      (f, o) => relativisticGeneratorLoss(asCriticScores(tf.fill([f.size], 0.5)), asCriticScores(f), o as never),
    ),
    {
      name: "variant 'avg'",
      call: () =>
        relativisticDiscriminatorLoss(asCriticScores(t1([1])), asCriticScores(t1([0])), { variant: 'avg' as never }),
      error: 'InvalidParameterError',
      argument: 'variant',
    },
    {
      name: 'unpaired batches (n ≠ m) for the standard variant',
      call: () => relativisticGeneratorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0]))),
      error: 'InvalidArgumentError',
      argument: 'criticFake',
    },
    {
      name: "pair weights wr·wf that sum to 0 under 'mean'",
      call: () =>
        relativisticDiscriminatorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0, 1])), {
          weightsReal: asWeights(t1([1, 0])),
          weightsFake: asWeights(t1([0, 1])),
        }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: "all-zero weights for the average variant's inner mean, even under 'sum'",
      call: () =>
        relativisticDiscriminatorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0])), {
          variant: 'average',
          reduction: 'sum',
          weightsReal: asWeights(t1([0, 0])),
        }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
  ],
  benchmark: benchCritic({ variant: 'average' }),
});
