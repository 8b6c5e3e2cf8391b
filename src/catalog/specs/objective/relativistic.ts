import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, criticScore, uniform, vector, weight } from '../../arbitraries.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { softplus64, sum64, sumAbs64 } from '../../reference64.js';
import {
  benchCritic,
  CRITIC_NAMES,
  edge,
  finiteInvariant,
  type Loss2,
  lossOptions,
  reductionInvariants,
  twoBatchErrors,
  bareCallInvariant,
  type RawDiscriminator,
  type RawGenerator,
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

/** Which batches carry weights: none, both, or one of the two (the other's then count as 1). */
type Weighted = 'neither' | 'both' | 'real' | 'fake';
const WEIGHTED: readonly Weighted[] = ['neither', 'both', 'real', 'fake'];

/**
 * Relativistic cases: the standard variant pairs samples, so its batches (and 'none') have n = m.
 * Weights on one batch only are drawn too: for RSGAN the pair weight is then that batch's weight
 * (the missing batch's weights count as 1), for RaSGAN the other batch's inner mean is plain.
 */
const relativisticCases: fc.Arbitrary<Case> = fc
  .record({
    variant: fc.constantFrom<RelativisticVariant>('standard', 'average'),
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
    n: fc.integer({ min: 1, max: 16 }),
    m: fc.integer({ min: 1, max: 16 }),
    weighted: fc.constantFrom(...WEIGHTED),
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
        if (weighted === 'both' || weighted === 'real') inputs.weightsReal = vector(wr);
        if (weighted === 'both' || weighted === 'fake') inputs.weightsFake = vector(wf);
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

const rawD: RawDiscriminator = (r, f, o) =>
  relativisticDiscriminatorLoss(asCriticScores(r), asCriticScores(f), o as never);
const rawG: RawGenerator = (f, o) =>
  relativisticGeneratorLoss(asCriticScores(tf.fill([f.size], 0.5)), asCriticScores(f), o as never);

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
    bareCallInvariant(criticScore, rawD, rawG, {
      discriminator: { reduction: 'mean', variant: 'standard' },
      generator: { reduction: 'mean', variant: 'standard' },
    }),
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
    // Every term is a softplus ≥ 0 and every weight ≥ 0, so the float32 sums Σ w·ℓ and Σ w carry
    // a relative error ≤ n·ε (n ≤ 12, ε = 6e-8: 7e-7) each, and an inner mean's rounding, ≤ n·ε·15
    // in the softplus argument, moves ℓ by at most that times σ ≤ ℓ's own scale: the unweighted
    // bound 1e-5 relative holds with weights, on one batch or both.
    invariant(
      'equals the float64 RSGAN / RaSGAN formulas, unweighted and weighted (on both batches or one: the missing weights count as 1)',
      relativisticBatches(uniform(-15, 15)).chain(([variant, r, f]) =>
        fc.tuple(
          fc.constant(variant),
          fc.constant(r),
          fc.constant(f),
          fc.constantFrom(...WEIGHTED),
          batch(weight, r.length, r.length),
          batch(weight, f.length, f.length),
        ),
      ),
      ([variant, r, f, weighted, wrDrawn, wfDrawn]) => {
        const wr = weighted === 'both' || weighted === 'real' ? wrDrawn : undefined;
        const wf = weighted === 'both' || weighted === 'fake' ? wfDrawn : undefined;
        const ones = (xs: number[], w?: number[]) => w ?? xs.map(() => 1);
        const wmean = (xs: number[], w: number[]) => sum64(xs.map((x, i) => w[i]! * x)) / sum64(w);
        let d: number;
        let g: number;
        if (variant === 'standard') {
          const w = r.map((_, i) => ones(r, wr)[i]! * ones(f, wf)[i]!);
          d = wmean(
            r.map((x, i) => softplus64(-(x - f[i]!))),
            w,
          );
          g = wmean(
            r.map((x, i) => softplus64(-(f[i]! - x))),
            w,
          );
        } else {
          const mr = wmean(r, ones(r, wr));
          const mf = wmean(f, ones(f, wf));
          d =
            wmean(
              r.map((x) => softplus64(-(x - mf))),
              ones(r, wr),
            ) +
            wmean(
              f.map((x) => softplus64(x - mr)),
              ones(f, wf),
            );
          g =
            wmean(
              f.map((x) => softplus64(-(x - mr))),
              ones(f, wf),
            ) +
            wmean(
              r.map((x) => softplus64(x - mf)),
              ones(r, wr),
            );
        }
        const o = {
          ...(wr ? { weightsReal: t1(wr) } : {}),
          ...(wf ? { weightsFake: t1(wf) } : {}),
        };
        const what = `${variant}, weights on ${weighted}`;
        checkClose(`${what}: discriminator`, scalar(rD(variant)(t1(r), t1(f), o)), d, 1e-5, 1e-6);
        checkClose(`${what}: generator`, scalar(rG(variant)(t1(r), t1(f), o)), g, 1e-5, 1e-6);
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
      { refuseZeroWeights: ['average discriminator', 'average generator'] },
    ),
  ],
  errors: [
    ...twoBatchErrors(CRITIC_NAMES, rawD, rawG),
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
      name: "all-zero weightsReal alone under 'mean' for the standard variant (Σ wr·1 = 0)",
      call: () =>
        relativisticDiscriminatorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0, 1])), {
          weightsReal: asWeights(t1([0, 0])),
        }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: "all-zero weightsReal beside positive weightsFake under 'mean' (the all-zero batch is named)",
      call: () =>
        relativisticGeneratorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0, 1])), {
          weightsReal: asWeights(t1([0, 0])),
          weightsFake: asWeights(t1([1, 1])),
        }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
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
    {
      name: "unequal batches under 'none' for the average variant (RaSGAN adds the two vectors)",
      call: () =>
        relativisticDiscriminatorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0])), {
          variant: 'average',
          reduction: 'none',
        }),
      error: 'InvalidArgumentError',
      argument: 'criticFake',
    },
    {
      name: "all-zero weightsFake for the average variant's inner mean, even under 'sum'",
      call: () =>
        relativisticGeneratorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0, 3, 1])), {
          variant: 'average',
          reduction: 'sum',
          weightsFake: asWeights(t1([0, 0, 0])),
        }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: 'negative weights on the real batch only, [2, −1], for the standard variant',
      call: () =>
        relativisticGeneratorLoss(asCriticScores(t1([1, 2])), asCriticScores(t1([0, 3])), {
          reduction: 'sum',
          weightsReal: asWeights(t1([2, -1])),
        }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
  ],
  benchmark: benchCritic({ variant: 'average' }),
});
