import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, logit, moderateLogit, uniform, vector } from '../../arbitraries.js';
import {
  activation,
  leakyAlpha,
  matrix,
  netOf,
  type NetSample,
  sampleValue,
  smallMlp,
  smoothSampleValue,
} from '../../arbitraries/networks.js';
import { BENCH, benchCase, mlpArrays, uniformArray } from '../../bench.js';
import { activationParam, ALPHA_PARAM, REDUCTION_PARAM, SAMPLES, weightDecls } from '../../decls.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64, mlp64, sum64 } from '../../reference64.js';
import { identity, netOfStatic, zeros } from '../../templates/mlp-objective.js';
import { BENCH_NET } from '../../templates/network-critic.js';
import { checkRepairs } from '../../registry-repair.js';
import { gradValues, rows, tensorOf, toRows } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import { type Activation, layersFromInputs, mlp } from '../../../nets/mlp.js';
import {
  MODE_REGULARIZED_ID,
  modeRegularizedLosses,
  modeRegularizedNetworkLosses,
  type ReconstructionDistance,
} from '../../../objectives/mode-regularized.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../../objectives/non-saturating.js';
import { asLogits, type Reduction, type Samples } from '../../../types.js';

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
    .record({
      d: fc.integer({ min: 1, max: 4 }),
      dz: fc.integer({ min: 1, max: 3 }),
      n: fc.integer({ min: 1, max: 6 }),
      m: fc.integer({ min: 1, max: 6 }),
      act: activation,
      out: activation,
      alpha: leakyAlpha,
    })
    .chain(({ d, dz, n, m, act, out, alpha }) =>
      fc.record({
        x: matrix(n, d, xValue),
        z: matrix(m, dz),
        enc: smallMlp('enc', d, dz, { min: 1, max: 1 }).map((s) => ({
          ...s,
          activation: act,
          outputActivation: 'linear' as Activation,
          alpha,
        })),
        gen: smallMlp('gen', dz, d, { min: 1, max: 1 }).map((s) => ({
          ...s,
          activation: act,
          outputActivation: out,
          alpha,
        })),
        disc: smallMlp('disc', d, 1, { min: 1, max: 1 }).map((s) => ({
          ...s,
          activation: act,
          outputActivation: 'linear' as Activation,
          alpha,
        })),
      }),
    );
}

function mrCase(
  s: MrSample,
  params: { lambda1: number; lambda2: number; distance: ReconstructionDistance; reduction: Reduction },
  label?: string,
  grads = true,
): Case {
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
    const z =
      reduction === 'none'
        ? {
            shape: [s.x.shape[0]!, s.z.shape[1]!],
            data: Array.from({ length: s.x.shape[0]! * s.z.shape[1]! }, (_, k) => s.z.data[k % s.z.data.length]!),
          }
        : s.z;
    return mrCase({ ...s, z }, { lambda1, lambda2, distance, reduction });
  });

/** The parameters of `objective/mode-regularized` as `evaluate` sees them. */
type MrParams = {
  activation: Activation;
  outputActivation: Activation;
  alpha: number;
  lambda1: number;
  lambda2: number;
  distance: ReconstructionDistance;
  reduction: Reduction;
};

function networksOf(x: Record<string, tf.Tensor>, p: Pick<MrParams, 'activation' | 'outputActivation' | 'alpha'>) {
  const act = p.activation;
  const alpha = p.alpha;
  return {
    encoder: { layers: layersFromInputs(x, 'enc'), activation: act, outputActivation: 'linear' as Activation, alpha },
    generator: { layers: layersFromInputs(x, 'gen'), activation: act, outputActivation: p.outputActivation, alpha },
    discriminator: {
      layers: layersFromInputs(x, 'disc'),
      activation: act,
      outputActivation: 'linear' as Activation,
      alpha,
    },
  };
}

function mrEvaluate(
  x: Record<string, tf.Tensor> & { x: Samples; z: tf.Tensor },
  p: MrParams,
): Record<string, tf.Tensor> {
  const r = modeRegularizedNetworkLosses(networksOf(x, p), x.x, x.z, {
    lambda1: p.lambda1,
    lambda2: p.lambda2,
    distance: p.distance,
    reduction: p.reduction,
  });
  return { discriminator: r.discriminator, generator: r.generator, encoder: r.encoder };
}

/** Identity encoder and generator (d = d_z), so G(E(x)) = x exactly, and a given linear discriminator. */
function perfectMr(x: number[][], z: number[][], discW: number[], discB: number): MrSample {
  const d = x[0]!.length;
  const lin = (prefix: string, W: NDArray, B: NDArray, W1: NDArray, B1: NDArray, out: number): NetSample => ({
    widths: [d, W.shape[1]!, out],
    weights: { [`${prefix}W0`]: W, [`${prefix}B0`]: B, [`${prefix}W1`]: W1, [`${prefix}B1`]: B1 },
    activation: 'linear',
    outputActivation: 'linear',
    alpha: 0.2,
  });
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
  .chain(({ n, m, d }) =>
    fc.record({
      lr: batch(moderateLogit, n, n),
      lf: batch(moderateLogit, m, m),
      lrec: batch(moderateLogit, n, n),
      x: matrix(n, d),
      rec: matrix(n, d),
      l1: uniform(0, 2),
      l2: uniform(0, 2),
    }),
  );

function mrLoss(
  v: { lr: number[]; lf: number[]; lrec: number[]; x: NDArray; rec: NDArray },
  o: { lambda1?: number; lambda2?: number; distance?: ReconstructionDistance; reduction?: Reduction },
) {
  return modeRegularizedLosses(
    {
      logitsReal: asLogits(tf.tensor1d(v.lr)),
      logitsFake: asLogits(tf.tensor1d(v.lf)),
      logitsReconstructed: asLogits(tf.tensor1d(v.lrec)),
      x: tensorOf(v.x),
      reconstructions: tensorOf(v.rec),
    },
    o,
  );
}

const logSigmoid64 = (l: number) => Math.min(l, 0) - Math.log1p(Math.exp(-Math.abs(l)));

export const modeRegularized: Spec = defineSpec({
  id: MODE_REGULARIZED_ID,
  title: 'Mode-regularized GAN (encoder, reconstruction and discriminator regularizers)',
  reference:
    'Che, Li, Jacob, Bengio & Li 2017, Mode Regularized Generative Adversarial Networks, §3.1 (objectives T_G and T_E)',
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
    distance: choice("'l2': squared Euclidean ‖x − G(E(x))‖²; 'l1': Σ|x − G(E(x))|", 'l2', ['l2', 'l1']),
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
    mrCase(
      perfectMr(
        [
          [1, -1],
          [0.5, 2],
        ],
        [[0.25, 0.5]],
        [1, -2],
        0.5,
      ),
      { lambda1: 1, lambda2: 1, distance: 'l2', reduction: 'mean' },
      'closed form: G(E(x)) = x, so T_E = λ2·E[log D(x)] and the distance vanishes',
    ),
    mrCase(
      perfectMr(
        [
          [1, -1],
          [0.5, 2],
        ],
        [
          [0.25, 0.5],
          [3, 1],
        ],
        [1, -2],
        0.5,
      ),
      { lambda1: 1, lambda2: 0, distance: 'l1', reduction: 'mean' },
      "edge: 'l1' at a perfect reconstruction (its kink, values only)",
      false,
    ),
    mrCase(
      perfectMr(
        [
          [30, -40],
          [50, 20],
        ],
        [
          [-60, 10],
          [5, 5],
        ],
        [100, -80],
        3,
      ),
      { lambda1: 0.5, lambda2: 2, distance: 'l2', reduction: 'none' },
      'edge: discriminator logits in the thousands (log D from logits stays finite)',
    ),
    mrCase(
      perfectMr([[1, 2]], [[0.5, -0.5]], [0.5, 0.5], 0),
      { lambda1: 0, lambda2: 0, distance: 'l2', reduction: 'sum' },
      'edge: λ1 = λ2 = 0 reduces to the non-saturating GAN',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'losses are finite with finite gradients for every logit up to |l| = 1e4',
      fc
        .tuple(batch(logit, 1, 6), batch(logit, 1, 6))
        .chain(([lr, lf]) =>
          fc.tuple(
            fc.constant(lr),
            fc.constant(lf),
            batch(logit, lr.length, lr.length),
            matrix(lr.length, 2),
            matrix(lr.length, 2),
          ),
        ),
      ([lr, lf, lrec, x, rec]) => {
        const r = mrLoss({ lr, lf, lrec, x, rec }, {});
        checkFinite('losses', [scalar(r.discriminator), scalar(r.generator), scalar(r.encoder)]);
        checkFinite(
          '∂T_G/∂l_rec',
          gradValues(
            (t) =>
              modeRegularizedLosses({
                logitsReal: asLogits(tf.tensor1d(lr)),
                logitsFake: asLogits(tf.tensor1d(lf)),
                logitsReconstructed: asLogits(t),
                x: tensorOf(x),
                reconstructions: tensorOf(rec),
              }).generator,
            lrec,
          ),
        );
      },
    ),
    invariant(
      'T_G, T_E and L_D equal their float64 formulas with log D = log σ(l)',
      fc.tuple(mrLossInputs, fc.constantFrom<ReconstructionDistance>('l2', 'l1')),
      ([v, distance]) => {
        const x = toRows(v.x);
        const rec = toRows(v.rec);
        const dist = x.map((row, i) =>
          sum64(row.map((a, j) => (distance === 'l2' ? (a - rec[i]![j]!) ** 2 : Math.abs(a - rec[i]![j]!)))),
        );
        const te = mean64(dist.map((dd, i) => v.l1 * dd + v.l2 * logSigmoid64(v.lrec[i]!)));
        const tg = -mean64(v.lf.map(logSigmoid64)) + te;
        const ld = -mean64(v.lr.map(logSigmoid64)) - mean64(v.lf.map((l) => logSigmoid64(-l)));
        const r = mrLoss(v, { lambda1: v.l1, lambda2: v.l2, distance });
        const scale = 1 + Math.abs(te) + mean64(dist) * v.l1;
        checkClose('T_E', scalar(r.encoder), te, 1e-5, 1e-6 * scale);
        checkClose('T_G', scalar(r.generator), tg, 1e-5, 1e-6 * scale);
        checkClose('L_D', scalar(r.discriminator), ld, 1e-5, 1e-6);
      },
    ),
    invariant(
      'T_G − T_E is the non-saturating generator loss, and L_D the non-saturating discriminator loss',
      mrLossInputs,
      (v) => {
        const r = mrLoss(v, { lambda1: v.l1, lambda2: v.l2 });
        const ns = scalar(nonSaturatingGeneratorLoss(asLogits(tf.tensor1d(v.lf))));
        checkClose(
          'T_G − T_E',
          scalar(r.generator) - scalar(r.encoder),
          ns,
          1e-4,
          1e-5 * (1 + Math.abs(scalar(r.encoder))),
        );
        checkThat(
          scalar(r.discriminator) ===
            scalar(nonSaturatingDiscriminatorLoss(asLogits(tf.tensor1d(v.lr)), asLogits(tf.tensor1d(v.lf)))),
          'L_D differs from the non-saturating discriminator loss',
        );
      },
    ),
    invariant('T_E is linear in (λ1, λ2): T_E(λ1, λ2) = λ1·T_E(1, 0) + λ2·T_E(0, 1)', mrLossInputs, (v) => {
      const te = (l1: number, l2: number) => scalar(mrLoss(v, { lambda1: l1, lambda2: l2 }).encoder);
      const a = te(1, 0);
      const b = te(0, 1);
      checkClose('T_E', te(v.l1, v.l2), v.l1 * a + v.l2 * b, 1e-5, 1e-5 * (1 + Math.abs(a) + Math.abs(b)));
      checkThat(te(0, 0) === 0, 'T_E with λ1 = λ2 = 0 is not 0');
    }),
    invariant(
      'the network form equals the loss form fed with mlp() outputs, and G(E(x)) matches a float64 forward pass',
      fc.tuple(mrSample, uniform(0, 2), uniform(0, 2)),
      ([s, l1, l2]) => {
        const enc = netOf(s.enc, 'enc');
        const gen = netOf(s.gen, 'gen');
        const disc = netOf(s.disc, 'disc');
        const net = modeRegularizedNetworkLosses(
          { encoder: enc, generator: gen, discriminator: disc },
          tensorOf(s.x),
          tensorOf(s.z),
          { lambda1: l1, lambda2: l2 },
        );
        const rec = mlp(gen, mlp(enc, tensorOf(s.x)));
        const logits = (h: tf.Tensor) => asLogits(tf.reshape(mlp(disc, h), [-1]));
        const loss = modeRegularizedLosses(
          {
            logitsReal: logits(tensorOf(s.x)),
            logitsFake: logits(mlp(gen, tensorOf(s.z))),
            logitsReconstructed: logits(rec),
            x: tensorOf(s.x),
            reconstructions: rec,
          },
          { lambda1: l1, lambda2: l2 },
        );
        for (const k of ['discriminator', 'generator', 'encoder'] as const)
          checkThat(scalar(net[k]) === scalar(loss[k]), `${k}: ${scalar(net[k])} vs ${scalar(loss[k])}`);
        const want = mlp64(s.gen, 'gen', mlp64(s.enc, 'enc', toRows(s.x)));
        const got = values(rec);
        want.flat().forEach((w, i) => checkClose(`G(E(x))[${i}]`, got[i]!, w, 1e-4, 1e-5));
      },
    ),
    invariant(
      'at a perfect reconstruction the distance term vanishes: T_E = λ2·E[log D(x)]',
      fc.tuple(batch(uniform(-3, 3), 2, 2), batch(uniform(-3, 3), 2, 2), uniform(0, 2), uniform(0, 2)),
      ([x0, w, l1, l2]) => {
        const s = perfectMr([x0, [x0[1]!, x0[0]!]], [[0, 1]], w, 0.25);
        const r = modeRegularizedNetworkLosses(
          networksOf(
            Object.fromEntries(
              Object.entries({ ...s.enc.weights, ...s.gen.weights, ...s.disc.weights }).map(([k, a]) => [
                k,
                tensorOf(a),
              ]),
            ),
            { activation: 'linear', outputActivation: 'linear', alpha: 0.2 },
          ),
          tensorOf(s.x),
          tensorOf(s.z),
          { lambda1: l1, lambda2: l2 },
        );
        const logitsX = toRows(s.x).map((row) => row[0]! * w[0]! + row[1]! * w[1]! + 0.25);
        checkClose('T_E', scalar(r.encoder), l2 * mean64(logitsX.map(logSigmoid64)), 1e-5, 1e-5);
      },
    ),
    invariant(
      'each function alone repairs the gradient registry',
      fc.constant(null),
      () => {
        checkRepairs('modeRegularizedLosses', () => mrLoss(fixedMr(), {}));
        checkRepairs('modeRegularizedNetworkLosses', () =>
          modeRegularizedNetworkLosses(
            {
              encoder: netOfStatic(),
              generator: netOfStatic(),
              discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] },
            },
            tf.zeros([1, 2]),
            tf.zeros([1, 2]),
          ),
        );
      },
      1,
    ),
  ],
  errors: [
    {
      name: 'a negative λ1',
      call: () => mrLoss(fixedMr(), { lambda1: -1 }),
      error: 'InvalidParameterError',
      argument: 'lambda1',
    },
    {
      name: 'an infinite λ2',
      call: () => mrLoss(fixedMr(), { lambda2: Infinity }),
      error: 'InvalidParameterError',
      argument: 'lambda2',
    },
    {
      name: "distance 'l3'",
      call: () => mrLoss(fixedMr(), { distance: 'l3' as never }),
      error: 'InvalidParameterError',
      argument: 'distance',
    },
    {
      name: 'reconstructions of another shape than x',
      call: () => mrLoss({ ...fixedMr(), rec: rows([[1, 2, 3]]) }, {}),
      error: 'InvalidArgumentError',
      argument: 'reconstructions',
    },
    {
      name: 'a NaN logit',
      call: () => mrLoss({ ...fixedMr(), lf: [NaN] }, {}),
      error: 'InvalidArgumentError',
      argument: 'logitsFake',
    },
    {
      name: 'logits on G(E(x)) of the wrong length',
      call: () => mrLoss({ ...fixedMr(), lrec: [1, 2] }, {}),
      error: 'InvalidArgumentError',
      argument: 'logitsReconstructed',
    },
    {
      name: 'a discriminator with two outputs',
      call: () =>
        modeRegularizedNetworkLosses(
          { encoder: netOfStatic(), generator: netOfStatic(), discriminator: netOfStatic() },
          tf.zeros([1, 2]),
          tf.zeros([1, 2]),
        ),
      error: 'InvalidArgumentError',
      argument: 'discriminator',
    },
    {
      name: 'a generator that does not take the encoder output',
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: { layers: [{ weight: tf.zeros([3, 2]) }] },
            discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] },
          },
          tf.zeros([1, 2]),
          tf.zeros([1, 3]),
        ),
      error: 'InvalidArgumentError',
      argument: 'generator',
    },
    {
      name: 'noise of the wrong width',
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: netOfStatic(),
            discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] },
          },
          tf.zeros([1, 2]),
          tf.zeros([1, 5]),
        ),
      error: 'InvalidArgumentError',
      argument: 'z',
    },
    {
      name: 'a negative λ2',
      call: () => mrLoss(fixedMr(), { lambda2: -0.5 }),
      error: 'InvalidParameterError',
      argument: 'lambda2',
    },
    {
      name: 'inputs that are not an object',
      call: () => modeRegularizedLosses(null as never),
      error: 'InvalidArgumentError',
      argument: 'inputs',
    },
    {
      name: 'inputs given as a number',
      call: () => modeRegularizedLosses(3 as never),
      error: 'InvalidArgumentError',
      argument: 'inputs',
    },
    ...(
      [
        ['logitsReal', { lr: [Infinity] }],
        ['logitsReconstructed', { lrec: [NaN] }],
        ['x', { x: rows([[1, NaN]]) }],
        ['reconstructions', { rec: rows([[-Infinity, 1]]) }],
      ] satisfies [string, Partial<ReturnType<typeof fixedMr>>][]
    ).map(([argument, bad]) => ({
      name: `a non-finite ${argument}`,
      call: () => mrLoss({ ...fixedMr(), ...bad }, {}),
      error: 'InvalidArgumentError',
      argument,
    })),
    {
      name: 'logitsReconstructed of rank 2',
      call: () =>
        modeRegularizedLosses({
          logitsReal: asLogits(tf.tensor1d([0.5])),
          logitsFake: asLogits(tf.tensor1d([-1])),
          logitsReconstructed: asLogits(tf.tensor2d([[2]])),
          x: tensorOf(rows([[1, 2]])),
          reconstructions: tensorOf(rows([[0.5, 1]])),
        }),
      error: 'InvalidArgumentError',
      argument: 'logitsReconstructed',
    },
    {
      name: 'x of rank 1',
      call: () =>
        modeRegularizedLosses({
          logitsReal: asLogits(tf.tensor1d([0.5])),
          logitsFake: asLogits(tf.tensor1d([-1])),
          logitsReconstructed: asLogits(tf.tensor1d([2])),
          x: tf.tensor1d([1, 2]),
          reconstructions: tf.tensor1d([0.5, 1]),
        }),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'logits on x of the wrong length',
      call: () => mrLoss({ ...fixedMr(), lr: [0.5, 1] }, {}),
      error: 'InvalidArgumentError',
      argument: 'logitsReal',
    },
    {
      name: "reduction 'none' with batches of different sizes",
      call: () => mrLoss({ ...fixedMr(), lf: [-1, 2] }, { reduction: 'none' }),
      error: 'InvalidArgumentError',
      argument: 'logitsFake',
    },
    {
      name: 'networks that are not an object',
      call: () => modeRegularizedNetworkLosses(null as never, tf.zeros([1, 2]), tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'networks',
    },
    {
      name: 'networks given as a string',
      call: () => modeRegularizedNetworkLosses('mlp' as never, tf.zeros([1, 2]), tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'networks',
    },
    {
      name: 'a generator whose outputs are not the data width',
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: { layers: [{ weight: tf.zeros([2, 3]) }] },
            discriminator: { layers: [{ weight: tf.zeros([3, 1]) }] },
          },
          tf.zeros([1, 2]),
          tf.zeros([1, 2]),
        ),
      error: 'InvalidArgumentError',
      argument: 'generator',
    },
    ...(['encoder', 'generator', 'discriminator'] as const).map((which) => ({
      name: `a ${which} that is not a network`,
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: netOfStatic(),
            discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] },
            [which]: 'mlp',
          } as never,
          tf.zeros([1, 2]),
          tf.zeros([1, 2]),
        ),
      error: 'InvalidArgumentError',
      argument: which,
    })),
    {
      name: 'a discriminator that does not take the generator output',
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: netOfStatic(),
            discriminator: { layers: [{ weight: tf.zeros([3, 1]) }] },
          },
          tf.zeros([1, 2]),
          tf.zeros([1, 2]),
        ),
      error: 'InvalidArgumentError',
      argument: 'discriminator',
    },
    {
      name: 'data x of the wrong width',
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: netOfStatic(),
            discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] },
          },
          tf.zeros([1, 3]),
          tf.zeros([1, 2]),
        ),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'a discriminator with a sigmoid output',
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: netOfStatic(),
            discriminator: { layers: [{ weight: tf.zeros([2, 1]) }], outputActivation: 'sigmoid' },
          },
          tf.zeros([1, 2]),
          tf.zeros([1, 2]),
        ),
      error: 'InvalidArgumentError',
      argument: 'discriminator.outputActivation',
    },
    {
      name: "reduction 'none' with x and z batches of different sizes",
      call: () =>
        modeRegularizedNetworkLosses(
          {
            encoder: netOfStatic(),
            generator: netOfStatic(),
            discriminator: { layers: [{ weight: tf.zeros([2, 1]) }] },
          },
          tf.zeros([2, 2]),
          tf.zeros([3, 2]),
          { reduction: 'none' },
        ),
      error: 'InvalidArgumentError',
      argument: 'z',
    },
    {
      name: 'an unknown option',
      call: () => mrLoss(fixedMr(), { lambda: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'lambda',
    },
  ],
  benchmark: () =>
    benchCase(
      {
        x: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
        z: uniformArray([BENCH.batch, LATENT], -1, 1, 2),
        ...mlpArrays('enc', [BENCH.features, BENCH.hidden, LATENT], 10),
        ...mlpArrays('gen', [LATENT, BENCH.hidden, BENCH.features], 20),
        ...mlpArrays('disc', [BENCH.features, BENCH.hidden, 1], 30),
      },
      { lambda1: 1, lambda2: 1, distance: 'l2', reduction: 'mean', ...BENCH_NET },
    ),
});

function fixedMr() {
  return { lr: [0.5], lf: [-1], lrec: [2], x: rows([[1, 2]]), rec: rows([[0.5, 1]]) };
}

const LATENT = 64;
