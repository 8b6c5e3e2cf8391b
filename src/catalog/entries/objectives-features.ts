import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asCriticScores, asFeatures, asProbabilities, asSampleLosses, asSamples, asWeights, type Reduction } from '../../types.js';
import { lossSensitiveDiscriminatorLoss, lossSensitiveGeneratorLoss, LOSS_SENSITIVE_ID, type LossSensitiveMargin } from '../../objectives/loss-sensitive.js';
import { featureMatchingLoss, FEATURE_MATCHING_ID } from '../../objectives/feature-matching.js';
import { neuralNetDistance, neuralNetDistanceMembers, NEURAL_NET_DISTANCE_ID, type MeasuringFunction } from '../../theory/neural-net-distance.js';
import { batch, criticScore, f32, uniform, vector, weight } from '../arbitraries.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, InputKind, NDArray, Spec } from '../types.js';
import { REDUCTION_PARAM } from './shared.js';
import { BENCH, benchCase, uniformArray, withBenchmark } from '../bench.js';

/*
 * Catalog group "objectives-features": the loss-sensitive GAN (Qi 2017), feature matching
 * (Salimans et al. 2016, §3.1) and the neural-net distance over a finite family (Arora et al. 2017).
 */

/** The input kinds of this group's specs. */
const KIND = { sampleLosses: 'sample-losses', samples: 'samples', features: 'features' } as const satisfies Record<string, InputKind>;

// ---------------------------------------------------------------------------------------------
// Shared helpers of this group (candidates for arbitraries.ts / shared.ts).

/** A rank-2 NDArray from rows of equal length. */
function matrix(rows: number[][]): NDArray {
  return { shape: [rows.length, rows[0]?.length ?? 0], data: rows.flat().map(f32) };
}

/** n rows of d values each. */
function rowsOf(of: fc.Arbitrary<number>, n: number, d: number): fc.Arbitrary<number[][]> {
  return fc.array(fc.array(of, { minLength: d, maxLength: d }), { minLength: n, maxLength: n });
}

const t1 = (xs: number[]) => tf.tensor1d(xs.map(f32));
const t2 = (rows: number[][]) => tf.tensor2d(rows.map((r) => r.map(f32)), [rows.length, rows[0]!.length]);
const mean64 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const maxAbs = (...xss: number[][]) => Math.max(1, ...xss.flat().map(Math.abs));

/** Gradients of sum(f(x₁, …)) wrt each argument, as numbers. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): number[][] {
  return tf.grads((...args: tf.Tensor[]) => tf.sum(f(...args)) as tf.Scalar)(xs).map((g) => values(g));
}

// ---------------------------------------------------------------------------------------------
// objective/loss-sensitive

const SL = (t: tf.Tensor) => asSampleLosses(t);
const SX = (t: tf.Tensor) => asSamples(t);

/** Δ(x_r[i], x_f[i]) in float64. */
function margin64(xr: number[][], xf: number[][], margin: LossSensitiveMargin): number[] {
  return xr.map((row, i) => {
    const d = row.map((v, j) => v - xf[i]![j]!);
    return margin === 'l1' ? d.reduce((a, b) => a + Math.abs(b), 0) : Math.sqrt(d.reduce((a, b) => a + b * b, 0));
  });
}

/** The per-pair discriminator terms L_r + λ(Δ + L_r − L_f)₊ in float64. */
function lsTerms64(lr: number[], lf: number[], xr: number[][], xf: number[][], lambda: number, margin: LossSensitiveMargin): number[] {
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
function lsAwayFromKinks(lr: number[], lf: number[], xr: number[][], xf: number[][], margin: LossSensitiveMargin): boolean {
  const delta = margin64(xr, xf, margin);
  return lr.every((l, i) => {
    const scale = 1 + Math.abs(l) + Math.abs(lf[i]!) + delta[i]!;
    const hingeOk = Math.abs(delta[i]! + l - lf[i]!) > 1e-3 * scale;
    const marginOk = margin === 'l1' ? xr[i]!.every((v, j) => Math.abs(v - xf[i]![j]!) > 1e-6 * (1 + Math.abs(v))) : delta[i]! > 1e-3;
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

function lsCase(c: { lr: number[]; lf: number[]; xr: number[][]; xf: number[][]; w?: number[]; lambda: number; margin: LossSensitiveMargin; reduction?: Reduction }, label?: string, grads = true): Case {
  const inputs: Record<string, NDArray> = { lossReal: vector(c.lr), lossFake: vector(c.lf), xReal: matrix(c.xr), xFake: matrix(c.xf) };
  if (c.w) inputs.weights = vector(c.w);
  return { inputs, params: { lambda: c.lambda, margin: c.margin, reduction: c.reduction ?? 'mean' }, grads, ...(label ? { label } : {}) };
}

function lsDisc(lr: number[], lf: number[], xr: number[][], xf: number[][], options: Record<string, unknown> = {}): tf.Tensor {
  return lossSensitiveDiscriminatorLoss(SL(t1(lr)), SL(t1(lf)), SX(t2(xr)), SX(t2(xf)), options as never);
}

const LS_EXAMPLE = { lr: [1, 2], lf: [5, 2.5], xr: [[0, 0], [1, 1]], xf: [[1, 2], [1, 0]] };

export const lossSensitive: Spec = {
  id: LOSS_SENSITIVE_ID,
  title: 'Loss-sensitive GAN (LS-GAN)',
  reference: 'Qi 2017, Loss-Sensitive Generative Adversarial Networks on Lipschitz Densities, §3 (objectives S(θ, φ*) and T(θ*, φ))',
  section: 'objectives',
  inputs: {
    lossReal: { kind: KIND.sampleLosses, doc: 'L_θ(x_r), the loss network on real samples, [n]' },
    lossFake: { kind: KIND.sampleLosses, doc: 'L_θ(G(z)), the loss network on generated samples, [n]' },
    xReal: { kind: KIND.samples, doc: 'real samples x_r, [n, d] (for the margin Δ)' },
    xFake: { kind: KIND.samples, doc: 'generated samples G(z), [n, d], paired row by row with xReal' },
    weights: { kind: 'weights', optional: true, doc: 'per-pair weights, [n] (the generator loss uses them as weightsFake)' },
  },
  params: {
    lambda: { doc: 'λ ≥ 0, the weight of the margin (hinge) term', default: 1 },
    margin: { doc: "Δ: 'l1' Σ|x_r − x_f| or 'l2' ‖x_r − x_f‖₂ per pair", default: 'l1', choices: ['l1', 'l2'] },
    reduction: REDUCTION_PARAM,
  },
  outputs: ['discriminator', 'generator'],
  evaluate: (x, p) => {
    const reduction = p.reduction as Reduction;
    const weights = x.weights ? asWeights(x.weights) : undefined;
    return {
      discriminator: lossSensitiveDiscriminatorLoss(SL(x.lossReal!), SL(x.lossFake!), SX(x.xReal!), SX(x.xFake!), {
        lambda: p.lambda as number,
        margin: p.margin as LossSensitiveMargin,
        reduction,
        weights,
      }),
      generator: lossSensitiveGeneratorLoss(SL(x.lossFake!), { reduction, weightsFake: weights }),
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
    lsCase({ ...c, w: c.weighted ? c.w : undefined, reduction: c.weighted && c.reduction === 'mean' ? 'sum' : c.reduction }),
  ),
  edges: [
    lsCase({ ...LS_EXAMPLE, lambda: 1, margin: 'l1' }, 'closed form (ℓ1): Δ = [3, 1], hinge [0, ½], S = 1.75, T = 3.75'),
    lsCase({ ...LS_EXAMPLE, lambda: 1, margin: 'l2' }, 'closed form (ℓ2): Δ = [√5, 1], hinge [0, ½], S = 1.75'),
    lsCase({ lr: [1e4, -1e4], lf: [-1e4, 1e4], xr: [[1e4, -1e4], [0.5, 3]], xf: [[-1e4, 1e4], [0.25, 3.5]], lambda: 10, margin: 'l2' }, 'edge: losses and samples at ±1e4 (ℓ2)'),
    lsCase({ lr: [1e4, -1e4], lf: [-1e4, 1e4], xr: [[1e4, -1e4], [0.5, 3]], xf: [[-1e4, 1e4], [0.25, 3.5]], lambda: 10, margin: 'l1', reduction: 'none' }, "edge: losses and samples at ±1e4 (ℓ1, 'none')"),
    lsCase({ lr: [1, -2, 3], lf: [0, 4, 3.5], xr: [[1, 2], [3, 4], [5, 6]], xf: [[1, 2], [3, 4], [5, 6]], lambda: 2, margin: 'l2' }, 'edge: Δ(x, x) = 0 (ℓ2 not differentiable there)', false),
    lsCase({ lr: [1, -2, 3], lf: [0, 4, 3.5], xr: [[1, 2], [3, 4], [5, 6]], xf: [[1.5, 2], [3, 4.25], [4, 6.5]], lambda: 0, margin: 'l1', w: [1, 0.5, 2], reduction: 'sum' }, "edge: λ = 0 with weights and 'sum'"),
    lsCase({ lr: [1, -2, 3], lf: [0, 4, 3.5], xr: [[1, 2], [3, 4], [5, 6]], xf: [[1.5, 2], [3, 4.25], [4, 6.5]], lambda: 0.5, margin: 'l2', w: [1, 0.5, 2] }, "edge: weighted 'mean', moderate values (ℓ2)"),
  ],
  secondOrder: true,
  invariants: [
    invariant('discriminator and generator equal E[L(x_r) + λ(Δ + L(x_r) − L(x_f))₊] and E[L(x_f)] in float64', lsDraws(uniform(-20, 20), uniform(-5, 5)), (c) => {
      const w = c.weighted ? c.w : undefined;
      const options = { lambda: c.lambda, margin: c.margin, reduction: c.reduction, weights: w ? asWeights(t1(w)) : undefined };
      const scale = maxAbs(c.lr, c.lf) + c.lambda * (maxAbs(c.lr, c.lf) + Math.max(...margin64(c.xr, c.xf, c.margin))) * (c.reduction === 'sum' ? c.lr.length : 1);
      checkAllClose('discriminator', values(lsDisc(c.lr, c.lf, c.xr, c.xf, options)), reduce64(lsTerms64(c.lr, c.lf, c.xr, c.xf, c.lambda, c.margin), w, c.reduction), 1e-5, 1e-6 * scale);
      const generator = values(lossSensitiveGeneratorLoss(SL(t1(c.lf)), { reduction: c.reduction, weightsFake: options.weights }));
      checkAllClose('generator', generator, reduce64(c.lf, w, c.reduction), 1e-5, 1e-6 * scale);
    }),
    invariant('the hinge vanishes once L(x_f) ≥ L(x_r) + Δ: the loss is E[L(x_r)] and ignores L(x_f) and the samples', fc.tuple(lsDraws(uniform(-20, 20), uniform(-5, 5)), batch(uniform(0.01, 10), 12, 12)), ([c, slack]) => {
      const delta = margin64(c.xr, c.xf, c.margin);
      const lf = c.lr.map((l, i) => f32(l + delta[i]! + slack[i]!));
      const options = { lambda: c.lambda, margin: c.margin };
      const [gr, gf, gxr, gxf] = gradsOf((a, b, x, y) => lossSensitiveDiscriminatorLoss(SL(a!), SL(b!), SX(x!), SX(y!), options), [t1(c.lr), t1(lf), t2(c.xr), t2(c.xf)]);
      checkClose('loss', scalar(lsDisc(c.lr, lf, c.xr, c.xf, options)), scalar(tf.mean(t1(c.lr))), 0, 0);
      checkAllClose('d/dL(x_r)', gr!, c.lr.map(() => 1 / c.lr.length), 1e-6, 0);
      checkThat([...gf!, ...gxr!, ...gxf!].every((g) => g === 0), 'a gradient through the inactive hinge is nonzero');
    }),
    invariant('λ = 0 leaves E[L(x_r)] for any samples and losses', lsDraws(lossValue, sampleValue), (c) => {
      checkClose('loss', scalar(lsDisc(c.lr, c.lf, c.xr, c.xf, { lambda: 0, margin: c.margin })), scalar(tf.mean(t1(c.lr))), 0, 0);
    }),
    invariant('Δ(x, x) = 0: identical samples leave the hinge (L(x_r) − L(x_f))₊, for both margins', lsDraws(uniform(-20, 20), uniform(-5, 5)), (c) => {
      const expected = mean64(c.lr.map((l, i) => l + c.lambda * Math.max(0, l - c.lf[i]!)));
      for (const margin of ['l1', 'l2'] as const) {
        checkClose(`loss (${margin})`, scalar(lsDisc(c.lr, c.lf, c.xr, c.xr, { lambda: c.lambda, margin })), expected, 1e-5, 1e-5 * maxAbs(c.lr, c.lf) * (1 + c.lambda));
      }
    }),
    invariant('margins are ordered as the norms: ‖·‖₂ ≤ ‖·‖₁ gives S(ℓ2) ≤ S(ℓ1), with equality in one dimension', lsDraws(lossValue, sampleValue), (c) => {
      const o = { lambda: c.lambda, reduction: c.reduction };
      const l1 = values(lsDisc(c.lr, c.lf, c.xr, c.xf, { ...o, margin: 'l1' }));
      const l2 = values(lsDisc(c.lr, c.lf, c.xr, c.xf, { ...o, margin: 'l2' }));
      const slack = 1e-6 * (maxAbs(c.lr, c.lf, ...c.xr, ...c.xf) * (1 + c.lambda) * c.lr.length);
      l2.forEach((v, i) => checkThat(v <= l1[i]! + slack, `S(ℓ2) = ${v} > S(ℓ1) = ${l1[i]}`));
      const x1 = c.xr.map((r) => [r[0]!]);
      const y1 = c.xf.map((r) => [r[0]!]);
      checkAllClose('ℓ1 = ℓ2 in one dimension', values(lsDisc(c.lr, c.lf, x1, y1, { ...o, margin: 'l2' })), values(lsDisc(c.lr, c.lf, x1, y1, { ...o, margin: 'l1' })), 1e-6, 1e-6);
    }),
    invariant('gradients: d/dL(x_r) = (1 + λ·[a > 0])/n, d/dL(x_f) = −λ·[a > 0]/n (a = Δ + L_r − L_f); generator 1/m', lsDraws(lossValue, sampleValue), (c) => {
      const delta = margin64(c.xr, c.xf, c.margin);
      const active = c.lr.map((l, i) => (delta[i]! + l - c.lf[i]! > 0 ? 1 : 0));
      const n = c.lr.length;
      const [gr, gf] = gradsOf((a, b) => lossSensitiveDiscriminatorLoss(SL(a!), SL(b!), SX(t2(c.xr)), SX(t2(c.xf)), { lambda: c.lambda, margin: c.margin }), [t1(c.lr), t1(c.lf)]);
      checkAllClose('d/dL(x_r)', gr!, active.map((s) => (1 + c.lambda * s) / n), 1e-5, 1e-7);
      checkAllClose('d/dL(x_f)', gf!, active.map((s) => (-c.lambda * s) / n), 1e-5, 1e-7);
      checkAllClose('generator d/dL(x_f)', gradsOf((b) => lossSensitiveGeneratorLoss(SL(b!)), [t1(c.lf)])[0]!, c.lf.map(() => 1 / n), 1e-6, 0);
    }),
    invariant('finite value and gradients for losses and samples up to ±1e4, both margins', lsDraws(uniform(-1e4, 1e4), uniform(-1e4, 1e4), 8, 8), (c) => {
      const o = { lambda: c.lambda, margin: c.margin };
      checkFinite('loss', values(lsDisc(c.lr, c.lf, c.xr, c.xf, o)));
      for (const g of gradsOf((a, b, x, y) => lossSensitiveDiscriminatorLoss(SL(a!), SL(b!), SX(x!), SX(y!), o), [t1(c.lr), t1(c.lf), t2(c.xr), t2(c.xf)])) checkFinite('gradient', g);
    }),
  ],
  errors: [
    { name: 'a plain array of losses', call: () => lossSensitiveDiscriminatorLoss([1] as never, SL(t1([1])), SX(t2([[0]])), SX(t2([[1]]))), error: 'InvalidArgumentError', argument: 'lossReal' },
    { name: 'int32 losses', call: () => lossSensitiveDiscriminatorLoss(SL(t1([1])), SL(tf.tensor1d([1], 'int32')), SX(t2([[0]])), SX(t2([[1]]))), error: 'InvalidArgumentError', argument: 'lossFake' },
    { name: 'a NaN loss', call: () => lsDisc([NaN], [1], [[0]], [[1]]), error: 'InvalidArgumentError', argument: 'lossReal' },
    { name: 'losses of different lengths', call: () => lsDisc([1, 2], [1], [[0], [1]], [[1], [2]]), error: 'InvalidArgumentError', argument: 'lossFake' },
    { name: 'rank-1 samples', call: () => lossSensitiveDiscriminatorLoss(SL(t1([1])), SL(t1([2])), SX(t1([0])), SX(t2([[1]]))), error: 'InvalidArgumentError', argument: 'xReal' },
    { name: 'one sample row too many', call: () => lsDisc([1], [2], [[0], [1]], [[1], [2]]), error: 'InvalidArgumentError', argument: 'xReal' },
    { name: 'fake samples of another shape', call: () => lsDisc([1], [2], [[0, 1]], [[1, 2, 3]]), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: 'an infinite sample', call: () => lsDisc([1], [2], [[0]], [[Infinity]]), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: 'λ < 0', call: () => lsDisc([1], [2], [[0]], [[1]], { lambda: -1 }), error: 'InvalidParameterError', argument: 'lambda' },
    { name: 'λ = NaN', call: () => lsDisc([1], [2], [[0]], [[1]], { lambda: NaN }), error: 'InvalidParameterError', argument: 'lambda' },
    { name: "margin 'l3'", call: () => lsDisc([1], [2], [[0]], [[1]], { margin: 'l3' }), error: 'InvalidParameterError', argument: 'margin' },
    { name: "reduction 'avg'", call: () => lsDisc([1], [2], [[0]], [[1]], { reduction: 'avg' }), error: 'InvalidParameterError', argument: 'reduction' },
    { name: 'an unknown option', call: () => lsDisc([1], [2], [[0]], [[1]], { gamma: 1 }), error: 'InvalidParameterError', argument: 'gamma' },
    { name: 'negative weights', call: () => lsDisc([1], [2], [[0]], [[1]], { weights: asWeights(t1([-1])) }), error: 'InvalidArgumentError', argument: 'weights' },
    { name: 'a scalar batch for the generator', call: () => lossSensitiveGeneratorLoss(SL(tf.scalar(1))), error: 'InvalidArgumentError', argument: 'lossFake' },
  ],
};

// ---------------------------------------------------------------------------------------------
// objective/feature-matching

const F = (t: tf.Tensor) => asFeatures(t);

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
  return scalar(featureMatchingLoss(F(t2(fr)), F(t2(ff)), options as never));
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
    .record({ n: fc.integer({ min: minN, max: maxN }), m: fc.integer({ min: minN, max: maxN }), d: fc.integer({ min: 1, max: maxD }) })
    .chain(({ n, m, d }) => fc.record({ fr: rowsOf(of, n, d), ff: rowsOf(of, m, d), wr: batch(weight, n, n), wf: batch(weight, m, m), weighted: fc.boolean() }));
}

const featureValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(-5, 5) },
  { weight: 1, arbitrary: uniform(-1e3, 1e3) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) },
);

function fmCase(fr: number[][], ff: number[][], label?: string, wr?: number[], wf?: number[]): Case {
  const inputs: Record<string, NDArray> = { featuresReal: matrix(fr), featuresFake: matrix(ff) };
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

export const featureMatching: Spec = {
  id: FEATURE_MATCHING_ID,
  title: 'Feature matching',
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training GANs, §3.1',
  section: 'objectives',
  inputs: {
    featuresReal: { kind: KIND.features, doc: "f(x): the discriminator's intermediate activations on real data, [n, d]" },
    featuresFake: { kind: KIND.features, doc: 'f(G(z)) on generated data, [m, d]' },
    weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real mean, [n]' },
    weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake mean, [m]' },
  },
  params: {},
  outputs: ['generator'],
  evaluate: (x) => ({
    generator: featureMatchingLoss(F(x.featuresReal!), F(x.featuresFake!), {
      weightsReal: x.weightsReal ? asWeights(x.weightsReal) : undefined,
      weightsFake: x.weightsFake ? asWeights(x.weightsFake) : undefined,
    }),
  }),
  // Weighted random cases have n, m ≥ 2. Why: the Hessian of ‖μ_r − μ_f‖² in the weights of a
  // weighted mean Σ wᵢfᵢ / Σ wᵢ is a sum of terms of size T ~ |μ_r − μ_f|·|f|·|v|/(Σ w)² that
  // cancel exactly to 0 when a batch has one example (its mean does not depend on its weight);
  // float32 leaves ~ε·T there (1e-4 to 1 for these features and weights ≥ 0.05), far above the
  // hvp atol of 1e-5, while torch's float32 may cancel exactly and give no tie-break. With two or
  // more examples the true entries are of size T and the relative tolerance applies.
  sample: fc.boolean().chain((weighted) =>
    weighted
      ? fmDraws(featureValue, 10, 8, 2).map((c) => fmCase(c.fr, c.ff, undefined, c.wr, c.wf))
      : fmDraws(featureValue).map((c) => fmCase(c.fr, c.ff)),
  ),
  edges: [
    fmCase([[1, 2], [3, 4]], [[0, 0]], 'closed form: μ_r = (2, 3), μ_f = 0 gives 13'),
    fmCase([[1, 2], [3, 4], [5, 6]], [[5, 6], [1, 2], [3, 4]], 'closed form: a permuted batch gives 0'),
    fmCase([[1e4, -1e4]], [[-1e4, 1e4], [1e4, 1e4]], 'edge: features at ±1e4 give 5e8'),
    fmCase([[1, 0], [0, 1]], [[2, 2]], 'closed form: weights (3, 1) give μ_r = (¾, ¼) and 1.25² + 1.75²', [3, 1], [0.5]),
  ],
  secondOrder: true,
  invariants: [
    invariant('≥ 0 and equal to ‖μ_r − μ_f‖² in float64 (weighted means with weights)', fmDraws(uniform(-5, 5)), (c) => {
      const [wr, wf] = c.weighted ? [c.wr, c.wf] : [undefined, undefined];
      const got = fm(c.fr, c.ff, { weightsReal: wr && asWeights(t1(wr)), weightsFake: wf && asWeights(t1(wf)) });
      checkThat(got >= 0, `loss ${got} < 0`);
      checkClose('loss', got, fm64(c.fr, c.ff, wr, wf), 1e-5, fmBound(5, 10, c.fr[0]!.length));
    }),
    invariant('0 when the batch means agree: a permuted copy of the real batch', fmDraws(featureValue).chain((c) => fc.tuple(fc.constant(c.fr), fc.shuffledSubarray(c.fr.map((_, i) => i), { minLength: c.fr.length, maxLength: c.fr.length }))), ([fr, perm]) => {
      // Σⱼ δⱼ² with δ the float32 error of a difference of two means of the same numbers (≤ 2n·ε·s).
      const delta = 2 * fr.length * 2 ** -24 * maxAbs(...fr);
      checkClose('loss', fm(fr, perm.map((i) => fr[i]!)), 0, 0, 2 * fr[0]!.length * delta * delta);
    }),
    invariant('a common translation of both feature sets leaves it unchanged', fc.tuple(fmDraws(uniform(-5, 5)), batch(uniform(-100, 100), 8, 8)), ([c, shift]) => {
      const move = (rows: number[][]) => rows.map((r) => r.map((v, j) => f32(v + shift[j]!)));
      // Error analysis: each shifted input is rounded to float32 (≤ ½ulp ≤ 105·2⁻²⁴), which moves each
      // mean by as much; each mean's own rounding adds ≤ n·105·2⁻²⁴. So every component of μ_r − μ_f
      // is off by δ ≤ (2 + 2n)·105·2⁻²⁴, and the loss by ≤ d(2|D|δ + δ²) with |D| ≤ 10; doubled for its sum.
      const d = c.fr[0]!.length;
      const delta = (2 + 2 * 10) * 105 * 2 ** -24;
      checkClose('shifted loss', fm(move(c.fr), move(c.ff)), fm64(c.fr, c.ff), 1e-5, 2 * d * (2 * 10 * delta + delta * delta));
    }),
    invariant('scaling both feature sets by s = 2^k multiplies it by s² exactly', fc.tuple(fmDraws(featureValue), fc.integer({ min: -6, max: 6 })), ([c, k]) => {
      const s = 2 ** k;
      const scaled = fm(c.fr.map((r) => r.map((v) => v * s)), c.ff.map((r) => r.map((v) => v * s)));
      checkThat(scaled === s * s * fm(c.fr, c.ff), `L(${s}·f) = ${scaled} ≠ ${s * s}·L(f) = ${s * s * fm(c.fr, c.ff)}`);
    }),
    invariant('gradient in the fake features is −2(μ_r − μ_f)/m in every row, and +2(μ_r − μ_f)/n in the real ones', fmDraws(uniform(-5, 5)), (c) => {
      const mr = weightedMean64(c.fr, undefined);
      const mf = weightedMean64(c.ff, undefined);
      const [gr, gf] = gradsOf((a, b) => featureMatchingLoss(F(a!), F(b!)), [t2(c.fr), t2(c.ff)]);
      const atol = 1e-5 * (1 + Math.max(...mr.map(Math.abs), ...mf.map(Math.abs)));
      checkAllClose('d/df_fake', gf!, c.ff.flatMap(() => mr.map((v, j) => (-2 * (v - mf[j]!)) / c.ff.length)), 1e-4, atol);
      checkAllClose('d/df_real', gr!, c.fr.flatMap(() => mr.map((v, j) => (2 * (v - mf[j]!)) / c.fr.length)), 1e-4, atol);
    }),
    invariant('symmetric: swapping real and fake (with their weights) gives the same value', fmDraws(featureValue), (c) => {
      const [wr, wf] = c.weighted ? [asWeights(t1(c.wr)), asWeights(t1(c.wf))] : [undefined, undefined];
      checkThat(fm(c.fr, c.ff, { weightsReal: wr, weightsFake: wf }) === fm(c.ff, c.fr, { weightsReal: wf, weightsFake: wr }), 'L(real, fake) ≠ L(fake, real)');
    }),
    invariant('unit weights change nothing; integer weights equal repeating rows', fc.tuple(fmDraws(uniform(-5, 5)), batch(fc.integer({ min: 1, max: 3 }), 10, 10)), ([c, reps]) => {
      const ones = asWeights(t1(c.fr.map(() => 1)));
      checkClose('unit weights', fm(c.fr, c.ff, { weightsReal: ones }), fm(c.fr, c.ff), 1e-5, fmBound(5, 10, c.fr[0]!.length));
      const w = c.fr.map((_, i) => reps[i]!);
      const repeated = c.fr.flatMap((r, i) => Array.from({ length: w[i]! }, () => r));
      checkClose('integer weights', fm(c.fr, c.ff, { weightsReal: asWeights(t1(w)) }), fm(repeated, c.ff), 1e-5, fmBound(5, 30, c.fr[0]!.length));
    }),
  ],
  errors: [
    { name: 'a plain array', call: () => featureMatchingLoss([[1]] as never, F(t2([[1]]))), error: 'InvalidArgumentError', argument: 'featuresReal' },
    { name: 'rank-1 features', call: () => featureMatchingLoss(F(t2([[1]])), F(t1([1]))), error: 'InvalidArgumentError', argument: 'featuresFake' },
    { name: 'feature widths that differ', call: () => fm([[1, 2]], [[1, 2, 3]]), error: 'InvalidArgumentError', argument: 'featuresFake' },
    { name: 'a NaN feature', call: () => fm([[NaN]], [[1]]), error: 'InvalidArgumentError', argument: 'featuresReal' },
    { name: 'int32 features', call: () => featureMatchingLoss(F(tf.tensor2d([[1]], [1, 1], 'int32')), F(t2([[1]]))), error: 'InvalidArgumentError', argument: 'featuresReal' },
    { name: 'weights of the wrong length', call: () => fm([[1], [2]], [[1]], { weightsReal: asWeights(t1([1])) }), error: 'InvalidArgumentError', argument: 'weightsReal' },
    { name: 'negative weights', call: () => fm([[1]], [[1]], { weightsFake: asWeights(t1([-1])) }), error: 'InvalidArgumentError', argument: 'weightsFake' },
    { name: 'all-zero weights', call: () => fm([[1], [2]], [[1]], { weightsReal: asWeights(t1([0, 0])) }), error: 'InvalidArgumentError', argument: 'weightsReal' },
    { name: 'an unknown option', call: () => fm([[1]], [[1]], { reduction: 'sum' }), error: 'InvalidParameterError', argument: 'reduction' },
  ],
};

// ---------------------------------------------------------------------------------------------
// theory/neural-net-distance

/** Member scores in float64, from the definition: E_μ[φ(D)] + E_ν[φ(1 − D)] − 2φ(½). */
function members64(dr: number[][], df: number[][], phi: MeasuringFunction): number[] {
  const p = phi === 'log' ? Math.log : (t: number) => t;
  return dr.map((row, k) => mean64(row.map(p)) + mean64(df[k]!.map((v) => (phi === 'log' ? Math.log1p(-v) : 1 - v))) - 2 * p(0.5));
}

/** Probabilities on a dyadic grid k/2²⁰, so that 1 − D is exact in float32 (and 1 − (1 − D) = D). */
const dyadicProbability: fc.Arbitrary<number> = fc.integer({ min: 1, max: 2 ** 20 - 1 }).map((k) => k / 2 ** 20);
const probabilityValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(0.001, 0.999) },
  { weight: 2, arbitrary: dyadicProbability },
  { weight: 1, arbitrary: fc.constantFrom(f32(1e-6), f32(1 - 2 ** -24), 0.5, 0.25, 0.75) },
);

interface NndDraw {
  dr: number[][];
  df: number[][];
}

function nndDraws(of: fc.Arbitrary<number>, maxK = 6, maxN = 10): fc.Arbitrary<NndDraw> {
  return fc
    .record({ k: fc.integer({ min: 1, max: maxK }), n: fc.integer({ min: 1, max: maxN }), m: fc.integer({ min: 1, max: maxN }) })
    .chain(({ k, n, m }) => fc.record({ dr: rowsOf(of, k, n), df: rowsOf(of, k, m) }));
}

/** The best member is ahead of the second by more than float32 can blur (so the gradient goes to it alone). */
function uniqueArgmax(dr: number[][], df: number[][], phi: MeasuringFunction): boolean {
  const s = [...members64(dr, df, phi)].sort((a, b) => b - a);
  const scale = phi === 'log' ? 1 + Math.abs(s[0]!) : maxAbs(...dr, ...df);
  return s.length < 2 || s[0]! - s[1]! > 1e-4 * scale;
}

function nndCase(dr: number[][], df: number[][], phi: MeasuringFunction, label?: string, grads = true): Case {
  return { inputs: { dReal: matrix(dr), dFake: matrix(df) }, params: { phi }, grads, ...(label ? { label } : {}) };
}

const P = (t: tf.Tensor) => asProbabilities(t);
const nnd = (dr: number[][], df: number[][], phi: MeasuringFunction = 'log') =>
  scalar(phi === 'log' ? neuralNetDistance(P(t2(dr)), P(t2(df))) : neuralNetDistance(asCriticScores(t2(dr)), asCriticScores(t2(df)), { phi: 'identity' }));
const complement = (rows: number[][]) => rows.map((r) => r.map((v) => 1 - v));

export const neuralNetDistanceSpec: Spec = {
  id: NEURAL_NET_DISTANCE_ID,
  title: 'Neural-net distance (F-distance over a finite family)',
  reference: 'Arora, Ge, Liang, Ma & Zhang 2017, Generalization and Equilibrium in Generative Adversarial Nets (GANs), §3, definition of the F-distance d_{F,φ}',
  section: 'theory',
  inputs: {
    dReal: { kind: 'probabilities', doc: "D_k(x) on the samples of μ, [K, n]: in (0, 1) for φ = log, any finite value (critic scores) for φ = identity" },
    dFake: { kind: 'probabilities', doc: 'D_k(x) on the samples of ν, [K, m]' },
  },
  params: { phi: { doc: "φ: 'log' (the GAN / JS-like case) or 'identity' (the Wasserstein-like case)", default: 'log', choices: ['log', 'identity'] } },
  outputs: ['value', 'members'],
  evaluate: (x, p) => {
    const o = { phi: p.phi as MeasuringFunction };
    return { value: neuralNetDistance(P(x.dReal!), P(x.dFake!), o), members: neuralNetDistanceMembers(P(x.dReal!), P(x.dFake!), o) };
  },
  sample: fc
    .constantFrom<MeasuringFunction>('log', 'identity')
    .chain((phi) => nndDraws(phi === 'log' ? probabilityValue : criticScore).filter((c) => uniqueArgmax(c.dr, c.df, phi)).map((c) => nndCase(c.dr, c.df, phi))),
  edges: [
    nndCase([[0.5, 0.5], [0.75, 0.75]], [[0.5], [0.25]], 'log', 'closed form: members (0, 2 log 1.5), value 2 log 1.5'),
    nndCase([[0.3, 0.6], [0.3, 0.6]], [[0.2], [0.2]], 'log', 'edge: two identical members (a tie: no gradient)', false),
    nndCase([[f32(1e-6), f32(1 - 2 ** -24), 0.5]], [[f32(1 - 2 ** -24), f32(1e-6)]], 'log', 'edge: probabilities 1e-6 and 1 − 2⁻²⁴'),
    nndCase([[1, 2, 3], [0, 0, 0]], [[0, 0], [1, 1]], 'identity', 'closed form (identity): members (2, −1), value 2'),
    nndCase([[1e4, -1e4], [0.5, 0.25]], [[-1e4], [0.125]], 'identity', 'edge: critic scores at ±1e4'),
  ],
  secondOrder: true,
  invariants: [
    invariant('members are E_μ[φ(D)] + E_ν[φ(1 − D)] − 2φ(½) in float64, and the value is their max', fc.constantFrom<MeasuringFunction>('log', 'identity').chain((phi) => fc.tuple(fc.constant(phi), nndDraws(phi === 'log' ? probabilityValue : criticScore))), ([phi, c]) => {
      const expected = members64(c.dr, c.df, phi);
      const got = values(neuralNetDistanceMembers(P(t2(c.dr)), P(t2(c.df)), { phi }));
      const atol = phi === 'log' ? 1e-6 * (1 + Math.max(...expected.map(Math.abs))) : 1e-6 * maxAbs(...c.dr, ...c.df);
      checkAllClose('members', got, expected, 1e-5, atol);
      checkThat(nnd(c.dr, c.df, phi) === Math.max(...got), 'value is not the max of the members');
    }),
    invariant('φ = log: a family containing D ≡ ½ has d ≥ 0 (the constant member scores exactly 0)', nndDraws(probabilityValue), (c) => {
      const half = [c.dr[0]!.map(() => 0.5), ...c.dr];
      const halfFake = [c.df[0]!.map(() => 0.5), ...c.df];
      checkThat(values(neuralNetDistanceMembers(P(t2(half)), P(t2(halfFake))))[0] === 0, 'the constant ½ member does not score 0');
      checkThat(nnd(half, halfFake) >= 0, `d = ${nnd(half, halfFake)} < 0`);
    }),
    invariant('adding a member never decreases the distance', fc.constantFrom<MeasuringFunction>('log', 'identity').chain((phi) => fc.tuple(fc.constant(phi), nndDraws(phi === 'log' ? probabilityValue : criticScore).chain((c) => fc.tuple(fc.constant(c), rowsOf(phi === 'log' ? probabilityValue : criticScore, 1, c.dr[0]!.length), rowsOf(phi === 'log' ? probabilityValue : criticScore, 1, c.df[0]!.length))))), ([phi, [c, extraR, extraF]]) => {
      const before = nnd(c.dr, c.df, phi);
      const after = nnd([...c.dr, ...extraR], [...c.df, ...extraF], phi);
      checkThat(after >= before, `adding a member lowered d from ${before} to ${after}`);
    }),
    invariant('identical samples (μ = ν): φ = log gives d ≤ 0 (E[log 4D(1 − D)] ≤ 0), = 0 with D ≡ ½ in F; φ = identity gives 0', nndDraws(probabilityValue), (c) => {
      const d = nnd(c.dr, c.dr);
      checkThat(d <= 1e-7, `d = ${d} > 0 on identical samples`);
      const expected = Math.max(...c.dr.map((row) => mean64(row.map((v) => Math.log(4 * v * (1 - v))))));
      checkClose('d', d, expected, 1e-5, 1e-6 * (1 + Math.abs(expected)));
      const withHalf = [c.dr[0]!.map(() => 0.5), ...c.dr];
      checkClose('d with D ≡ ½', nnd(withHalf, withHalf), 0, 0, 1e-7);
      checkThat(nnd(c.dr, c.dr, 'identity') === 0, 'φ = identity on identical samples is not 0');
    }),
    invariant('φ = identity: d = max_k E_μ[D_k] − E_ν[D_k]; with F closed under D ↦ 1 − D it is max_k |E_μ D_k − E_ν D_k| ≥ 0', nndDraws(fc.oneof(dyadicProbability, uniform(-10, 10))), (c) => {
      const direct = Math.max(...c.dr.map((r, k) => mean64(r) - mean64(c.df[k]!)));
      const scale = maxAbs(...c.dr, ...c.df);
      checkClose('d', nnd(c.dr, c.df, 'identity'), direct, 1e-5, 1e-6 * scale);
      const closedR = [...c.dr, ...complement(c.dr)];
      const closedF = [...c.df, ...complement(c.df)];
      const d = nnd(closedR, closedF, 'identity');
      checkThat(d >= 0, `d = ${d} < 0 for a family closed under complements`);
      checkClose('d (closed family)', d, Math.max(...c.dr.map((r, k) => Math.abs(mean64(r) - mean64(c.df[k]!)))), 1e-5, 1e-6 * scale);
    }),
    invariant('φ = log, F closed under D ↦ 1 − D: d(μ, ν) = d(ν, μ) (exact on a dyadic grid)', nndDraws(dyadicProbability), (c) => {
      const r = [...c.dr, ...complement(c.dr)];
      const f = [...c.df, ...complement(c.df)];
      checkThat(nnd(r, f) === nnd(f, r), `d(μ, ν) = ${nnd(r, f)} ≠ d(ν, μ) = ${nnd(f, r)}`);
    }),
    invariant("gradient goes to the best member only: φ'(D)/n on μ's samples and −φ'(1 − D)/m on ν's", fc.constantFrom<MeasuringFunction>('log', 'identity').chain((phi) => fc.tuple(fc.constant(phi), nndDraws(phi === 'log' ? probabilityValue : criticScore).filter((c) => uniqueArgmax(c.dr, c.df, phi)))), ([phi, c]) => {
      const scores = members64(c.dr, c.df, phi);
      const best = scores.indexOf(Math.max(...scores));
      const [gr, gf] = gradsOf((a, b) => neuralNetDistance(P(a!), P(b!), { phi }), [t2(c.dr), t2(c.df)]);
      const n = c.dr[0]!.length;
      const m = c.df[0]!.length;
      const expR = c.dr.flatMap((row, k) => row.map((v) => (k !== best ? 0 : phi === 'log' ? 1 / (n * v) : 1 / n)));
      const expF = c.df.flatMap((row, k) => row.map((v) => (k !== best ? 0 : phi === 'log' ? -1 / (m * (1 - v)) : -1 / m)));
      checkAllClose('d/dD on μ', gr!, expR, 1e-5, 1e-6);
      checkAllClose('d/dD on ν', gf!, expF, 1e-5, 1e-6);
    }),
    invariant('φ = log: finite value and gradients for D from 1e-6 to 1 − 2⁻²⁴', nndDraws(probabilityValue), (c) => {
      checkFinite('value', [nnd(c.dr, c.df)]);
      for (const g of gradsOf((a, b) => neuralNetDistance(P(a!), P(b!)), [t2(c.dr), t2(c.df)])) checkFinite('gradient', g);
    }),
  ],
  errors: [
    { name: 'a plain array', call: () => neuralNetDistance([[0.5]] as never, P(t2([[0.5]]))), error: 'InvalidArgumentError', argument: 'dReal' },
    { name: 'rank-1 discriminator values', call: () => neuralNetDistance(P(t2([[0.5]])), P(t1([0.5]))), error: 'InvalidArgumentError', argument: 'dFake' },
    { name: 'families of different sizes', call: () => neuralNetDistance(P(t2([[0.5], [0.5]])), P(t2([[0.5]]))), error: 'InvalidArgumentError', argument: 'dFake' },
    { name: "D = 0 under φ = 'log'", call: () => neuralNetDistance(P(t2([[0, 0.5]])), P(t2([[0.5]]))), error: 'InvalidArgumentError', argument: 'dReal' },
    { name: "D = 1 under φ = 'log'", call: () => neuralNetDistance(P(t2([[0.5]])), P(t2([[1]]))), error: 'InvalidArgumentError', argument: 'dFake' },
    { name: 'a NaN value', call: () => neuralNetDistanceMembers(asCriticScores(t2([[NaN]])), asCriticScores(t2([[0.5]])), { phi: 'identity' }), error: 'InvalidArgumentError', argument: 'dReal' },
    { name: 'an infinite critic value under identity', call: () => neuralNetDistance(asCriticScores(t2([[1]])), asCriticScores(t2([[-Infinity]])), { phi: 'identity' }), error: 'InvalidArgumentError', argument: 'dFake' },
    { name: "φ = 'sqrt'", call: () => neuralNetDistance(P(t2([[0.5]])), P(t2([[0.5]])), { phi: 'sqrt' as never }), error: 'InvalidParameterError', argument: 'phi' },
    { name: 'an unknown option', call: () => neuralNetDistance(P(t2([[0.5]])), P(t2([[0.5]])), { measure: 'log' } as never), error: 'InvalidParameterError', argument: 'measure' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
export const SPECS: Spec[] = [
  withBenchmark(neuralNetDistanceSpec, () => benchCase({ dReal: uniformArray([8, BENCH.batch], 0.02, 0.98, 1), dFake: uniformArray([8, BENCH.batch], 0.02, 0.98, 2) }, { phi: 'log' })),
  withBenchmark(lossSensitive, () =>
    benchCase(
      { lossReal: uniformArray([BENCH.batch], 0, 5, 1), lossFake: uniformArray([BENCH.batch], 0, 5, 2), xReal: uniformArray([BENCH.batch, BENCH.features], -1, 1, 3), xFake: uniformArray([BENCH.batch, BENCH.features], -1, 1, 4) },
      { lambda: 1, margin: 'l1', reduction: 'mean' },
    ),
  ),
  withBenchmark(featureMatching, () => benchCase({ featuresReal: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1), featuresFake: uniformArray([BENCH.batch, BENCH.features], -1, 1, 2) })),
];
