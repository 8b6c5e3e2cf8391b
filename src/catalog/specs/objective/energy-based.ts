import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, uniform, vector, weight } from '../../arbitraries.js';
import {
  matrix,
  netOf,
  type NetSample,
  sampleValue,
  smallMlp,
  smoothSampleValue,
  unbiasedUniform,
} from '../../arbitraries/networks.js';
import { BENCH, benchCase, mlpArrays, uniformArray } from '../../bench.js';
import { activationParam, ALPHA_PARAM, REDUCTION_PARAM, SAMPLES, weightDecls } from '../../decls.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64, mlp64, sum64 } from '../../reference64.js';
import { identity, netOfStatic, zeros } from '../../templates/mlp-objective.js';
import { BENCH_NET } from '../../templates/network-critic.js';
import { checkRepairs } from '../../registry-repair.js';
import { gradValues, rows, tensorOf, toRows } from '../../tensors.js';
import type { Case, ErrorCase, NDArray, Spec } from '../../types.js';
import { type Activation, layersFromInputs, type Mlp } from '../../../nets/mlp.js';
import {
  autoencoderEnergies,
  ENERGY_BASED_ID,
  energyBasedDiscriminatorLoss,
  energyBasedGeneratorLoss,
  energyBasedLosses,
  type EnergyKind,
} from '../../../objectives/energy-based.js';
import { asEnergies, asWeights, type Reduction, type Samples, type Weights } from '../../../types.js';

const E = (xs: number[]) => asEnergies(tf.tensor1d(xs));

const energy: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(0, 5) },
  { weight: 1, arbitrary: uniform(0, 1e4) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2) },
);

interface EbSample {
  d: number;
  ae: NetSample;
  xReal: NDArray;
  xFake: NDArray;
}

const ebSample: fc.Arbitrary<EbSample> = fc
  .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }) })
  .chain(({ d, n, m }) =>
    fc.record({ d: fc.constant(d), ae: smallMlp('ae', d, d), xReal: matrix(n, d), xFake: matrix(m, d) }),
  );

function ebCase(
  s: EbSample,
  params: { margin: number; energy: EnergyKind; reduction: Reduction },
  extra: Record<string, NDArray> = {},
  label?: string,
  grads = true,
): Case {
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
    return (
      fc
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
        .filter(
          ({ ae, xReal, xFake }) => energy !== 'l2' || [xReal, xFake].every((x) => minResidualNorm(ae, x) >= 0.05),
        )
        .map(({ ae, xReal, xFake, wr, wf }) =>
          ebCase(
            { d, ae, xReal, xFake },
            { margin, energy, reduction },
            weighted ? { weightsReal: vector(wr), weightsFake: vector(wf) } : {},
          ),
        )
    );
  });

/** The smallest ‖AE(x) − x‖₂ over the rows of x, in float64. */
function minResidualNorm(ae: NetSample, x: NDArray): number {
  const xs = toRows(x);
  const rec = mlp64(ae, 'ae', xs);
  return Math.min(...xs.map((row, i) => Math.sqrt(sum64(row.map((v, j) => (rec[i]![j]! - v) ** 2)))));
}

function ebEvaluate(
  x: Record<string, tf.Tensor> & { xReal: Samples; xFake: Samples; weightsReal?: Weights; weightsFake?: Weights },
  p: {
    activation: Activation;
    outputActivation: Activation;
    alpha: number;
    margin: number;
    energy: EnergyKind;
    reduction: Reduction;
  },
): Record<string, tf.Tensor> {
  const ae: Mlp = {
    layers: layersFromInputs(x, 'ae'),
    activation: p.activation,
    outputActivation: p.outputActivation,
    alpha: p.alpha,
  };
  const r = energyBasedLosses(ae, x.xReal, x.xFake, {
    margin: p.margin,
    energy: p.energy,
    reduction: p.reduction,
    weightsReal: x.weightsReal,
    weightsFake: x.weightsFake,
  });
  return {
    discriminator: r.discriminator,
    generator: r.generator,
    energiesReal: r.energiesReal,
    energiesFake: r.energiesFake,
  };
}

/** A linear identity autoencoder d → d → d (W = I, b = 0) plus an optional decoder bias. */
function identityAe(d: number, decoderBias: number[] = new Array<number>(d).fill(0)): NetSample {
  return {
    widths: [d, d, d],
    weights: { aeW0: identity(d), aeB0: zeros(d), aeW1: identity(d), aeB1: vector(decoderBias) },
    activation: 'linear',
    outputActivation: 'linear',
    alpha: 0.2,
  };
}

const ebBase = { margin: 1, energy: 'mse' as EnergyKind, reduction: 'mean' as Reduction };

export const energyBased: Spec = defineSpec({
  id: ENERGY_BASED_ID,
  title: 'Energy-based GAN (autoencoder discriminator, margin loss)',
  reference:
    'Zhao, Mathieu & LeCun 2017, Energy-based Generative Adversarial Network, eq. 1–2, §2.2 (Theorems 1–2) and §2.3',
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
    energy: choice("'mse': mean squared reconstruction error; 'l2': its Euclidean norm ‖AE(x) − x‖", 'mse', [
      'mse',
      'l2',
    ]),
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
    ebCase(
      {
        d: 2,
        ae: identityAe(2),
        xReal: rows([
          [1, -2],
          [0.5, 3],
        ]),
        xFake: rows([[4, 0]]),
      },
      ebBase,
      {},
      'closed form: an identity autoencoder has zero energies, so L_D = m and L_G = 0',
    ),
    ebCase(
      {
        d: 2,
        ae: identityAe(2, [1, 0]),
        xReal: rows([[1, 2]]),
        xFake: rows([
          [0, 0],
          [3, -1],
        ]),
      },
      { ...ebBase, margin: 0.5 },
      {},
      'edge: every fake energy exactly at the margin (the hinge kink, values only)',
      false,
    ),
    ebCase(
      { d: 2, ae: identityAe(2), xReal: rows([[1, 2]]), xFake: rows([[3, 4]]) },
      { ...ebBase, energy: 'l2' },
      {},
      "edge: 'l2' energy at a perfect reconstruction (not differentiable, values only)",
      false,
    ),
    ebCase(
      {
        d: 3,
        ae: {
          widths: [3, 2, 3],
          weights: {
            aeW0: rows([
              [0.5, -1],
              [1, 0.25],
              [-0.75, 1],
            ]),
            aeB0: vector([0.1, -0.2]),
            aeW1: rows([
              [1, 0.5, -1],
              [-0.5, 1, 0.25],
            ]),
            aeB1: vector([0, 0.1, -0.1]),
          },
          activation: 'tanh',
          outputActivation: 'linear',
          alpha: 0.2,
        },
        xReal: rows([
          [0.5, -0.5, 1],
          [1, 0, -1],
        ]),
        xFake: rows([
          [0.5, -0.5, 1],
          [1, 0, -1],
        ]),
      },
      { ...ebBase, margin: 1000 },
      {},
      'Theorem 1: p_G = p_data (x_f = x_r) with every energy below m gives L_D = m exactly',
    ),
    ebCase(
      {
        d: 2,
        ae: { ...identityAe(2), activation: 'tanh', outputActivation: 'sigmoid' },
        xReal: rows([
          [100, -100],
          [1e3, 5],
        ]),
        xFake: rows([[-1e3, 1e3]]),
      },
      { ...ebBase, margin: 2 },
      {},
      'edge: saturated tanh/sigmoid autoencoder on samples of magnitude 1e3; fake energies above m switch the hinge off',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'energies are finite and ≥ 0 for every network and batch (mse and l2), and mse·d = l2²',
      ebSample,
      (s) => {
        const ae = netOf(s.ae, 'ae');
        const mse = values(autoencoderEnergies(ae, tensorOf(s.xReal)));
        const l2 = values(autoencoderEnergies(ae, tensorOf(s.xReal), { energy: 'l2' }));
        checkFinite('mse', mse);
        checkFinite('l2', l2);
        checkThat(mse.every((e) => e >= 0) && l2.every((e) => e >= 0), `negative energy in ${mse} / ${l2}`);
        mse.forEach((e, i) => checkClose(`mse·d vs l2² [${i}]`, e * s.d, l2[i]! ** 2, 1e-4, 1e-6));
      },
    ),
    invariant('energies equal a float64 forward pass of the autoencoder (plain JavaScript)', ebSample, (s) => {
      const got = values(autoencoderEnergies(netOf(s.ae, 'ae'), tensorOf(s.xReal)));
      const x = toRows(s.xReal);
      const rec = mlp64(s.ae, 'ae', x);
      const want = x.map((row, i) => mean64(row.map((v, j) => (rec[i]![j]! - v) ** 2)));
      want.forEach((w, i) =>
        checkClose(`energy[${i}]`, got[i]!, w, 1e-4, 1e-5 * Math.max(1, ...x[i]!.map((v) => v * v))),
      );
    }),
    invariant(
      'L_D = E[e_r] + E[max(0, m − e_f)] and L_G = E[e_f] in float64, for energies up to 1e4',
      fc.tuple(batch(energy, 1, 8), batch(energy, 1, 8), uniform(0.01, 10)),
      ([r, f, m]) => {
        const want = mean64(r) + mean64(f.map((e) => Math.max(0, m - e)));
        checkClose('L_D', scalar(energyBasedDiscriminatorLoss(E(r), E(f), { margin: m })), want, 1e-5, 1e-5);
        checkClose('L_G', scalar(energyBasedGeneratorLoss(E(f))), mean64(f), 1e-5, 1e-5);
      },
    ),
    invariant(
      'the hinge vanishes once every fake energy is ≥ m: L_D = E[e_r] and ∂L_D/∂e_f = 0',
      fc.tuple(batch(energy, 1, 8), batch(uniform(0, 50), 1, 8), uniform(0.01, 10)),
      ([r, extra, m]) => {
        const f = extra.map((e) => f32(m + e + 1e-3));
        checkClose('L_D', scalar(energyBasedDiscriminatorLoss(E(r), E(f), { margin: m })), mean64(r), 1e-5, 1e-5);
        checkThat(
          gradValues((t) => energyBasedDiscriminatorLoss(E(r), asEnergies(t), { margin: m }), f).every((g) => g === 0),
          'a fake energy above the margin still has a gradient',
        );
      },
    ),
    invariant(
      'gradients: ∂L_D/∂e_r = 1/n; ∂L_D/∂e_f = −1/m below the margin; ∂L_G/∂e_f = 1/m',
      fc.tuple(batch(uniform(0, 5), 1, 8), batch(uniform(0, 0.9), 1, 8)),
      ([r, f]) => {
        checkAllClose(
          'd/de_r',
          gradValues((t) => energyBasedDiscriminatorLoss(asEnergies(t), E(f)), r),
          r.map(() => 1 / r.length),
          1e-6,
          0,
        );
        checkAllClose(
          'd/de_f',
          gradValues((t) => energyBasedDiscriminatorLoss(E(r), asEnergies(t)), f),
          f.map(() => -1 / f.length),
          1e-6,
          0,
        );
        checkAllClose(
          'generator d/de_f',
          gradValues((t) => energyBasedGeneratorLoss(asEnergies(t)), f),
          f.map(() => 1 / f.length),
          1e-6,
          0,
        );
      },
    ),
    invariant(
      'Theorems 1–2: with p_G = p_data (x_f = x_r), L_D ≥ m, with equality when every energy is ≤ m',
      fc.tuple(ebSample, uniform(0.05, 5)),
      ([s, m]) => {
        const ae = netOf(s.ae, 'ae');
        const r = energyBasedLosses(ae, tensorOf(s.xReal), tensorOf(s.xReal), { margin: m });
        const e = values(r.energiesReal);
        const ld = scalar(r.discriminator);
        checkThat(ld >= m - 1e-5 * Math.max(1, m, ...e), `L_D = ${ld} < m = ${m} at p_G = p_data`);
        const big = Math.max(...e) + 1;
        checkClose(
          'L_D with m above every energy',
          scalar(energyBasedLosses(ae, tensorOf(s.xReal), tensorOf(s.xReal), { margin: big }).discriminator),
          big,
          1e-5,
          1e-5 * big,
        );
      },
    ),
    invariant(
      'end to end equals autoencoderEnergies followed by the energy losses',
      fc.tuple(ebSample, uniform(0.1, 3)),
      ([s, m]) => {
        const ae = netOf(s.ae, 'ae');
        const r = energyBasedLosses(ae, tensorOf(s.xReal), tensorOf(s.xFake), { margin: m, energy: 'l2' });
        const er = autoencoderEnergies(ae, tensorOf(s.xReal), { energy: 'l2' });
        const ef = autoencoderEnergies(ae, tensorOf(s.xFake), { energy: 'l2' });
        checkThat(
          scalar(r.discriminator) === scalar(energyBasedDiscriminatorLoss(er, ef, { margin: m })),
          'discriminator differs',
        );
        checkThat(scalar(r.generator) === scalar(energyBasedGeneratorLoss(ef)), 'generator differs');
      },
    ),
    invariant(
      'defaults: no options object equals {}, an unweighted tf.Reduction.SUM_BY_NONZERO_WEIGHTS equals the mean, and each function alone repairs the gradient registry',
      fc.tuple(batch(energy, 1, 6), batch(energy, 1, 6)),
      ([real, fake]) => {
        const er = E(real);
        const ef = E(fake);
        const x = tf.tensor2d([real.slice(0, 2).concat([0, 0]).slice(0, 2)]);
        const d = scalar(energyBasedDiscriminatorLoss(er, ef, {}));
        checkThat(scalar(energyBasedDiscriminatorLoss(er, ef)) === d, 'discriminator loss without options');
        checkThat(
          scalar(energyBasedDiscriminatorLoss(er, ef, { reduction: NONZERO })) === d,
          'discriminator loss under unweighted SUM_BY_NONZERO_WEIGHTS',
        );
        const g = scalar(energyBasedGeneratorLoss(ef, {}));
        checkThat(scalar(energyBasedGeneratorLoss(ef)) === g, 'generator loss without options');
        checkThat(
          scalar(energyBasedGeneratorLoss(ef, { reduction: NONZERO })) === g,
          'generator loss under unweighted SUM_BY_NONZERO_WEIGHTS',
        );
        const none = energyBasedGeneratorLoss(ef, { reduction: 'none' });
        checkThat(none !== ef, "generator loss under 'none' returned the caller's own tensor");
        checkRepairs('energyBasedDiscriminatorLoss', () => energyBasedDiscriminatorLoss(er, ef));
        checkRepairs('energyBasedGeneratorLoss', () => energyBasedGeneratorLoss(ef));
        checkRepairs('energyBasedLosses', () => energyBasedLosses(net2(), x, x));
        checkRepairs('autoencoderEnergies', () => autoencoderEnergies(net2(), x));
        const both = energyBasedLosses(net2(), x, x, {});
        const bare = energyBasedLosses(net2(), x, x);
        const nonzero = energyBasedLosses(net2(), x, x, { reduction: NONZERO });
        for (const k of ['discriminator', 'generator'] as const) {
          checkThat(scalar(bare[k]) === scalar(both[k]), `losses without options: ${k}`);
          checkThat(scalar(nonzero[k]) === scalar(both[k]), `losses under unweighted SUM_BY_NONZERO_WEIGHTS: ${k}`);
        }
      },
      30,
    ),
  ],
  errors: [
    {
      name: 'margin 0',
      call: () => energyBasedDiscriminatorLoss(E([1]), E([1]), { margin: 0 }),
      error: 'InvalidParameterError',
      argument: 'margin',
    },
    {
      name: 'a negative margin',
      call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.zeros([1, 2]), { margin: -1 }),
      error: 'InvalidParameterError',
      argument: 'margin',
    },
    {
      name: 'a NaN margin',
      call: () => energyBasedDiscriminatorLoss(E([1]), E([1]), { margin: NaN }),
      error: 'InvalidParameterError',
      argument: 'margin',
    },
    {
      name: 'a negative energy',
      call: () => energyBasedDiscriminatorLoss(E([1, -0.5]), E([1])),
      error: 'InvalidArgumentError',
      argument: 'energiesReal',
    },
    {
      name: 'an infinite energy',
      call: () => energyBasedGeneratorLoss(E([Infinity])),
      error: 'InvalidArgumentError',
      argument: 'energiesFake',
    },
    {
      name: "energy 'l1'",
      call: () => autoencoderEnergies(netOfStatic(), tf.zeros([1, 2]), { energy: 'l1' as never }),
      error: 'InvalidParameterError',
      argument: 'energy',
    },
    {
      name: 'an autoencoder whose output width differs from its input width',
      call: () => autoencoderEnergies({ layers: [{ weight: tf.zeros([2, 3]) }] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'autoencoder',
    },
    {
      name: 'layers whose widths do not chain',
      call: () =>
        autoencoderEnergies({ layers: [{ weight: tf.zeros([2, 3]) }, { weight: tf.zeros([2, 2]) }] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'autoencoder.layers[1].weight',
    },
    {
      name: 'a bias of the wrong length',
      call: () =>
        autoencoderEnergies({ layers: [{ weight: tf.zeros([2, 2]), bias: tf.zeros([3]) }] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'autoencoder.layers[0].bias',
    },
    {
      name: 'an unknown activation',
      call: () => autoencoderEnergies({ ...netOfStatic(), activation: 'gelu' as never }, tf.zeros([1, 2])),
      error: 'InvalidParameterError',
      argument: 'autoencoder.activation',
    },
    {
      name: 'samples of the wrong width',
      call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 3]), tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'xReal',
    },
    {
      name: 'a NaN sample',
      call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.tensor2d([[0, NaN]])),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    {
      name: "batches of unequal length under 'none'",
      call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.zeros([2, 2]), { reduction: 'none' }),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    ...ebWeightErrors(),
    {
      name: 'weights of another length',
      call: () =>
        energyBasedLosses(netOfStatic(), tf.zeros([2, 2]), tf.zeros([2, 2]), { weightsReal: asWeights(tf.ones([3])) }),
      error: 'InvalidArgumentError',
      argument: 'weightsReal',
    },
    {
      name: 'an unknown option',
      call: () => energyBasedLosses(netOfStatic(), tf.zeros([1, 2]), tf.zeros([1, 2]), { margins: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'margins',
    },
  ],
  benchmark: () =>
    benchCase(
      {
        xReal: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
        xFake: uniformArray([BENCH.batch, BENCH.features], -1, 1, 2),
        ...mlpArrays('ae', [BENCH.features, BENCH.hidden, BENCH.features], 10),
      },
      { margin: 1, energy: 'mse', reduction: 'mean', ...BENCH_NET },
    ),
});

const W = (xs: number[]) => asWeights(tf.tensor1d(xs));
const NONZERO = tf.Reduction.SUM_BY_NONZERO_WEIGHTS as unknown as Reduction;
const net2 = () => netOfStatic();

/**
 * The weights and reductions of the three EBGAN functions: tf.Reduction.SUM_BY_NONZERO_WEIGHTS
 * with weights on either batch alone, batches that 'none' cannot pair, weights of the wrong length,
 * sign or finiteness, and options the generator loss does not take.
 */
function ebWeightErrors(): ErrorCase[] {
  const cases: ErrorCase[] = [];
  const add = (name: string, argument: string, call: () => unknown, error = 'InvalidArgumentError') =>
    cases.push({ name, call, error, argument });
  for (const side of ['weightsReal', 'weightsFake'] as const) {
    add(
      `discriminator loss: SUM_BY_NONZERO_WEIGHTS with ${side} alone`,
      'reduction',
      () => energyBasedDiscriminatorLoss(E([1, 2]), E([1, 2]), { reduction: NONZERO, [side]: W([1, 0]) }),
      'InvalidParameterError',
    );
    add(
      `losses: SUM_BY_NONZERO_WEIGHTS with ${side} alone`,
      'reduction',
      () => energyBasedLosses(net2(), tf.zeros([2, 2]), tf.zeros([2, 2]), { reduction: NONZERO, [side]: W([1, 0]) }),
      'InvalidParameterError',
    );
    add(`discriminator loss: ${side} of a length neither 1 nor its batch`, side, () =>
      energyBasedDiscriminatorLoss(E([1, 2]), E([1, 2, 3]), { [side]: W([1, 1, 1, 1]) }),
    );
    add(`losses: ${side} [2, −1] (a negative weight)`, side, () =>
      energyBasedLosses(net2(), tf.zeros([2, 2]), tf.zeros([2, 2]), { [side]: W([2, -1]) }),
    );
    add(`losses: an infinite weight in ${side}`, side, () =>
      energyBasedLosses(net2(), tf.zeros([2, 2]), tf.zeros([2, 2]), { [side]: W([1, Infinity]) }),
    );
  }
  add(
    'generator loss: SUM_BY_NONZERO_WEIGHTS with weights',
    'reduction',
    () => energyBasedGeneratorLoss(E([1, 2]), { reduction: NONZERO, weightsFake: W([1, 0]) }),
    'InvalidParameterError',
  );
  add('generator loss: weights of another length', 'weightsFake', () =>
    energyBasedGeneratorLoss(E([1, 2]), { weightsFake: W([1, 1, 1]) }),
  );
  add(
    "generator loss: a margin (the discriminator's option)",
    'margin',
    () => energyBasedGeneratorLoss(E([1, 2]), { margin: 1 } as never),
    'InvalidParameterError',
  );
  add('discriminator loss: a negative fake energy', 'energiesFake', () =>
    energyBasedDiscriminatorLoss(E([1, 2]), E([1, -2])),
  );
  add(
    'losses: margin 0',
    'margin',
    () => energyBasedLosses(net2(), tf.zeros([1, 2]), tf.zeros([1, 2]), { margin: 0 }),
    'InvalidParameterError',
  );
  add(
    "losses: energy 'l1'",
    'energy',
    () => energyBasedLosses(net2(), tf.zeros([1, 2]), tf.zeros([1, 2]), { energy: 'l1' as never }),
    'InvalidParameterError',
  );
  add('autoencoder energies: samples of the wrong width', 'x', () => autoencoderEnergies(net2(), tf.zeros([1, 3])));
  add("discriminator loss: batches of unequal length under 'none'", 'energiesFake', () =>
    energyBasedDiscriminatorLoss(E([1, 2]), E([1]), { reduction: 'none' }),
  );
  add('losses: weights of rank 2', 'weightsFake', () =>
    energyBasedLosses(net2(), tf.zeros([2, 2]), tf.zeros([2, 2]), { weightsFake: asWeights(tf.ones([2, 1])) }),
  );
  return cases;
}
