import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asEnergies, asLogits, asWeights, type Reduction } from '../../types.js';
import { ACTIVATIONS, layersFromInputs, mlp, type Activation, type Mlp } from '../../nets/mlp.js';
import {
  autoencoderEnergies,
  energyBasedDiscriminatorLoss,
  energyBasedGeneratorLoss,
  energyBasedLosses,
  ENERGY_BASED_ID,
  type EnergyKind,
} from '../../objectives/energy-based.js';
import { modeRegularizedLosses, modeRegularizedNetworkLosses, MODE_REGULARIZED_ID, type ReconstructionDistance } from '../../objectives/mode-regularized.js';
import { mixGanLosses, MIX_GAN_ID, type MixtureRegularizer } from '../../objectives/mix-gan.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../objectives/non-saturating.js';
import { batch, f32, logit, moderateLogit, uniform, vector, weight } from '../arbitraries.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, InputKind, NDArray, ParamDecl, Spec } from '../types.js';
import { gradValues, REDUCTION_PARAM } from './shared.js';
import { BENCH, benchCase, mlpArrays, uniformArray, withBenchmark } from '../bench.js';
import { act64 } from '../reference64.js';

// ---------------------------------------------------------------------------------------------
// Networks as data: arbitraries and a float64 reference (candidates for src/catalog/arbitraries.ts)
// ---------------------------------------------------------------------------------------------

/** Input kinds of this group's specs (a payoff matrix holds values V(D_j, G_i)). */
const SAMPLES: InputKind = 'samples';
const NETWORK_WEIGHTS: InputKind = 'network-weights';
const PAYOFFS: InputKind = 'payoffs';
const MIXTURE_LOGITS: InputKind = 'logits';

/**
 * Uniform on [lo, hi] on a grid of 2·10⁶ steps, rounded to float32, WITHOUT fast-check's bias
 * toward the ends of the range. `uniform` (biased) draws the same extreme values again and again,
 * and in a network equal weights of opposite sign cancel exactly: a pre-activation lands exactly
 * on the kink of relu/selu/leaky-relu (or a residual exactly on 0 for the 'l2'/'l1' distances),
 * where no derivative exists and float32 and float64 may even fall on different sides.
 */
export function unbiasedUniform(lo: number, hi: number): fc.Arbitrary<number> {
  return fc.noBias(fc.integer({ min: 0, max: 2_000_000 })).map((i) => f32(lo + ((hi - lo) * i) / 2_000_000));
}

/** Network weights and biases: uniform in ±1.2 (so activations stay in their interesting range). */
export const netWeight: fc.Arbitrary<number> = unbiasedUniform(-1.2, 1.2);

/** Data and noise values: mostly uniform in ±2, with exact 0 and ±1 mixed in. */
export const sampleValue: fc.Arbitrary<number> = fc.oneof({ weight: 6, arbitrary: unbiasedUniform(-2, 2) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) });

/**
 * Data values for the non-smooth distances ('l2' energy, 'l1' reconstruction): no exact 0, so a
 * relu output of exactly 0 never reproduces a sample exactly (a zero residual is a kink).
 */
export const smoothSampleValue: fc.Arbitrary<number> = unbiasedUniform(-2, 2);

/** A [rows, cols] NDArray of values. */
export function matrix(rows: number, cols: number, of: fc.Arbitrary<number> = sampleValue): fc.Arbitrary<NDArray> {
  return fc.array(of, { minLength: rows * cols, maxLength: rows * cols }).map((data) => ({ shape: [rows, cols], data: data.map(f32) }));
}

/** The weights of an MLP with the given layer widths [d₀, d₁, …, d_L], named `${prefix}W${l}`, `${prefix}B${l}`. */
export function mlpWeights(prefix: string, widths: number[], of: fc.Arbitrary<number> = netWeight): fc.Arbitrary<Record<string, NDArray>> {
  const parts: Record<string, fc.Arbitrary<NDArray>> = {};
  for (let l = 0; l + 1 < widths.length; l++) {
    parts[`${prefix}W${l}`] = matrix(widths[l]!, widths[l + 1]!, of);
    parts[`${prefix}B${l}`] = batch(of, widths[l + 1]!, widths[l + 1]!).map(vector);
  }
  return fc.record(parts);
}

/** A hidden or output activation name. */
export const activation: fc.Arbitrary<Activation> = fc.constantFrom(...ACTIVATIONS);

/** The negative slope of leaky-relu. */
export const leakyAlpha: fc.Arbitrary<number> = fc.oneof(uniform(0, 0.5), fc.constant(f32(0.2)));

/** A small MLP as data: widths [d, h₁, …, out], weights, activations. */
export interface NetSample {
  widths: number[];
  weights: Record<string, NDArray>;
  activation: Activation;
  outputActivation: Activation;
  alpha: number;
}

/** A random small MLP with input width d, `hidden` hidden layers of width ≤ 5, and output width `out`. */
export function smallMlp(prefix: string, d: number, out: number, hidden: { min: number; max: number } = { min: 1, max: 2 }): fc.Arbitrary<NetSample> {
  return fc
    .record({ hs: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: hidden.min, maxLength: hidden.max }), activation, outputActivation: activation, alpha: leakyAlpha })
    .chain(({ hs, activation, outputActivation, alpha }) => {
      const widths = [d, ...hs, out];
      return mlpWeights(prefix, widths).map((weights): NetSample => ({ widths, weights, activation, outputActivation, alpha }));
    });
}

/** An `Mlp` from a NetSample's arrays (tensors made here; call inside tf.tidy). */
function netOf(s: NetSample, prefix: string): Mlp {
  const t = Object.fromEntries(Object.entries(s.weights).map(([k, a]) => [k, tf.tensor(a.data, a.shape, 'float32')]));
  return { layers: layersFromInputs(t, prefix), activation: s.activation, outputActivation: s.outputActivation, alpha: s.alpha };
}


/** A float64 forward pass of a NetSample on rows x (plain JavaScript, independent of TF.js). */
export function mlp64(s: NetSample, prefix: string, x: number[][]): number[][] {
  let h = x;
  const L = s.widths.length - 1;
  for (let l = 0; l < L; l++) {
    const W = s.weights[`${prefix}W${l}`]!;
    const b = s.weights[`${prefix}B${l}`]!;
    const cols = W.shape[1]!;
    const a = l === L - 1 ? s.outputActivation : s.activation;
    h = h.map((row) => Array.from({ length: cols }, (_, j) => act64(row.reduce((acc, v, i) => acc + v * W.data[i * cols + j]!, b.data[j]!), a, s.alpha)));
  }
  return h;
}

const rowsOf = (a: NDArray): number[][] => Array.from({ length: a.shape[0]! }, (_, i) => a.data.slice(i * a.shape[1]!, (i + 1) * a.shape[1]!));
const T = (a: NDArray) => tf.tensor(a.data, a.shape, 'float32');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const ACTIVATION_DOC = `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`;
const activationParam = (doc: string, def: Activation): ParamDecl => ({ doc: `${doc}: ${ACTIVATION_DOC}`, default: def, choices: ACTIVATIONS });
const ALPHA_PARAM: ParamDecl = { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 };

function weightDecls(prefix: string, what: string, layers: number, optionalLayers = 0): Record<string, { kind: InputKind; optional?: boolean; doc: string }> {
  const out: Record<string, { kind: InputKind; optional?: boolean; doc: string }> = {};
  for (let l = 0; l < layers + optionalLayers; l++) {
    const optional = l >= layers ? { optional: true } : {};
    out[`${prefix}W${l}`] = { kind: NETWORK_WEIGHTS, ...optional, doc: `${what}, layer ${l} weight [in, out]` };
    out[`${prefix}B${l}`] = { kind: NETWORK_WEIGHTS, ...optional, doc: `${what}, layer ${l} bias [out]` };
  }
  return out;
}

function identity(d: number): NDArray {
  return { shape: [d, d], data: Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0)) };
}
const zeros = (n: number): NDArray => vector(new Array<number>(n).fill(0));
const rows = (xs: number[][]): NDArray => ({ shape: [xs.length, xs[0]!.length], data: xs.flat().map(f32) });

// ---------------------------------------------------------------------------------------------
// objective/energy-based
// ---------------------------------------------------------------------------------------------

const E = (xs: number[]) => asEnergies(tf.tensor1d(xs));
const energy: fc.Arbitrary<number> = fc.oneof({ weight: 5, arbitrary: uniform(0, 5) }, { weight: 1, arbitrary: uniform(0, 1e4) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 2) });

interface EbSample {
  d: number;
  ae: NetSample;
  xReal: NDArray;
  xFake: NDArray;
}

const ebSample: fc.Arbitrary<EbSample> = fc
  .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }) })
  .chain(({ d, n, m }) => fc.record({ d: fc.constant(d), ae: smallMlp('ae', d, d), xReal: matrix(n, d), xFake: matrix(m, d) }));

function ebCase(s: EbSample, params: { margin: number; energy: EnergyKind; reduction: Reduction }, extra: Record<string, NDArray> = {}, label?: string, grads = true): Case {
  return {
    inputs: { xReal: s.xReal, xFake: s.xFake, ...s.ae.weights, ...extra },
    params: { ...params, activation: s.ae.activation, outputActivation: s.ae.outputActivation, alpha: s.ae.alpha },
    grads,
    ...(label ? { label } : {}),
  };
}

const ebCases: fc.Arbitrary<Case> = fc
  .record({
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
    d: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 6 }),
    m: fc.integer({ min: 1, max: 6 }),
    // Unbiased and never exactly 1: a relu output of exactly 0 and a sample of exactly ±1 give an
    // energy of exactly 1, which must not sit on the hinge's kink.
    margin: unbiasedUniform(0.1, 3),
    energy: fc.constantFrom<EnergyKind>('mse', 'l2'),
    weighted: fc.boolean(),
  })
  .chain(({ reduction, d, n, m, margin, energy, weighted }) => {
    const mm = reduction === 'none' ? n : m;
    return fc
      .record({
        ae: smallMlp('ae', d, d),
        xReal: matrix(n, d, energy === 'l2' ? smoothSampleValue : sampleValue),
        xFake: matrix(mm, d, energy === 'l2' ? smoothSampleValue : sampleValue),
        wr: batch(weight, n, n),
        wf: batch(weight, mm, mm),
      })
      // 'l2' energies: the Hessian of ‖r‖ is (I − r̂r̂ᵀ)/‖r‖, formed in float32 as a difference of
      // terms of size 1/‖r‖, so its rounding noise grows like 2⁻²⁴/‖r‖ near a perfect
      // reconstruction (where no second derivative exists). Cross-checked cases keep every residual
      // norm ≥ 0.05 (float64 forward pass); the invariants still cover residuals near 0.
      .filter(({ ae, xReal, xFake }) => energy !== 'l2' || [xReal, xFake].every((x) => minResidualNorm(ae, x) >= 0.05))
      .map(({ ae, xReal, xFake, wr, wf }) => ebCase({ d, ae, xReal, xFake }, { margin, energy, reduction }, weighted ? { weightsReal: vector(wr), weightsFake: vector(wf) } : {}));
  });

/** The smallest ‖AE(x) − x‖₂ over the rows of x, in float64. */
function minResidualNorm(ae: NetSample, x: NDArray): number {
  const xs = rowsOf(x);
  const rec = mlp64(ae, 'ae', xs);
  return Math.min(...xs.map((row, i) => Math.sqrt(sum(row.map((v, j) => (rec[i]![j]! - v) ** 2)))));
}

function ebEvaluate(x: Record<string, tf.Tensor>, p: Record<string, unknown>): Record<string, tf.Tensor> {
  const ae: Mlp = { layers: layersFromInputs(x, 'ae'), activation: p.activation as Activation, outputActivation: p.outputActivation as Activation, alpha: p.alpha as number };
  const r = energyBasedLosses(ae, x.xReal!, x.xFake!, {
    margin: p.margin as number,
    energy: p.energy as EnergyKind,
    reduction: p.reduction as Reduction,
    weightsReal: x.weightsReal as never,
    weightsFake: x.weightsFake as never,
  });
  return { discriminator: r.discriminator, generator: r.generator, energiesReal: r.energiesReal, energiesFake: r.energiesFake };
}

/** A linear identity autoencoder d → d → d (W = I, b = 0) plus an optional decoder bias. */
function identityAe(d: number, decoderBias: number[] = new Array<number>(d).fill(0)): NetSample {
  return { widths: [d, d, d], weights: { aeW0: identity(d), aeB0: zeros(d), aeW1: identity(d), aeB1: vector(decoderBias) }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 };
}

const ebBase = { margin: 1, energy: 'mse' as EnergyKind, reduction: 'mean' as Reduction };

export const energyBased: Spec = {
  id: ENERGY_BASED_ID,
  title: 'Energy-based GAN (autoencoder discriminator, margin loss)',
  reference: 'Zhao, Mathieu & LeCun 2017, Energy-based Generative Adversarial Network, eq. 1–2, §2.2 (Theorems 1–2) and §2.3',
  section: 'objectives',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch [n, d]' },
    xFake: { kind: SAMPLES, doc: 'generated batch [m, d]' },
    ...weightDecls('ae', 'autoencoder d → h → (h₂ →) d', 2, 2),
    weightsReal: { kind: 'weights', optional: true, doc: 'per-example weights of the real batch [n]' },
    weightsFake: { kind: 'weights', optional: true, doc: 'per-example weights of the fake batch [m]' },
  },
  params: {
    margin: { doc: 'the margin m > 0 of the hinge on fake energies', default: 1 },
    energy: { doc: "'mse': mean squared reconstruction error; 'l2': its Euclidean norm ‖AE(x) − x‖", default: 'mse', choices: ['mse', 'l2'] },
    activation: activationParam('hidden activation of the autoencoder', 'relu'),
    outputActivation: activationParam('output activation of the autoencoder', 'linear'),
    alpha: ALPHA_PARAM,
    reduction: REDUCTION_PARAM,
  },
  outputs: ['discriminator', 'generator', 'energiesReal', 'energiesFake'],
  evaluate: ebEvaluate,
  // Error analysis (as for objective/mode-regularized): a gradient with respect to an autoencoder
  // weight is a sum over both batches of per-example gradients through up to three layers and the
  // squared residual; those terms are O(1–30) and cancel (wasm, seed 9, case 94: a gradient of
  // −0.0243 off by 1.7e-6). float32 summation leaves an absolute error of about u·Σ|terms|·√n ≈
  // 6e-8·30·3.5 ≈ 6e-6 whatever the result's size, above the default table's atol of 1e-6.
  tolerance: { grad: { atol: 1e-5 } },
  sample: ebCases,
  edges: [
    ebCase({ d: 2, ae: identityAe(2), xReal: rows([[1, -2], [0.5, 3]]), xFake: rows([[4, 0]]) }, ebBase, {}, 'closed form: an identity autoencoder has zero energies, so L_D = m and L_G = 0'),
    ebCase({ d: 2, ae: identityAe(2, [1, 0]), xReal: rows([[1, 2]]), xFake: rows([[0, 0], [3, -1]]) }, { ...ebBase, margin: 0.5 }, {}, 'edge: every fake energy exactly at the margin (the hinge kink, values only)', false),
    ebCase({ d: 2, ae: identityAe(2), xReal: rows([[1, 2]]), xFake: rows([[3, 4]]) }, { ...ebBase, energy: 'l2' }, {}, "edge: 'l2' energy at a perfect reconstruction (not differentiable, values only)", false),
    ebCase(
      { d: 3, ae: { widths: [3, 2, 3], weights: { aeW0: rows([[0.5, -1], [1, 0.25], [-0.75, 1]]), aeB0: vector([0.1, -0.2]), aeW1: rows([[1, 0.5, -1], [-0.5, 1, 0.25]]), aeB1: vector([0, 0.1, -0.1]) }, activation: 'tanh', outputActivation: 'linear', alpha: 0.2 }, xReal: rows([[0.5, -0.5, 1], [1, 0, -1]]), xFake: rows([[0.5, -0.5, 1], [1, 0, -1]]) },
      { ...ebBase, margin: 1000 },
      {},
      'Theorem 1: p_G = p_data (x_f = x_r) with every energy below m gives L_D = m exactly',
    ),
    ebCase({ d: 2, ae: { ...identityAe(2), activation: 'tanh', outputActivation: 'sigmoid' }, xReal: rows([[100, -100], [1e3, 5]]), xFake: rows([[-1e3, 1e3]]) }, { ...ebBase, margin: 2 }, {}, 'edge: saturated tanh/sigmoid autoencoder on samples of magnitude 1e3; fake energies above m switch the hinge off'),
  ],
  secondOrder: true,
  invariants: [
    invariant('energies are finite and ≥ 0 for every network and batch (mse and l2), and mse·d = l2²', ebSample, (s) => {
      const ae = netOf(s.ae, 'ae');
      const mse = values(autoencoderEnergies(ae, T(s.xReal)));
      const l2 = values(autoencoderEnergies(ae, T(s.xReal), { energy: 'l2' }));
      checkFinite('mse', mse);
      checkFinite('l2', l2);
      checkThat(mse.every((e) => e >= 0) && l2.every((e) => e >= 0), `negative energy in ${mse} / ${l2}`);
      mse.forEach((e, i) => checkClose(`mse·d vs l2² [${i}]`, e * s.d, l2[i]! ** 2, 1e-4, 1e-6));
    }),
    invariant('energies equal a float64 forward pass of the autoencoder (plain JavaScript)', ebSample, (s) => {
      const got = values(autoencoderEnergies(netOf(s.ae, 'ae'), T(s.xReal)));
      const x = rowsOf(s.xReal);
      const rec = mlp64(s.ae, 'ae', x);
      const want = x.map((row, i) => mean(row.map((v, j) => (rec[i]![j]! - v) ** 2)));
      want.forEach((w, i) => checkClose(`energy[${i}]`, got[i]!, w, 1e-4, 1e-5 * Math.max(1, ...x[i]!.map((v) => v * v))));
    }),
    invariant('L_D = E[e_r] + E[max(0, m − e_f)] and L_G = E[e_f] in float64, for energies up to 1e4', fc.tuple(batch(energy, 1, 8), batch(energy, 1, 8), uniform(0.01, 10)), ([r, f, m]) => {
      const want = mean(r) + mean(f.map((e) => Math.max(0, m - e)));
      checkClose('L_D', scalar(energyBasedDiscriminatorLoss(E(r), E(f), { margin: m })), want, 1e-5, 1e-5);
      checkClose('L_G', scalar(energyBasedGeneratorLoss(E(f))), mean(f), 1e-5, 1e-5);
    }),
    invariant('the hinge vanishes once every fake energy is ≥ m: L_D = E[e_r] and ∂L_D/∂e_f = 0', fc.tuple(batch(energy, 1, 8), batch(uniform(0, 50), 1, 8), uniform(0.01, 10)), ([r, extra, m]) => {
      const f = extra.map((e) => f32(m + e + 1e-3));
      checkClose('L_D', scalar(energyBasedDiscriminatorLoss(E(r), E(f), { margin: m })), mean(r), 1e-5, 1e-5);
      checkThat(gradValues((t) => energyBasedDiscriminatorLoss(E(r), asEnergies(t), { margin: m }), f).every((g) => g === 0), 'a fake energy above the margin still has a gradient');
    }),
    invariant('gradients: ∂L_D/∂e_r = 1/n; ∂L_D/∂e_f = −1/m below the margin; ∂L_G/∂e_f = 1/m', fc.tuple(batch(uniform(0, 5), 1, 8), batch(uniform(0, 0.9), 1, 8)), ([r, f]) => {
      checkAllClose('d/de_r', gradValues((t) => energyBasedDiscriminatorLoss(asEnergies(t), E(f)), r), r.map(() => 1 / r.length), 1e-6, 0);
      checkAllClose('d/de_f', gradValues((t) => energyBasedDiscriminatorLoss(E(r), asEnergies(t)), f), f.map(() => -1 / f.length), 1e-6, 0);
      checkAllClose('generator d/de_f', gradValues((t) => energyBasedGeneratorLoss(asEnergies(t)), f), f.map(() => 1 / f.length), 1e-6, 0);
    }),
    invariant('Theorems 1–2: with p_G = p_data (x_f = x_r), L_D ≥ m, with equality when every energy is ≤ m', fc.tuple(ebSample, uniform(0.05, 5)), ([s, m]) => {
      const ae = netOf(s.ae, 'ae');
      const r = energyBasedLosses(ae, T(s.xReal), T(s.xReal), { margin: m });
      const e = values(r.energiesReal);
      const ld = scalar(r.discriminator);
      checkThat(ld >= m - 1e-5 * Math.max(1, m, ...e), `L_D = ${ld} < m = ${m} at p_G = p_data`);
      const big = Math.max(...e) + 1;
      checkClose('L_D with m above every energy', scalar(energyBasedLosses(ae, T(s.xReal), T(s.xReal), { margin: big }).discriminator), big, 1e-5, 1e-5 * big);
    }),
    invariant('end to end equals autoencoderEnergies followed by the energy losses', fc.tuple(ebSample, uniform(0.1, 3)), ([s, m]) => {
      const ae = netOf(s.ae, 'ae');
      const r = energyBasedLosses(ae, T(s.xReal), T(s.xFake), { margin: m, energy: 'l2' });
      const er = autoencoderEnergies(ae, T(s.xReal), { energy: 'l2' });
      const ef = autoencoderEnergies(ae, T(s.xFake), { energy: 'l2' });
      checkThat(scalar(r.discriminator) === scalar(energyBasedDiscriminatorLoss(er, ef, { margin: m })), 'discriminator differs');
      checkThat(scalar(r.generator) === scalar(energyBasedGeneratorLoss(ef)), 'generator differs');
    }),
  ],
  errors: [
    { name: 'margin 0', call: () => energyBasedDiscriminatorLoss(E([1]), E([1]), { margin: 0 }), error: 'InvalidParameterError', argument: 'margin' },
    { name: 'a negative margin', call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.zeros([1, 2]), { margin: -1 }), error: 'InvalidParameterError', argument: 'margin' },
    { name: 'a NaN margin', call: () => energyBasedDiscriminatorLoss(E([1]), E([1]), { margin: NaN }), error: 'InvalidParameterError', argument: 'margin' },
    { name: 'a negative energy', call: () => energyBasedDiscriminatorLoss(E([1, -0.5]), E([1])), error: 'InvalidArgumentError', argument: 'energiesReal' },
    { name: 'an infinite energy', call: () => energyBasedGeneratorLoss(E([Infinity])), error: 'InvalidArgumentError', argument: 'energiesFake' },
    { name: "energy 'l1'", call: () => autoencoderEnergies(netOfStatic(), tf.zeros([1, 2]), { energy: 'l1' as never }), error: 'InvalidParameterError', argument: 'energy' },
    { name: 'an autoencoder whose output width differs from its input width', call: () => autoencoderEnergies({ layers: [{ weight: tf.zeros([2, 3]) }] }, tf.zeros([1, 2])), error: 'InvalidArgumentError', argument: 'autoencoder' },
    { name: 'layers whose widths do not chain', call: () => autoencoderEnergies({ layers: [{ weight: tf.zeros([2, 3]) }, { weight: tf.zeros([2, 2]) }] }, tf.zeros([1, 2])), error: 'InvalidArgumentError', argument: 'autoencoder.layers[1].weight' },
    { name: 'a bias of the wrong length', call: () => autoencoderEnergies({ layers: [{ weight: tf.zeros([2, 2]), bias: tf.zeros([3]) }] }, tf.zeros([1, 2])), error: 'InvalidArgumentError', argument: 'autoencoder.layers[0].bias' },
    { name: 'an unknown activation', call: () => autoencoderEnergies({ ...netOfStatic(), activation: 'gelu' as never }, tf.zeros([1, 2])), error: 'InvalidParameterError', argument: 'autoencoder.activation' },
    { name: 'samples of the wrong width', call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 3]), tf.zeros([1, 2])), error: 'InvalidArgumentError', argument: 'xReal' },
    { name: 'a NaN sample', call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.tensor2d([[0, NaN]])), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: "batches of unequal length under 'none'", call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.zeros([2, 2]), { reduction: 'none' }), error: 'InvalidArgumentError', argument: 'xFake' },
    { name: 'weights of another length', call: () => energyBasedLosses(netOfStatic(), tf.zeros([2, 2]), tf.zeros([2, 2]), { weightsReal: asWeights(tf.ones([3])) }), error: 'InvalidArgumentError', argument: 'weightsReal' },
    { name: 'an unknown option', call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.zeros([1, 2]), { margins: 1 } as never), error: 'InvalidParameterError', argument: 'margins' },
  ],
};

/** A fixed valid 2 → 2 → 2 autoencoder for error inputs. */
function netOfStatic(): Mlp {
  return { layers: [{ weight: tf.eye(2), bias: tf.zeros([2]) }, { weight: tf.eye(2), bias: tf.zeros([2]) }] };
}

// ---------------------------------------------------------------------------------------------
// objective/mode-regularized
// ---------------------------------------------------------------------------------------------

interface MrSample {
  x: NDArray;
  z: NDArray;
  enc: NetSample;
  gen: NetSample;
  disc: NetSample;
}

const mrSample: fc.Arbitrary<MrSample> = mrSampleOf(sampleValue);

function mrSampleOf(xValue: fc.Arbitrary<number>): fc.Arbitrary<MrSample> {
  return fc
  .record({ d: fc.integer({ min: 1, max: 4 }), dz: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }), act: activation, out: activation, alpha: leakyAlpha })
  .chain(({ d, dz, n, m, act, out, alpha }) =>
    fc.record({
      x: matrix(n, d, xValue),
      z: matrix(m, dz),
      enc: smallMlp('enc', d, dz, { min: 1, max: 1 }).map((s) => ({ ...s, activation: act, outputActivation: 'linear' as Activation, alpha })),
      gen: smallMlp('gen', dz, d, { min: 1, max: 1 }).map((s) => ({ ...s, activation: act, outputActivation: out, alpha })),
      disc: smallMlp('disc', d, 1, { min: 1, max: 1 }).map((s) => ({ ...s, activation: act, outputActivation: 'linear' as Activation, alpha })),
    }),
  );
}

function mrCase(s: MrSample, params: { lambda1: number; lambda2: number; distance: ReconstructionDistance; reduction: Reduction }, label?: string, grads = true): Case {
  return {
    inputs: { x: s.x, z: s.z, ...s.enc.weights, ...s.gen.weights, ...s.disc.weights },
    params: { ...params, activation: s.gen.activation, outputActivation: s.gen.outputActivation, alpha: s.gen.alpha },
    grads,
    ...(label ? { label } : {}),
  };
}

const mrCases: fc.Arbitrary<Case> = fc
  .constantFrom<ReconstructionDistance>('l2', 'l1')
  .chain((distance) =>
    fc.record({
      s: mrSampleOf(distance === 'l1' ? smoothSampleValue : sampleValue),
      lambda1: fc.oneof(uniform(0, 2), fc.constant(0), fc.constant(1)),
      lambda2: fc.oneof(uniform(0, 2), fc.constant(0), fc.constant(1)),
      distance: fc.constant(distance),
      reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
    }),
  )
  .map(({ s, lambda1, lambda2, distance, reduction }) => {
    // 'none' adds per-example terms of x and z: give z as many rows as x.
    const z = reduction === 'none' ? { shape: [s.x.shape[0]!, s.z.shape[1]!], data: Array.from({ length: s.x.shape[0]! * s.z.shape[1]! }, (_, k) => s.z.data[k % s.z.data.length]!) } : s.z;
    return mrCase({ ...s, z }, { lambda1, lambda2, distance, reduction });
  });

function networksOf(x: Record<string, tf.Tensor>, p: Record<string, unknown>) {
  const act = p.activation as Activation;
  const alpha = p.alpha as number;
  return {
    encoder: { layers: layersFromInputs(x, 'enc'), activation: act, outputActivation: 'linear' as Activation, alpha },
    generator: { layers: layersFromInputs(x, 'gen'), activation: act, outputActivation: p.outputActivation as Activation, alpha },
    discriminator: { layers: layersFromInputs(x, 'disc'), activation: act, outputActivation: 'linear' as Activation, alpha },
  };
}

function mrEvaluate(x: Record<string, tf.Tensor>, p: Record<string, unknown>): Record<string, tf.Tensor> {
  const r = modeRegularizedNetworkLosses(networksOf(x, p), x.x!, x.z!, {
    lambda1: p.lambda1 as number,
    lambda2: p.lambda2 as number,
    distance: p.distance as ReconstructionDistance,
    reduction: p.reduction as Reduction,
  });
  return { discriminator: r.discriminator, generator: r.generator, encoder: r.encoder };
}

/** Identity encoder and generator (d = d_z), so G(E(x)) = x exactly, and a given linear discriminator. */
function perfectMr(x: number[][], z: number[][], discW: number[], discB: number): MrSample {
  const d = x[0]!.length;
  const lin = (prefix: string, W: NDArray, B: NDArray, W1: NDArray, B1: NDArray, out: number): NetSample => ({ widths: [d, W.shape[1]!, out], weights: { [`${prefix}W0`]: W, [`${prefix}B0`]: B, [`${prefix}W1`]: W1, [`${prefix}B1`]: B1 }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 });
  return {
    x: rows(x),
    z: rows(z),
    enc: lin('enc', identity(d), zeros(d), identity(d), zeros(d), d),
    gen: lin('gen', identity(d), zeros(d), identity(d), zeros(d), d),
    disc: lin('disc', identity(d), zeros(d), rows(discW.map((w) => [w])), vector([discB]), 1),
  };
}

/** Plain-number logits and data for the loss-level invariants. */
const mrLossInputs = fc
  .record({ n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }), d: fc.integer({ min: 1, max: 4 }) })
  .chain(({ n, m, d }) => fc.record({ lr: batch(moderateLogit, n, n), lf: batch(moderateLogit, m, m), lrec: batch(moderateLogit, n, n), x: matrix(n, d), rec: matrix(n, d), l1: uniform(0, 2), l2: uniform(0, 2) }));

function mrLoss(v: { lr: number[]; lf: number[]; lrec: number[]; x: NDArray; rec: NDArray }, o: { lambda1?: number; lambda2?: number; distance?: ReconstructionDistance; reduction?: Reduction }) {
  return modeRegularizedLosses({ logitsReal: asLogits(tf.tensor1d(v.lr)), logitsFake: asLogits(tf.tensor1d(v.lf)), logitsReconstructed: asLogits(tf.tensor1d(v.lrec)), x: T(v.x), reconstructions: T(v.rec) }, o);
}

const logSigmoid64 = (l: number) => Math.min(l, 0) - Math.log1p(Math.exp(-Math.abs(l)));

export const modeRegularized: Spec = {
  id: MODE_REGULARIZED_ID,
  title: 'Mode-regularized GAN (encoder, reconstruction and discriminator regularizers)',
  reference: 'Che, Li, Jacob, Bengio & Li 2017, Mode Regularized Generative Adversarial Networks, §3.1 (objectives T_G and T_E)',
  section: 'objectives',
  inputs: {
    x: { kind: SAMPLES, doc: 'real data [n, d]' },
    z: { kind: SAMPLES, doc: 'noise [m, d_z]' },
    ...weightDecls('enc', 'encoder E: d → h → d_z', 2, 1),
    ...weightDecls('gen', 'generator G: d_z → h → d', 2, 1),
    ...weightDecls('disc', 'discriminator D: d → h → 1 (logits)', 2, 1),
  },
  params: {
    lambda1: { doc: 'λ1 ≥ 0, weight of the reconstruction distance', default: 1 },
    lambda2: { doc: 'λ2 ≥ 0, weight of log D(G(E(x)))', default: 1 },
    distance: { doc: "'l2': squared Euclidean ‖x − G(E(x))‖²; 'l1': Σ|x − G(E(x))|", default: 'l2', choices: ['l2', 'l1'] },
    activation: activationParam('hidden activation of E, G and D', 'relu'),
    outputActivation: activationParam("output activation of G (E's and D's are linear)", 'linear'),
    alpha: ALPHA_PARAM,
    reduction: REDUCTION_PARAM,
  },
  outputs: ['discriminator', 'generator', 'encoder'],
  evaluate: mrEvaluate,
  // Error analysis. A gradient with respect to a weight of E or G is a sum over the batch of
  // per-example gradients that pass through E, G, the distance and D (four layers, ~10 kernels
  // deep); those terms are O(1–50) and cancel (seed 4, case 144: Σ|terms| = 42.4 for a gradient of
  // −0.174). float32 summation leaves an absolute error of about u·Σ|terms|·√n ≈ 6e-8·42·2.4 ≈
  // 6e-6, independent of the result's size, where the default table's atol is 1e-6.
  tolerance: { grad: { atol: 1e-5 } },
  sample: mrCases,
  edges: [
    mrCase(perfectMr([[1, -1], [0.5, 2]], [[0.25, 0.5]], [1, -2], 0.5), { lambda1: 1, lambda2: 1, distance: 'l2', reduction: 'mean' }, 'closed form: G(E(x)) = x, so T_E = λ2·E[log D(x)] and the distance vanishes'),
    mrCase(perfectMr([[1, -1], [0.5, 2]], [[0.25, 0.5], [3, 1]], [1, -2], 0.5), { lambda1: 1, lambda2: 0, distance: 'l1', reduction: 'mean' }, "edge: 'l1' at a perfect reconstruction (its kink, values only)", false),
    mrCase(perfectMr([[30, -40], [50, 20]], [[-60, 10], [5, 5]], [100, -80], 3), { lambda1: 0.5, lambda2: 2, distance: 'l2', reduction: 'none' }, 'edge: discriminator logits in the thousands (log D from logits stays finite)'),
    mrCase(perfectMr([[1, 2]], [[0.5, -0.5]], [0.5, 0.5], 0), { lambda1: 0, lambda2: 0, distance: 'l2', reduction: 'sum' }, 'edge: λ1 = λ2 = 0 reduces to the non-saturating GAN'),
  ],
  secondOrder: true,
  invariants: [
    invariant('losses are finite with finite gradients for every logit up to |l| = 1e4', fc.tuple(batch(logit, 1, 6), batch(logit, 1, 6)).chain(([lr, lf]) => fc.tuple(fc.constant(lr), fc.constant(lf), batch(logit, lr.length, lr.length), matrix(lr.length, 2), matrix(lr.length, 2))), ([lr, lf, lrec, x, rec]) => {
      const r = mrLoss({ lr, lf, lrec, x, rec }, {});
      checkFinite('losses', [scalar(r.discriminator), scalar(r.generator), scalar(r.encoder)]);
      checkFinite('∂T_G/∂l_rec', gradValues((t) => modeRegularizedLosses({ logitsReal: asLogits(tf.tensor1d(lr)), logitsFake: asLogits(tf.tensor1d(lf)), logitsReconstructed: asLogits(t), x: T(x), reconstructions: T(rec) }).generator, lrec));
    }),
    invariant('T_G, T_E and L_D equal their float64 formulas with log D = log σ(l)', fc.tuple(mrLossInputs, fc.constantFrom<ReconstructionDistance>('l2', 'l1')), ([v, distance]) => {
      const x = rowsOf(v.x);
      const rec = rowsOf(v.rec);
      const dist = x.map((row, i) => sum(row.map((a, j) => (distance === 'l2' ? (a - rec[i]![j]!) ** 2 : Math.abs(a - rec[i]![j]!)))));
      const te = mean(dist.map((dd, i) => v.l1 * dd + v.l2 * logSigmoid64(v.lrec[i]!)));
      const tg = -mean(v.lf.map(logSigmoid64)) + te;
      const ld = -mean(v.lr.map(logSigmoid64)) - mean(v.lf.map((l) => logSigmoid64(-l)));
      const r = mrLoss(v, { lambda1: v.l1, lambda2: v.l2, distance });
      const scale = 1 + Math.abs(te) + mean(dist) * v.l1;
      checkClose('T_E', scalar(r.encoder), te, 1e-5, 1e-6 * scale);
      checkClose('T_G', scalar(r.generator), tg, 1e-5, 1e-6 * scale);
      checkClose('L_D', scalar(r.discriminator), ld, 1e-5, 1e-6);
    }),
    invariant('T_G − T_E is the non-saturating generator loss, and L_D the non-saturating discriminator loss', mrLossInputs, (v) => {
      const r = mrLoss(v, { lambda1: v.l1, lambda2: v.l2 });
      const ns = scalar(nonSaturatingGeneratorLoss(asLogits(tf.tensor1d(v.lf))));
      checkClose('T_G − T_E', scalar(r.generator) - scalar(r.encoder), ns, 1e-4, 1e-5 * (1 + Math.abs(scalar(r.encoder))));
      checkThat(scalar(r.discriminator) === scalar(nonSaturatingDiscriminatorLoss(asLogits(tf.tensor1d(v.lr)), asLogits(tf.tensor1d(v.lf)))), 'L_D differs from the non-saturating discriminator loss');
    }),
    invariant('T_E is linear in (λ1, λ2): T_E(λ1, λ2) = λ1·T_E(1, 0) + λ2·T_E(0, 1)', mrLossInputs, (v) => {
      const te = (l1: number, l2: number) => scalar(mrLoss(v, { lambda1: l1, lambda2: l2 }).encoder);
      const a = te(1, 0);
      const b = te(0, 1);
      checkClose('T_E', te(v.l1, v.l2), v.l1 * a + v.l2 * b, 1e-5, 1e-5 * (1 + Math.abs(a) + Math.abs(b)));
      checkThat(te(0, 0) === 0, 'T_E with λ1 = λ2 = 0 is not 0');
    }),
    invariant('the network form equals the loss form fed with mlp() outputs, and G(E(x)) matches a float64 forward pass', fc.tuple(mrSample, uniform(0, 2), uniform(0, 2)), ([s, l1, l2]) => {
      const enc = netOf(s.enc, 'enc');
      const gen = netOf(s.gen, 'gen');
      const disc = netOf(s.disc, 'disc');
      const net = modeRegularizedNetworkLosses({ encoder: enc, generator: gen, discriminator: disc }, T(s.x), T(s.z), { lambda1: l1, lambda2: l2 });
      const rec = mlp(gen, mlp(enc, T(s.x)));
      const logits = (h: tf.Tensor) => asLogits(tf.reshape(mlp(disc, h), [-1]));
      const loss = modeRegularizedLosses({ logitsReal: logits(T(s.x)), logitsFake: logits(mlp(gen, T(s.z))), logitsReconstructed: logits(rec), x: T(s.x), reconstructions: rec }, { lambda1: l1, lambda2: l2 });
      for (const k of ['discriminator', 'generator', 'encoder'] as const) checkThat(scalar(net[k]) === scalar(loss[k]), `${k}: ${scalar(net[k])} vs ${scalar(loss[k])}`);
      const want = mlp64(s.gen, 'gen', mlp64(s.enc, 'enc', rowsOf(s.x)));
      const got = values(rec);
      want.flat().forEach((w, i) => checkClose(`G(E(x))[${i}]`, got[i]!, w, 1e-4, 1e-5));
    }),
    invariant('at a perfect reconstruction the distance term vanishes: T_E = λ2·E[log D(x)]', fc.tuple(batch(uniform(-3, 3), 2, 2), batch(uniform(-3, 3), 2, 2), uniform(0, 2), uniform(0, 2)), ([x0, w, l1, l2]) => {
      const s = perfectMr([x0, [x0[1]!, x0[0]!]], [[0, 1]], w, 0.25);
      const r = modeRegularizedNetworkLosses(networksOf(Object.fromEntries(Object.entries({ ...s.enc.weights, ...s.gen.weights, ...s.disc.weights }).map(([k, a]) => [k, T(a)])), { activation: 'linear', outputActivation: 'linear', alpha: 0.2 }), T(s.x), T(s.z), { lambda1: l1, lambda2: l2 });
      const logitsX = rowsOf(s.x).map((row) => row[0]! * w[0]! + row[1]! * w[1]! + 0.25);
      checkClose('T_E', scalar(r.encoder), l2 * mean(logitsX.map(logSigmoid64)), 1e-5, 1e-5);
    }),
  ],
  errors: [
    { name: 'a negative λ1', call: () => mrLoss(fixedMr(), { lambda1: -1 }), error: 'InvalidParameterError', argument: 'lambda1' },
    { name: 'an infinite λ2', call: () => mrLoss(fixedMr(), { lambda2: Infinity }), error: 'InvalidParameterError', argument: 'lambda2' },
    { name: "distance 'l3'", call: () => mrLoss(fixedMr(), { distance: 'l3' as never }), error: 'InvalidParameterError', argument: 'distance' },
    { name: 'reconstructions of another shape than x', call: () => mrLoss({ ...fixedMr(), rec: rows([[1, 2, 3]]) }, {}), error: 'InvalidArgumentError', argument: 'reconstructions' },
    { name: 'a NaN logit', call: () => mrLoss({ ...fixedMr(), lf: [NaN] }, {}), error: 'InvalidArgumentError', argument: 'logitsFake' },
    { name: 'logits on G(E(x)) of the wrong length', call: () => mrLoss({ ...fixedMr(), lrec: [1, 2] }, {}), error: 'InvalidArgumentError', argument: 'logitsReconstructed' },
    { name: 'a discriminator with two outputs', call: () => modeRegularizedNetworkLosses({ encoder: netOfStatic(), generator: netOfStatic(), discriminator: netOfStatic() }, tf.zeros([1, 2]), tf.zeros([1, 2])), error: 'InvalidArgumentError', argument: 'discriminator' },
    { name: 'a generator that does not take the encoder output', call: () => modeRegularizedNetworkLosses({ encoder: netOfStatic(), generator: { layers: [{ weight: tf.zeros([3, 2]) }] }, discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] } }, tf.zeros([1, 2]), tf.zeros([1, 3])), error: 'InvalidArgumentError', argument: 'generator' },
    { name: 'noise of the wrong width', call: () => modeRegularizedNetworkLosses({ encoder: netOfStatic(), generator: netOfStatic(), discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] } }, tf.zeros([1, 2]), tf.zeros([1, 5])), error: 'InvalidArgumentError', argument: 'z' },
    { name: 'an unknown option', call: () => mrLoss(fixedMr(), { lambda: 1 } as never), error: 'InvalidParameterError', argument: 'lambda' },
  ],
};

function fixedMr() {
  return { lr: [0.5], lf: [-1], lrec: [2], x: rows([[1, 2]]), rec: rows([[0.5, 1]]) };
}

// ---------------------------------------------------------------------------------------------
// objective/mix-gan
// ---------------------------------------------------------------------------------------------

/** Payoffs V(D_j, G_i) of a base GAN: mostly O(1), sometimes up to ±1e3 (a critic's scores), exact values mixed in. */
const payoffValue: fc.Arbitrary<number> = fc.oneof({ weight: 5, arbitrary: uniform(-5, 5) }, { weight: 1, arbitrary: uniform(-1e3, 1e3) }, { weight: 1, arbitrary: fc.constantFrom(0, f32(-Math.log(4)), 1) });
const mixtureLogit: fc.Arbitrary<number> = fc.oneof({ weight: 6, arbitrary: uniform(-5, 5) }, { weight: 1, arbitrary: logit });

function mixInputsOf(payoff: fc.Arbitrary<number>) {
  return fc
    .record({ kg: fc.integer({ min: 1, max: 5 }), kd: fc.integer({ min: 1, max: 5 }) })
    .chain(({ kg, kd }) => fc.record({ p: matrix(kg, kd, payoff), ag: batch(mixtureLogit, kg, kg), ad: batch(mixtureLogit, kd, kd) }));
}
const mixInputs = mixInputsOf(payoffValue);

const mixCases: fc.Arbitrary<Case> = fc
  .record({ v: mixInputs, beta: fc.oneof(uniform(0, 2), fc.constantFrom(0, f32(0.1))), regularizer: fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy') })
  .map(({ v, beta, regularizer }) => ({ inputs: { payoff: v.p, generatorLogits: vector(v.ag), discriminatorLogits: vector(v.ad) }, params: { beta, regularizer }, grads: true }));

function mixCase(p: number[][], ag: number[], ad: number[], params: { beta: number; regularizer: MixtureRegularizer }, label: string): Case {
  return { inputs: { payoff: rows(p), generatorLogits: vector(ag), discriminatorLogits: vector(ad) }, params, grads: true, label };
}

function mix(v: { p: NDArray; ag: number[]; ad: number[] }, o?: { beta?: number; regularizer?: MixtureRegularizer }) {
  return mixGanLosses(T(v.p), tf.tensor1d(v.ag), tf.tensor1d(v.ad), o);
}

const softmax64 = (a: number[]) => {
  const mx = Math.max(...a);
  const e = a.map((x) => Math.exp(x - mx));
  const s = sum(e);
  return e.map((x) => x / s);
};

export const mixGan: Spec = {
  id: MIX_GAN_ID,
  title: 'MIX+GAN (mixtures of generators and discriminators with learned weights)',
  reference: 'Arora, Ge, Liang, Ma & Zhang 2017, Generalization and Equilibrium in Generative Adversarial Nets (GANs), §5 MIX+GANs',
  section: 'objectives',
  inputs: {
    payoff: { kind: PAYOFFS, doc: 'P [k_G, k_D], P[i][j] = V(D_j, G_i) of any base GAN' },
    generatorLogits: { kind: MIXTURE_LOGITS, doc: "the generators' mixture logits a_G [k_G], u = softmax(a_G)" },
    discriminatorLogits: { kind: MIXTURE_LOGITS, doc: "the discriminators' mixture logits a_D [k_D], v = softmax(a_D)" },
  },
  params: {
    beta: { doc: 'β ≥ 0, weight of the mixture-weight regularizer (0.1 in the authors’ code)', default: 0.1 },
    regularizer: { doc: "'cross-entropy': −(1/k)Σ log w (the authors' code); 'entropy': Σ w log w = −H(w)", default: 'cross-entropy', choices: ['cross-entropy', 'entropy'] },
  },
  outputs: ['discriminator', 'generator', 'payoff'],
  evaluate: (x, p) => {
    const r = mixGanLosses(x.payoff!, x.generatorLogits!, x.discriminatorLogits!, { beta: p.beta as number, regularizer: p.regularizer as MixtureRegularizer });
    return { discriminator: r.discriminator, generator: r.generator, payoff: r.payoff };
  },
  sample: mixCases,
  edges: [
    mixCase([[1, 2, 3], [4, 5, 6]], [0.5, 0.5], [-1, -1, -1], { beta: 0.1, regularizer: 'cross-entropy' }, 'closed form: equal logits give the mean payoff 3.5 and R = log k'),
    mixCase([[1, -2], [3, 7]], [1e4, -1e4], [-1e4, 1e4], { beta: 1, regularizer: 'entropy' }, 'edge: logits ±1e4 put all weight on G₀ and D₁: payoff = P[0][1] = −2'),
    mixCase([[1, -2], [3, 7]], [1e4, -1e4], [88.7, -104], { beta: 0.5, regularizer: 'cross-entropy' }, 'edge: collapsed mixtures under the cross-entropy regularizer (large but finite)'),
    mixCase([[-Math.log(4)]], [3], [-2], { beta: 2, regularizer: 'entropy' }, 'edge: one generator and one discriminator (k = 1): payoff = P, R = 0'),
  ],
  secondOrder: true,
  invariants: [
    invariant('with equal mixture logits the payoff is the mean of P, and R is log k (cross-entropy) or −log k (entropy)', fc.tuple(mixInputs, uniform(-50, 50), uniform(-50, 50), uniform(0, 2)), ([v, cg, cd, beta]) => {
      const flat = v.p.data;
      const [kg, kd] = v.p.shape as [number, number];
      const ce = mix({ p: v.p, ag: new Array<number>(kg).fill(cg), ad: new Array<number>(kd).fill(cd) }, { beta });
      const en = mix({ p: v.p, ag: new Array<number>(kg).fill(cg), ad: new Array<number>(kd).fill(cd) }, { beta, regularizer: 'entropy' });
      const scale = Math.max(1, ...flat.map(Math.abs));
      checkClose('payoff', scalar(ce.payoff), mean(flat), 1e-5, 1e-6 * scale);
      checkClose('generator (cross-entropy)', scalar(ce.generator), mean(flat) + beta * Math.log(kg), 1e-5, 1e-6 * scale);
      checkClose('discriminator (entropy)', scalar(en.discriminator), -mean(flat) - beta * Math.log(kd), 1e-5, 1e-6 * scale);
    }),
    invariant('the losses are invariant to adding a constant to either mixture logit vector', fc.tuple(mixInputs, uniform(-100, 100), uniform(-100, 100), fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy')), ([v, cg, cd, regularizer]) => {
      const small = { ...v, ag: v.ag.map((a) => f32(Math.max(-20, Math.min(20, a)))), ad: v.ad.map((a) => f32(Math.max(-20, Math.min(20, a)))) };
      const base = mix(small, { beta: 1, regularizer });
      const shifted = mix({ ...small, ag: small.ag.map((a) => f32(a + cg)), ad: small.ad.map((a) => f32(a + cd)) }, { beta: 1, regularizer });
      // Rounding a + c to float32 moves each logit by up to 2⁻²⁴·120, i.e. the weights by ~1e-5 relatively.
      const scale = Math.max(1, ...v.p.data.map(Math.abs));
      for (const k of ['discriminator', 'generator', 'payoff'] as const) checkClose(k, scalar(shifted[k]), scalar(base[k]), 1e-4, 5e-5 * scale);
    }),
    invariant('the regularizer is smallest at the uniform mixture: R(softmax(a)) ≥ R(uniform), for both regularizers', fc.tuple(batch(mixtureLogit, 1, 6), fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy')), ([a, regularizer]) => {
      const k = a.length;
      const p = { shape: [k, 1], data: new Array<number>(k).fill(0) };
      const at = (ag: number[]) => scalar(mix({ p, ag, ad: [0] }, { beta: 1, regularizer }).generator);
      const uniformValue = at(new Array<number>(k).fill(0));
      checkClose('R(uniform)', uniformValue, regularizer === 'cross-entropy' ? Math.log(k) : -Math.log(k), 1e-6, 1e-6);
      checkThat(at(a) >= uniformValue - 1e-6, `R(softmax(${a})) = ${at(a)} < R(uniform) = ${uniformValue}`);
    }),
    invariant('the payoff uᵀPv equals its float64 value and lies between min P and max P', mixInputs, (v) => {
      const u = softmax64(v.ag);
      const w = softmax64(v.ad);
      const [kg, kd] = v.p.shape as [number, number];
      let want = 0;
      for (let i = 0; i < kg; i++) for (let j = 0; j < kd; j++) want += u[i]! * w[j]! * v.p.data[i * kd + j]!;
      const got = scalar(mix(v).payoff);
      const scale = Math.max(1, ...v.p.data.map(Math.abs));
      checkClose('payoff', got, want, 1e-5, 1e-6 * scale);
      checkThat(got >= Math.min(...v.p.data) - 1e-6 * scale && got <= Math.max(...v.p.data) + 1e-6 * scale, `payoff ${got} outside [min P, max P]`);
    }),
    invariant('∂L_G/∂P = u vᵀ and ∂L_D/∂P = −u vᵀ; with β = 0 the game is zero-sum (L_D = −L_G)', mixInputs, (v) => {
      const u = softmax64(v.ag);
      const w = softmax64(v.ad);
      const outer = u.flatMap((ui) => w.map((wj) => ui * wj));
      const grad = (k: 'generator' | 'discriminator') =>
        tf.tidy(() => Array.from(tf.grad((p: tf.Tensor) => mixGanLosses(p, tf.tensor1d(v.ag), tf.tensor1d(v.ad))[k] as tf.Scalar)(T(v.p)).dataSync()));
      checkAllClose('∂L_G/∂P', grad('generator'), outer, 1e-5, 1e-7);
      checkAllClose('∂L_D/∂P', grad('discriminator'), outer.map((x) => -x), 1e-5, 1e-7);
      const r = mix(v, { beta: 0 });
      checkThat(scalar(r.discriminator) === -scalar(r.generator), 'not zero-sum at β = 0');
    }),
    invariant('losses and gradients are finite for mixture logits up to ±1e4 and payoffs up to ±1e3', fc.tuple(mixInputs, fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy')), ([v, regularizer]) => {
      const r = mix(v, { beta: 1, regularizer });
      checkFinite('losses', [scalar(r.discriminator), scalar(r.generator), scalar(r.payoff)]);
      checkFinite('∂L_G/∂a_G', gradValues((t) => mixGanLosses(T(v.p), t, tf.tensor1d(v.ad), { beta: 1, regularizer }).generator, v.ag));
      checkFinite('∂L_D/∂a_D', gradValues((t) => mixGanLosses(T(v.p), tf.tensor1d(v.ag), t, { beta: 1, regularizer }).discriminator, v.ad));
    }),
  ],
  errors: [
    { name: 'a negative β', call: () => mixGanLosses(tf.zeros([2, 2]), tf.zeros([2]), tf.zeros([2]), { beta: -0.1 }), error: 'InvalidParameterError', argument: 'beta' },
    { name: "regularizer 'kl'", call: () => mixGanLosses(tf.zeros([2, 2]), tf.zeros([2]), tf.zeros([2]), { regularizer: 'kl' as never }), error: 'InvalidParameterError', argument: 'regularizer' },
    { name: 'a payoff vector instead of a matrix', call: () => mixGanLosses(tf.zeros([2]), tf.zeros([2]), tf.zeros([1])), error: 'InvalidArgumentError', argument: 'payoff' },
    { name: 'generator logits of the wrong length', call: () => mixGanLosses(tf.zeros([2, 3]), tf.zeros([3]), tf.zeros([3])), error: 'InvalidArgumentError', argument: 'generatorLogits' },
    { name: 'discriminator logits of the wrong length', call: () => mixGanLosses(tf.zeros([2, 3]), tf.zeros([2]), tf.zeros([2])), error: 'InvalidArgumentError', argument: 'discriminatorLogits' },
    { name: 'a NaN payoff', call: () => mixGanLosses(tf.tensor2d([[0, NaN]]), tf.zeros([1]), tf.zeros([2])), error: 'InvalidArgumentError', argument: 'payoff' },
    { name: 'an infinite mixture logit', call: () => mixGanLosses(tf.zeros([1, 1]), tf.tensor1d([Infinity]), tf.zeros([1])), error: 'InvalidArgumentError', argument: 'generatorLogits' },
    { name: 'an unknown option', call: () => mixGanLosses(tf.zeros([1, 1]), tf.zeros([1]), tf.zeros([1]), { entropy: 1 } as never), error: 'InvalidParameterError', argument: 'entropy' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
const NET = { activation: 'leaky-relu', outputActivation: 'linear', alpha: 0.2 };
const LATENT = 64;

export const SPECS: Spec[] = [
  withBenchmark(energyBased, () =>
    benchCase(
      { xReal: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1), xFake: uniformArray([BENCH.batch, BENCH.features], -1, 1, 2), ...mlpArrays('ae', [BENCH.features, BENCH.hidden, BENCH.features], 10) },
      { margin: 1, energy: 'mse', reduction: 'mean', ...NET },
    ),
  ),
  withBenchmark(modeRegularized, () =>
    benchCase(
      {
        x: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
        z: uniformArray([BENCH.batch, LATENT], -1, 1, 2),
        ...mlpArrays('enc', [BENCH.features, BENCH.hidden, LATENT], 10),
        ...mlpArrays('gen', [LATENT, BENCH.hidden, BENCH.features], 20),
        ...mlpArrays('disc', [BENCH.features, BENCH.hidden, 1], 30),
      },
      { lambda1: 1, lambda2: 1, distance: 'l2', reduction: 'mean', ...NET },
    ),
  ),
  withBenchmark(mixGan, () => benchCase({ payoff: uniformArray([8, 8], -2, 2, 1), generatorLogits: uniformArray([8], -1, 1, 2), discriminatorLogits: uniformArray([8], -1, 1, 3) }, { beta: 0.1, regularizer: 'cross-entropy' })),
];
