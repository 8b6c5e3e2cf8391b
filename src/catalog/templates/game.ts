import { choice } from '../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { vector } from '../arbitraries.js';
import type { GameSample } from '../arbitraries/games.js';
import type { NetSample } from '../arbitraries/networks.js';
import { BENCH, mlpArrays, uniformArray } from '../bench.js';
import { NETWORK_WEIGHTS, SAMPLES } from '../decls.js';
import { scalar } from '../invariant.js';
import { mean64, mlp64, softplus64 } from '../reference64.js';
import { rows, tensorOf, toRows } from '../tensors.js';
import type { Case, InputDecl, NDArray, ParamDecl, Spec, ParamsOf } from '../types.js';
import { type Activation, layersFromInputs, mlp, type Mlp } from '../../nets/mlp.js';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss } from '../../objectives/minimax.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../objectives/non-saturating.js';
import { wassersteinCriticLoss, wassersteinGeneratorLoss } from '../../objectives/wasserstein.js';
import { GAME_OBJECTIVES, type GameObjective, type GanGame } from '../../regularizers/consensus.js';
import { asCriticScores, asLogits } from '../../types.js';

/** The game regularizers (consensus, discriminator gradient norm, unrolled): games as data, references and cases. */

export const objective: fc.Arbitrary<GameObjective> = fc.constantFrom(...GAME_OBJECTIVES);

export function gameOf(s: GameSample): { game: GanGame; x: tf.Tensor; z: tf.Tensor } {
  const t = (n: NetSample, p: string): Mlp => ({
    layers: layersFromInputs(Object.fromEntries(Object.entries(n.weights).map(([k, a]) => [k, tensorOf(a)])), p),
    activation: n.activation,
    outputActivation: n.outputActivation,
    alpha: n.alpha,
  });
  return { game: { generator: t(s.gen, 'gen'), discriminator: t(s.disc, 'disc') }, x: tensorOf(s.x), z: tensorOf(s.z) };
}

/** The game of a case's inputs (the oracle protocol's names) and parameters. */
export function gameFromInputs(x: Record<string, tf.Tensor>, p: ParamsOf<typeof GAME_PARAMS>): GanGame {
  const act = p.activation;
  const alpha = p.alpha;
  return {
    generator: { layers: layersFromInputs(x, 'gen'), activation: act, outputActivation: p.outputActivation, alpha },
    discriminator: { layers: layersFromInputs(x, 'disc'), activation: act, outputActivation: 'linear', alpha },
  };
}

export function gameInputs(s: GameSample): Record<string, NDArray> {
  return { x: s.x, z: s.z, ...s.gen.weights, ...s.disc.weights };
}

export function gameParams(s: GameSample, obj: GameObjective): Record<string, unknown> {
  return { objective: obj, activation: s.gen.activation, outputActivation: s.gen.outputActivation, alpha: s.gen.alpha };
}

export const ACT_DOC =
  "'linear', 'relu', 'leaky-relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish' or 'silu'";

export const GAME_PARAMS = {
  objective: choice(
    "base objective: 'minimax', 'non-saturating' or 'wasserstein' (see consensus.ts)",
    'non-saturating',
    GAME_OBJECTIVES,
  ),
  activation: choice(`hidden activation of G and D: ${ACT_DOC}`, 'tanh', [
    'linear',
    'relu',
    'leaky-relu',
    'elu',
    'selu',
    'tanh',
    'sigmoid',
    'softplus',
    'swish',
    'silu',
  ]),
  outputActivation: choice(`output activation of G (D's is linear): ${ACT_DOC}`, 'linear', [
    'linear',
    'relu',
    'leaky-relu',
    'elu',
    'selu',
    'tanh',
    'sigmoid',
    'softplus',
    'swish',
    'silu',
  ]),
  alpha: { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 },
} satisfies Record<string, ParamDecl>;

export const GAME_INPUTS: Record<string, InputDecl> = {
  x: { kind: SAMPLES, doc: 'real data [n, d]' },
  z: { kind: SAMPLES, doc: 'noise [m, k]' },
  genW0: { kind: NETWORK_WEIGHTS, doc: 'generator, layer 0 weight [k, h or d]' },
  genB0: { kind: NETWORK_WEIGHTS, doc: 'generator, layer 0 bias' },
  genW1: { kind: NETWORK_WEIGHTS, optional: true, doc: 'generator, layer 1 weight [h, d]' },
  genB1: { kind: NETWORK_WEIGHTS, optional: true, doc: 'generator, layer 1 bias [d]' },
  discW0: { kind: NETWORK_WEIGHTS, doc: 'discriminator, layer 0 weight [d, h or 1]' },
  discB0: { kind: NETWORK_WEIGHTS, doc: 'discriminator, layer 0 bias' },
  discW1: { kind: NETWORK_WEIGHTS, optional: true, doc: 'discriminator, layer 1 weight [h, 1]' },
  discB1: { kind: NETWORK_WEIGHTS, optional: true, doc: 'discriminator, layer 1 bias [1]' },
};

// --- float64 references (plain JavaScript, independent of TF.js) ----------------------------

/** Both players' losses in float64 (the table of consensus.ts). */
export function losses64(s: GameSample, obj: GameObjective): { ld: number; lg: number } {
  const fake = mlp64(s.gen, 'gen', toRows(s.z));
  const lr = mlp64(s.disc, 'disc', toRows(s.x)).map((r) => r[0]!);
  const lf = mlp64(s.disc, 'disc', fake).map((r) => r[0]!);
  if (obj === 'wasserstein') return { ld: mean64(lf) - mean64(lr), lg: -mean64(lf) };
  const ld = mean64(lr.map((l) => softplus64(-l))) + mean64(lf.map(softplus64));
  return { ld, lg: obj === 'minimax' ? -mean64(lf.map(softplus64)) : mean64(lf.map((l) => softplus64(-l))) };
}

/** Central finite differences in float64 of f with respect to every parameter of the network `which`. */
export function fdGrad64(s: GameSample, which: 'gen' | 'disc', f: (s: GameSample) => number, h = 1e-6): number[] {
  const out: number[] = [];
  const net = s[which];
  for (const key of Object.keys(net.weights).sort()) {
    const a = net.weights[key]!;
    for (let i = 0; i < a.data.length; i++) {
      const at = (delta: number) => {
        const data = a.data.slice();
        data[i] = data[i]! + delta;
        return f({ ...s, [which]: { ...net, weights: { ...net.weights, [key]: { shape: a.shape, data } } } });
      };
      out.push((at(h) - at(-h)) / (2 * h));
    }
  }
  return out;
}

export const sq = (xs: number[]) => xs.reduce((a, b) => a + b * b, 0);

/** The plain losses from the library's own objective functions on mlp() outputs. */
export function plainLosses(s: GameSample, obj: GameObjective): { ld: number; lg: number } {
  const { game, x, z } = gameOf(s);
  const lr = tf.reshape(mlp(game.discriminator, x), [-1]);
  const lf = tf.reshape(mlp(game.discriminator, mlp(game.generator, z)), [-1]);
  if (obj === 'wasserstein')
    return {
      ld: scalar(wassersteinCriticLoss(asCriticScores(lr), asCriticScores(lf))),
      lg: scalar(wassersteinGeneratorLoss(asCriticScores(lf))),
    };
  if (obj === 'minimax')
    return {
      ld: scalar(minimaxDiscriminatorLoss(asLogits(lr), asLogits(lf))),
      lg: scalar(minimaxGeneratorLoss(asLogits(lf))),
    };
  return {
    ld: scalar(nonSaturatingDiscriminatorLoss(asLogits(lr), asLogits(lf))),
    lg: scalar(nonSaturatingGeneratorLoss(asLogits(lf))),
  };
}

/** Every weight of a game as tensors in a fixed order (for checkGrads), and the game rebuilt from them. */
export function weightList(s: GameSample, which: 'gen' | 'disc'): { names: string[]; tensors: tf.Tensor[] } {
  const names = Object.keys(s[which].weights).sort();
  return { names, tensors: names.map((k) => tensorOf(s[which].weights[k]!)) };
}

export function rebuilt(
  s: GameSample,
  which: 'gen' | 'disc',
  names: string[],
  ts: tf.Tensor[],
): { game: GanGame; x: tf.Tensor; z: tf.Tensor } {
  const g = gameOf(s);
  const net: Mlp = {
    layers: layersFromInputs(Object.fromEntries(names.map((n, i) => [n, ts[i]!])), which),
    activation: s[which].activation,
    outputActivation: s[which].outputActivation,
    alpha: s[which].alpha,
  };
  return { ...g, game: which === 'gen' ? { ...g.game, generator: net } : { ...g.game, discriminator: net } };
}

/** A fixed valid game for error inputs: G 1 → 2, D 2 → 1. */
export function staticGame(): { game: GanGame; x: tf.Tensor; z: tf.Tensor } {
  return {
    game: {
      generator: { layers: [{ weight: tf.ones([1, 2]), bias: tf.zeros([2]) }] },
      discriminator: { layers: [{ weight: tf.ones([2, 1]), bias: tf.zeros([1]) }], activation: 'tanh' },
    },
    x: tf.ones([3, 2]),
    z: tf.ones([2, 1]),
  };
}

/** The error inputs every game regularizer refuses (its own parameters are added per spec). */
export function gameErrors(
  call: (game: GanGame, x: tf.Tensor, z: tf.Tensor, options?: Record<string, unknown>) => unknown,
): Spec['errors'] {
  const s = staticGame;
  return [
    {
      name: 'a game that is not an object',
      call: () => call(null as never, s().x, s().z),
      error: 'InvalidArgumentError',
      argument: 'game',
    },
    {
      name: 'a discriminator with two outputs',
      call: () => call({ ...s().game, discriminator: { layers: [{ weight: tf.ones([2, 2]) }] } }, s().x, s().z),
      error: 'InvalidArgumentError',
      argument: 'discriminator',
    },
    {
      name: 'a discriminator with a sigmoid output',
      call: () =>
        call(
          { ...s().game, discriminator: { layers: [{ weight: tf.ones([2, 1]) }], outputActivation: 'sigmoid' } },
          s().x,
          s().z,
        ),
      error: 'InvalidArgumentError',
      argument: 'discriminator.outputActivation',
    },
    {
      name: 'a generator whose output width is not the input width of D',
      call: () => call({ ...s().game, generator: { layers: [{ weight: tf.ones([1, 3]) }] } }, s().x, s().z),
      error: 'InvalidArgumentError',
      argument: 'generator',
    },
    {
      name: 'real data of the wrong width',
      call: () => call(s().game, tf.ones([3, 3]), s().z),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'noise of the wrong width',
      call: () => call(s().game, s().x, tf.ones([2, 2])),
      error: 'InvalidArgumentError',
      argument: 'z',
    },
    {
      name: 'a NaN in the real data',
      call: () => call(s().game, tf.tensor2d([[0, NaN]]), s().z),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'an infinite generator weight',
      call: () =>
        call({ ...s().game, generator: { layers: [{ weight: tf.tensor2d([[Infinity, 1]]) }] } }, s().x, s().z),
      error: 'InvalidArgumentError',
      argument: 'generator.layers[0].weight',
    },
    {
      name: 'an unknown network key',
      call: () => call({ ...s().game, critic: s().game.discriminator } as never, s().x, s().z),
      error: 'InvalidParameterError',
      argument: 'critic',
    },
    {
      name: "objective 'hinge'",
      call: () => call(s().game, s().x, s().z, { objective: 'hinge' }),
      error: 'InvalidParameterError',
      argument: 'objective',
    },
    {
      name: 'an unknown option',
      call: () => call(s().game, s().x, s().z, { lambda: 1 }),
      error: 'InvalidParameterError',
      argument: 'lambda',
    },
  ];
}

// --- shared edges -----------------------------------------------------------------------------

/** A 2-layer game with fixed weights: G 2 → 3 → 2, D 2 → 3 → 1. */
export function fixedGame(act: Activation, scale = 1, outAct: Activation = 'linear'): GameSample {
  const s = (xs: number[][]) => rows(xs.map((r) => r.map((v) => v * scale)));
  const v = (xs: number[]) => vector(xs.map((x) => x * scale));
  return {
    x: rows([
      [0.5, -1],
      [1.5, 0.25],
      [-0.75, 2],
    ]),
    z: rows([
      [0.3, -0.8],
      [1.1, 0.4],
    ]),
    gen: {
      widths: [2, 3, 2],
      weights: {
        genW0: s([
          [0.6, -0.4, 0.9],
          [-0.7, 0.5, 0.2],
        ]),
        genB0: v([0.1, -0.3, 0.25]),
        genW1: s([
          [0.8, -0.5],
          [0.3, 0.7],
          [-0.6, 0.4],
        ]),
        genB1: v([0.05, -0.15]),
      },
      activation: act,
      outputActivation: outAct,
      alpha: 0.2,
    },
    disc: {
      widths: [2, 3, 1],
      weights: {
        discW0: s([
          [0.5, -0.9, 0.3],
          [0.4, 0.6, -0.8],
        ]),
        discB0: v([-0.2, 0.1, 0.35]),
        discW1: s([[1.1], [-0.7], [0.9]]),
        discB1: v([0.2]),
      },
      activation: act,
      outputActivation: 'linear',
      alpha: 0.2,
    },
  };
}

/**
 * A relu game whose every hidden pre-activation is ≥ 0.35 away from the kink: positive noise,
 * data and weights into the hidden layers, so gradients exist to every order.
 */
export function reluGame(): GameSample {
  return {
    x: rows([
      [0.5, 1],
      [1.5, 0.25],
    ]),
    z: rows([
      [0.3, 0.8],
      [1.1, 0.4],
      [0.6, 0.9],
    ]),
    gen: {
      widths: [2, 2, 2],
      weights: {
        genW0: rows([
          [0.6, 0.4],
          [0.7, 0.5],
        ]),
        genB0: vector([0.35, 0.4]),
        genW1: rows([
          [0.8, -0.5],
          [0.3, 0.7],
        ]),
        genB1: vector([0.5, 0.45]),
      },
      activation: 'relu',
      outputActivation: 'linear',
      alpha: 0.2,
    },
    disc: {
      widths: [2, 2, 1],
      weights: {
        discW0: rows([
          [0.5, 0.9],
          [0.4, 0.6],
        ]),
        discB0: vector([0.4, 0.35]),
        discW1: rows([[1.1], [-0.7]]),
        discB1: vector([0.2]),
      },
      activation: 'relu',
      outputActivation: 'linear',
      alpha: 0.2,
    },
  };
}

/** The stationary point of the non-saturating game: D ≡ 0 (linear, zero weights) and G ≡ E[x]. */
export function stationaryGame(): GameSample {
  const x = [
    [1, -2],
    [3, 0.5],
  ];
  return {
    x: rows(x),
    z: rows([[0.7], [-1.3], [0.2]]),
    gen: {
      widths: [1, 2],
      weights: { genW0: rows([[0, 0]]), genB0: vector([2, -0.75]) },
      activation: 'linear',
      outputActivation: 'linear',
      alpha: 0.2,
    },
    disc: {
      widths: [2, 1],
      weights: { discW0: rows([[0], [0]]), discB0: vector([0]) },
      activation: 'linear',
      outputActivation: 'linear',
      alpha: 0.2,
    },
  };
}

export function gameCase(s: GameSample, obj: GameObjective, extra: Record<string, unknown>, label?: string): Case {
  return {
    inputs: gameInputs(s),
    params: { ...gameParams(s, obj), ...extra },
    grads: true,
    ...(label ? { label } : {}),
  };
}

export const LATENT = 64;

export const BENCH_GAME_PARAMS = {
  objective: 'non-saturating',
  activation: 'leaky-relu',
  outputActivation: 'linear',
  alpha: 0.2,
};

/** A game at benchmark size: G 64 → 512 → 512, D 512 → 512 → 1, batch 256. */
export const benchGame = () => ({
  x: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
  z: uniformArray([BENCH.batch, LATENT], -1, 1, 2),
  ...mlpArrays('gen', [LATENT, BENCH.hidden, BENCH.features], 10),
  ...mlpArrays('disc', [BENCH.features, BENCH.hidden, 1], 20),
});
