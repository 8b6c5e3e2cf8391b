import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, uniform, vector, weight } from '../../arbitraries.js';
import { rowsOf } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { KIND, maxAbs } from '../../templates/features.js';
import { gradsOf, matrixOf, t1, t2 } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import { FEATURE_MATCHING_ID, featureMatchingLoss } from '../../../objectives/feature-matching.js';
import { asFeatures, asWeights } from '../../../types.js';

function weightedMean64(rows: number[][], w: number[] | undefined): number[] {
  const ws = w ?? rows.map(() => 1);
  const total = ws.reduce((a, b) => a + b, 0);
  return rows[0]!.map((_, j) => rows.reduce((a, r, i) => a + ws[i]! * r[j]!, 0) / total);
}

function fm64(fr: number[][], ff: number[][], wr?: number[], wf?: number[]): number {
  const a = weightedMean64(fr, wr);
  const b = weightedMean64(ff, wf);
  return a.reduce((acc, v, j) => acc + (v - b[j]!) ** 2, 0);
}

function fm(fr: number[][], ff: number[][], options: Record<string, unknown> = {}): number {
  return scalar(featureMatchingLoss(asFeatures(t2(fr)), asFeatures(t2(ff)), options as never));
}

interface FmDraw {
  fr: number[][];
  ff: number[][];
  wr: number[];
  wf: number[];
  weighted: boolean;
}

function fmDraws(of: fc.Arbitrary<number>, maxN = 10, maxD = 8, minN = 1): fc.Arbitrary<FmDraw> {
  return fc
    .record({
      n: fc.integer({ min: minN, max: maxN }),
      m: fc.integer({ min: minN, max: maxN }),
      d: fc.integer({ min: 1, max: maxD }),
    })
    .chain(({ n, m, d }) =>
      fc.record({
        fr: rowsOf(of, n, d),
        ff: rowsOf(of, m, d),
        wr: batch(weight, n, n),
        wf: batch(weight, m, m),
        weighted: fc.boolean(),
      }),
    );
}

const featureValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(-5, 5) },
  { weight: 1, arbitrary: uniform(-1e3, 1e3) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) },
);

function fmCase(fr: number[][], ff: number[][], label?: string, wr?: number[], wf?: number[]): Case {
  const inputs: Record<string, NDArray> = { featuresReal: matrixOf(fr), featuresFake: matrixOf(ff) };
  if (wr) inputs.weightsReal = vector(wr);
  if (wf) inputs.weightsFake = vector(wf);
  return { inputs, params: {}, grads: true, ...(label ? { label } : {}) };
}

/** A float32 error bound for the loss of features of magnitude ≤ s in n ≤ 10 rows and d columns:
 * each mean is off by at most ~n·ε·s (ε = 2⁻²⁴), their difference δ by twice that, and the loss
 * Σⱼ(Dⱼ + δⱼ)² − Dⱼ² by d(2|D|δ + δ²) ≤ d(4sδ + δ²); doubled for the final sum's rounding. */
function fmBound(s: number, n: number, d: number): number {
  const delta = 2 * n * 2 ** -24 * s;
  return 2 * d * (4 * s * delta + delta * delta);
}

export const featureMatching: Spec = defineSpec({
  id: FEATURE_MATCHING_ID,
  title: 'Feature matching',
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training GANs, §3.1',
  section: 'objectives',
  inputs: {
    featuresReal: {
      kind: KIND.features,
      doc: "f(x): the discriminator's intermediate activations on real data, [n, d]",
    },
    featuresFake: { kind: KIND.features, doc: 'f(G(z)) on generated data, [m, d]' },
    weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real mean, [n]' },
    weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake mean, [m]' },
  },
  params: {},
  outputs: ['generator'],
  evaluate: (x) => ({
    generator: featureMatchingLoss(x.featuresReal, x.featuresFake, {
      weightsReal: x.weightsReal ? x.weightsReal : undefined,
      weightsFake: x.weightsFake ? x.weightsFake : undefined,
    }),
  }),
  // Weighted random cases have n, m ≥ 2. Why: the Hessian of ‖μ_r − μ_f‖² in the weights of a
  // weighted mean Σ wᵢfᵢ / Σ wᵢ is a sum of terms of size T ~ |μ_r − μ_f|·|f|·|v|/(Σ w)² that
  // cancel exactly to 0 when a batch has one example (its mean does not depend on its weight);
  // float32 leaves ~ε·T there (1e-4 to 1 for these features and weights ≥ 0.05), far above the
  // hvp atol of 1e-5, while torch's float32 may cancel exactly and give no tie-break. With two or
  // more examples the true entries are of size T and the relative tolerance applies.
  sample: fc
    .boolean()
    .chain((weighted) =>
      weighted
        ? fmDraws(featureValue, 10, 8, 2).map((c) => fmCase(c.fr, c.ff, undefined, c.wr, c.wf))
        : fmDraws(featureValue).map((c) => fmCase(c.fr, c.ff)),
    ),
  edges: [
    fmCase(
      [
        [1, 2],
        [3, 4],
      ],
      [[0, 0]],
      'closed form: μ_r = (2, 3), μ_f = 0 gives 13',
    ),
    fmCase(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [5, 6],
        [1, 2],
        [3, 4],
      ],
      'closed form: a permuted batch gives 0',
    ),
    fmCase(
      [[1e4, -1e4]],
      [
        [-1e4, 1e4],
        [1e4, 1e4],
      ],
      'edge: features at ±1e4 give 5e8',
    ),
    fmCase(
      [
        [1, 0],
        [0, 1],
      ],
      [[2, 2]],
      'closed form: weights (3, 1) give μ_r = (¾, ¼) and 1.25² + 1.75²',
      [3, 1],
      [0.5],
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      '≥ 0 and equal to ‖μ_r − μ_f‖² in float64 (weighted means with weights)',
      fmDraws(uniform(-5, 5)),
      (c) => {
        const [wr, wf] = c.weighted ? [c.wr, c.wf] : [undefined, undefined];
        const got = fm(c.fr, c.ff, { weightsReal: wr && asWeights(t1(wr)), weightsFake: wf && asWeights(t1(wf)) });
        checkThat(got >= 0, `loss ${got} < 0`);
        checkClose('loss', got, fm64(c.fr, c.ff, wr, wf), 1e-5, fmBound(5, 10, c.fr[0]!.length));
      },
    ),
    invariant(
      '0 when the batch means agree: a permuted copy of the real batch',
      fmDraws(featureValue).chain((c) =>
        fc.tuple(
          fc.constant(c.fr),
          fc.shuffledSubarray(
            c.fr.map((_, i) => i),
            { minLength: c.fr.length, maxLength: c.fr.length },
          ),
        ),
      ),
      ([fr, perm]) => {
        // Σⱼ δⱼ² with δ the float32 error of a difference of two means of the same numbers (≤ 2n·ε·s).
        const delta = 2 * fr.length * 2 ** -24 * maxAbs(...fr);
        checkClose(
          'loss',
          fm(
            fr,
            perm.map((i) => fr[i]!),
          ),
          0,
          0,
          2 * fr[0]!.length * delta * delta,
        );
      },
    ),
    invariant(
      'a common translation of both feature sets leaves it unchanged',
      fc.tuple(fmDraws(uniform(-5, 5)), batch(uniform(-100, 100), 8, 8)),
      ([c, shift]) => {
        const move = (rows: number[][]) => rows.map((r) => r.map((v, j) => f32(v + shift[j]!)));
        // Error analysis: each shifted input is rounded to float32 (≤ ½ulp ≤ 105·2⁻²⁴), which moves each
        // mean by as much; each mean's own rounding adds ≤ n·105·2⁻²⁴. So every component of μ_r − μ_f
        // is off by δ ≤ (2 + 2n)·105·2⁻²⁴, and the loss by ≤ d(2|D|δ + δ²) with |D| ≤ 10; doubled for its sum.
        const d = c.fr[0]!.length;
        const delta = (2 + 2 * 10) * 105 * 2 ** -24;
        checkClose(
          'shifted loss',
          fm(move(c.fr), move(c.ff)),
          fm64(c.fr, c.ff),
          1e-5,
          2 * d * (2 * 10 * delta + delta * delta),
        );
      },
    ),
    invariant(
      'scaling both feature sets by s = 2^k multiplies it by s² exactly',
      fc.tuple(fmDraws(featureValue), fc.integer({ min: -6, max: 6 })),
      ([c, k]) => {
        const s = 2 ** k;
        const scaled = fm(
          c.fr.map((r) => r.map((v) => v * s)),
          c.ff.map((r) => r.map((v) => v * s)),
        );
        checkThat(
          scaled === s * s * fm(c.fr, c.ff),
          `L(${s}·f) = ${scaled} ≠ ${s * s}·L(f) = ${s * s * fm(c.fr, c.ff)}`,
        );
      },
    ),
    invariant(
      'gradient in the fake features is −2(μ_r − μ_f)/m in every row, and +2(μ_r − μ_f)/n in the real ones',
      fmDraws(uniform(-5, 5)),
      (c) => {
        const mr = weightedMean64(c.fr, undefined);
        const mf = weightedMean64(c.ff, undefined);
        const [gr, gf] = gradsOf((a, b) => featureMatchingLoss(asFeatures(a!), asFeatures(b!)), [t2(c.fr), t2(c.ff)]);
        const atol = 1e-5 * (1 + Math.max(...mr.map(Math.abs), ...mf.map(Math.abs)));
        checkAllClose(
          'd/df_fake',
          gf!,
          c.ff.flatMap(() => mr.map((v, j) => (-2 * (v - mf[j]!)) / c.ff.length)),
          1e-4,
          atol,
        );
        checkAllClose(
          'd/df_real',
          gr!,
          c.fr.flatMap(() => mr.map((v, j) => (2 * (v - mf[j]!)) / c.fr.length)),
          1e-4,
          atol,
        );
      },
    ),
    invariant(
      'symmetric: swapping real and fake (with their weights) gives the same value',
      fmDraws(featureValue),
      (c) => {
        const [wr, wf] = c.weighted ? [asWeights(t1(c.wr)), asWeights(t1(c.wf))] : [undefined, undefined];
        checkThat(
          fm(c.fr, c.ff, { weightsReal: wr, weightsFake: wf }) === fm(c.ff, c.fr, { weightsReal: wf, weightsFake: wr }),
          'L(real, fake) ≠ L(fake, real)',
        );
      },
    ),
    invariant(
      'unit weights change nothing; integer weights equal repeating rows',
      fc.tuple(fmDraws(uniform(-5, 5)), batch(fc.integer({ min: 1, max: 3 }), 10, 10)),
      ([c, reps]) => {
        const ones = asWeights(t1(c.fr.map(() => 1)));
        checkClose(
          'unit weights',
          fm(c.fr, c.ff, { weightsReal: ones }),
          fm(c.fr, c.ff),
          1e-5,
          fmBound(5, 10, c.fr[0]!.length),
        );
        const w = c.fr.map((_, i) => reps[i]!);
        const repeated = c.fr.flatMap((r, i) => Array.from({ length: w[i]! }, () => r));
        checkClose(
          'integer weights',
          fm(c.fr, c.ff, { weightsReal: asWeights(t1(w)) }),
          fm(repeated, c.ff),
          1e-5,
          fmBound(5, 30, c.fr[0]!.length),
        );
      },
    ),
  ],
  errors: [
    {
      name: 'a plain array',
      call: () => featureMatchingLoss([[1]] as never, asFeatures(t2([[1]]))),
      error: 'InvalidArgumentError',
      argument: 'featuresReal',
    },
    {
      name: 'rank-1 features',
      call: () => featureMatchingLoss(asFeatures(t2([[1]])), asFeatures(t1([1]))),
      error: 'InvalidArgumentError',
      argument: 'featuresFake',
    },
    {
      name: 'feature widths that differ',
      call: () => fm([[1, 2]], [[1, 2, 3]]),
      error: 'InvalidArgumentError',
      argument: 'featuresFake',
    },
    { name: 'a NaN feature', call: () => fm([[NaN]], [[1]]), error: 'InvalidArgumentError', argument: 'featuresReal' },
    {
      name: 'an infinite fake feature',
      call: () => fm([[1]], [[-Infinity]]),
      error: 'InvalidArgumentError',
      argument: 'featuresFake',
    },
    {
      name: 'weights [2, −1] (one negative, a positive sum)',
      call: () => fm([[1], [2]], [[1], [3]], { weightsFake: asWeights(t1([2, -1])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: 'an infinite weight',
      call: () => fm([[1], [2]], [[1]], { weightsReal: asWeights(t1([1, Infinity])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'weights of rank 2',
      call: () => fm([[1], [2]], [[1]], { weightsReal: asWeights(t2([[1], [1]])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'int32 features',
      call: () => featureMatchingLoss(asFeatures(tf.tensor2d([[1]], [1, 1], 'int32')), asFeatures(t2([[1]]))),
      error: 'InvalidArgumentError',
      argument: 'featuresReal',
    },
    {
      name: 'weights of the wrong length',
      call: () => fm([[1], [2]], [[1]], { weightsReal: asWeights(t1([1])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'negative weights',
      call: () => fm([[1]], [[1]], { weightsFake: asWeights(t1([-1])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsFake',
    },
    {
      name: 'all-zero weights',
      call: () => fm([[1], [2]], [[1]], { weightsReal: asWeights(t1([0, 0])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'an unknown option',
      call: () => fm([[1]], [[1]], { reduction: 'sum' }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
  ],
  benchmark: () =>
    benchCase({
      featuresReal: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
      featuresFake: uniformArray([BENCH.batch, BENCH.features], -1, 1, 2),
    }),
});
