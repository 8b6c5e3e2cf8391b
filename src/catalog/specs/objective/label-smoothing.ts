import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, distribution, EDGE_LOGITS, f32, logit, moderateLogit, uniform } from '../../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64, sigmoid64 } from '../../reference64.js';
import {
  edge,
  finiteInvariant,
  LOGIT_NAMES,
  type Loss2,
  lossOptions,
  reductionInvariants,
  twoBatchCases,
  twoBatchErrors,
  bareCallInvariant,
  type RawDiscriminator,
  type RawGenerator,
  logitBatchInputs,
  withParams,
} from '../../templates/two-batch.js';
import { gradValues, t1 } from '../../tensors.js';
import type { Spec } from '../../types.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../../objectives/index.js';
import {
  LABEL_SMOOTHING_ID,
  labelSmoothingDiscriminatorLoss,
  labelSmoothingGeneratorLoss,
} from '../../../objectives/label-smoothing.js';
import { asLogits, asWeights } from '../../../types.js';

const alphaArb: fc.Arbitrary<number> = fc
  .oneof(fc.constant(0.9), fc.constant(1), uniform(0.5, 1), uniform(0.01, 1))
  .filter((a) => a > 0);

const lsmD =
  (alpha?: number): Loss2 =>
  (r, f, o) =>
    labelSmoothingDiscriminatorLoss(asLogits(r), asLogits(f), { ...o, alpha } as never);

const lsmG: Loss2 = (_r, f, o) =>
  labelSmoothingGeneratorLoss(asLogits(f), { reduction: o?.reduction, weightsFake: o?.weightsFake as never });

const logitOf = (p: number) => Math.log(p) - Math.log1p(-p);

const rawD: RawDiscriminator = (r, f, o) => labelSmoothingDiscriminatorLoss(asLogits(r), asLogits(f), o as never);
const rawG: RawGenerator = (f, o) => labelSmoothingGeneratorLoss(asLogits(f), o as never);

export const labelSmoothing: Spec = defineSpec({
  id: LABEL_SMOOTHING_ID,
  title: 'One-sided label smoothing',
  reference: 'Salimans et al. 2016, Improved Techniques for Training GANs, §3.4',
  section: 'objectives',
  inputs: logitBatchInputs('discriminator logits'),
  params: {
    reduction: REDUCTION_PARAM,
    alpha: {
      doc: 'the target for real data, in (0, 1]; fakes keep 0 (TF-GAN label_smoothing s = 2(1 − α))',
      default: 0.9,
    },
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const o = lossOptions(x, p);
    return {
      discriminator: labelSmoothingDiscriminatorLoss(x.logitsReal, x.logitsFake, { ...o, alpha: p.alpha }),
      generator: labelSmoothingGeneratorLoss(x.logitsFake, { reduction: o.reduction, weightsFake: o.weightsFake }),
    };
  },
  sample: withParams(
    twoBatchCases(LOGIT_NAMES, logit),
    alphaArb.map((alpha) => ({ alpha })),
  ),
  edges: [
    edge(LOGIT_NAMES, EDGE_LOGITS, [...EDGE_LOGITS].reverse(), 'edge: extreme logits ±1e4, ±104, ±88.7, ±20, ±0'),
    edge(LOGIT_NAMES, [1e4, -1e4, 30], [1e4, -1e4, 30], "edge: ±1e4 with α close to 1, 'none'", {
      alpha: f32(0.999),
      reduction: 'none',
    }),
    edge(LOGIT_NAMES, [0], [0], 'closed form: D = ½ gives 2·log 2 for every α', { alpha: 0.5 }),
    edge(LOGIT_NAMES, [2, -1], [0.5, 3], 'closed form: α = 1 is the non-saturating loss', { alpha: 1 }),
  ],
  secondOrder: true,
  invariants: [
    bareCallInvariant(logit, rawD, rawG, { discriminator: { reduction: 'mean', alpha: 0.9 } }),
    finiteInvariant(
      {
        discriminator: lsmD(),
        'α = 0.01 discriminator': lsmD(f32(0.01)),
        'α = 1 discriminator': lsmD(1),
        generator: lsmG,
      },
      logit,
      false,
    ),
    invariant(
      'equals −E[α·log D_r + (1 − α)·log(1 − D_r)] − E[log(1 − D_f)] in float64, with gradient (σ(l_r) − α)/n',
      fc.tuple(batch(moderateLogit), batch(moderateLogit), alphaArb),
      ([r, f, alpha]) => {
        const d =
          mean64(r.map((l) => -alpha * Math.log(sigmoid64(l)) - (1 - alpha) * Math.log(1 - sigmoid64(l)))) +
          mean64(f.map((l) => -Math.log(1 - sigmoid64(l))));
        checkClose('discriminator', scalar(lsmD(alpha)(t1(r), t1(f))), d, 1e-5, 1e-6);
        checkAllClose(
          'd/dl_r',
          gradValues((x) => lsmD(alpha)(x, t1(f)), r),
          r.map((l) => (sigmoid64(l) - alpha) / r.length),
          1e-5,
          1e-7,
        );
      },
    ),
    invariant(
      'α = 1 equals the non-saturating discriminator loss; the generator loss is the non-saturating one for every α',
      fc.tuple(batch(logit), batch(logit)),
      ([r, f]) => {
        checkClose(
          'α = 1',
          scalar(lsmD(1)(t1(r), t1(f))),
          scalar(nonSaturatingDiscriminatorLoss(asLogits(t1(r)), asLogits(t1(f)))),
          1e-7,
          0,
        );
        checkClose(
          'generator',
          scalar(lsmG(t1(r), t1(f))),
          scalar(nonSaturatingGeneratorLoss(asLogits(t1(f)))),
          1e-7,
          0,
        );
      },
    ),
    invariant(
      'the optimal discriminator moves to D* = α·p_d/(p_d + p_g): zero gradient at logit(D*), and D* minimises the pointwise loss p_d·[α·softplus(−l) + (1 − α)·softplus(l)] + p_g·softplus(l) over a grid of D = σ(l)',
      fc.integer({ min: 1, max: 6 }).chain((k) => fc.tuple(distribution(k), distribution(k), alphaArb)),
      ([pd, pg, alpha]) => {
        const dStar = pd.map((x, i) => (alpha * x) / (x + pg[i]!));
        const lStar = dStar.map((d) => f32(logitOf(d)));
        const opts = {
          alpha,
          reduction: 'none' as const,
          weightsReal: asWeights(t1(pd)),
          weightsFake: asWeights(t1(pg)),
        };
        const grad = gradValues((x) => labelSmoothingDiscriminatorLoss(asLogits(x), asLogits(x), opts), lStar);
        grad.forEach((g, i) =>
          checkThat(
            Math.abs(g) <= 2e-6 * (pd[i]! + pg[i]!),
            `gradient ${g} at l* = ${lStar[i]} (D* = ${dStar[i]}, p_d = ${pd[i]}, p_g = ${pg[i]}, α = ${alpha})`,
          ),
        );
        // The loss is convex in D, so its minimum over the grid D = j/N lies within one step of D*.
        const N = 400;
        const grid = [...Array(N - 1).keys()].map((j) => f32(logitOf((j + 1) / N)));
        pd.forEach((x, i) => {
          const pointwise = values(
            labelSmoothingDiscriminatorLoss(asLogits(t1(grid)), asLogits(t1(grid)), {
              alpha,
              reduction: 'none',
              weightsReal: asWeights(tf.fill([grid.length], x)),
              weightsFake: asWeights(tf.fill([grid.length], pg[i]!)),
            }),
          );
          const best = pointwise.indexOf(Math.min(...pointwise));
          const dBest = sigmoid64(grid[best]!);
          checkThat(
            Math.abs(dBest - dStar[i]!) <= 1 / N + 1e-6,
            `grid minimiser D = ${dBest}, expected α·p_d/(p_d + p_g) = ${dStar[i]} (p_d = ${x}, p_g = ${pg[i]}, α = ${alpha})`,
          );
        });
      },
      50,
    ),
    invariant(
      'smoothing costs the discriminator at confident real logits: for l_r > 0 the loss rises as α falls',
      fc.tuple(batch(uniform(0.1, 15)), batch(moderateLogit), uniform(0.05, 0.95)),
      ([r, f, alpha]) => {
        const smooth = scalar(lsmD(alpha)(t1(r), t1(f)));
        const plain = scalar(lsmD(1)(t1(r), t1(f)));
        checkThat(smooth > plain, `α = ${alpha} gives ${smooth} ≤ the unsmoothed ${plain}`);
      },
    ),
    reductionInvariants({ discriminator: lsmD(f32(0.8)), generator: lsmG }, uniform(-20, 20)),
  ],
  errors: [
    ...twoBatchErrors(LOGIT_NAMES, rawD, rawG),
    {
      name: 'alpha = 0',
      call: () => labelSmoothingDiscriminatorLoss(asLogits(t1([1])), asLogits(t1([0])), { alpha: 0 }),
      error: 'InvalidParameterError',
      argument: 'alpha',
    },
    {
      name: 'alpha = 1.5',
      call: () => labelSmoothingDiscriminatorLoss(asLogits(t1([1])), asLogits(t1([0])), { alpha: 1.5 }),
      error: 'InvalidParameterError',
      argument: 'alpha',
    },
    {
      name: 'alpha = NaN',
      call: () => labelSmoothingDiscriminatorLoss(asLogits(t1([1])), asLogits(t1([0])), { alpha: NaN }),
      error: 'InvalidParameterError',
      argument: 'alpha',
    },
    {
      name: 'alpha given to the generator loss',
      call: () => labelSmoothingGeneratorLoss(asLogits(t1([1])), { alpha: 0.9 } as never),
      error: 'InvalidParameterError',
      argument: 'alpha',
    },
  ],
  benchmark: () =>
    benchCase(
      { logitsReal: uniformArray([BENCH.batch], -8, 8, 1), logitsFake: uniformArray([BENCH.batch], -8, 8, 2) },
      { reduction: 'mean' },
    ),
});
