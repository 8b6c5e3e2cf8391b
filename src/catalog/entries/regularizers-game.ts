import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { checkGrads } from '../../autodiff/check-grads.js';
import { layersFromInputs, mlp, type Activation, type Mlp } from '../../nets/mlp.js';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss } from '../../objectives/minimax.js';
import { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../objectives/non-saturating.js';
import { wassersteinCriticLoss, wassersteinGeneratorLoss } from '../../objectives/wasserstein.js';
import { CONSENSUS_ID, consensusRegularizer, GAME_OBJECTIVES, type GameObjective, type GanGame } from '../../regularizers/consensus.js';
import { DISCRIMINATOR_GRADIENT_NORM_ID, discriminatorGradientNormPenalty } from '../../regularizers/discriminator-gradient-norm.js';
import { HISTORICAL_AVERAGING_ID, HistoricalAverage, historicalAveragingPenalty } from '../../regularizers/historical-averaging.js';
import { UNROLLED_ID, UNROLLED_OPTIMIZERS, unrolledSurrogate, type UnrolledOptimizer, type UnrolledOptions } from '../../regularizers/unrolled.js';
import { asCriticScores, asLogits } from '../../types.js';
import { f32, uniform, vector } from '../arbitraries.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, InputDecl, InputKind, NDArray, ParamDecl, Spec } from '../types.js';
import { matrix, mlp64, mlpWeights, sampleValue, unbiasedUniform, type NetSample } from './objectives-networks.js';
import { BENCH, benchCase, mlpArrays, uniformArray, withBenchmark } from '../bench.js';

// ---------------------------------------------------------------------------------------------
// The game as data: a generator G (prefix 'gen': z [m, k] → [m, d]), a discriminator D (prefix
// 'disc': [·, d] → [·, 1], linear output), real data x [n, d] and noise z [m, k]. Networks are
// tiny (batches ≤ 5, widths ≤ 3, hidden ≤ 4) so double and triple backprop stay fast.
// ---------------------------------------------------------------------------------------------

const SAMPLES: InputKind = 'samples';
const NETWORK_WEIGHTS: InputKind = 'network-weights';

/**
 * Hidden activations of cross-checked games: smooth ones only (the consensus term and the unrolled
 * steps are first derivatives, their gradients second and their HVPs third derivatives; a relu
 * kink would make those one-sided). relu appears in hand-made edges away from its kink.
 */
const SMOOTH: readonly Activation[] = ['tanh', 'softplus', 'sigmoid', 'swish', 'elu', 'linear'];

interface GameSample {
  x: NDArray;
  z: NDArray;
  gen: NetSample;
  disc: NetSample;
}

/** A random tiny game: G with 0 or 1 hidden layer, D with 0 or 1 hidden layer. */
const gameSample: fc.Arbitrary<GameSample> = fc
  .record({
    d: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 5 }),
    m: fc.integer({ min: 1, max: 5 }),
    gh: fc.integer({ min: 0, max: 4 }),
    dh: fc.integer({ min: 0, max: 4 }),
    act: fc.constantFrom(...SMOOTH),
    out: fc.constantFrom<Activation>('linear', 'tanh'),
  })
  .chain(({ d, k, n, m, gh, dh, act, out }) => {
    const gw = gh > 0 ? [k, gh, d] : [k, d];
    const dw = dh > 0 ? [d, dh, 1] : [d, 1];
    return fc.record({ x: matrix(n, d), z: matrix(m, k), gw: mlpWeights('gen', gw), dw: mlpWeights('disc', dw) }).map(
      ({ x, z, gw: gWeights, dw: dWeights }): GameSample => ({
        x,
        z,
        gen: { widths: gw, weights: gWeights, activation: act, outputActivation: out, alpha: 0.2 },
        disc: { widths: dw, weights: dWeights, activation: act, outputActivation: 'linear', alpha: 0.2 },
      }),
    );
  });

/**
 * Games for finite-difference checks (checkGrads steps of h = 2⁻⁶): C∞ activations only. elu is
 * C¹ but its second derivative jumps at 0, and the gradients checked here are second derivatives
 * of the networks, so a pre-activation within 2h of 0 would put the kink inside the stencil.
 */
const infinitelySmoothGame: fc.Arbitrary<GameSample> = gameSample.filter((s) => s.gen.activation !== 'elu');

const objective: fc.Arbitrary<GameObjective> = fc.constantFrom(...GAME_OBJECTIVES);

const T = (a: NDArray) => tf.tensor(a.data, a.shape, 'float32');
const rowsOf = (a: NDArray): number[][] => Array.from({ length: a.shape[0]! }, (_, i) => a.data.slice(i * a.shape[1]!, (i + 1) * a.shape[1]!));
const rows = (xs: number[][]): NDArray => ({ shape: [xs.length, xs[0]!.length], data: xs.flat().map(f32) });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const softplus64 = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
const sigmoid64 = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

function gameOf(s: GameSample): { game: GanGame; x: tf.Tensor; z: tf.Tensor } {
  const t = (n: NetSample, p: string): Mlp => ({
    layers: layersFromInputs(Object.fromEntries(Object.entries(n.weights).map(([k, a]) => [k, T(a)])), p),
    activation: n.activation,
    outputActivation: n.outputActivation,
    alpha: n.alpha,
  });
  return { game: { generator: t(s.gen, 'gen'), discriminator: t(s.disc, 'disc') }, x: T(s.x), z: T(s.z) };
}

/** The game of a case's inputs (the oracle protocol's names) and parameters. */
function gameFromInputs(x: Record<string, tf.Tensor>, p: Record<string, unknown>): GanGame {
  const act = p.activation as Activation;
  const alpha = p.alpha as number;
  return {
    generator: { layers: layersFromInputs(x, 'gen'), activation: act, outputActivation: p.outputActivation as Activation, alpha },
    discriminator: { layers: layersFromInputs(x, 'disc'), activation: act, outputActivation: 'linear', alpha },
  };
}

function gameInputs(s: GameSample): Record<string, NDArray> {
  return { x: s.x, z: s.z, ...s.gen.weights, ...s.disc.weights };
}

function gameParams(s: GameSample, obj: GameObjective): Record<string, unknown> {
  return { objective: obj, activation: s.gen.activation, outputActivation: s.gen.outputActivation, alpha: s.gen.alpha };
}

const ACT_DOC = "'linear', 'relu', 'leaky-relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish' or 'silu'";
const GAME_PARAMS: Record<string, ParamDecl> = {
  objective: { doc: "base objective: 'minimax', 'non-saturating' or 'wasserstein' (see consensus.ts)", default: 'non-saturating', choices: GAME_OBJECTIVES },
  activation: { doc: `hidden activation of G and D: ${ACT_DOC}`, default: 'tanh', choices: ['linear', 'relu', 'leaky-relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish', 'silu'] },
  outputActivation: { doc: `output activation of G (D's is linear): ${ACT_DOC}`, default: 'linear', choices: ['linear', 'relu', 'leaky-relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish', 'silu'] },
  alpha: { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 },
};

const GAME_INPUTS: Record<string, InputDecl> = {
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
function losses64(s: GameSample, obj: GameObjective): { ld: number; lg: number } {
  const fake = mlp64(s.gen, 'gen', rowsOf(s.z));
  const lr = mlp64(s.disc, 'disc', rowsOf(s.x)).map((r) => r[0]!);
  const lf = mlp64(s.disc, 'disc', fake).map((r) => r[0]!);
  if (obj === 'wasserstein') return { ld: mean(lf) - mean(lr), lg: -mean(lf) };
  const ld = mean(lr.map((l) => softplus64(-l))) + mean(lf.map(softplus64));
  return { ld, lg: obj === 'minimax' ? -mean(lf.map(softplus64)) : mean(lf.map((l) => softplus64(-l))) };
}

/** Central finite differences in float64 of f with respect to every parameter of the network `which`. */
function fdGrad64(s: GameSample, which: 'gen' | 'disc', f: (s: GameSample) => number, h = 1e-6): number[] {
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
const sq = (xs: number[]) => xs.reduce((a, b) => a + b * b, 0);

/** The plain losses from the library's own objective functions on mlp() outputs. */
function plainLosses(s: GameSample, obj: GameObjective): { ld: number; lg: number } {
  const { game, x, z } = gameOf(s);
  const lr = tf.reshape(mlp(game.discriminator, x), [-1]);
  const lf = tf.reshape(mlp(game.discriminator, mlp(game.generator, z)), [-1]);
  if (obj === 'wasserstein') return { ld: scalar(wassersteinCriticLoss(asCriticScores(lr), asCriticScores(lf))), lg: scalar(wassersteinGeneratorLoss(asCriticScores(lf))) };
  if (obj === 'minimax') return { ld: scalar(minimaxDiscriminatorLoss(asLogits(lr), asLogits(lf))), lg: scalar(minimaxGeneratorLoss(asLogits(lf))) };
  return { ld: scalar(nonSaturatingDiscriminatorLoss(asLogits(lr), asLogits(lf))), lg: scalar(nonSaturatingGeneratorLoss(asLogits(lf))) };
}

/**
 * The linear game on the line: G(z) = a·z + b, D(y) = w·y + c (k = d = 1). Under 'wasserstein',
 * ∇_{(a,b)} L_G = −w·(z̄, 1) and ∇_{(w,c)} L_D = (a z̄ + b − x̄, 0), so
 * L = ½((a z̄ + b − x̄)² + w²(z̄² + 1)) and ‖∇_{θ_D} V‖² = (a z̄ + b − x̄)².
 */
function linearGame(x: number[], z: number[], a: number, b: number, w: number, c: number): GameSample {
  const lin = (p: string, W: number, B: number): NetSample => ({ widths: [1, 1], weights: { [`${p}W0`]: rows([[W]]), [`${p}B0`]: vector([B]) }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 });
  return { x: rows(x.map((v) => [v])), z: rows(z.map((v) => [v])), gen: lin('gen', a, b), disc: lin('disc', w, c) };
}

const linearGameArb = fc
  .record({ n: fc.integer({ min: 1, max: 5 }), m: fc.integer({ min: 1, max: 5 }) })
  .chain(({ n, m }) => fc.record({ x: fc.array(sampleValue, { minLength: n, maxLength: n }), z: fc.array(sampleValue, { minLength: m, maxLength: m }), p: fc.array(unbiasedUniform(-2, 2), { minLength: 4, maxLength: 4 }) }))
  .map(({ x, z, p }) => linearGame(x, z, p[0]!, p[1]!, p[2]!, p[3]!));

/** Every weight of a game as tensors in a fixed order (for checkGrads), and the game rebuilt from them. */
function weightList(s: GameSample, which: 'gen' | 'disc'): { names: string[]; tensors: tf.Tensor[] } {
  const names = Object.keys(s[which].weights).sort();
  return { names, tensors: names.map((k) => T(s[which].weights[k]!)) };
}

function rebuilt(s: GameSample, which: 'gen' | 'disc', names: string[], ts: tf.Tensor[]): { game: GanGame; x: tf.Tensor; z: tf.Tensor } {
  const g = gameOf(s);
  const net: Mlp = { layers: layersFromInputs(Object.fromEntries(names.map((n, i) => [n, ts[i]!])), which), activation: s[which].activation, outputActivation: s[which].outputActivation, alpha: s[which].alpha };
  return { ...g, game: which === 'gen' ? { ...g.game, generator: net } : { ...g.game, discriminator: net } };
}

/** A fixed valid game for error inputs: G 1 → 2, D 2 → 1. */
function staticGame(): { game: GanGame; x: tf.Tensor; z: tf.Tensor } {
  return {
    game: { generator: { layers: [{ weight: tf.ones([1, 2]), bias: tf.zeros([2]) }] }, discriminator: { layers: [{ weight: tf.ones([2, 1]), bias: tf.zeros([1]) }], activation: 'tanh' } },
    x: tf.ones([3, 2]),
    z: tf.ones([2, 1]),
  };
}

/** The error inputs every game regularizer refuses (its own parameters are added per spec). */
function gameErrors(call: (game: GanGame, x: tf.Tensor, z: tf.Tensor, options?: Record<string, unknown>) => unknown): Spec['errors'] {
  const s = staticGame;
  return [
    { name: 'a game that is not an object', call: () => call(null as never, s().x, s().z), error: 'InvalidArgumentError', argument: 'game' },
    { name: 'a discriminator with two outputs', call: () => call({ ...s().game, discriminator: { layers: [{ weight: tf.ones([2, 2]) }] } }, s().x, s().z), error: 'InvalidArgumentError', argument: 'discriminator' },
    { name: 'a discriminator with a sigmoid output', call: () => call({ ...s().game, discriminator: { layers: [{ weight: tf.ones([2, 1]) }], outputActivation: 'sigmoid' } }, s().x, s().z), error: 'InvalidArgumentError', argument: 'discriminator.outputActivation' },
    { name: 'a generator whose output width is not the input width of D', call: () => call({ ...s().game, generator: { layers: [{ weight: tf.ones([1, 3]) }] } }, s().x, s().z), error: 'InvalidArgumentError', argument: 'generator' },
    { name: 'real data of the wrong width', call: () => call(s().game, tf.ones([3, 3]), s().z), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'noise of the wrong width', call: () => call(s().game, s().x, tf.ones([2, 2])), error: 'InvalidArgumentError', argument: 'z' },
    { name: 'a NaN in the real data', call: () => call(s().game, tf.tensor2d([[0, NaN]]), s().z), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'an infinite generator weight', call: () => call({ ...s().game, generator: { layers: [{ weight: tf.tensor2d([[Infinity, 1]]) }] } }, s().x, s().z), error: 'InvalidArgumentError', argument: 'generator.layers[0].weight' },
    { name: 'an unknown network key', call: () => call({ ...s().game, critic: s().game.discriminator } as never, s().x, s().z), error: 'InvalidParameterError', argument: 'critic' },
    { name: "objective 'hinge'", call: () => call(s().game, s().x, s().z, { objective: 'hinge' }), error: 'InvalidParameterError', argument: 'objective' },
    { name: 'an unknown option', call: () => call(s().game, s().x, s().z, { lambda: 1 }), error: 'InvalidParameterError', argument: 'lambda' },
  ];
}

// --- shared edges -----------------------------------------------------------------------------

/** A 2-layer game with fixed weights: G 2 → 3 → 2, D 2 → 3 → 1. */
function fixedGame(act: Activation, scale = 1, outAct: Activation = 'linear'): GameSample {
  const s = (xs: number[][]) => rows(xs.map((r) => r.map((v) => v * scale)));
  const v = (xs: number[]) => vector(xs.map((x) => x * scale));
  return {
    x: rows([[0.5, -1], [1.5, 0.25], [-0.75, 2]]),
    z: rows([[0.3, -0.8], [1.1, 0.4]]),
    gen: { widths: [2, 3, 2], weights: { genW0: s([[0.6, -0.4, 0.9], [-0.7, 0.5, 0.2]]), genB0: v([0.1, -0.3, 0.25]), genW1: s([[0.8, -0.5], [0.3, 0.7], [-0.6, 0.4]]), genB1: v([0.05, -0.15]) }, activation: act, outputActivation: outAct, alpha: 0.2 },
    disc: { widths: [2, 3, 1], weights: { discW0: s([[0.5, -0.9, 0.3], [0.4, 0.6, -0.8]]), discB0: v([-0.2, 0.1, 0.35]), discW1: s([[1.1], [-0.7], [0.9]]), discB1: v([0.2]) }, activation: act, outputActivation: 'linear', alpha: 0.2 },
  };
}

/**
 * A relu game whose every hidden pre-activation is ≥ 0.35 away from the kink: positive noise,
 * data and weights into the hidden layers, so gradients exist to every order.
 */
function reluGame(): GameSample {
  return {
    x: rows([[0.5, 1], [1.5, 0.25]]),
    z: rows([[0.3, 0.8], [1.1, 0.4], [0.6, 0.9]]),
    gen: { widths: [2, 2, 2], weights: { genW0: rows([[0.6, 0.4], [0.7, 0.5]]), genB0: vector([0.35, 0.4]), genW1: rows([[0.8, -0.5], [0.3, 0.7]]), genB1: vector([0.5, 0.45]) }, activation: 'relu', outputActivation: 'linear', alpha: 0.2 },
    disc: { widths: [2, 2, 1], weights: { discW0: rows([[0.5, 0.9], [0.4, 0.6]]), discB0: vector([0.4, 0.35]), discW1: rows([[1.1], [-0.7]]), discB1: vector([0.2]) }, activation: 'relu', outputActivation: 'linear', alpha: 0.2 },
  };
}

/** The stationary point of the non-saturating game: D ≡ 0 (linear, zero weights) and G ≡ E[x]. */
function stationaryGame(): GameSample {
  const x = [[1, -2], [3, 0.5]];
  return {
    x: rows(x),
    z: rows([[0.7], [-1.3], [0.2]]),
    gen: { widths: [1, 2], weights: { genW0: rows([[0, 0]]), genB0: vector([2, -0.75]) }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 },
    disc: { widths: [2, 1], weights: { discW0: rows([[0], [0]]), discB0: vector([0]) }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 },
  };
}

function gameCase(s: GameSample, obj: GameObjective, extra: Record<string, unknown>, label?: string): Case {
  return { inputs: gameInputs(s), params: { ...gameParams(s, obj), ...extra }, grads: true, ...(label ? { label } : {}) };
}

// ---------------------------------------------------------------------------------------------
// penalty/consensus
// ---------------------------------------------------------------------------------------------

const gammaArb = fc.oneof(uniform(0, 10), fc.constantFrom(0, 1, 10));

const consensusCases: fc.Arbitrary<Case> = fc.record({ s: gameSample, objective, gamma: gammaArb }).map(({ s, objective: obj, gamma }) => gameCase(s, obj, { gamma }));

function cons(s: GameSample, options: { gamma?: number; objective?: GameObjective }) {
  const { game, x, z } = gameOf(s);
  return consensusRegularizer(game, x, z, options);
}

export const consensus: Spec = {
  id: CONSENSUS_ID,
  title: 'Consensus optimization (L = ½‖v‖², both players regularized)',
  reference: 'Mescheder, Nowozin & Geiger 2017, The Numerics of GANs, §3 (L(x) = ½‖v(x)‖², the regularized payoffs f − γL, g − γL; ConsOpt)',
  section: 'regularizers',
  inputs: GAME_INPUTS,
  params: { gamma: { doc: 'γ ≥ 0, the weight of L in both regularized losses', default: 10 }, ...GAME_PARAMS },
  outputs: ['consensus', 'generator', 'discriminator'],
  evaluate: (x, p) => {
    const r = consensusRegularizer(gameFromInputs(x, p), x.x!, x.z!, { gamma: p.gamma as number, objective: p.objective as GameObjective });
    return { consensus: r.consensus, generator: r.generator, discriminator: r.discriminator };
  },
  sample: consensusCases,
  edges: [
    gameCase(linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1), 'wasserstein', { gamma: 1 }, 'closed form: linear Wasserstein game, L = ½((a z̄ + b − x̄)² + w²(z̄² + 1))'),
    gameCase(stationaryGame(), 'non-saturating', { gamma: 10 }, 'closed form: at a stationary point (D ≡ 0, G ≡ E[x]) L = 0'),
    gameCase(fixedGame('tanh'), 'minimax', { gamma: 0.5 }, 'two-layer tanh networks, minimax'),
    gameCase(fixedGame('softplus', 1, 'tanh'), 'non-saturating', { gamma: 10 }, 'two-layer softplus networks, tanh generator output'),
    gameCase(fixedGame('linear', 10), 'non-saturating', { gamma: 1 }, 'edge: weights ×10, logits in the hundreds (softplus from logits stays finite)'),
    gameCase(reluGame(), 'wasserstein', { gamma: 2 }, 'relu networks away from the kink'),
  ],
  secondOrder: true,
  invariants: [
    invariant('L = ½(‖∇_φ L_G‖² + ‖∇_θ L_D‖²) against float64 finite differences of a float64 forward pass', fc.tuple(gameSample, objective), ([s, obj]) => {
      const gG = fdGrad64(s, 'gen', (t) => losses64(t, obj).lg);
      const gD = fdGrad64(s, 'disc', (t) => losses64(t, obj).ld);
      const want = 0.5 * (sq(gG) + sq(gD));
      checkClose('L', scalar(cons(s, { objective: obj }).consensus), want, 1e-3, 1e-6);
    }, 30),
    invariant('L ≥ 0, and the outputs are L_G + γL and L_D + γL with the library’s own objective losses', fc.tuple(gameSample, objective, gammaArb), ([s, obj, gamma]) => {
      const r = cons(s, { gamma, objective: obj });
      const L = scalar(r.consensus);
      const plain = plainLosses(s, obj);
      checkThat(L >= 0, `L = ${L} < 0`);
      checkClose('generator', scalar(r.generator), plain.lg + gamma * L, 1e-5, 1e-5 * (1 + Math.abs(plain.lg)));
      checkClose('discriminator', scalar(r.discriminator), plain.ld + gamma * L, 1e-5, 1e-5 * (1 + Math.abs(plain.ld)));
    }, 40),
    invariant('closed form on the linear Wasserstein game: L = ½((a z̄ + b − x̄)² + w²(z̄² + 1))', linearGameArb, (s) => {
      const [a, b, w] = [s.gen.weights.genW0!.data[0]!, s.gen.weights.genB0!.data[0]!, s.disc.weights.discW0!.data[0]!];
      const xb = mean(s.x.data);
      const zb = mean(s.z.data);
      const want = 0.5 * ((a * zb + b - xb) ** 2 + w * w * (zb * zb + 1));
      checkClose('L', scalar(cons(s, { objective: 'wasserstein' }).consensus), want, 1e-5, 1e-6);
    }),
    invariant('L = 0 at a stationary point: a zero linear discriminator and a constant generator at the data mean', fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 })).chain(([n, d]) => fc.tuple(matrix(n, d), matrix(3, 1), fc.constantFrom<GameObjective>('minimax', 'non-saturating'))), ([x, z, obj]) => {
      const d = x.shape[1]!;
      const xr = rowsOf(x);
      const mu = Array.from({ length: d }, (_, j) => mean(xr.map((r) => r[j]!)));
      const s: GameSample = {
        x,
        z,
        gen: { widths: [1, d], weights: { genW0: rows([new Array<number>(d).fill(0)]), genB0: vector(mu) }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 },
        disc: { widths: [d, 1], weights: { discW0: rows(mu.map(() => [0])), discB0: vector([0]) }, activation: 'linear', outputActivation: 'linear', alpha: 0.2 },
      };
      // Only the float32 rounding of the mean remains: ∇_w L_D = ½(f32(μ) − mean(x)), |·|² ≲ 1e-13.
      checkThat(scalar(cons(s, { objective: obj }).consensus) <= 1e-10, `L = ${scalar(cons(s, { objective: obj }).consensus)} at a stationary point`);
    }),
    invariant('γ = 0 gives the plain losses and the outputs are affine in γ', fc.tuple(gameSample, objective, uniform(0, 10)), ([s, obj, gamma]) => {
      const r0 = cons(s, { gamma: 0, objective: obj });
      const r = cons(s, { gamma, objective: obj });
      const plain = plainLosses(s, obj);
      checkClose('generator at γ = 0', scalar(r0.generator), plain.lg, 1e-6, 1e-7);
      checkClose('discriminator at γ = 0', scalar(r0.discriminator), plain.ld, 1e-6, 1e-7);
      checkClose('generator − γL', scalar(r.generator) - gamma * scalar(r.consensus), plain.lg, 1e-5, 1e-5 * (1 + gamma * scalar(r.consensus)));
    }, 30),
    invariant('the gradient of L with respect to every weight of G and D matches finite differences (checkGrads)', fc.tuple(infinitelySmoothGame, objective, fc.constantFrom<'gen' | 'disc'>('gen', 'disc')), ([s, obj, which]) => {
      const { names, tensors } = weightList(s, which);
      const f = (...ts: tf.Tensor[]) => {
        const g = rebuilt(s, which, names, ts);
        return consensusRegularizer(g.game, g.x, g.z, { objective: obj }).consensus;
      };
      checkGrads(f, tensors, { seed: 3 });
    }, 15),
    invariant('permuting the rows of x and of z leaves L unchanged (batch means)', fc.tuple(gameSample, objective), ([s, obj]) => {
      const rev = (a: NDArray) => rows(rowsOf(a).reverse());
      checkClose('L', scalar(cons({ ...s, x: rev(s.x), z: rev(s.z) }, { objective: obj }).consensus), scalar(cons(s, { objective: obj }).consensus), 1e-5, 1e-7);
    }, 30),
    invariant('finite values and gradients for saturated networks (weights ×50)', fc.tuple(gameSample, objective), ([s, obj]) => {
      const big = (n: NetSample): NetSample => ({ ...n, weights: Object.fromEntries(Object.entries(n.weights).map(([k, a]) => [k, { shape: a.shape, data: a.data.map((v) => f32(v * 50)) }])) });
      const t = { ...s, gen: big(s.gen), disc: big(s.disc) };
      const r = cons(t, { objective: obj });
      checkFinite('outputs', [scalar(r.consensus), scalar(r.generator), scalar(r.discriminator)]);
      const { names, tensors } = weightList(t, 'disc');
      // (Under 'wasserstein' with a linear D, L does not depend on D's weights: no gradient at all.)
      const { grads } = tf.engine().gradients(() => {
        const g = rebuilt(t, 'disc', names, tensors);
        return consensusRegularizer(g.game, g.x, g.z, { objective: obj }).consensus;
      }, tensors, undefined, true);
      grads.forEach((g, i) => g && checkFinite(`∂L/∂${names[i]}`, values(g)));
    }, 20),
  ],
  errors: [
    ...gameErrors((g, x, z, o) => consensusRegularizer(g, x, z, o as never)),
    { name: 'a negative γ', call: () => consensusRegularizer(staticGame().game, staticGame().x, staticGame().z, { gamma: -1 }), error: 'InvalidParameterError', argument: 'gamma' },
    { name: 'a NaN γ', call: () => consensusRegularizer(staticGame().game, staticGame().x, staticGame().z, { gamma: NaN }), error: 'InvalidParameterError', argument: 'gamma' },
  ],
};

// ---------------------------------------------------------------------------------------------
// penalty/discriminator-gradient-norm
// ---------------------------------------------------------------------------------------------

const etaArb = fc.oneof(uniform(0, 5), fc.constantFrom(0, 0.5, 1));

function dgn(s: GameSample, options: { eta?: number; objective?: GameObjective }) {
  const { game, x, z } = gameOf(s);
  return discriminatorGradientNormPenalty(game, x, z, options);
}

export const discriminatorGradientNorm: Spec = {
  id: DISCRIMINATOR_GRADIENT_NORM_ID,
  title: 'Discriminator-gradient-norm penalty of the generator (η‖∇_{θ_D} V‖²)',
  reference: 'Nagarajan & Kolter 2017, Gradient descent GAN optimization is locally stable, the regularized generator update θ_G ← θ_G − α∇_{θ_G}(V + η‖∇_{θ_D} V‖²)',
  section: 'regularizers',
  inputs: GAME_INPUTS,
  params: { eta: { doc: 'η ≥ 0, the weight of ‖∇_{θ_D} V‖²', default: 0.5 }, ...GAME_PARAMS },
  outputs: ['penalty', 'generator'],
  evaluate: (x, p) => {
    const r = discriminatorGradientNormPenalty(gameFromInputs(x, p), x.x!, x.z!, { eta: p.eta as number, objective: p.objective as GameObjective });
    return { penalty: r.penalty, generator: r.generator };
  },
  sample: fc.record({ s: gameSample, objective, eta: etaArb }).map(({ s, objective: obj, eta }) => gameCase(s, obj, { eta })),
  edges: [
    gameCase(linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1), 'wasserstein', { eta: 1 }, 'closed form: linear Wasserstein game, ‖∇_{θ_D} V‖² = (a z̄ + b − x̄)²'),
    gameCase(stationaryGame(), 'non-saturating', { eta: 0.5 }, 'closed form: at a stationary point the penalty is 0'),
    gameCase(fixedGame('tanh'), 'minimax', { eta: 0.5 }, 'two-layer tanh networks, minimax (the paper’s game)'),
    gameCase(fixedGame('swish', 1, 'tanh'), 'non-saturating', { eta: 2 }, 'two-layer swish networks, tanh generator output'),
    gameCase(fixedGame('linear', 10), 'non-saturating', { eta: 1 }, 'edge: weights ×10, logits in the hundreds'),
    gameCase(reluGame(), 'wasserstein', { eta: 0.5 }, 'relu networks away from the kink'),
  ],
  secondOrder: true,
  invariants: [
    invariant('penalty = η‖∇_{θ_D} V‖² against float64 finite differences of a float64 forward pass', fc.tuple(gameSample, objective, uniform(0, 5)), ([s, obj, eta]) => {
      const want = eta * sq(fdGrad64(s, 'disc', (t) => -losses64(t, obj).ld));
      checkClose('penalty', scalar(dgn(s, { eta, objective: obj }).penalty), want, 1e-3, 1e-6);
    }, 30),
    invariant('penalty ≥ 0, linear in η, 0 at η = 0; generator = L_G + penalty with the library’s own generator loss', fc.tuple(gameSample, objective, uniform(0, 5)), ([s, obj, eta]) => {
      const p1 = scalar(dgn(s, { eta: 1, objective: obj }).penalty);
      const r = dgn(s, { eta, objective: obj });
      checkThat(p1 >= 0, `penalty ${p1} < 0`);
      checkClose('penalty(η)', scalar(r.penalty), eta * p1, 1e-6, 1e-9);
      checkThat(scalar(dgn(s, { eta: 0, objective: obj }).penalty) === 0, 'penalty at η = 0 is not 0');
      const lg = plainLosses(s, obj).lg;
      checkClose('generator', scalar(r.generator), lg + scalar(r.penalty), 1e-5, 1e-5 * (1 + Math.abs(lg)));
    }, 30),
    invariant("the penalty is the same for 'minimax' and 'non-saturating' (the same value V)", gameSample, (s) => {
      checkThat(scalar(dgn(s, { objective: 'minimax' }).penalty) === scalar(dgn(s, { objective: 'non-saturating' }).penalty), 'penalties differ');
    }, 30),
    invariant('closed form on the linear Wasserstein game: ‖∇_{θ_D} V‖² = (a z̄ + b − x̄)²', fc.tuple(linearGameArb, uniform(0, 5)), ([s, eta]) => {
      const [a, b] = [s.gen.weights.genW0!.data[0]!, s.gen.weights.genB0!.data[0]!];
      const want = eta * (a * mean(s.z.data) + b - mean(s.x.data)) ** 2;
      checkClose('penalty', scalar(dgn(s, { eta, objective: 'wasserstein' }).penalty), want, 1e-5, 1e-6);
    }),
    invariant('the gradient of the regularized generator loss with respect to G’s weights matches finite differences (checkGrads)', fc.tuple(infinitelySmoothGame, objective), ([s, obj]) => {
      const { names, tensors } = weightList(s, 'gen');
      checkGrads((...ts: tf.Tensor[]) => {
        const g = rebuilt(s, 'gen', names, ts);
        return discriminatorGradientNormPenalty(g.game, g.x, g.z, { eta: 1, objective: obj }).generator;
      }, tensors, { seed: 5 });
    }, 15),
  ],
  errors: [
    ...gameErrors((g, x, z, o) => discriminatorGradientNormPenalty(g, x, z, o as never)),
    { name: 'a negative η', call: () => discriminatorGradientNormPenalty(staticGame().game, staticGame().x, staticGame().z, { eta: -0.5 }), error: 'InvalidParameterError', argument: 'eta' },
    { name: 'an infinite η', call: () => discriminatorGradientNormPenalty(staticGame().game, staticGame().x, staticGame().z, { eta: Infinity }), error: 'InvalidParameterError', argument: 'eta' },
  ],
};

// ---------------------------------------------------------------------------------------------
// penalty/historical-averaging
// ---------------------------------------------------------------------------------------------

const paramValue: fc.Arbitrary<number> = fc.oneof({ weight: 6, arbitrary: unbiasedUniform(-3, 3) }, { weight: 1, arbitrary: unbiasedUniform(-1e3, 1e3) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) });

const shapeArb: fc.Arbitrary<number[]> = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

function tensorArb(shape: number[], of: fc.Arbitrary<number> = paramValue): fc.Arbitrary<NDArray> {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(of, { minLength: size, maxLength: size }).map((data) => ({ shape, data: data.map(f32) }));
}

const haPair = shapeArb.chain((shape) => fc.tuple(tensorArb(shape), tensorArb(shape)));

function haCase(theta: NDArray, average: NDArray, label?: string): Case {
  return { inputs: { theta, average }, params: {}, grads: true, ...(label ? { label } : {}) };
}

const ha = (a: NDArray, b: NDArray) => scalar(historicalAveragingPenalty(T(a), T(b)));

export const historicalAveraging: Spec = {
  id: HISTORICAL_AVERAGING_ID,
  title: 'Historical averaging (‖θ − (1/t) Σ θ[i]‖²)',
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training GANs, §3.3',
  section: 'regularizers',
  inputs: {
    theta: { kind: NETWORK_WEIGHTS, doc: 'the current parameters θ, any shape' },
    average: { kind: NETWORK_WEIGHTS, doc: 'the historical average (1/t) Σ θ[i], the shape of theta' },
  },
  params: {},
  outputs: ['penalty'],
  evaluate: (x) => ({ penalty: historicalAveragingPenalty(x.theta!, x.average!) }),
  sample: haPair.map(([a, b]) => haCase(a, b)),
  edges: [
    haCase(vector([1, 2, 3]), vector([0, 2, 5]), 'closed form: ‖(1, 0, −2)‖² = 5'),
    haCase(rows([[0.5, -1], [2, 3]]), rows([[0.5, -1], [2, 3]]), 'closed form: 0 at the average'),
    haCase({ shape: [2, 1, 2], data: [1e3, -1e3, 250, 0] }, { shape: [2, 1, 2], data: [-1e3, 1e3, 0, 0.5] }, 'edge: parameters of magnitude 1e3 (penalty ≈ 8.6e6)'),
    haCase({ shape: [1], data: [f32(0.1)] }, { shape: [1], data: [f32(-0.2)] }, 'one scalar parameter'),
  ],
  secondOrder: true,
  invariants: [
    invariant('the penalty is 0 at the average', shapeArb.chain((s) => tensorArb(s)), (a) => {
      checkThat(ha(a, a) === 0, `penalty ${ha(a, a)} at θ = θ̄`);
    }),
    invariant('the penalty is ≥ 0 and equals Σ(θ − θ̄)² in float64', haPair, ([a, b]) => {
      const want = a.data.reduce((acc, v, i) => acc + (v - b.data[i]!) ** 2, 0);
      const got = ha(a, b);
      checkThat(got >= 0, `penalty ${got} < 0`);
      checkClose('penalty', got, want, 1e-5, 1e-6);
    }),
    invariant('the penalty scales quadratically: P(cθ, cθ̄) = c²P(θ, θ̄) (c a power of 2, exact in float32)', fc.tuple(haPair, fc.integer({ min: -6, max: 6 })), ([[a, b], e]) => {
      const c = 2 ** e;
      const scale = (t: NDArray) => ({ shape: t.shape, data: t.data.map((v) => v * c) });
      checkClose('P(cθ, cθ̄)', ha(scale(a), scale(b)), c * c * ha(a, b), 1e-6, 0);
    }),
    invariant('gradients: 2(θ − θ̄) with respect to θ and −2(θ − θ̄) with respect to θ̄', haPair, ([a, b]) => {
      const [gt, ga] = tf.grads((t: tf.Tensor, v: tf.Tensor) => historicalAveragingPenalty(t, v))([T(a), T(b)]);
      const d = a.data.map((v, i) => f32(v - b.data[i]!));
      checkAllClose('∂/∂θ', values(gt!), d.map((v) => 2 * v), 1e-6, 1e-6);
      checkAllClose('∂/∂θ̄', values(ga!), d.map((v) => -2 * v), 1e-6, 1e-6);
    }),
    invariant('a list of tensors gives the sum of the per-tensor penalties', fc.array(haPair, { minLength: 1, maxLength: 4 }), (pairs) => {
      const list = scalar(historicalAveragingPenalty(pairs.map(([a]) => T(a)), pairs.map(([, b]) => T(b))));
      const parts = pairs.map(([a, b]) => ha(a, b));
      checkClose('list', list, parts.reduce((x, y) => x + y, 0), 1e-5, 1e-6);
    }),
    invariant('HistoricalAverage: after t updates the average is the mean of the t values (float64), and its penalty is the pure one', shapeArb.chain((s) => fc.tuple(fc.array(tensorArb(s), { minLength: 1, maxLength: 20 }), tensorArb(s))), ([history, current]) => {
      const h = new HistoricalAverage();
      try {
        for (const v of history) tf.tidy(() => h.update([T(v)]));
        checkThat(h.count === history.length, `count ${h.count}, expected ${history.length}`);
        const got = values(h.average![0]!);
        const scale = Math.max(1, ...history.flatMap((v) => v.data.map(Math.abs)));
        const want = current.data.map((_, j) => history.reduce((acc, v) => acc + v.data[j]!, 0) / history.length);
        checkAllClose('θ̄', got, want, 1e-5, 1e-6 * scale);
        checkThat(scalar(h.penalty(T(current))) === scalar(historicalAveragingPenalty(T(current), h.average![0]!)), 'class penalty differs from the pure penalty');
      } finally {
        h.dispose();
      }
    }),
    invariant('HistoricalAverage keeps copies: changing a Variable after update does not change the history', tensorArb([3]), (a) => {
      const v = tf.variable(T(a));
      const h = new HistoricalAverage();
      try {
        h.update([v]);
        v.assign(tf.add(v, 1));
        checkAllClose('θ̄', values(h.average![0]!), a.data, 0, 0);
        checkThat(scalar(h.penalty([v])) > 0, 'the moved Variable has zero penalty');
      } finally {
        h.dispose();
        v.dispose();
      }
    }, 20),
  ],
  errors: [
    { name: 'a plain array', call: () => historicalAveragingPenalty([1, 2] as unknown as tf.Tensor, tf.zeros([2])), error: 'InvalidArgumentError', argument: 'theta[0]' },
    { name: 'an average of another shape', call: () => historicalAveragingPenalty(tf.zeros([2]), tf.zeros([3])), error: 'InvalidArgumentError', argument: 'average' },
    { name: 'a NaN parameter', call: () => historicalAveragingPenalty(tf.tensor1d([0, NaN]), tf.zeros([2])), error: 'InvalidArgumentError', argument: 'theta' },
    { name: 'an infinite average', call: () => historicalAveragingPenalty(tf.zeros([1]), tf.tensor1d([Infinity])), error: 'InvalidArgumentError', argument: 'average' },
    { name: 'an int32 tensor', call: () => historicalAveragingPenalty(tf.zeros([1], 'int32'), tf.zeros([1])), error: 'InvalidArgumentError', argument: 'theta' },
    { name: 'lists of different lengths', call: () => historicalAveragingPenalty([tf.zeros([1]), tf.zeros([2])], [tf.zeros([1])]), error: 'InvalidArgumentError', argument: 'average' },
    { name: 'an empty list', call: () => historicalAveragingPenalty([], []), error: 'InvalidArgumentError', argument: 'theta' },
    {
      name: 'an update with another structure than the first',
      call: () => {
        const h = new HistoricalAverage();
        try {
          h.update([tf.zeros([2])]);
          h.update([tf.zeros([3])]);
        } finally {
          h.dispose();
        }
      },
      error: 'InvalidArgumentError',
      argument: 'params[0]',
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// training/unrolled
// ---------------------------------------------------------------------------------------------

interface UnrollParams {
  steps: number;
  optimizer: UnrolledOptimizer;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Cross-checked unrolls: K ≤ 3, Adam with ε ≥ 0.01. Differentiating through Adam forms
 * ε/(|g| + ε)² as a difference of two terms of size 1/|g| (see unrolled.ts), whose float32 error
 * relative to the result is about 2⁻²⁴·|g|/ε: with ε ≥ 0.01 and |g| ≲ 10 that stays ≲ 1e-4. The
 * invariants below cover Adam's default ε = 1e-8 for values.
 */
const unrollArb: fc.Arbitrary<UnrollParams> = fc.record({
  steps: fc.integer({ min: 0, max: 3 }),
  optimizer: fc.constantFrom(...UNROLLED_OPTIMIZERS),
  learningRate: fc.oneof(unbiasedUniform(0, 0.5), fc.constant(f32(0.1))),
  beta1: fc.oneof(unbiasedUniform(0, 0.95), fc.constant(f32(0.9))),
  beta2: fc.oneof(unbiasedUniform(0.5, 0.999), fc.constant(f32(0.999))),
  epsilon: fc.oneof(unbiasedUniform(0.01, 0.5), fc.constant(f32(0.1))),
});

function unroll(s: GameSample, options: UnrolledOptions) {
  const { game, x, z } = gameOf(s);
  return unrolledSurrogate(game, x, z, options);
}

/**
 * The linear logistic game on the line, by hand in float64: G(z) = a·z + b, D(y) = w·y + c,
 * K steps of SGD or Adam on L_D with its analytic gradient, then (f_K, L_G at θ_D^K).
 */
function unrolled64(x: number[], z: number[], g: { a: number; b: number }, d: { w: number; c: number }, obj: GameObjective, o: UnrollParams): { surrogate: number; generator: number; w: number; c: number } {
  const fake = z.map((v) => g.a * v + g.b);
  const lossesAt = (w: number, c: number) => {
    const lr = x.map((v) => w * v + c);
    const lf = fake.map((v) => w * v + c);
    if (obj === 'wasserstein') return { ld: mean(lf) - mean(lr), lg: -mean(lf) };
    return { ld: mean(lr.map((l) => softplus64(-l))) + mean(lf.map(softplus64)), lg: obj === 'minimax' ? -mean(lf.map(softplus64)) : mean(lf.map((l) => softplus64(-l))) };
  };
  const gradD = (w: number, c: number): [number, number] => {
    if (obj === 'wasserstein') return [mean(fake) - mean(x), 0];
    // ∂/∂l softplus(−l) = −σ(−l), ∂/∂l softplus(l) = σ(l).
    const sr = x.map((v) => -sigmoid64(-(w * v + c)));
    const sf = fake.map((v) => sigmoid64(w * v + c));
    return [mean(sr.map((s, i) => s * x[i]!)) + mean(sf.map((s, i) => s * fake[i]!)), mean(sr) + mean(sf)];
  };
  let [w, c] = [d.w, d.c];
  const m = [0, 0];
  const v = [0, 0];
  for (let t = 1; t <= o.steps; t++) {
    const gr = gradD(w, c);
    if (o.optimizer === 'sgd') {
      [w, c] = [w - o.learningRate * gr[0], c - o.learningRate * gr[1]];
    } else {
      const step = gr.map((gi, i) => {
        m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
        v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
        return (o.learningRate * (m[i]! / (1 - o.beta1 ** t))) / (Math.sqrt(v[i]! / (1 - o.beta2 ** t)) + o.epsilon);
      });
      [w, c] = [w - step[0]!, c - step[1]!];
    }
  }
  const l = lossesAt(w, c);
  return { surrogate: -l.ld, generator: l.lg, w, c };
}

const linearUnrollArb = fc.record({
  x: fc.array(unbiasedUniform(-2, 2), { minLength: 1, maxLength: 5 }),
  z: fc.array(unbiasedUniform(-2, 2), { minLength: 1, maxLength: 5 }),
  p: fc.array(unbiasedUniform(-1.5, 1.5), { minLength: 4, maxLength: 4 }),
  objective,
  o: unrollArb,
});

const unrolledCases: fc.Arbitrary<Case> = fc.record({ s: gameSample, objective, o: unrollArb }).map(({ s, objective: obj, o }) => gameCase(s, obj, { ...o }));

const UNROLL_DEFAULTS: UnrollParams = { steps: 1, optimizer: 'sgd', learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export const unrolled: Spec = {
  id: UNROLLED_ID,
  title: 'Unrolled GAN surrogate (generator loss through K differentiated discriminator steps)',
  reference: 'Metz, Poole, Pfau & Sohl-Dickstein 2017, Unrolled Generative Adversarial Networks, §2.2, eq. 4–6',
  section: 'regularizers',
  inputs: GAME_INPUTS,
  params: {
    steps: { doc: 'K, the number of unrolled discriminator steps (an integer in [0, 100])', default: 5 },
    optimizer: { doc: "'sgd' or 'adam' (state from zero, bias-corrected)", default: 'adam', choices: UNROLLED_OPTIMIZERS },
    learningRate: { doc: 'η ≥ 0, the step size', default: 1e-3 },
    beta1: { doc: "Adam's β₁ ∈ [0, 1)", default: 0.9 },
    beta2: { doc: "Adam's β₂ ∈ [0, 1)", default: 0.999 },
    epsilon: { doc: "Adam's ε > 0", default: 1e-8 },
    ...GAME_PARAMS,
  },
  outputs: ['surrogate', 'generator'],
  evaluate: (x, p) => {
    const r = unrolledSurrogate(gameFromInputs(x, p), x.x!, x.z!, {
      steps: p.steps as number,
      optimizer: p.optimizer as UnrolledOptimizer,
      learningRate: p.learningRate as number,
      beta1: p.beta1 as number,
      beta2: p.beta2 as number,
      epsilon: p.epsilon as number,
      objective: p.objective as GameObjective,
    });
    tf.dispose(r.discriminator.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight])));
    return { surrogate: r.surrogate, generator: r.generator };
  },
  sample: unrolledCases,
  edges: [
    gameCase(fixedGame('tanh'), 'non-saturating', { ...UNROLL_DEFAULTS, steps: 0 }, 'K = 0: the plain losses'),
    gameCase(linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1), 'non-saturating', { ...UNROLL_DEFAULTS, steps: 1, learningRate: 0.5 }, 'one SGD step on the linear logistic game'),
    gameCase(linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1), 'wasserstein', { ...UNROLL_DEFAULTS, steps: 3, learningRate: 0.2 }, 'three SGD steps on the linear Wasserstein game (θ_D^K affine in θ_G)'),
    gameCase(fixedGame('tanh'), 'minimax', { ...UNROLL_DEFAULTS, steps: 3, optimizer: 'adam', learningRate: 0.05, epsilon: 0.01 }, 'three Adam steps, two-layer tanh networks, minimax'),
    gameCase(fixedGame('softplus', 1, 'tanh'), 'non-saturating', { ...UNROLL_DEFAULTS, steps: 2, optimizer: 'adam', learningRate: 0.1, beta1: 0.5, epsilon: 0.05 }, 'two Adam steps (β₁ = 0.5), softplus networks'),
    gameCase(reluGame(), 'non-saturating', { ...UNROLL_DEFAULTS, steps: 2, learningRate: 0.05 }, 'relu networks away from the kink, two SGD steps'),
  ],
  secondOrder: true,
  invariants: [
    invariant('K = 0 gives the plain losses: surrogate = −L_D and generator = L_G, values and gradients in θ_G', fc.tuple(gameSample, objective, fc.constantFrom(...UNROLLED_OPTIMIZERS)), ([s, obj, optimizer]) => {
      const r = unroll(s, { steps: 0, optimizer, objective: obj });
      const plain = plainLosses(s, obj);
      checkClose('surrogate', scalar(r.surrogate), -plain.ld, 1e-6, 1e-7);
      checkClose('generator', scalar(r.generator), plain.lg, 1e-6, 1e-7);
      const { names, tensors } = weightList(s, 'gen');
      const gradOf = (f: (g: ReturnType<typeof rebuilt>) => tf.Tensor) => tf.grads((...ts: tf.Tensor[]) => f(rebuilt(s, 'gen', names, ts)) as tf.Scalar)(tensors).flatMap((g) => values(g));
      const unrolledGrad = gradOf((g) => unrolledSurrogate(g.game, g.x, g.z, { steps: 0, objective: obj }).generator);
      const plainGrad = gradOf((g) => {
        const lf = tf.reshape(mlp(g.game.discriminator, mlp(g.game.generator, g.z)), [-1]);
        return obj === 'wasserstein' ? wassersteinGeneratorLoss(asCriticScores(lf)) : obj === 'minimax' ? minimaxGeneratorLoss(asLogits(lf)) : nonSaturatingGeneratorLoss(asLogits(lf));
      });
      checkAllClose('∂L_G/∂θ_G', unrolledGrad, plainGrad, 1e-6, 1e-7);
    }, 30),
    invariant('K steps (SGD or Adam) match a float64 by-hand unroll of the linear logistic game', linearUnrollArb, ({ x, z, p, objective: obj, o }) => {
      const s = linearGame(x, z, p[0]!, p[1]!, p[2]!, p[3]!);
      const want = unrolled64(x.map(f32), z.map(f32), { a: f32(p[0]!), b: f32(p[1]!) }, { w: f32(p[2]!), c: f32(p[3]!) }, obj, o);
      const r = unroll(s, { ...o, objective: obj });
      const [w, c] = [scalar(r.discriminator[0]!.weight), scalar(r.discriminator[0]!.bias!)];
      checkClose('w^K', w, want.w, 1e-4, 1e-5);
      checkClose('c^K', c, want.c, 1e-4, 1e-5);
      checkClose('surrogate', scalar(r.surrogate), want.surrogate, 1e-4, 1e-5);
      checkClose('generator', scalar(r.generator), want.generator, 1e-4, 1e-5);
    }),
    invariant('the generator gradient includes ∂θ_D^K/∂θ_G: it matches float64 finite differences of the by-hand unroll (SGD)', linearUnrollArb.filter(({ o }) => o.steps > 0), ({ x, z, p, objective: obj, o }) => {
      const sgd = { ...o, optimizer: 'sgd' as const };
      const xs = x.map(f32);
      const zs = z.map(f32);
      const [a, b, w, c] = p.map(f32) as [number, number, number, number];
      const f = (aa: number, bb: number) => unrolled64(xs, zs, { a: aa, b: bb }, { w, c }, obj, sgd).surrogate;
      const h = 1e-6;
      const want = [(f(a + h, b) - f(a - h, b)) / (2 * h), (f(a, b + h) - f(a, b - h)) / (2 * h)];
      const s = linearGame(x, z, a, b, w, c);
      const got = tf.grads((ga: tf.Tensor, gb: tf.Tensor) => {
        const g = rebuilt(s, 'gen', ['genB0', 'genW0'], [gb, ga]);
        return unrolledSurrogate(g.game, g.x, g.z, { ...sgd, objective: obj }).surrogate;
      })([T(s.gen.weights.genW0!), T(s.gen.weights.genB0!)]).map((t) => scalar(t));
      checkAllClose('∂f_K/∂(a, b)', got, want, 1e-3, 1e-5);
    }),
    invariant('the surrogate’s gradient with respect to G’s weights matches finite differences (checkGrads)', fc.tuple(infinitelySmoothGame, objective, unrollArb), ([s, obj, o]) => {
      const { names, tensors } = weightList(s, 'gen');
      checkGrads((...ts: tf.Tensor[]) => {
        const g = rebuilt(s, 'gen', names, ts);
        const r = unrolledSurrogate(g.game, g.x, g.z, { ...o, objective: obj });
        return tf.add(r.surrogate, r.generator);
      }, tensors, { seed: 7 });
    }, 15),
    invariant("Adam's first step moves every coordinate by ≈ learningRate (ε = 1e-8, |g| ≥ 1e-3)", fc.tuple(gameSample, unbiasedUniform(1e-3, 0.1)), ([s, lr]) => {
      const r = unroll(s, { steps: 1, optimizer: 'adam', learningRate: lr, objective: 'non-saturating' });
      const { names, tensors } = weightList(s, 'disc');
      const grads = tf.grads((...ts: tf.Tensor[]) => {
        const gg = rebuilt(s, 'disc', names, ts);
        return unrolledSurrogate(gg.game, gg.x, gg.z, { steps: 0, objective: 'non-saturating' }).surrogate;
      })(tensors);
      // θ_D^1 in layer order W0, B0, W1, B1; names sorted: discB0, discB1, discW0, discW1.
      const after: Record<string, number[]> = {};
      r.discriminator.forEach((l, i) => {
        after[`discW${i}`] = values(l.weight);
        after[`discB${i}`] = values(l.bias!);
      });
      names.forEach((n, i) => {
        const before = s.disc.weights[n]!.data;
        const gv = values(grads[i]!);
        after[n]!.forEach((v, j) => {
          if (Math.abs(gv[j]!) < 1e-3) return;
          const moved = Math.abs(v - before[j]!);
          checkThat(Math.abs(moved - lr) <= 1e-3 * lr + 2 ** -22 * Math.max(1, Math.abs(before[j]!)), `${n}[${j}] moved by ${moved}, learning rate ${lr}`);
        });
      });
    }, 40),
    invariant('learningRate 0 leaves the discriminator where it is (K ≥ 1): the K = 0 values', fc.tuple(gameSample, objective, fc.integer({ min: 1, max: 3 }), fc.constantFrom(...UNROLLED_OPTIMIZERS)), ([s, obj, steps, optimizer]) => {
      const r = unroll(s, { steps, optimizer, learningRate: 0, objective: obj });
      const r0 = unroll(s, { steps: 0, objective: obj });
      checkThat(scalar(r.surrogate) === scalar(r0.surrogate) && scalar(r.generator) === scalar(r0.generator), 'η = 0 moved the discriminator');
    }, 30),
    invariant('values are finite for saturated networks (weights ×50) after 3 Adam steps with ε = 1e-8', fc.tuple(gameSample, objective), ([s, obj]) => {
      const big = (n: NetSample): NetSample => ({ ...n, weights: Object.fromEntries(Object.entries(n.weights).map(([k, a]) => [k, { shape: a.shape, data: a.data.map((v) => f32(v * 50)) }])) });
      const r = unroll({ ...s, gen: big(s.gen), disc: big(s.disc) }, { steps: 3, optimizer: 'adam', learningRate: 0.01, objective: obj });
      checkFinite('outputs', [scalar(r.surrogate), scalar(r.generator)]);
    }, 20),
  ],
  errors: [
    ...gameErrors((g, x, z, o) => unrolledSurrogate(g, x, z, o as never)),
    { name: 'K = 1.5', call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { steps: 1.5 }), error: 'InvalidParameterError', argument: 'steps' },
    { name: 'K = −1', call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { steps: -1 }), error: 'InvalidParameterError', argument: 'steps' },
    { name: "optimizer 'rmsprop'", call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { optimizer: 'rmsprop' as never }), error: 'InvalidParameterError', argument: 'optimizer' },
    { name: 'a negative learning rate', call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { learningRate: -0.1 }), error: 'InvalidParameterError', argument: 'learningRate' },
    { name: 'β₁ = 1', call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { beta1: 1 }), error: 'InvalidParameterError', argument: 'beta1' },
    { name: 'a negative β₂', call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { beta2: -0.5 }), error: 'InvalidParameterError', argument: 'beta2' },
    { name: 'ε = 0', call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { epsilon: 0 }), error: 'InvalidParameterError', argument: 'epsilon' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
const LATENT = 64;
const BENCH_GAME_PARAMS = { objective: 'non-saturating', activation: 'leaky-relu', outputActivation: 'linear', alpha: 0.2 };
/** A game at benchmark size: G 64 → 512 → 512, D 512 → 512 → 1, batch 256. */
const benchGame = () => ({
  x: uniformArray([BENCH.batch, BENCH.features], -1, 1, 1),
  z: uniformArray([BENCH.batch, LATENT], -1, 1, 2),
  ...mlpArrays('gen', [LATENT, BENCH.hidden, BENCH.features], 10),
  ...mlpArrays('disc', [BENCH.features, BENCH.hidden, 1], 20),
});

export const SPECS: Spec[] = [
  withBenchmark(consensus, () => benchCase(benchGame(), { ...BENCH_GAME_PARAMS, gamma: 10 })),
  withBenchmark(discriminatorGradientNorm, () => benchCase(benchGame(), { ...BENCH_GAME_PARAMS, eta: 0.5 })),
  withBenchmark(historicalAveraging, () => benchCase({ theta: uniformArray([BENCH.features, BENCH.hidden], -1, 1, 1), average: uniformArray([BENCH.features, BENCH.hidden], -1, 1, 2) })),
  withBenchmark(unrolled, () => benchCase(benchGame(), { ...BENCH_GAME_PARAMS, steps: 5, optimizer: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })),
];
