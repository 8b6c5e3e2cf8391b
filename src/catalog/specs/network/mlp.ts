import { defineSpec, paramsOf } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, vector } from '../../arbitraries.js';
import { activation, leakyAlpha, netWeight, sampleValue } from '../../arbitraries/networks.js';
import { BENCH, benchCase, mlpArrays, uniformArray } from '../../bench.js';
import { checkClose, invariant, scalar } from '../../invariant.js';
import {
  BENCH_NET,
  denseDecls,
  drawn,
  forward64,
  fusedInvariant,
  mlpOf,
  ndarray,
  NET_PARAMS,
  sharedInvariants,
  smoothAt,
  tensorsOf,
} from '../../templates/network-critic.js';
import { rows } from '../../tensors.js';
import type { Case, ErrorCase, NDArray, Spec } from '../../types.js';
import { inputGradientSquaredNorms, MLP_CRITIC_ID, mlpCritic } from '../../../nets/conv.js';
import { type Activation, ACTIVATIONS, type Mlp } from '../../../nets/mlp.js';

function mlpEvaluate(x: Record<string, tf.Tensor>, p: Record<string, unknown>): Record<string, tf.Tensor> {
  const net = mlpOf(x, paramsOf(NET_PARAMS, p));
  return tf.tidy(() => ({
    score: mlpCritic(net, x.x),
    gradientPenalty: tf.sum(inputGradientSquaredNorms((t) => mlpCritic(net, t), x.x)),
  }));
}

/** Random MLP critic cases: n ≤ 3, widths ≤ 4, two or three layers. */
function mlpCases(opts: { activation?: Activation; margin?: number; small?: boolean } = {}): fc.Arbitrary<Case> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      d: fc.integer({ min: 1, max: opts.small ? 3 : 4 }),
      h: fc.integer({ min: 1, max: 4 }),
      h2: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      activation: opts.activation ? fc.constant(opts.activation) : activation,
      outputActivation: opts.small ? fc.constant<Activation>('linear') : activation,
      alpha: leakyAlpha,
    })
    .chain(({ n, d, h, h2, activation, outputActivation, alpha }) => {
      const widths = h2 === undefined ? [d, h, 1] : [d, h, h2, 1];
      const parts: Record<string, fc.Arbitrary<NDArray>> = { x: ndarray([n, d], sampleValue) };
      for (let l = 0; l + 1 < widths.length; l++) {
        parts[`denseW${l}`] = ndarray([widths[l]!, widths[l + 1]!], netWeight);
        parts[`denseB${l}`] = ndarray([widths[l + 1]!], netWeight);
      }
      return fc
        .record(parts)
        .map((inputs): Case => ({ inputs, params: { activation, outputActivation, alpha: f32(alpha) }, grads: true }));
    })
    .filter((c) => smoothAt(forward64(c.inputs, paramsOf(NET_PARAMS, c.params), 'mlp'), opts.margin ?? 1e-3));
}

const mlpCase = (
  inputs: Record<string, NDArray>,
  activation: Activation,
  label: string,
  outputActivation: Activation = 'linear',
): Case => ({
  inputs,
  params: { activation, outputActivation, alpha: f32(0.2) },
  grads: true,
  label,
});

const W0 = rows([
  [0.5, -1],
  [0.25, 0.75],
  [-1, 0.5],
]);

const W1 = rows([[1.5], [-0.5]]);

const mlpSmall = mlpCases({ small: true, margin: 0.01 });

export const mlpCriticSpec: Spec = defineSpec({
  id: MLP_CRITIC_ID,
  title: 'MLP critic as data: scores and the gradient penalty Σᵢ‖∇ₓc(xᵢ)‖² (double backprop)',
  reference:
    'Gulrajani et al. 2017, Improved Training of Wasserstein GANs, eq. 3 (the per-example input-gradient norm); networks as data (DESIGN.md)',
  section: 'regularizers',
  inputs: { x: { kind: 'samples', doc: 'batch [n, d]' }, ...denseDecls(2, 1) },
  params: NET_PARAMS,
  outputs: ['score', 'gradientPenalty'],
  evaluate: mlpEvaluate,
  sample: mlpCases(),
  edges: [
    // Linear critic c(x) = x·W₀W₁ + b: ∇ₓc = W₀W₁ = [1.25, 0, −1.75] for every x, penalty = n·‖W₀W₁‖² = 3·4.625 = 13.875.
    mlpCase(
      {
        x: rows([
          [1, 2, 3],
          [0, -1, 0.5],
          [2, 2, -2],
        ]),
        denseW0: W0,
        denseB0: vector([0.1, -0.2]),
        denseW1: W1,
        denseB1: vector([0.3]),
      },
      'linear',
      'closed form: linear critic, penalty = n·‖W₀W₁‖² = 13.875',
    ),
    mlpCase(
      {
        x: rows([
          [1, 2, 3],
          [0.5, 1, 0.25],
        ]),
        denseW0: W0,
        denseB0: vector([-10, -10]),
        denseW1: W1,
        denseB1: vector([0.3]),
      },
      'relu',
      'edge: dead relu critic (constant score 0.3): penalty 0 with finite gradients',
    ),
    mlpCase(
      {
        x: rows([
          [50, -80, 30],
          [-200, 100, 7],
        ]),
        denseW0: W0,
        denseB0: vector([0.1, -0.2]),
        denseW1: W1,
        denseB1: vector([0.3]),
      },
      'tanh',
      'edge: saturated tanh with sigmoid output (|pre-activation| ≫ 10)',
      'sigmoid',
    ),
    // c = softplus(x·v + b), v = W₀W₁ = [20, 20], z = 17: ∂penalty/∂b = 2σ(z)·σ′(z)·‖v‖² with σ′(17) = σ(17)σ(−17) ≈ 4.1e-8.
    // In float32, 1 − σ(17) rounds to 5.96e-8 (44 % off): a sigmoid derivative written s·(1 − s) fails here.
    mlpCase(
      {
        x: rows([[0.1, 0.2]]),
        denseW0: rows([
          [4, 0],
          [0, 4],
        ]),
        denseB0: vector([0, 0]),
        denseW1: rows([[5], [5]]),
        denseB1: vector([11]),
      },
      'linear',
      "edge: softplus output at z = 17 (softplus'' = σ(z)σ(−z) ≈ 4e-8 must keep its relative accuracy)",
      'softplus',
    ),
    ...ACTIVATIONS.map((a, i) => drawn(mlpCases({ activation: a }), 100 + i, `coverage: activation '${a}'`)),
  ],
  secondOrder: true,
  invariants: [
    ...sharedInvariants('mlp', mlpEvaluate, mlpCases(), mlpSmall),
    fusedInvariant('mlp', mlpEvaluate, mlpCases()),
    invariant(
      'closed form: a linear critic has ∇ₓc = W₀W₁ and penalty n·‖W₀W₁‖² (float64)',
      mlpCases({ activation: 'linear' }),
      (c) => {
        if (c.inputs.denseW2) return;
        const p = { ...c.params, outputActivation: 'linear' };
        const [d, h] = c.inputs.denseW0!.shape as [number, number];
        let want = 0;
        for (let i = 0; i < d; i++) {
          let g = 0;
          for (let j = 0; j < h; j++) g += c.inputs.denseW0!.data[i * h + j]! * c.inputs.denseW1!.data[j]!;
          want += g * g;
        }
        want *= c.inputs.x!.shape[0]!;
        checkClose('penalty', scalar(mlpEvaluate(tensorsOf(c.inputs), p).gradientPenalty!), want, 1e-5, 1e-6);
      },
    ),
  ],
  errors: mlpErrors(),
  benchmark: () =>
    benchCase(
      {
        x: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
        ...mlpArrays('dense', [BENCH.features, BENCH.hidden, BENCH.hidden, 1], 10),
      },
      BENCH_NET,
    ),
});

function mlpErrors(): ErrorCase[] {
  const net = (): Mlp => ({
    layers: [
      { weight: tf.ones([2, 3]), bias: tf.zeros([3]) },
      { weight: tf.ones([3, 1]), bias: tf.zeros([1]) },
    ],
  });
  return [
    {
      name: 'a last layer with two outputs',
      call: () => mlpCritic({ layers: [{ weight: tf.ones([2, 2]) }] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'net.layers[0].weight',
    },
    {
      name: 'no layers',
      call: () => mlpCritic({ layers: [] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'net.layers',
    },
    {
      name: 'a batch of the wrong width',
      call: () => mlpCritic(net(), tf.zeros([2, 3])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'a NaN input',
      call: () => mlpCritic(net(), tf.tensor2d([[0, NaN]])),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'a NaN weight',
      call: () => mlpCritic({ layers: [{ weight: tf.tensor2d([[NaN], [1]]) }] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'net.layers[0].weight',
    },
    {
      name: 'widths that do not chain',
      call: () => mlpCritic({ layers: [{ weight: tf.ones([2, 3]) }, { weight: tf.ones([2, 1]) }] }, tf.zeros([1, 2])),
      error: 'InvalidArgumentError',
      argument: 'net.layers[1].weight',
    },
    {
      name: "activation 'gelu'",
      call: () => mlpCritic({ ...net(), activation: 'gelu' as never }, tf.zeros([1, 2])),
      error: 'InvalidParameterError',
      argument: 'net.activation',
    },
    {
      name: 'a negative leaky-relu slope',
      call: () => mlpCritic({ ...net(), alpha: -0.1 }, tf.zeros([1, 2])),
      error: 'InvalidParameterError',
      argument: 'net.alpha',
    },
  ];
}
