import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, uniform, vector, weight } from '../../arbitraries.js';
import { rowsOf } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { REDUCTION_PARAM } from '../../decls.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64 } from '../../reference64.js';
import { KIND, maxAbs } from '../../templates/features.js';
import { checkRepairs } from '../../registry-repair.js';
import { gradsOf, matrixOf, t1, t2 } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import {
  LOSS_SENSITIVE_ID,
  lossSensitiveDiscriminatorLoss,
  lossSensitiveGeneratorLoss,
  type LossSensitiveMargin,
} from '../../../objectives/loss-sensitive.js';
import { asSampleLosses, asSamples, asWeights, type Reduction } from '../../../types.js';

/** Δ(x_r[i], x_f[i]) in float64. */
function margin64(xr: number[][], xf: number[][], margin: LossSensitiveMargin): number[] {
  return xr.map((row, i) => {
    const d = row.map((v, j) => v - xf[i]![j]!);
    return margin === 'l1' ? d.reduce((a, b) => a + Math.abs(b), 0) : Math.sqrt(d.reduce((a, b) => a + b * b, 0));
  });
}

/** The per-pair discriminator terms L_r + λ(Δ + L_r − L_f)₊ in float64. */
function lsTerms64(
  lr: number[],
  lf: number[],
  xr: number[][],
  xf: number[][],
  lambda: number,
  margin: LossSensitiveMargin,
): number[] {
  const delta = margin64(xr, xf, margin);
  return lr.map((l, i) => l + lambda * Math.max(0, delta[i]! + l - lf[i]!));
}

/** reduce() in float64. */
function reduce64(terms: number[], w: number[] | undefined, reduction: Reduction): number[] {
  const weighted = terms.map((t, i) => t * (w ? w[i]! : 1));
  const sum = weighted.reduce((a, b) => a + b, 0);
  if (reduction === 'none') return weighted;
  if (reduction === 'sum') return [sum];
  return [w ? sum / w.reduce((a, b) => a + b, 0) : sum / terms.length];
}

/** No pair sits at a kink: the hinge argument and (ℓ1) every coordinate difference, or (ℓ2) the distance, are clearly nonzero. */
function lsAwayFromKinks(
  lr: number[],
  lf: number[],
  xr: number[][],
  xf: number[][],
  margin: LossSensitiveMargin,
): boolean {
  const delta = margin64(xr, xf, margin);
  return lr.every((l, i) => {
    const scale = 1 + Math.abs(l) + Math.abs(lf[i]!) + delta[i]!;
    const hingeOk = Math.abs(delta[i]! + l - lf[i]!) > 1e-3 * scale;
    const marginOk =
      margin === 'l1' ? xr[i]!.every((v, j) => Math.abs(v - xf[i]![j]!) > 1e-6 * (1 + Math.abs(v))) : delta[i]! > 1e-3;
    return hingeOk && marginOk;
  });
}

const lossValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(-10, 10) },
  { weight: 1, arbitrary: uniform(-1e4, 1e4) },
);

const sampleValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(-3, 3) },
  { weight: 1, arbitrary: uniform(-1e3, 1e3) },
);

interface LsDraw {
  lr: number[];
  lf: number[];
  xr: number[][];
  xf: number[][];
  w: number[];
  lambda: number;
  margin: LossSensitiveMargin;
  reduction: Reduction;
  weighted: boolean;
}

function lsDraws(loss: fc.Arbitrary<number>, sample: fc.Arbitrary<number>, maxN = 12, maxD = 6): fc.Arbitrary<LsDraw> {
  return fc
    .record({ n: fc.integer({ min: 1, max: maxN }), d: fc.integer({ min: 1, max: maxD }) })
    .chain(({ n, d }) =>
      fc.record({
        lr: batch(loss, n, n),
        lf: batch(loss, n, n),
        xr: rowsOf(sample, n, d),
        xf: rowsOf(sample, n, d),
        w: batch(weight, n, n),
        lambda: fc.oneof(fc.constantFrom(0, 1), uniform(0, 10)),
        margin: fc.constantFrom<LossSensitiveMargin>('l1', 'l2'),
        reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
        weighted: fc.boolean(),
      }),
    )
    .filter((c) => lsAwayFromKinks(c.lr, c.lf, c.xr, c.xf, c.margin));
}

function lsCase(
  c: {
    lr: number[];
    lf: number[];
    xr: number[][];
    xf: number[][];
    w?: number[];
    lambda: number;
    margin: LossSensitiveMargin;
    reduction?: Reduction;
  },
  label?: string,
  grads = true,
): Case {
  const inputs: Record<string, NDArray> = {
    lossReal: vector(c.lr),
    lossFake: vector(c.lf),
    xReal: matrixOf(c.xr),
    xFake: matrixOf(c.xf),
  };
  if (c.w) inputs.weights = vector(c.w);
  return {
    inputs,
    params: { lambda: c.lambda, margin: c.margin, reduction: c.reduction ?? 'mean' },
    grads,
    ...(label ? { label } : {}),
  };
}

function lsDisc(
  lr: number[],
  lf: number[],
  xr: number[][],
  xf: number[][],
  options: Record<string, unknown> = {},
): tf.Tensor {
  return lossSensitiveDiscriminatorLoss(
    asSampleLosses(t1(lr)),
    asSampleLosses(t1(lf)),
    asSamples(t2(xr)),
    asSamples(t2(xf)),
    options as never,
  );
}

const LS_EXAMPLE = {
  lr: [1, 2],
  lf: [5, 2.5],
  xr: [
    [0, 0],
    [1, 1],
  ],
  xf: [
    [1, 2],
    [1, 0],
  ],
};

export const lossSensitive: Spec = defineSpec({
  id: LOSS_SENSITIVE_ID,
  title: 'Loss-sensitive GAN (LS-GAN)',
  reference:
    'Qi 2017, Loss-Sensitive Generative Adversarial Networks on Lipschitz Densities, §3 (objectives S(θ, φ*) and T(θ*, φ))',
  section: 'objectives',
  inputs: {
    lossReal: { kind: KIND.sampleLosses, doc: 'L_θ(x_r), the loss network on real samples, [n]' },
    lossFake: { kind: KIND.sampleLosses, doc: 'L_θ(G(z)), the loss network on generated samples, [n]' },
    xReal: { kind: KIND.samples, doc: 'real samples x_r, [n, d] (for the margin Δ)' },
    xFake: { kind: KIND.samples, doc: 'generated samples G(z), [n, d], paired row by row with xReal' },
    weights: {
      kind: 'weights',
      optional: true,
      doc: 'per-pair weights, [n] (the generator loss uses them as weightsFake)',
    },
  },
  params: {
    lambda: { doc: 'λ ≥ 0, the weight of the margin (hinge) term', default: 1 },
    margin: choice("Δ: 'l1' Σ|x_r − x_f| or 'l2' ‖x_r − x_f‖₂ per pair", 'l1', ['l1', 'l2']),
    reduction: REDUCTION_PARAM,
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const reduction = p.reduction;
    const weights = x.weights ? x.weights : undefined;
    return {
      discriminator: lossSensitiveDiscriminatorLoss(x.lossReal, x.lossFake, x.xReal, x.xFake, {
        lambda: p.lambda,
        margin: p.margin,
        reduction,
        weights,
      }),
      generator: lossSensitiveGeneratorLoss(x.lossFake, { reduction, weightsFake: weights }),
    };
  },
  // Weighted random cases use 'sum' or 'none', never a weighted 'mean'. Why: the Hessian of
  // Σ wᵢℓᵢ / Σ wᵢ in the weights is a difference of terms of size T = |ℓ|·|v|/(Σ w)² that cancel
  // (exactly, to 0, when n = 1), so any float32 evaluation leaves an absolute error ~ε·T: with
  // |ℓ| up to ~1e5 (losses at 1e4, λ up to 10) and Σ w down to 0.05 that is far above the hvp
  // atol of 1e-5, while torch's float32 happens to cancel exactly and gives no tie-break. The
  // weighted mean's values and gradients are covered by the invariants (float64) and its HVPs by
  // the moderate hand-made edge below.
  sample: lsDraws(lossValue, sampleValue).map((c) =>
    lsCase({
      ...c,
      w: c.weighted ? c.w : undefined,
      reduction: c.weighted && c.reduction === 'mean' ? 'sum' : c.reduction,
    }),
  ),
  edges: [
    lsCase(
      { ...LS_EXAMPLE, lambda: 1, margin: 'l1' },
      'closed form (ℓ1): Δ = [3, 1], hinge [0, ½], S = 1.75, T = 3.75',
    ),
    lsCase({ ...LS_EXAMPLE, lambda: 1, margin: 'l2' }, 'closed form (ℓ2): Δ = [√5, 1], hinge [0, ½], S = 1.75'),
    lsCase(
      {
        lr: [1e4, -1e4],
        lf: [-1e4, 1e4],
        xr: [
          [1e4, -1e4],
          [0.5, 3],
        ],
        xf: [
          [-1e4, 1e4],
          [0.25, 3.5],
        ],
        lambda: 10,
        margin: 'l2',
      },
      'edge: losses and samples at ±1e4 (ℓ2)',
    ),
    lsCase(
      {
        lr: [1e4, -1e4],
        lf: [-1e4, 1e4],
        xr: [
          [1e4, -1e4],
          [0.5, 3],
        ],
        xf: [
          [-1e4, 1e4],
          [0.25, 3.5],
        ],
        lambda: 10,
        margin: 'l1',
        reduction: 'none',
      },
      "edge: losses and samples at ±1e4 (ℓ1, 'none')",
    ),
    lsCase(
      {
        lr: [1, -2, 3],
        lf: [0, 4, 3.5],
        xr: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        xf: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        lambda: 2,
        margin: 'l2',
      },
      'edge: Δ(x, x) = 0 (ℓ2 not differentiable there)',
      false,
    ),
    lsCase(
      {
        lr: [1, -2, 3],
        lf: [0, 4, 3.5],
        xr: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        xf: [
          [1.5, 2],
          [3, 4.25],
          [4, 6.5],
        ],
        lambda: 0,
        margin: 'l1',
        w: [1, 0.5, 2],
        reduction: 'sum',
      },
      "edge: λ = 0 with weights and 'sum'",
    ),
    lsCase(
      {
        lr: [1, -2, 3],
        lf: [0, 4, 3.5],
        xr: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        xf: [
          [1.5, 2],
          [3, 4.25],
          [4, 6.5],
        ],
        lambda: 0.5,
        margin: 'l2',
        w: [1, 0.5, 2],
      },
      "edge: weighted 'mean', moderate values (ℓ2)",
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'discriminator and generator equal E[L(x_r) + λ(Δ + L(x_r) − L(x_f))₊] and E[L(x_f)] in float64',
      lsDraws(uniform(-20, 20), uniform(-5, 5)),
      (c) => {
        const w = c.weighted ? c.w : undefined;
        const options = {
          lambda: c.lambda,
          margin: c.margin,
          reduction: c.reduction,
          weights: w ? asWeights(t1(w)) : undefined,
        };
        const scale =
          maxAbs(c.lr, c.lf) +
          c.lambda *
            (maxAbs(c.lr, c.lf) + Math.max(...margin64(c.xr, c.xf, c.margin))) *
            (c.reduction === 'sum' ? c.lr.length : 1);
        checkAllClose(
          'discriminator',
          values(lsDisc(c.lr, c.lf, c.xr, c.xf, options)),
          reduce64(lsTerms64(c.lr, c.lf, c.xr, c.xf, c.lambda, c.margin), w, c.reduction),
          1e-5,
          1e-6 * scale,
        );
        const generator = values(
          lossSensitiveGeneratorLoss(asSampleLosses(t1(c.lf)), {
            reduction: c.reduction,
            weightsFake: options.weights,
          }),
        );
        checkAllClose('generator', generator, reduce64(c.lf, w, c.reduction), 1e-5, 1e-6 * scale);
      },
    ),
    invariant(
      'the hinge vanishes once L(x_f) ≥ L(x_r) + Δ: the loss is E[L(x_r)] and ignores L(x_f) and the samples',
      fc.tuple(lsDraws(uniform(-20, 20), uniform(-5, 5)), batch(uniform(0.01, 10), 12, 12)),
      ([c, slack]) => {
        const delta = margin64(c.xr, c.xf, c.margin);
        const lf = c.lr.map((l, i) => f32(l + delta[i]! + slack[i]!));
        const options = { lambda: c.lambda, margin: c.margin };
        const [gr, gf, gxr, gxf] = gradsOf(
          (a, b, x, y) =>
            lossSensitiveDiscriminatorLoss(
              asSampleLosses(a!),
              asSampleLosses(b!),
              asSamples(x!),
              asSamples(y!),
              options,
            ),
          [t1(c.lr), t1(lf), t2(c.xr), t2(c.xf)],
        );
        checkClose('loss', scalar(lsDisc(c.lr, lf, c.xr, c.xf, options)), scalar(tf.mean(t1(c.lr))), 0, 0);
        checkAllClose(
          'd/dL(x_r)',
          gr!,
          c.lr.map(() => 1 / c.lr.length),
          1e-6,
          0,
        );
        checkThat(
          [...gf!, ...gxr!, ...gxf!].every((g) => g === 0),
          'a gradient through the inactive hinge is nonzero',
        );
      },
    ),
    invariant('λ = 0 leaves E[L(x_r)] for any samples and losses', lsDraws(lossValue, sampleValue), (c) => {
      checkClose(
        'loss',
        scalar(lsDisc(c.lr, c.lf, c.xr, c.xf, { lambda: 0, margin: c.margin })),
        scalar(tf.mean(t1(c.lr))),
        0,
        0,
      );
    }),
    invariant(
      'Δ(x, x) = 0: identical samples leave the hinge (L(x_r) − L(x_f))₊, for both margins',
      lsDraws(uniform(-20, 20), uniform(-5, 5)),
      (c) => {
        const expected = mean64(c.lr.map((l, i) => l + c.lambda * Math.max(0, l - c.lf[i]!)));
        for (const margin of ['l1', 'l2'] as const) {
          checkClose(
            `loss (${margin})`,
            scalar(lsDisc(c.lr, c.lf, c.xr, c.xr, { lambda: c.lambda, margin })),
            expected,
            1e-5,
            1e-5 * maxAbs(c.lr, c.lf) * (1 + c.lambda),
          );
        }
      },
    ),
    invariant(
      'margins are ordered as the norms: ‖·‖₂ ≤ ‖·‖₁ gives S(ℓ2) ≤ S(ℓ1), with equality in one dimension',
      lsDraws(lossValue, sampleValue),
      (c) => {
        const o = { lambda: c.lambda, reduction: c.reduction };
        const l1 = values(lsDisc(c.lr, c.lf, c.xr, c.xf, { ...o, margin: 'l1' }));
        const l2 = values(lsDisc(c.lr, c.lf, c.xr, c.xf, { ...o, margin: 'l2' }));
        const slack = 1e-6 * (maxAbs(c.lr, c.lf, ...c.xr, ...c.xf) * (1 + c.lambda) * c.lr.length);
        l2.forEach((v, i) => checkThat(v <= l1[i]! + slack, `S(ℓ2) = ${v} > S(ℓ1) = ${l1[i]}`));
        const x1 = c.xr.map((r) => [r[0]!]);
        const y1 = c.xf.map((r) => [r[0]!]);
        checkAllClose(
          'ℓ1 = ℓ2 in one dimension',
          values(lsDisc(c.lr, c.lf, x1, y1, { ...o, margin: 'l2' })),
          values(lsDisc(c.lr, c.lf, x1, y1, { ...o, margin: 'l1' })),
          1e-6,
          1e-6,
        );
      },
    ),
    invariant(
      'gradients: d/dL(x_r) = (1 + λ·[a > 0])/n, d/dL(x_f) = −λ·[a > 0]/n (a = Δ + L_r − L_f); generator 1/m',
      lsDraws(lossValue, sampleValue),
      (c) => {
        const delta = margin64(c.xr, c.xf, c.margin);
        const active = c.lr.map((l, i) => (delta[i]! + l - c.lf[i]! > 0 ? 1 : 0));
        const n = c.lr.length;
        const [gr, gf] = gradsOf(
          (a, b) =>
            lossSensitiveDiscriminatorLoss(
              asSampleLosses(a!),
              asSampleLosses(b!),
              asSamples(t2(c.xr)),
              asSamples(t2(c.xf)),
              { lambda: c.lambda, margin: c.margin },
            ),
          [t1(c.lr), t1(c.lf)],
        );
        checkAllClose(
          'd/dL(x_r)',
          gr!,
          active.map((s) => (1 + c.lambda * s) / n),
          1e-5,
          1e-7,
        );
        checkAllClose(
          'd/dL(x_f)',
          gf!,
          active.map((s) => (-c.lambda * s) / n),
          1e-5,
          1e-7,
        );
        checkAllClose(
          'generator d/dL(x_f)',
          gradsOf((b) => lossSensitiveGeneratorLoss(asSampleLosses(b!)), [t1(c.lf)])[0]!,
          c.lf.map(() => 1 / n),
          1e-6,
          0,
        );
      },
    ),
    invariant(
      "called with no options argument, the discriminator loss equals its call with {} and with λ = 1, margin 'l1', reduction 'mean' (values and gradients, bit for bit)",
      lsDraws(lossValue, sampleValue, 8, 8),
      (c) => {
        const run = (...o: object[]) => {
          const f = (a?: tf.Tensor, b?: tf.Tensor, x?: tf.Tensor, y?: tf.Tensor) =>
            lossSensitiveDiscriminatorLoss(
              asSampleLosses(a!),
              asSampleLosses(b!),
              asSamples(x!),
              asSamples(y!),
              ...(o as [never]),
            );
          const xs = [t1(c.lr), t1(c.lf), t2(c.xr), t2(c.xf)];
          return [scalar(f(...xs)), ...gradsOf(f, xs).flat()];
        };
        const bare = run();
        for (const o of [{}, { lambda: 1, margin: 'l1', reduction: 'mean' }]) {
          const other = run(o);
          checkThat(
            other.every((v, i) => Object.is(v, bare[i])),
            `no options gave [${bare.join(', ')}], ${JSON.stringify(o)} gave [${other.join(', ')}]`,
          );
        }
      },
    ),
    invariant(
      'finite value and gradients for losses and samples up to ±1e4, both margins',
      lsDraws(uniform(-1e4, 1e4), uniform(-1e4, 1e4), 8, 8),
      (c) => {
        const o = { lambda: c.lambda, margin: c.margin };
        checkFinite('loss', values(lsDisc(c.lr, c.lf, c.xr, c.xf, o)));
        for (const g of gradsOf(
          (a, b, x, y) =>
            lossSensitiveDiscriminatorLoss(asSampleLosses(a!), asSampleLosses(b!), asSamples(x!), asSamples(y!), o),
          [t1(c.lr), t1(c.lf), t2(c.xr), t2(c.xf)],
        ))
          checkFinite('gradient', g);
      },
    ),
    invariant(
      'each function alone repairs the gradient registry; an unweighted tf.Reduction.SUM_BY_NONZERO_WEIGHTS equals the mean',
      fc.constant(null),
      () => {
        const mean = scalar(lsDisc([1, 2], [2, 3], [[0], [1]], [[1], [2]]));
        const nonzero = scalar(
          lsDisc([1, 2], [2, 3], [[0], [1]], [[1], [2]], { reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS }),
        );
        checkThat(nonzero === mean, `SUM_BY_NONZERO_WEIGHTS gave ${nonzero}, the mean ${mean}`);
        checkRepairs('lossSensitiveDiscriminatorLoss', () => lsDisc([1, 2], [2, 3], [[0], [1]], [[1], [2]]));
        checkRepairs('lossSensitiveGeneratorLoss', () => lossSensitiveGeneratorLoss(asSampleLosses(t1([1, 2]))));
      },
      1,
    ),
  ],
  errors: [
    {
      name: 'a plain array of losses',
      call: () =>
        lossSensitiveDiscriminatorLoss(
          [1] as never,
          asSampleLosses(t1([1])),
          asSamples(t2([[0]])),
          asSamples(t2([[1]])),
        ),
      error: 'InvalidArgumentError',
      argument: 'lossReal',
    },
    {
      name: 'int32 losses',
      call: () =>
        lossSensitiveDiscriminatorLoss(
          asSampleLosses(t1([1])),
          asSampleLosses(tf.tensor1d([1], 'int32')),
          asSamples(t2([[0]])),
          asSamples(t2([[1]])),
        ),
      error: 'InvalidArgumentError',
      argument: 'lossFake',
    },
    {
      name: 'a NaN loss',
      call: () => lsDisc([NaN], [1], [[0]], [[1]]),
      error: 'InvalidArgumentError',
      argument: 'lossReal',
    },
    {
      name: 'an infinite fake loss',
      call: () => lsDisc([1], [Infinity], [[0]], [[1]]),
      error: 'InvalidArgumentError',
      argument: 'lossFake',
    },
    {
      name: 'a NaN real sample',
      call: () => lsDisc([1], [2], [[NaN]], [[1]]),
      error: 'InvalidArgumentError',
      argument: 'xReal',
    },
    {
      name: 'tf.Reduction.SUM_BY_NONZERO_WEIGHTS with weights',
      call: () =>
        lsDisc([1, 2], [2, 3], [[0], [1]], [[1], [2]], {
          weights: asWeights(t1([1, 0])),
          reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
        }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
    {
      name: 'losses of different lengths',
      call: () => lsDisc([1, 2], [1], [[0], [1]], [[1], [2]]),
      error: 'InvalidArgumentError',
      argument: 'lossFake',
    },
    {
      name: 'rank-1 samples',
      call: () =>
        lossSensitiveDiscriminatorLoss(
          asSampleLosses(t1([1])),
          asSampleLosses(t1([2])),
          asSamples(t1([0])),
          asSamples(t2([[1]])),
        ),
      error: 'InvalidArgumentError',
      argument: 'xReal',
    },
    {
      name: 'one sample row too many',
      call: () => lsDisc([1], [2], [[0], [1]], [[1], [2]]),
      error: 'InvalidArgumentError',
      argument: 'xReal',
    },
    {
      name: 'fake samples of another shape',
      call: () => lsDisc([1], [2], [[0, 1]], [[1, 2, 3]]),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    {
      name: 'an infinite sample',
      call: () => lsDisc([1], [2], [[0]], [[Infinity]]),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    {
      name: 'λ < 0',
      call: () => lsDisc([1], [2], [[0]], [[1]], { lambda: -1 }),
      error: 'InvalidParameterError',
      argument: 'lambda',
    },
    {
      name: 'λ = NaN',
      call: () => lsDisc([1], [2], [[0]], [[1]], { lambda: NaN }),
      error: 'InvalidParameterError',
      argument: 'lambda',
    },
    {
      name: "margin 'l3'",
      call: () => lsDisc([1], [2], [[0]], [[1]], { margin: 'l3' }),
      error: 'InvalidParameterError',
      argument: 'margin',
    },
    {
      name: "reduction 'avg'",
      call: () => lsDisc([1], [2], [[0]], [[1]], { reduction: 'avg' }),
      error: 'InvalidParameterError',
      argument: 'reduction',
    },
    {
      name: 'an unknown option',
      call: () => lsDisc([1], [2], [[0]], [[1]], { gamma: 1 }),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
    {
      name: 'negative weights',
      call: () => lsDisc([1], [2], [[0]], [[1]], { weights: asWeights(t1([-1])) }),
      error: 'InvalidArgumentError',
      argument: 'weights',
    },
    {
      name: 'a scalar batch for the generator',
      call: () => lossSensitiveGeneratorLoss(asSampleLosses(tf.scalar(1))),
      error: 'InvalidArgumentError',
      argument: 'lossFake',
    },
  ],
  benchmark: () =>
    benchCase(
      {
        lossReal: uniformArray([BENCH.batch], 0, 5, 1),
        lossFake: uniformArray([BENCH.batch], 0, 5, 2),
        xReal: uniformArray([BENCH.batch, BENCH.features], -1, 1, 3),
        xFake: uniformArray([BENCH.batch, BENCH.features], -1, 1, 4),
      },
      { lambda: 1, margin: 'l1', reduction: 'mean' },
    ),
});
