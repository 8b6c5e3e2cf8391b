import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { checkGrads } from '../../autodiff/check-grads.js';
import { SELU_ALPHA, SELU_SCALE } from '../../autodiff/activations.js';
import { ACTIVATIONS, layersFromInputs, mlp, type Activation, type Mlp } from '../../nets/mlp.js';
import type { CriticFn, LayersModelLike } from '../../regularizers/critic.js';
import { draganNoise, draganPenalty, DRAGAN_ID } from '../../regularizers/dragan.js';
import { GRADIENT_PENALTY_ID, gradientNorms, gradientPenalty, interpolationWeights, type PenaltySide } from '../../regularizers/gradient-penalty.js';
import { NOISE_INDUCED_DIVERGENCES, NOISE_INDUCED_ID, noiseInducedPenalty, type NoiseInducedDivergence } from '../../regularizers/noise-induced.js';
import { R1_ID, r1Penalty, R2_ID, r2Penalty } from '../../regularizers/r1-r2.js';
import { Random } from '../../random.js';
import { batch, f32, uniform, vector } from '../arbitraries.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, InputDecl, InputKind, NDArray, ParamDecl, Spec } from '../types.js';
import { activation, leakyAlpha, matrix, mlpWeights, unbiasedUniform, type NetSample } from './objectives-networks.js';
import { BENCH, benchCase, mlpArrays, uniformArray, withBenchmark } from '../bench.js';
import { act64 } from '../reference64.js';

// ---------------------------------------------------------------------------------------------
// The critic as data, its float64 input gradient, and the arbitraries of this group
// ---------------------------------------------------------------------------------------------

const SAMPLES: InputKind = 'samples';
const NETWORK_WEIGHTS: InputKind = 'network-weights';
const P = 'critic';

/** Data and noise: unbiased uniform in ±2 (see `unbiasedUniform`: no exact cancellations at relu kinks). */
const dataValue = unbiasedUniform(-2, 2);
/** Interpolation weights: unbiased uniform in [0, 1], with the end points 0 and 1 on purpose. */
const epsValue: fc.Arbitrary<number> = fc.oneof({ weight: 6, arbitrary: unbiasedUniform(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(0, 1) });
/** λ and γ: mostly in [0, 10] (the papers' 10), with exact 0 and 1. */
const coefficient: fc.Arbitrary<number> = fc.oneof({ weight: 5, arbitrary: uniform(0, 10) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 10) });

/** A critic d → h₁ (→ h₂) → 1; its output activation is linear two times in three. */
function criticSample(d: number): fc.Arbitrary<NetSample> {
  return fc
    .record({ hs: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }), activation, out: fc.oneof({ weight: 2, arbitrary: fc.constant<Activation>('linear') }, { weight: 1, arbitrary: activation }), alpha: leakyAlpha })
    .chain(({ hs, activation, out, alpha }) => {
      const widths = [d, ...hs, 1];
      return mlpWeights(P, widths).map((weights): NetSample => ({ widths, weights, activation, outputActivation: out, alpha }));
    });
}

/** The same, with smooth activations only (finite-difference checks must not straddle a kink). */
const SMOOTH: Activation[] = ['linear', 'tanh', 'sigmoid', 'softplus', 'swish', 'silu'];
function smoothCriticSample(d: number): fc.Arbitrary<NetSample> {
  return fc.tuple(criticSample(d), fc.constantFrom(...SMOOTH), fc.constantFrom<Activation>('linear', 'tanh', 'softplus')).map(([s, a, o]) => ({ ...s, activation: a, outputActivation: o }));
}

const T = (a: NDArray) => tf.tensor(a.data, a.shape, 'float32');
const rowsOf = (a: NDArray): number[][] => Array.from({ length: a.shape[0]! }, (_, i) => a.data.slice(i * a.shape[1]!, (i + 1) * a.shape[1]!));
const rows = (xs: number[][]): NDArray => ({ shape: [xs.length, xs[0]!.length], data: xs.flat().map(f32) });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
const sigmoid64 = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The critic's layer tensors, in the order W0, B0, W1, B1, … (made here: call inside tf.tidy). */
function weightTensors(s: NetSample): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (let l = 0; l + 1 < s.widths.length; l++) out.push(T(s.weights[`${P}W${l}`]!), T(s.weights[`${P}B${l}`]!));
  return out;
}

/** An `Mlp` from a NetSample and its layer tensors (default: fresh tensors of its weights). */
function netOf(s: NetSample, ws: tf.Tensor[] = weightTensors(s)): Mlp {
  const layers = [];
  for (let l = 0; 2 * l < ws.length; l++) layers.push({ weight: ws[2 * l]!, bias: ws[2 * l + 1]! });
  return { layers, activation: s.activation, outputActivation: s.outputActivation, alpha: s.alpha };
}

/** The critic as a function of TF.js ops. */
const fnCritic = (net: Mlp): CriticFn => (x) => mlp(net, x);
/** The critic as a Layers-style object (what `tf.LayersModel.apply` offers), built here without tfjs-layers; `spec/layers-model.test.ts` checks a real `tf.LayersModel` (tfjs-layers, a dev dependency). */
const modelCritic = (net: Mlp): LayersModelLike => ({ apply: (x) => mlp(net, x as tf.Tensor) });


/** Derivatives of the activations, from their definitions (PyTorch's one-sided values at kinks). */
function dact64(z: number, a: Activation, alpha: number): number {
  switch (a) {
    case 'linear':
      return 1;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'leaky-relu':
      return z > 0 ? 1 : alpha;
    case 'elu':
      return z > 0 ? 1 : Math.exp(z);
    case 'selu':
      return SELU_SCALE * (z > 0 ? 1 : SELU_ALPHA * Math.exp(z));
    case 'tanh':
      return 1 - Math.tanh(z) ** 2;
    case 'sigmoid':
      return sigmoid64(z) * (1 - sigmoid64(z));
    case 'softplus':
      return sigmoid64(z);
    case 'swish':
    case 'silu':
      return sigmoid64(z) * (1 + z * (1 - sigmoid64(z)));
  }
}

/** The critic's score and its input gradient at one point, in float64 (forward pass, then backprop by hand). */
function critic64(s: NetSample, row: number[]): { value: number; grad: number[] } {
  const L = s.widths.length - 1;
  const zs: number[][] = [];
  let h = row;
  for (let l = 0; l < L; l++) {
    const W = s.weights[`${P}W${l}`]!;
    const b = s.weights[`${P}B${l}`]!;
    const cols = W.shape[1]!;
    const z = Array.from({ length: cols }, (_, j) => h.reduce((acc, v, i) => acc + v * W.data[i * cols + j]!, b.data[j]!));
    zs.push(z);
    h = z.map((v) => act64(v, l === L - 1 ? s.outputActivation : s.activation, s.alpha));
  }
  let delta = [dact64(zs[L - 1]![0]!, s.outputActivation, s.alpha)];
  let grad: number[] = [];
  for (let l = L - 1; l >= 0; l--) {
    const W = s.weights[`${P}W${l}`]!;
    const [rowsW, cols] = W.shape as [number, number];
    const gh = Array.from({ length: rowsW }, (_, i) => delta.reduce((acc, dj, j) => acc + W.data[i * cols + j]! * dj, 0));
    if (l > 0) delta = gh.map((g, i) => g * dact64(zs[l - 1]![i]!, s.activation, s.alpha));
    else grad = gh;
  }
  return { value: h[0]!, grad };
}

/** A linear critic x ↦ x·w + b as a NetSample with two linear layers (W0 = I). */
function linearCritic(w: number[], b = 0): NetSample {
  const d = w.length;
  return {
    widths: [d, d, 1],
    weights: {
      [`${P}W0`]: { shape: [d, d], data: Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0)) },
      [`${P}B0`]: vector(new Array<number>(d).fill(0)),
      [`${P}W1`]: rows(w.map((v) => [v])),
      [`${P}B1`]: vector([b]),
    },
    activation: 'linear',
    outputActivation: 'linear',
    alpha: 0.2,
  };
}

/** A critic whose input gradient is exactly 0 everywhere: its last layer's weights are 0. */
function constantCritic(s: NetSample, bias = 0.75): NetSample {
  const L = s.widths.length - 1;
  const W = s.weights[`${P}W${L - 1}`]!;
  return { ...s, weights: { ...s.weights, [`${P}W${L - 1}`]: { shape: W.shape, data: W.data.map(() => 0) }, [`${P}B${L - 1}`]: vector([bias]) } };
}

/** A unit vector in float32 (normalised in float64, then rounded). */
const unitVector = (d: number) => batch(unbiasedUniform(-1, 1), d, d).filter((v) => norm(v) > 0.1).map((v) => v.map((x) => f32(x / norm(v))));

/** A unit direction w [d], two batches [n, d] and [m, d], noise [n, d] and ε [n], for closed forms with linear critics. */
const linearSetup = fc
  .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }) })
  .chain(({ d, n, m }) => fc.record({ w: unitVector(d), xr: matrix(n, d, dataValue), xf: matrix(n, d, dataValue), xm: matrix(m, d, dataValue), noise: matrix(n, d, unbiasedUniform(-3, 3)), eps: batch(epsValue, n, n) }));

const ACTIVATION_DOC = `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`;
const CRITIC_PARAMS: Record<string, ParamDecl> = {
  activation: { doc: `hidden activation of the critic: ${ACTIVATION_DOC}`, default: 'relu', choices: ACTIVATIONS },
  outputActivation: { doc: `output activation of the critic (its score or logit): ${ACTIVATION_DOC}`, default: 'linear', choices: ACTIVATIONS },
  alpha: { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 },
};
const CRITIC_INPUTS: Record<string, InputDecl> = {
  [`${P}W0`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 0 weight [d, h₁]' },
  [`${P}B0`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 0 bias [h₁]' },
  [`${P}W1`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 1 weight [h₁, 1] (or [h₁, h₂] with a third layer)' },
  [`${P}B1`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 1 bias' },
  [`${P}W2`]: { kind: NETWORK_WEIGHTS, optional: true, doc: 'critic layer 2 weight [h₂, 1]' },
  [`${P}B2`]: { kind: NETWORK_WEIGHTS, optional: true, doc: 'critic layer 2 bias [1]' },
};

const criticParams = (s: NetSample) => ({ activation: s.activation, outputActivation: s.outputActivation, alpha: s.alpha });

/** The critic of a case's inputs and params (for `evaluate`). */
function criticFromInputs(x: Record<string, tf.Tensor>, p: Record<string, unknown>): Mlp {
  return { layers: layersFromInputs(x, P), activation: p.activation as Activation, outputActivation: p.outputActivation as Activation, alpha: p.alpha as number };
}

function permutation(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.nat(), { minLength: n, maxLength: n }).map((keys) => keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i));
}
const permuteRows = (a: NDArray, perm: number[]): NDArray => rows(perm.map((i) => rowsOf(a)[i]!));
const duplicateRows = (a: NDArray): NDArray => rows([...rowsOf(a), ...rowsOf(a)]);

/** Gradients of a scalar function of the critic's layer tensors, as plain numbers. */
function weightGrads(s: NetSample, penalty: (net: Mlp) => tf.Scalar): number[] {
  const ws = weightTensors(s);
  // 0·Σ w keeps every weight on the tape (a bias the penalty does not depend on gets 0).
  const f = (...args: tf.Tensor[]) => args.reduce((acc: tf.Tensor, w) => tf.add(acc, tf.mul(0, tf.sum(w))), penalty(netOf(s, args))) as tf.Scalar;
  return tf.grads(f)(ws).flatMap((g) => Array.from(g.dataSync()));
}

/** First-order check of a penalty's gradient wrt the critic weights against finite differences. */
function checkWeightGrads(s: NetSample, penalty: (net: Mlp) => tf.Scalar): void {
  checkGrads((...ws: tf.Tensor[]) => penalty(netOf(s, ws)), weightTensors(s), { order: 1, seed: 7, directions: 2 });
}

/** The float64 scale of a penalty value, for absolute tolerances. */
const scaleOf = (coef: number, terms: number[]) => 1e-5 * (1 + coef * Math.max(1, ...terms.map(Math.abs)));

// ---------------------------------------------------------------------------------------------
// penalty/gradient-penalty
// ---------------------------------------------------------------------------------------------

interface GpSample {
  net: NetSample;
  xr: NDArray;
  xf: NDArray;
  eps: number[];
}

function gpSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<GpSample> {
  return fc
    .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }) })
    .chain(({ d, n }) => fc.record({ net: critic(d), xr: matrix(n, d, dataValue), xf: matrix(n, d, dataValue), eps: batch(epsValue, n, n) }));
}
const gpSample = gpSampleOf(criticSample);

function gpCase(v: GpSample, lambda: number, sided: PenaltySide, label?: string, grads = true): Case {
  return { inputs: { xReal: v.xr, xFake: v.xf, epsilon: vector(v.eps), ...v.net.weights }, params: { lambda, sided, ...criticParams(v.net) }, grads, ...(label ? { label } : {}) };
}

function gp(v: GpSample, o: { lambda?: number; sided?: PenaltySide } = {}, critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic, net = netOf(v.net)): tf.Scalar {
  return gradientPenalty(critic(net), T(v.xr), T(v.xf), { epsilon: tf.tensor1d(v.eps), ...o });
}

/** x̂ᵢ of every example in float64. */
const interpolates = (v: GpSample, eps: number[]) => rowsOf(v.xr).map((r, i) => r.map((a, j) => eps[i]! * a + (1 - eps[i]!) * rowsOf(v.xf)[i]![j]!));

function gp64(v: GpSample, lambda: number, sided: PenaltySide, eps = v.eps): number {
  return lambda * mean(interpolates(v, eps).map((p) => {
    const dev = norm(critic64(v.net, p).grad) - 1;
    return (sided === 'one' ? Math.max(0, dev) : dev) ** 2;
  }));
}

/**
 * Whether every per-example ‖∇D‖ (float64) is exactly 0 or at least 0.05. Error analysis: the
 * Hessian of ‖g‖ in g is (I − ĝĝᵀ)/‖g‖, so second derivatives of (‖g‖ − 1)² in the weights carry
 * terms 2λ(‖g‖ − 1)·(I − ĝĝᵀ)/‖g‖ formed in float32 as differences of O(λ/‖g‖) numbers: their
 * rounding noise grows like u·λ/‖g‖ (wasm, seed 4, case 18: ‖g‖ = 4e-4 gave an HVP off by 5e-4
 * relative, where torch's own float32 was off by 1e-4). At ‖g‖ = 0 no derivative exists at all (a
 * cone). Cross-checked cases keep the norms ≥ 0.05 or exactly 0 (dead relu units: locally
 * constant, derivatives exactly 0); the invariants still cover norms near 0 (constant critics,
 * dead units, finite gradients).
 */
const wellConditioned = (net: NetSample, points: number[][]) => points.every((p) => {
  const g = norm(critic64(net, p).grad);
  return g === 0 || g >= 0.05;
});

const gpCases: fc.Arbitrary<Case> = fc
  .record({ v: gpSample, lambda: coefficient, sided: fc.constantFrom<PenaltySide>('two', 'two', 'one') })
  .filter(({ v }) => wellConditioned(v.net, interpolates(v, v.eps)))
  .map(({ v, lambda, sided }) => gpCase(v, lambda, sided));

const fixedGp = (): GpSample => ({ net: linearCritic([0.6, 0.8], 0.5), xr: rows([[1, 2], [3, -1]]), xf: rows([[0, 0], [1, 1]]), eps: [0.25, 0.5] });
const tanhNet: NetSample = {
  widths: [2, 3, 1],
  weights: { criticW0: rows([[0.9, -0.4, 0.3], [0.2, 1.1, -0.7]]), criticB0: vector([0.1, -0.3, 0.2]), criticW1: rows([[1.2], [-0.8], [0.5]]), criticB1: vector([0.05]) },
  activation: 'tanh',
  outputActivation: 'linear',
  alpha: 0.2,
};

export const gradientPenaltySpec: Spec = {
  id: GRADIENT_PENALTY_ID,
  title: 'WGAN-GP gradient penalty (two- and one-sided, one ε per example)',
  reference: 'Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, Improved Training of Wasserstein GANs, eq. 3 and Algorithm 1; one-sided variant §4',
  section: 'regularizers',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch x_r [n, d]' },
    xFake: { kind: SAMPLES, doc: 'generated batch x_f [n, d] (row i pairs with row i)' },
    epsilon: { kind: 'weights', doc: 'interpolation weights ε [n] in [0, 1], one per example: x̂ = εx_r + (1 − ε)x_f' },
    ...CRITIC_INPUTS,
  },
  params: {
    lambda: { doc: 'λ ≥ 0, the penalty coefficient', default: 10 },
    sided: { doc: "'two': (‖∇D(x̂)‖ − 1)²; 'one': max(0, ‖∇D(x̂)‖ − 1)²", default: 'two', choices: ['two', 'one'] },
    ...CRITIC_PARAMS,
  },
  outputs: ['penalty'],
  evaluate: (x, p) => ({ penalty: gradientPenalty(fnCritic(criticFromInputs(x, p)), x.xReal!, x.xFake!, { epsilon: x.epsilon!, lambda: p.lambda as number, sided: p.sided as PenaltySide }) }),
  // Error analysis. A gradient with respect to a critic weight is a sum over the batch of
  // per-example terms 2λ(‖g‖ − t)·∂‖g‖/∂θ, each itself the end of a double-backprop chain of ~20
  // kernels through the network twice; the per-example terms reach O(1–20) for λ ≤ 10 and
  // ‖∇D‖ ≤ 5 and cancel (wasm, seed 7: GP case 59, Σ|terms| = 1.6 for a gradient of 0.0528 off by
  // 3.9e-6; DRAGAN case 68, Σ|terms| = 20 for 0.0311 off by 1.1e-5, torch float32 itself off by
  // 5.4e-6). float32 leaves an absolute error of c·u·Σ|terms| with c ≈ 10–40 (chain depth), i.e.
  // up to ≈ 1.5e-5 whatever the result's size, above the default atol of 1e-6; Hessian-vector
  // products go through one more chain (cpu, DRAGAN seed 6 case 80: 1.4e-5 off, torch float32 7.8e-6).
  tolerance: { grad: { atol: 2e-5 }, hvp: { atol: 5e-5 } },
  sample: gpCases,
  edges: [
    gpCase({ net: linearCritic([0.6, 0.8], 0.5), xr: rows([[1, 2], [3, -1], [0, 0]]), xf: rows([[-1, 0.5], [2, 2], [4, -3]]), eps: [0, 0.5, 1] }, 10, 'two', 'closed form: a linear critic with a unit-norm weight has penalty 0'),
    gpCase({ net: linearCritic([1.5, -2], -1), xr: rows([[1, 2], [3, -1]]), xf: rows([[-1, 0.5], [2, 2]]), eps: [0.3, 0.9] }, 2, 'two', 'closed form: a linear critic with ‖w‖ = 2.5 has penalty λ(2.5 − 1)² = 4.5'),
    gpCase({ net: linearCritic([0.3, 0.4]), xr: rows([[1, 2]]), xf: rows([[-1, 0.5]]), eps: [0.7] }, 10, 'one', 'closed form: one-sided penalty of a critic with ‖∇‖ = 0.5 < 1 is 0'),
    gpCase({ net: constantCritic(tanhNet), xr: rows([[1, 2], [0, -1]]), xf: rows([[-1, 0.5], [2, 2]]), eps: [0.3, 0.6] }, 10, 'two', 'edge: a constant critic (zero gradient) gives λ; the norm has no derivative at 0 (values only)', false),
    gpCase({ net: tanhNet, xr: rows([[1, 2], [0, -1], [0.5, 0.5]]), xf: rows([[-1, 0.5], [2, 2], [-0.5, 1.5]]), eps: [0.1, 0.5, 0.95] }, 10, 'two', 'a tanh critic with three distinct ε'),
  ],
  secondOrder: true,
  invariants: [
    invariant('a linear critic with unit-norm weight: unit gradient norms along every interpolation line, two-sided penalty 0; with ‖w‖ = a it is λ(a − 1)² (one-sided λ·max(0, a − 1)²)', fc.tuple(linearSetup, uniform(0, 3), uniform(0, 10)), ([s, a, lambda]) => {
      const unit: GpSample = { net: linearCritic(s.w, 0.3), xr: s.xr, xf: s.xf, eps: s.eps };
      const xHat = T(rows(interpolates(unit, unit.eps)));
      values(gradientNorms(fnCritic(netOf(unit.net)), xHat)).forEach((g, i) => checkClose(`‖∇D(x̂_${i})‖`, g, 1, 0, 1e-6));
      const zero = scalar(gp(unit, { lambda }));
      checkThat(Math.abs(zero) <= 1e-10 * Math.max(1, lambda), `penalty ${zero} ≠ 0 for a unit-norm linear critic`);
      const w = s.w.map((x) => f32(a * x));
      const an = norm(w);
      const scaled: GpSample = { ...unit, net: linearCritic(w, -0.7) };
      checkClose('two-sided', scalar(gp(scaled, { lambda })), lambda * (an - 1) ** 2, 1e-5, 1e-6 * Math.max(1, lambda));
      checkClose('one-sided', scalar(gp(scaled, { lambda, sided: 'one' })), lambda * Math.max(0, an - 1) ** 2, 1e-5, 1e-6 * Math.max(1, lambda));
    }),
    invariant('penalties are ≥ 0, scale linearly in λ, and one-sided ≤ two-sided', fc.tuple(gpSample, uniform(0, 20)), ([v, lambda]) => {
      const one = scalar(gp(v, { lambda: 1 }));
      const two = scalar(gp(v, { lambda }));
      const oneSided = scalar(gp(v, { lambda, sided: 'one' }));
      checkThat(one >= 0 && two >= 0 && oneSided >= 0, `negative penalty: ${one}, ${two}, ${oneSided}`);
      checkClose('P(λ) vs λ·P(1)', two, lambda * one, 1e-6, 1e-30);
      checkThat(oneSided <= two * (1 + 1e-6), `one-sided ${oneSided} > two-sided ${two}`);
      checkThat(scalar(gp(v, { lambda: 0 })) === 0, 'λ = 0 does not give 0');
    }),
    invariant('per example: permuting or duplicating the examples (with their ε) does not change the penalty (no whole-batch norm)', gpSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.eps.length))), ([v, perm]) => {
      const base = scalar(gp(v));
      const permuted = scalar(gp({ ...v, xr: permuteRows(v.xr, perm), xf: permuteRows(v.xf, perm), eps: perm.map((i) => v.eps[i]!) }));
      const doubled = scalar(gp({ ...v, xr: duplicateRows(v.xr), xf: duplicateRows(v.xf), eps: [...v.eps, ...v.eps] }));
      checkClose('permuted', permuted, base, 1e-5, 1e-5);
      checkClose('duplicated', doubled, base, 1e-5, 1e-5);
    }),
    invariant('one ε per example: equals a float64 reference computed per example, not one with ε₀ for the whole batch', fc.tuple(gpSample, fc.constantFrom<PenaltySide>('two', 'one')), ([v, sided]) => {
      const got = scalar(gp(v, { lambda: 10, sided }));
      const want = gp64(v, 10, sided);
      const tol = scaleOf(10, interpolates(v, v.eps).map((p) => norm(critic64(v.net, p).grad) ** 2));
      checkClose('penalty vs float64 per-example reference', got, want, 1e-4, tol);
      const shared = gp64(v, 10, sided, v.eps.map(() => v.eps[0]!));
      if (Math.abs(shared - want) > 100 * (tol + 1e-4 * Math.abs(want))) {
        checkThat(Math.abs(got - shared) > 10 * (tol + 1e-4 * Math.abs(want)), `the penalty ${got} matches the shared-ε value ${shared}`);
      }
    }),
    invariant('a nonlinear critic: per-example ε differs from a single ε₀ for the whole batch', fc.tuple(batch(dataValue, 4, 4), batch(dataValue, 4, 4)), ([a, b]) => {
      const v: GpSample = { net: tanhNet, xr: rows([[a[0]!, a[1]!], [a[2]!, a[3]!]]), xf: rows([[b[0]!, b[1]!], [b[2]!, b[3]!]]), eps: [0.05, 0.95] };
      const want = gp64(v, 10, 'two');
      const shared = gp64(v, 10, 'two', [0.05, 0.05]);
      fc.pre(Math.abs(want - shared) > 1e-3 * (1 + Math.abs(want)));
      const got = scalar(gp(v));
      checkClose('per-example', got, want, 1e-4, 1e-5);
      checkThat(Math.abs(got - shared) > 1e-4 * (1 + Math.abs(want)), `penalty ${got} equals the shared-ε₀ value ${shared}`);
    }),
    invariant('a constant critic (zero input gradient) gives the finite penalty λ (one-sided 0) and finite weight gradients, also for a critic that ignores x and for dead relu units', fc.tuple(gpSample, uniform(0, 10)), ([v, lambda]) => {
      const c = { ...v, net: constantCritic(v.net) };
      checkClose('two-sided', scalar(gp(c, { lambda })), lambda, 1e-6, 0);
      checkThat(scalar(gp(c, { lambda, sided: 'one' })) === 0, 'one-sided penalty of a constant critic ≠ 0');
      const g = weightGrads(c.net, (net) => gp(c, { lambda }, fnCritic, net));
      checkFinite('∂P/∂θ (constant critic)', g);
      const dead: NetSample = { ...v.net, activation: 'relu', weights: { ...v.net.weights, [`${P}B0`]: vector(v.net.weights[`${P}B0`]!.data.map(() => -100)) } };
      checkClose('dead relu critic', scalar(gp({ ...v, net: dead }, { lambda })), lambda, 1e-6, 0);
      checkFinite('∂P/∂θ (dead relu)', weightGrads(dead, (net) => gp({ ...v, net: dead }, { lambda }, fnCritic, net)));
      const n = v.eps.length;
      const ignoring: CriticFn = () => tf.fill([n], 3);
      checkClose('a critic ignoring x', scalar(gradientPenalty(ignoring, T(v.xr), T(v.xf), { epsilon: tf.tensor1d(v.eps), lambda })), lambda, 1e-6, 0);
    }),
    // Away from ‖∇D(x̂)‖ = 0, where (‖∇D‖ − 1)² has a cone singularity in the weights, and from the
    // one-sided kink at ‖∇D‖ = 1: a finite-difference step (≈ 0.016 per weight) must not reach them.
    invariant('the gradient wrt the critic weights (double backprop) matches central finite differences', fc
      .tuple(gpSampleOf(smoothCriticSample), uniform(0.5, 10), fc.constantFrom<PenaltySide>('two', 'one'))
      .filter(([v, , sided]) => interpolates(v, v.eps).every((p) => {
        const g = norm(critic64(v.net, p).grad);
        return g >= 0.2 && (sided === 'two' || Math.abs(g - 1) >= 0.2);
      })), ([v, lambda, sided]) => {
      checkWeightGrads(v.net, (net) => gp(v, { lambda, sided }, fnCritic, net));
    }, 25),
    invariant('the critic as a function and as a LayersModel-like object give the same penalty and weight gradients', gpSample, (v) => {
      checkThat(scalar(gp(v, {}, fnCritic)) === scalar(gp(v, {}, modelCritic)), 'values differ');
      const a = weightGrads(v.net, (net) => gp(v, {}, fnCritic, net));
      const b = weightGrads(v.net, (net) => gp(v, {}, modelCritic, net));
      checkThat(a.every((g, i) => g === b[i]), 'weight gradients differ');
    }),
    invariant('drawn ε replays and advances: generators with one seed give the same penalty, equal to the explicit ε drawn from a copy; the next call draws another ε; a repeated seed continues its stream', fc.tuple(gpSample, fc.integer({ min: 0, max: 1e6 })), ([v, seed]) => {
      const net = netOf(v.net);
      const rng = new Random(seed);
      const eps = interpolationWeights(v.eps.length, rng.clone());
      const first = scalar(gradientPenalty(fnCritic(net), T(v.xr), T(v.xf), { random: rng }));
      checkThat(first === scalar(gradientPenalty(fnCritic(net), T(v.xr), T(v.xf), { random: new Random(seed) })), 'two generators with the same seed gave different penalties');
      checkThat(values(eps).every((e) => e >= 0 && e <= 1), 'drawn ε outside [0, 1]');
      checkThat(first === scalar(gradientPenalty(fnCritic(net), T(v.xr), T(v.xf), { epsilon: eps })), 'the drawn penalty differs from the explicit ε');
      const next = values(interpolationWeights(v.eps.length, rng.clone()));
      checkThat(rng.draws === 1 && next.some((e, i) => e !== values(eps)[i]), 'the generator did not advance: the next call would reuse ε');
      // `seed` starts a stream: two calls with one seed draw two different ε (the second is not the first again).
      const a = values(interpolationWeights(v.eps.length, seed));
      const b = values(interpolationWeights(v.eps.length, seed));
      checkThat(b.some((e, i) => e !== a[i]), 'a repeated seed drew the same ε twice');
    }),
  ],
  errors: [
    { name: 'a negative λ', call: () => gp(fixedGp(), { lambda: -1 }), error: 'InvalidParameterError', argument: 'lambda' },
    { name: "sided 'both'", call: () => gp(fixedGp(), { sided: 'both' as never }), error: 'InvalidParameterError', argument: 'sided' },
    { name: 'ε of the wrong length', call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), T(fixedGp().xr), T(fixedGp().xf), { epsilon: tf.tensor1d([0.5]) }), error: 'InvalidArgumentError', argument: 'epsilon' },
    { name: 'ε of shape [n, 1]', call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), T(fixedGp().xr), T(fixedGp().xf), { epsilon: tf.tensor2d([[0.5], [0.5]]) }), error: 'InvalidArgumentError', argument: 'epsilon' },
    { name: 'ε above 1', call: () => gp({ ...fixedGp(), eps: [0.5, 1.5] }), error: 'InvalidArgumentError', argument: 'epsilon' },
    { name: 'a negative ε', call: () => gp({ ...fixedGp(), eps: [-0.1, 0.5] }), error: 'InvalidArgumentError', argument: 'epsilon' },
    { name: 'both ε and a generator', call: () => gp(fixedGp(), { random: new Random(3) } as never), error: 'InvalidParameterError', argument: 'random' },
    { name: 'a generator that is not a Random', call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), T(fixedGp().xr), T(fixedGp().xf), { random: { seed: 3 } as never }), error: 'InvalidParameterError', argument: 'random' },
    { name: 'both ε and a seed', call: () => gp(fixedGp(), { seed: 3 } as never), error: 'InvalidParameterError', argument: 'seed' },
    { name: 'a fractional seed', call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), T(fixedGp().xr), T(fixedGp().xf), { seed: 0.5 }), error: 'InvalidParameterError', argument: 'seed' },
    { name: 'batches of different shapes', call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), T(fixedGp().xr), tf.zeros([3, 2]), { seed: 1 }), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: 'a NaN sample', call: () => gp({ ...fixedGp(), xr: rows([[NaN, 0], [0, 0]]) }), error: 'InvalidArgumentError', argument: 'xReal' },
    { name: 'a batch of rank 1', call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), tf.zeros([2]), tf.zeros([2]), { seed: 1 }), error: 'InvalidArgumentError', argument: 'xReal' },
    { name: 'a critic returning two scores per example', call: () => gradientPenalty((x: tf.Tensor) => tf.concat([x, x], 1), T(fixedGp().xr), T(fixedGp().xf), { seed: 1 }), error: 'InvalidArgumentError', argument: 'critic' },
    { name: 'a critic that is not a function or model', call: () => gradientPenalty(42 as never, T(fixedGp().xr), T(fixedGp().xf), { seed: 1 }), error: 'InvalidArgumentError', argument: 'critic' },
    { name: 'an unknown option', call: () => gp(fixedGp(), { gamma: 1 } as never), error: 'InvalidParameterError', argument: 'gamma' },
  ],
};

// ---------------------------------------------------------------------------------------------
// penalty/dragan
// ---------------------------------------------------------------------------------------------

interface DrSample {
  net: NetSample;
  x: NDArray;
  noise: NDArray;
}

function drSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<DrSample> {
  return fc
    .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }) })
    .chain(({ d, n }) => fc.record({ net: critic(d), x: matrix(n, d, dataValue), noise: matrix(n, d, unbiasedUniform(-3, 3)) }));
}
const drSample = drSampleOf(criticSample);

function drCase(v: DrSample, lambda: number, k: number, label?: string, grads = true): Case {
  return { inputs: { xReal: v.x, noise: v.noise, ...v.net.weights }, params: { lambda, k, ...criticParams(v.net) }, grads, ...(label ? { label } : {}) };
}

function dr(v: DrSample, o: { lambda?: number; k?: number } = {}, critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic, net = netOf(v.net)): tf.Scalar {
  return draganPenalty(critic(net), T(v.x), { noise: T(v.noise), ...o });
}

const perturbed = (v: DrSample) => rowsOf(v.x).map((r, i) => r.map((a, j) => a + rowsOf(v.noise)[i]![j]!));
const dr64 = (v: DrSample, lambda: number, k: number) => lambda * mean(perturbed(v).map((p) => (norm(critic64(v.net, p).grad) - k) ** 2));

/** Cross-checked cases keep every ‖∇D(x + δ)‖ ≥ 0.05 or exactly 0: see `wellConditioned`. */
const drCases: fc.Arbitrary<Case> = fc
  .record({ v: drSample, lambda: coefficient, k: fc.oneof(uniform(0, 3), fc.constant(1)) })
  .filter(({ v }) => wellConditioned(v.net, perturbed(v)))
  .map(({ v, lambda, k }) => drCase(v, lambda, k));
const fixedDr = (): DrSample => ({ net: linearCritic([0.6, 0.8]), x: rows([[1, 2], [3, -1]]), noise: rows([[0.1, -0.2], [0.3, 0]]) });

export const draganSpec: Spec = {
  id: DRAGAN_ID,
  title: 'DRAGAN gradient penalty around the real data (explicit perturbations)',
  reference: 'Kodali, Abernethy, Hays & Kira 2017, On Convergence and Stability of GANs, §5 (the DRAGAN regularizer; λ ∼ 10, k = 1, c ∼ 10)',
  section: 'regularizers',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch x [n, d]' },
    noise: { kind: SAMPLES, doc: 'the perturbations δ [n, d] (δ ~ N(0, cI) in the paper), given explicitly' },
    ...CRITIC_INPUTS,
  },
  params: {
    lambda: { doc: 'λ ≥ 0, the penalty coefficient', default: 10 },
    k: { doc: 'k ≥ 0, the target gradient norm', default: 1 },
    ...CRITIC_PARAMS,
  },
  outputs: ['penalty'],
  evaluate: (x, p) => ({ penalty: draganPenalty(fnCritic(criticFromInputs(x, p)), x.xReal!, { noise: x.noise!, lambda: p.lambda as number, k: p.k as number }) }),
  // Error analysis (as for penalty/gradient-penalty). A gradient with respect to a critic weight is a sum over the batch of
  // per-example terms 2λ(‖g‖ − t)·∂‖g‖/∂θ, each itself the end of a double-backprop chain of ~20
  // kernels through the network twice; the per-example terms reach O(1–20) for λ ≤ 10 and
  // ‖∇D‖ ≤ 5 and cancel (wasm, seed 7: GP case 59, Σ|terms| = 1.6 for a gradient of 0.0528 off by
  // 3.9e-6; DRAGAN case 68, Σ|terms| = 20 for 0.0311 off by 1.1e-5, torch float32 itself off by
  // 5.4e-6). float32 leaves an absolute error of c·u·Σ|terms| with c ≈ 10–40 (chain depth), i.e.
  // up to ≈ 1.5e-5 whatever the result's size, above the default atol of 1e-6; Hessian-vector
  // products go through one more chain (cpu, DRAGAN seed 6 case 80: 1.4e-5 off, torch float32 7.8e-6).
  tolerance: { grad: { atol: 2e-5 }, hvp: { atol: 5e-5 } },
  sample: drCases,
  edges: [
    drCase({ net: linearCritic([0.6, 0.8], 1), x: rows([[1, 2], [3, -1]]), noise: rows([[0.5, -2], [3, 0.25]]) }, 10, 1, 'closed form: a linear critic with ‖w‖ = k = 1 has penalty 0'),
    drCase({ net: linearCritic([1.5, -2]), x: rows([[1, 2]]), noise: rows([[-0.5, 1]]) }, 3, 0.5, 'closed form: ‖w‖ = 2.5, k = 0.5: λ(2.5 − 0.5)² = 12'),
    drCase({ net: constantCritic(tanhNet), x: rows([[1, 2], [0, -1]]), noise: rows([[0.5, 0.5], [-1, 2]]) }, 10, 1, 'edge: a constant critic gives λk² (values only: the norm has no derivative at 0)', false),
    drCase({ net: tanhNet, x: rows([[1, 2], [0, -1]]), noise: rows([[0, 0], [0, 0]]) }, 10, 1, 'zero perturbations: the penalty at the real points'),
  ],
  secondOrder: true,
  invariants: [
    invariant('a linear critic with ‖w‖ = a gives λ(a − k)², and 0 when a = k', fc.tuple(linearSetup, uniform(0, 3), uniform(0, 3), uniform(0, 10)), ([s, a, k, lambda]) => {
      const w = s.w.map((c) => f32(a * c));
      const an = norm(w);
      checkClose('λ(a − k)²', scalar(dr({ net: linearCritic(w, 0.2), x: s.xr, noise: s.noise }, { lambda, k })), lambda * (an - k) ** 2, 1e-5, 1e-6 * Math.max(1, lambda));
      const zero = scalar(dr({ net: linearCritic(w), x: s.xr, noise: s.noise }, { lambda, k: f32(an) }));
      checkThat(Math.abs(zero) <= 1e-10 * Math.max(1, lambda) * Math.max(1, an * an), `penalty ${zero} ≠ 0 at a = k`);
    }),
    invariant('penalties are ≥ 0 and scale linearly in λ', fc.tuple(drSample, uniform(0, 20), uniform(0, 3)), ([v, lambda, k]) => {
      const one = scalar(dr(v, { lambda: 1, k }));
      checkThat(one >= 0, `negative penalty ${one}`);
      checkClose('P(λ) vs λ·P(1)', scalar(dr(v, { lambda, k })), lambda * one, 1e-6, 1e-30);
    }),
    invariant('per example: permuting or duplicating the examples (with their δ) does not change the penalty', drSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.x.shape[0]!))), ([v, perm]) => {
      const base = scalar(dr(v));
      checkClose('permuted', scalar(dr({ ...v, x: permuteRows(v.x, perm), noise: permuteRows(v.noise, perm) })), base, 1e-5, 1e-5);
      checkClose('duplicated', scalar(dr({ ...v, x: duplicateRows(v.x), noise: duplicateRows(v.noise) })), base, 1e-5, 1e-5);
    }),
    invariant('equals a float64 reference computed per example at x + δ', fc.tuple(drSample, uniform(0, 3)), ([v, k]) => {
      const want = dr64(v, 10, k);
      checkClose('penalty', scalar(dr(v, { lambda: 10, k })), want, 1e-4, scaleOf(10, perturbed(v).map((p) => (norm(critic64(v.net, p).grad) + k) ** 2)));
    }),
    invariant('a constant critic gives the finite penalty λk² and finite weight gradients', fc.tuple(drSample, uniform(0, 10), uniform(0, 3)), ([v, lambda, k]) => {
      const c = { ...v, net: constantCritic(v.net) };
      checkClose('λk²', scalar(dr(c, { lambda, k })), lambda * k * k, 1e-6, 0);
      checkFinite('∂P/∂θ', weightGrads(c.net, (net) => dr(c, { lambda, k }, fnCritic, net)));
    }),
    invariant('with k = 0 and λ = γ/2 it is R1 at the perturbed points', fc.tuple(drSample, uniform(0, 10)), ([v, gamma]) => {
      const net = netOf(v.net);
      const r1 = scalar(r1Penalty(fnCritic(net), tf.add(T(v.x), T(v.noise)), { gamma }));
      checkClose('DRAGAN(k = 0) vs R1', scalar(dr(v, { lambda: gamma / 2, k: 0 }, fnCritic, net)), r1, 1e-5, 1e-6);
    }),
    // Away from ‖∇D(x + δ)‖ = 0, the cone singularity of (‖∇D‖ − k)² in the weights (see gradient-penalty).
    invariant('the gradient wrt the critic weights (double backprop) matches central finite differences', fc
      .tuple(drSampleOf(smoothCriticSample), uniform(0.5, 10), uniform(0, 2))
      .filter(([v]) => perturbed(v).every((p) => norm(critic64(v.net, p).grad) >= 0.2)), ([v, lambda, k]) => {
      checkWeightGrads(v.net, (net) => dr(v, { lambda, k }, fnCritic, net));
    }, 25),
    invariant('the critic as a function and as a LayersModel-like object give the same penalty and weight gradients', drSample, (v) => {
      checkThat(scalar(dr(v, {}, fnCritic)) === scalar(dr(v, {}, modelCritic)), 'values differ');
      const a = weightGrads(v.net, (net) => dr(v, {}, fnCritic, net));
      const b = weightGrads(v.net, (net) => dr(v, {}, modelCritic, net));
      checkThat(a.every((g, i) => g === b[i]), 'weight gradients differ');
    }),
    invariant('seeded noise replays and has the stated scale: N(0, cI) has variance c; the authors-code scheme lies in [0, 0.5·std(x))', fc.tuple(fc.integer({ min: 0, max: 1e6 }), uniform(0.1, 20), drSample), ([seed, c, v]) => {
      const x = tf.randomUniform([500, 4], -2, 2, 'float32', seed + 1);
      const delta = values(draganNoise(x, { random: new Random(seed), c }));
      const again = values(draganNoise(x, { random: new Random(seed), c }));
      checkThat(delta.every((d, i) => d === again[i]), 'generators with the same seed gave different noise');
      const variance = mean(delta.map((d) => d * d));
      checkClose('sample variance', variance, c, 0.15, 0);
      const xs = values(x);
      const mx = mean(xs);
      const std = Math.sqrt(mean(xs.map((a) => (a - mx) ** 2)));
      const authors = values(draganNoise(x, { seed, scheme: 'authors-code' }));
      checkThat(authors.every((d) => d >= 0 && d <= 0.5 * std * (1 + 1e-5)), 'authors-code noise outside [0, 0.5·std)');
      const net = netOf(v.net);
      const rng = new Random(seed);
      const bySeed = scalar(draganPenalty(fnCritic(net), T(v.x), { random: rng.clone(), c }));
      checkThat(bySeed === scalar(draganPenalty(fnCritic(net), T(v.x), { noise: draganNoise(T(v.x), { random: rng, c }) })), 'the drawn penalty differs from the explicit noise');
      const next = values(draganNoise(T(v.x), { random: rng, c }));
      checkThat(next.some((d, i) => d !== values(draganNoise(T(v.x), { random: new Random(seed), c }))[i]), 'the generator did not advance');
    }, 30),
  ],
  errors: [
    { name: 'a negative λ', call: () => dr(fixedDr(), { lambda: -0.5 }), error: 'InvalidParameterError', argument: 'lambda' },
    { name: 'a negative k', call: () => dr(fixedDr(), { k: -1 }), error: 'InvalidParameterError', argument: 'k' },
    { name: 'noise of another shape', call: () => dr({ ...fixedDr(), noise: rows([[0, 0, 0], [1, 1, 1]]) }), error: 'InvalidArgumentError', argument: 'noise' },
    { name: 'an infinite perturbation', call: () => dr({ ...fixedDr(), noise: rows([[Infinity, 0], [0, 0]]) }), error: 'InvalidArgumentError', argument: 'noise' },
    { name: 'both noise and a generator', call: () => dr(fixedDr(), { random: new Random(1) } as never), error: 'InvalidParameterError', argument: 'random' },
    { name: 'c with explicit noise', call: () => dr(fixedDr(), { c: 2 } as never), error: 'InvalidParameterError', argument: 'c' },
    { name: 'c = 0 with a seed', call: () => draganPenalty(fnCritic(netOf(fixedDr().net)), T(fixedDr().x), { seed: 1, c: 0 }), error: 'InvalidParameterError', argument: 'c' },
    { name: "noise scheme 'gaussian'", call: () => draganNoise(T(fixedDr().x), { seed: 1, scheme: 'gaussian' as never }), error: 'InvalidParameterError', argument: 'scheme' },
    { name: 'a critic returning [n, 2]', call: () => draganPenalty((x: tf.Tensor) => tf.concat([x, x], 1), T(fixedDr().x), { seed: 1 }), error: 'InvalidArgumentError', argument: 'critic' },
    { name: 'an unknown option', call: () => dr(fixedDr(), { sided: 'one' } as never), error: 'InvalidParameterError', argument: 'sided' },
  ],
};

// ---------------------------------------------------------------------------------------------
// penalty/r1 and penalty/r2
// ---------------------------------------------------------------------------------------------

interface RSample {
  net: NetSample;
  x: NDArray;
}

function rSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<RSample> {
  return fc.record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }) }).chain(({ d, n }) => fc.record({ net: critic(d), x: matrix(n, d, dataValue) }));
}
const rSample = rSampleOf(criticSample);

const r64 = (v: RSample, gamma: number) => (gamma / 2) * mean(rowsOf(v.x).map((p) => norm(critic64(v.net, p).grad) ** 2));

function zeroCenteredSpec(which: 'r1' | 'r2'): Spec {
  const id = which === 'r1' ? R1_ID : R2_ID;
  const name = which === 'r1' ? 'xReal' : 'xFake';
  const fn = which === 'r1' ? r1Penalty : r2Penalty;
  const pen = (v: RSample, gamma?: number, critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic, net = netOf(v.net)) => fn(critic(net), T(v.x), gamma === undefined ? {} : { gamma });
  const rCase = (v: RSample, gamma: number, label?: string): Case => ({ inputs: { [name]: v.x, ...v.net.weights }, params: { gamma, ...criticParams(v.net) }, grads: true, ...(label ? { label } : {}) });
  const fixed = (): RSample => ({ net: linearCritic([0.6, 0.8]), x: rows([[1, 2], [3, -1]]) });
  return {
    id,
    title: which === 'r1' ? 'R1 zero-centred gradient penalty on real data' : 'R2 zero-centred gradient penalty on generated data',
    reference: `Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?, eq. ${which === 'r1' ? 9 : 10}`,
    section: 'regularizers',
    inputs: { [name]: { kind: SAMPLES, doc: `${which === 'r1' ? 'real' : 'generated'} batch [n, d]` }, ...CRITIC_INPUTS },
    params: { gamma: { doc: 'γ ≥ 0; the penalty is γ/2·E[‖∇D(x)‖²]', default: 10 }, ...CRITIC_PARAMS },
    outputs: ['penalty'],
    evaluate: (x, p) => ({ penalty: fn(fnCritic(criticFromInputs(x, p)), x[name]!, { gamma: p.gamma as number }) }),
    sample: fc.record({ v: rSample, gamma: coefficient }).map(({ v, gamma }) => rCase(v, gamma)),
    edges: [
      rCase({ net: linearCritic([1.5, -2], 0.5), x: rows([[1, 2], [3, -1], [0, 0]]) }, 10, 'closed form: a linear critic with ‖w‖ = 2.5 gives γ/2·6.25 = 31.25'),
      rCase({ net: constantCritic(tanhNet), x: rows([[1, 2], [0, -1]]) }, 10, 'closed form: a constant critic gives 0 (smooth: gradients compared)'),
      rCase({ net: tanhNet, x: rows([[1, 2], [0, -1], [0.5, -0.5]]) }, 1, 'a tanh critic'),
    ],
    secondOrder: true,
    invariants: [
      invariant('a constant critic gives exactly 0, with zero weight gradients', fc.tuple(rSample, uniform(0, 10)), ([v, gamma]) => {
        const c = { ...v, net: constantCritic(v.net) };
        checkThat(scalar(pen(c, gamma)) === 0, `penalty ${scalar(pen(c, gamma))} ≠ 0`);
        checkThat(weightGrads(c.net, (net) => pen(c, gamma, fnCritic, net)).every((g) => g === 0), 'nonzero weight gradient for a constant critic');
        const n = v.x.shape[0]!;
        checkThat(scalar(fn(() => tf.fill([n, 1], -2), T(v.x), { gamma })) === 0, 'a critic ignoring x does not give 0');
      }),
      invariant('penalties are ≥ 0 and scale linearly in γ', fc.tuple(rSample, uniform(0, 20)), ([v, gamma]) => {
        const one = scalar(pen(v, 1));
        checkThat(one >= 0, `negative penalty ${one}`);
        checkClose('P(γ) vs γ·P(1)', scalar(pen(v, gamma)), gamma * one, 1e-6, 1e-30);
      }),
      invariant('a linear critic x·w + b gives γ/2·‖w‖² for every batch', fc.tuple(linearSetup, uniform(0, 3), uniform(0, 10)), ([s, a, gamma]) => {
        const w = s.w.map((c) => f32(a * c));
        checkClose('γ/2‖w‖²', scalar(pen({ net: linearCritic(w, -1), x: s.xr }, gamma)), (gamma / 2) * norm(w) ** 2, 1e-5, 1e-6);
      }),
      invariant('equals a float64 reference computed per example', rSample, (v) => {
        checkClose('penalty', scalar(pen(v, 10)), r64(v, 10), 1e-4, scaleOf(10, rowsOf(v.x).map((p) => norm(critic64(v.net, p).grad) ** 2)));
      }),
      invariant('per example: permuting or duplicating the examples does not change the penalty', rSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.x.shape[0]!))), ([v, perm]) => {
        const base = scalar(pen(v));
        checkClose('permuted', scalar(pen({ ...v, x: permuteRows(v.x, perm) })), base, 1e-5, 1e-5);
        checkClose('duplicated', scalar(pen({ ...v, x: duplicateRows(v.x) })), base, 1e-5, 1e-5);
      }),
      invariant(which === 'r1' ? 'R1 and R2 are the same function of their batch' : 'R2 on a batch equals R1 on the same batch', rSample, (v) => {
        const net = netOf(v.net);
        checkThat(scalar(r1Penalty(fnCritic(net), T(v.x), { gamma: 3 })) === scalar(r2Penalty(fnCritic(net), T(v.x), { gamma: 3 })), 'R1 ≠ R2 on the same batch');
      }),
      invariant('the gradient wrt the critic weights (double backprop) matches central finite differences', fc.tuple(rSampleOf(smoothCriticSample), uniform(0.5, 10)), ([v, gamma]) => {
        checkWeightGrads(v.net, (net) => pen(v, gamma, fnCritic, net));
      }, 25),
      invariant('the critic as a function and as a LayersModel-like object give the same penalty and weight gradients', rSample, (v) => {
        checkThat(scalar(pen(v, 10, fnCritic)) === scalar(pen(v, 10, modelCritic)), 'values differ');
        const a = weightGrads(v.net, (net) => pen(v, 10, fnCritic, net));
        const b = weightGrads(v.net, (net) => pen(v, 10, modelCritic, net));
        checkThat(a.every((g, i) => g === b[i]), 'weight gradients differ');
      }),
    ],
    errors: [
      { name: 'a negative γ', call: () => pen(fixed(), -1), error: 'InvalidParameterError', argument: 'gamma' },
      { name: 'an infinite γ', call: () => pen(fixed(), Infinity), error: 'InvalidParameterError', argument: 'gamma' },
      { name: 'a NaN sample', call: () => pen({ ...fixed(), x: rows([[0, NaN]]) }), error: 'InvalidArgumentError', argument: name },
      { name: 'a batch of rank 1', call: () => fn(fnCritic(netOf(fixed().net)), tf.zeros([3])), error: 'InvalidArgumentError', argument: name },
      { name: 'a critic returning a scalar', call: () => fn(() => tf.scalar(1), T(fixed().x)), error: 'InvalidArgumentError', argument: 'critic' },
      { name: 'an unknown option', call: () => fn(fnCritic(netOf(fixed().net)), T(fixed().x), { lambda: 1 } as never), error: 'InvalidParameterError', argument: 'lambda' },
    ],
  };
}

export const r1Spec: Spec = zeroCenteredSpec('r1');
export const r2Spec: Spec = zeroCenteredSpec('r2');

// ---------------------------------------------------------------------------------------------
// penalty/noise-induced
// ---------------------------------------------------------------------------------------------

interface NiSample {
  net: NetSample;
  xr: NDArray;
  xf: NDArray;
}

function niSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<NiSample> {
  return fc
    .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }) })
    .chain(({ d, n, m }) => fc.record({ net: critic(d), xr: matrix(n, d, dataValue), xf: matrix(m, d, dataValue) }));
}
const niSample = niSampleOf(criticSample);

function ni(v: NiSample, o: { gamma?: number; f?: NoiseInducedDivergence } = {}, critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic, net = netOf(v.net)): tf.Scalar {
  return noiseInducedPenalty(critic(net), T(v.xr), T(v.xf), o);
}

function ni64(v: NiSample, gamma: number, f: NoiseInducedDivergence): number {
  const term = (x: NDArray, weight: (psi: number) => number) => mean(rowsOf(x).map((p) => {
    const { value, grad } = critic64(v.net, p);
    return weight(value) * norm(grad) ** 2;
  }));
  const omega =
    f === 'gan'
      ? term(v.xr, (psi) => sigmoid64(-psi) ** 2) + term(v.xf, (psi) => sigmoid64(psi) ** 2)
      : f === 'kl'
        ? term(v.xf, (psi) => Math.exp(psi - 1))
        : term(v.xf, () => 0.5);
  return (gamma / 2) * omega;
}

function niCase(v: NiSample, gamma: number, f: NoiseInducedDivergence, label?: string): Case {
  return { inputs: { xReal: v.xr, xFake: v.xf, ...v.net.weights }, params: { gamma, f, ...criticParams(v.net) }, grads: true, ...(label ? { label } : {}) };
}

const niCases: fc.Arbitrary<Case> = fc.record({ v: niSample, gamma: coefficient, f: fc.constantFrom<NoiseInducedDivergence>('gan', 'gan', 'kl', 'pearson-chi2') }).map(({ v, gamma, f }) => niCase(v, gamma, f));
const fixedNi = (): NiSample => ({ net: linearCritic([0.6, 0.8]), xr: rows([[1, 2], [3, -1]]), xf: rows([[0, 1]]) });

/** The critic with its output negated (last layer's weights and bias), for a linear output. */
function negated(s: NetSample): NetSample {
  const L = s.widths.length - 1;
  const neg = (a: NDArray): NDArray => ({ shape: a.shape, data: a.data.map((x) => -x) });
  return { ...s, weights: { ...s.weights, [`${P}W${L - 1}`]: neg(s.weights[`${P}W${L - 1}`]!), [`${P}B${L - 1}`]: neg(s.weights[`${P}B${L - 1}`]!) } };
}

export const noiseInducedSpec: Spec = {
  id: NOISE_INDUCED_ID,
  title: 'Noise-induced (JS) regularizer of Roth et al.',
  reference: 'Roth, Lucchi, Nowozin & Hofmann 2017, Stabilizing Training of Generative Adversarial Networks through Regularization, §3: Ω_f = E_Q[(f*″∘ψ)‖∇ψ‖²] and the JS-regularizer Ω_JS; F_γ = F − (γ/2)Ω',
  section: 'regularizers',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch [n, d] (P)' },
    xFake: { kind: SAMPLES, doc: 'generated batch [m, d] (Q)' },
    ...CRITIC_INPUTS,
  },
  params: {
    gamma: { doc: 'γ ≥ 0; the returned term is (γ/2)·Ω, to add to a discriminator loss that is minimised', default: 2 },
    f: { doc: "'gan': Ω = E_P[(1 − σ(ψ))²‖∇ψ‖²] + E_Q[σ(ψ)²‖∇ψ‖²]; 'kl': E_Q[e^{ψ−1}‖∇ψ‖²]; 'pearson-chi2': E_Q[½‖∇ψ‖²]", default: 'gan', choices: NOISE_INDUCED_DIVERGENCES },
    ...CRITIC_PARAMS,
  },
  outputs: ['penalty'],
  evaluate: (x, p) => ({ penalty: noiseInducedPenalty(fnCritic(criticFromInputs(x, p)), x.xReal!, x.xFake!, { gamma: p.gamma as number, f: p.f as NoiseInducedDivergence }) }),
  sample: niCases,
  edges: [
    niCase({ net: linearCritic([0.6, 0.8], 0), xr: rows([[0, 0]]), xf: rows([[0, 0], [0, 0]]) }, 2, 'gan', 'closed form: ψ = 0 everywhere (D = ½) with ‖w‖ = 1: Ω = ¼ + ¼'),
    niCase({ net: linearCritic([0.6, 0.8], 1e4), xr: rows([[1, 2], [0, -1]]), xf: rows([[0.5, 0.5]]) }, 2, 'gan', 'edge: logits ≈ +1e4 (D = 1): the real term vanishes, the fake term is ‖w‖² = 1'),
    niCase({ net: linearCritic([0.6, 0.8], -1e4), xr: rows([[1, 2]]), xf: rows([[0.5, 0.5], [-1, 1]]) }, 2, 'gan', 'edge: logits ≈ −1e4 (D = 0): Ω = ‖w‖² = 1 from the real term'),
    niCase({ net: tanhNet, xr: rows([[1, 2], [0, -1]]), xf: rows([[0.5, -0.5], [-1, 1], [2, 0]]) }, 2, 'kl', "'kl' with a tanh critic"),
    niCase({ net: constantCritic(tanhNet, 3), xr: rows([[1, 2]]), xf: rows([[0.5, -0.5]]) }, 2, 'gan', 'closed form: a constant critic gives 0'),
  ],
  secondOrder: true,
  invariants: [
    invariant('penalties are ≥ 0 and scale linearly in γ', fc.tuple(niSample, uniform(0, 20), fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)), ([v, gamma, f]) => {
      const one = scalar(ni(v, { gamma: 1, f }));
      checkThat(one >= 0, `negative penalty ${one}`);
      checkClose('P(γ) vs γ·P(1)', scalar(ni(v, { gamma, f })), gamma * one, 1e-6, 1e-30);
    }),
    invariant('equals a float64 reference computed per example (gan, kl, pearson-chi2)', fc.tuple(niSample, fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)), ([v, f]) => {
      const want = ni64(v, 2, f);
      checkClose('penalty', scalar(ni(v, { gamma: 2, f })), want, 1e-4, 1e-5 * (1 + Math.abs(want)));
    }),
    invariant('a linear critic ψ = x·w + b: Ω_gan = ‖w‖²·(E_P[σ(−ψ)²] + E_Q[σ(ψ)²])', fc.tuple(linearSetup, uniform(0, 3), uniform(-5, 5)), ([s, a, b]) => {
      const w = s.w.map((c) => f32(a * c));
      const psi = (row: number[]) => row.reduce((acc, x, j) => acc + x * w[j]!, f32(b));
      const want = norm(w) ** 2 * (mean(rowsOf(s.xr).map((r) => sigmoid64(-psi(r)) ** 2)) + mean(rowsOf(s.xm).map((r) => sigmoid64(psi(r)) ** 2)));
      checkClose('Ω_gan', scalar(ni({ net: linearCritic(w, b), xr: s.xr, xf: s.xm }, { gamma: 2 })), want, 1e-4, 1e-6 * (1 + want));
    }),
    invariant('a constant critic gives 0 with zero weight gradients, for every f', fc.tuple(niSample, fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)), ([v, f]) => {
      const c = { ...v, net: constantCritic(v.net, 2) };
      checkThat(scalar(ni(c, { f })) === 0, 'a constant critic does not give 0');
      checkThat(weightGrads(c.net, (net) => ni(c, { f }, fnCritic, net)).every((g) => g === 0), 'nonzero weight gradient');
    }),
    invariant('finite value and weight gradients for saturated logits up to |ψ| = 1e4 (D = σ(ψ) from logits, no log or clamp)', fc.tuple(linearSetup, fc.constantFrom(1e4, -1e4, 200, -200)), ([s, b]) => {
      const v: NiSample = { net: linearCritic(s.w, b), xr: s.xr, xf: s.xm };
      const got = scalar(ni(v, { gamma: 2 }));
      checkFinite('penalty', [got]);
      // D = 1 on every fake (b > 0: Ω = E_Q[‖w‖²]) or D = 0 on every real (b < 0: Ω = E_P[‖w‖²]), ‖w‖ = 1.
      checkClose('Ω at saturation', got, 1, 1e-5, 1e-6);
      checkFinite('∂P/∂θ', weightGrads(v.net, (net) => ni(v, { gamma: 2 }, fnCritic, net)));
    }),
    invariant("symmetry of the JS-regularizer: Ω(P, Q; ψ) = Ω(Q, P; −ψ)", niSample, (v) => {
      const lin = { ...v.net, outputActivation: 'linear' as Activation };
      const a = scalar(ni({ ...v, net: lin }));
      const b = scalar(ni({ net: negated(lin), xr: v.xf, xf: v.xr }));
      checkClose('swapped', b, a, 1e-5, 1e-6);
    }),
    invariant("'pearson-chi2' is R2 with γ/2, and permuting either batch changes nothing", niSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.xr.shape[0]!), permutation(v.xf.shape[0]!))), ([v, pr, pf]) => {
      const net = netOf(v.net);
      checkClose('pearson vs R2', scalar(ni(v, { gamma: 3, f: 'pearson-chi2' }, fnCritic, net)), scalar(r2Penalty(fnCritic(net), T(v.xf), { gamma: 1.5 })), 1e-6, 1e-7);
      checkClose('permuted', scalar(ni({ ...v, xr: permuteRows(v.xr, pr), xf: permuteRows(v.xf, pf) })), scalar(ni(v)), 1e-5, 1e-6);
    }),
    invariant('the gradient wrt the critic weights (double backprop) matches central finite differences', fc.tuple(niSampleOf(smoothCriticSample), uniform(0.5, 10), fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)), ([v, gamma, f]) => {
      checkWeightGrads(v.net, (net) => ni(v, { gamma, f }, fnCritic, net));
    }, 25),
    invariant('the critic as a function and as a LayersModel-like object give the same penalty and weight gradients', niSample, (v) => {
      checkThat(scalar(ni(v, {}, fnCritic)) === scalar(ni(v, {}, modelCritic)), 'values differ');
      const a = weightGrads(v.net, (net) => ni(v, {}, fnCritic, net));
      const b = weightGrads(v.net, (net) => ni(v, {}, modelCritic, net));
      checkThat(a.every((g, i) => g === b[i]), 'weight gradients differ');
    }),
  ],
  errors: [
    { name: 'a negative γ', call: () => ni(fixedNi(), { gamma: -2 }), error: 'InvalidParameterError', argument: 'gamma' },
    { name: "f 'wasserstein' (no f*″)", call: () => ni(fixedNi(), { f: 'wasserstein' as never }), error: 'InvalidParameterError', argument: 'f' },
    { name: 'batches of different widths', call: () => noiseInducedPenalty(fnCritic(netOf(fixedNi().net)), T(fixedNi().xr), tf.zeros([2, 3])), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: 'a NaN sample', call: () => ni({ ...fixedNi(), xf: rows([[NaN, 1]]) }), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: 'a critic returning [n, 2]', call: () => noiseInducedPenalty((x: tf.Tensor) => tf.concat([x, x], 1), T(fixedNi().xr), T(fixedNi().xf)), error: 'InvalidArgumentError', argument: 'critic' },
    { name: 'an unknown option', call: () => ni(fixedNi(), { divergence: 'gan' } as never), error: 'InvalidParameterError', argument: 'divergence' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
/** The catalog's MLP critic at benchmark size: 512 → 512 → 512 → 1, leaky-relu. */
const benchCritic = () => mlpArrays('critic', [BENCH.features, BENCH.hidden, BENCH.hidden, 1], 100);
const BENCH_CRITIC_PARAMS = { activation: 'leaky-relu', outputActivation: 'linear', alpha: 0.2 };
const benchX = (seed: number) => uniformArray([BENCH.batch, BENCH.features], -1, 1, seed);

export const SPECS: Spec[] = [
  withBenchmark(gradientPenaltySpec, () => benchCase({ xReal: benchX(1), xFake: benchX(2), epsilon: uniformArray([BENCH.batch], 0, 1, 3), ...benchCritic() }, { lambda: 10, sided: 'two', ...BENCH_CRITIC_PARAMS })),
  withBenchmark(draganSpec, () => benchCase({ xReal: benchX(1), noise: uniformArray([BENCH.batch, BENCH.features], -0.5, 0.5, 2), ...benchCritic() }, { lambda: 10, k: 1, ...BENCH_CRITIC_PARAMS })),
  withBenchmark(r1Spec, () => benchCase({ xReal: benchX(1), ...benchCritic() }, { gamma: 10, ...BENCH_CRITIC_PARAMS })),
  withBenchmark(r2Spec, () => benchCase({ xFake: benchX(2), ...benchCritic() }, { gamma: 10, ...BENCH_CRITIC_PARAMS })),
  withBenchmark(noiseInducedSpec, () => benchCase({ xReal: benchX(1), xFake: benchX(2), ...benchCritic() }, { gamma: 2, f: 'gan', ...BENCH_CRITIC_PARAMS })),
];
