import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { checkGrads } from '../../../autodiff/check-grads.js';
import { f32, uniform, vector } from '../../arbitraries.js';
import {
  gameSample,
  type GameSample,
  infinitelySmoothGame,
  linearGame,
  linearGameArb,
} from '../../arbitraries/games.js';
import { matrix, type NetSample } from '../../arbitraries/networks.js';
import { benchCase } from '../../bench.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64 } from '../../reference64.js';
import {
  BENCH_GAME_PARAMS,
  benchGame,
  fdGrad64,
  fixedGame,
  GAME_INPUTS,
  GAME_PARAMS,
  gameCase,
  gameErrors,
  gameFromInputs,
  gameOf,
  losses64,
  objective,
  plainLosses,
  rebuilt,
  reluGame,
  sq,
  staticGame,
  stationaryGame,
  weightList,
} from '../../templates/game.js';
import { rows, toRows } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import { CONSENSUS_ID, consensusRegularizer, type GameObjective } from '../../../regularizers/consensus.js';

const gammaArb = fc.oneof(uniform(0, 10), fc.constantFrom(0, 1, 10));

const consensusCases: fc.Arbitrary<Case> = fc
  .record({ s: gameSample, objective, gamma: gammaArb })
  .map(({ s, objective: obj, gamma }) => gameCase(s, obj, { gamma }));

function cons(s: GameSample, options: { gamma?: number; objective?: GameObjective }) {
  const { game, x, z } = gameOf(s);
  return consensusRegularizer(game, x, z, options);
}

export const consensus: Spec = defineSpec({
  id: CONSENSUS_ID,
  title: 'Consensus optimization (L = ½‖v‖², both players regularized)',
  reference:
    'Mescheder, Nowozin & Geiger 2017, The Numerics of GANs, §3 (L(x) = ½‖v(x)‖², the regularized payoffs f − γL, g − γL; ConsOpt)',
  section: 'regularizers',
  inputs: GAME_INPUTS,
  params: { gamma: { doc: 'γ ≥ 0, the weight of L in both regularized losses', default: 10 }, ...GAME_PARAMS },
  outputs: ['consensus', 'generator', 'discriminator'],
  evaluate: (x, p) => {
    const r = consensusRegularizer(gameFromInputs(x, p), x.x, x.z, { gamma: p.gamma, objective: p.objective });
    return { consensus: r.consensus, generator: r.generator, discriminator: r.discriminator };
  },
  sample: consensusCases,
  edges: [
    gameCase(
      linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1),
      'wasserstein',
      { gamma: 1 },
      'closed form: linear Wasserstein game, L = ½((a z̄ + b − x̄)² + w²(z̄² + 1))',
    ),
    gameCase(
      stationaryGame(),
      'non-saturating',
      { gamma: 10 },
      'closed form: at a stationary point (D ≡ 0, G ≡ E[x]) L = 0',
    ),
    gameCase(fixedGame('tanh'), 'minimax', { gamma: 0.5 }, 'two-layer tanh networks, minimax'),
    gameCase(
      fixedGame('softplus', 1, 'tanh'),
      'non-saturating',
      { gamma: 10 },
      'two-layer softplus networks, tanh generator output',
    ),
    gameCase(
      fixedGame('linear', 10),
      'non-saturating',
      { gamma: 1 },
      'edge: weights ×10, logits in the hundreds (softplus from logits stays finite)',
    ),
    gameCase(reluGame(), 'wasserstein', { gamma: 2 }, 'relu networks away from the kink'),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'L = ½(‖∇_φ L_G‖² + ‖∇_θ L_D‖²) against float64 finite differences of a float64 forward pass',
      fc.tuple(gameSample, objective),
      ([s, obj]) => {
        const gG = fdGrad64(s, 'gen', (t) => losses64(t, obj).lg);
        const gD = fdGrad64(s, 'disc', (t) => losses64(t, obj).ld);
        const want = 0.5 * (sq(gG) + sq(gD));
        checkClose('L', scalar(cons(s, { objective: obj }).consensus), want, 1e-3, 1e-6);
      },
      30,
    ),
    invariant(
      'L ≥ 0, and the outputs are L_G + γL and L_D + γL with the library’s own objective losses',
      fc.tuple(gameSample, objective, gammaArb),
      ([s, obj, gamma]) => {
        const r = cons(s, { gamma, objective: obj });
        const L = scalar(r.consensus);
        const plain = plainLosses(s, obj);
        checkThat(L >= 0, `L = ${L} < 0`);
        checkClose('generator', scalar(r.generator), plain.lg + gamma * L, 1e-5, 1e-5 * (1 + Math.abs(plain.lg)));
        checkClose(
          'discriminator',
          scalar(r.discriminator),
          plain.ld + gamma * L,
          1e-5,
          1e-5 * (1 + Math.abs(plain.ld)),
        );
      },
      40,
    ),
    invariant('closed form on the linear Wasserstein game: L = ½((a z̄ + b − x̄)² + w²(z̄² + 1))', linearGameArb, (s) => {
      const [a, b, w] = [s.gen.weights.genW0!.data[0]!, s.gen.weights.genB0!.data[0]!, s.disc.weights.discW0!.data[0]!];
      const xb = mean64(s.x.data);
      const zb = mean64(s.z.data);
      const want = 0.5 * ((a * zb + b - xb) ** 2 + w * w * (zb * zb + 1));
      checkClose('L', scalar(cons(s, { objective: 'wasserstein' }).consensus), want, 1e-5, 1e-6);
    }),
    invariant(
      'L = 0 at a stationary point: a zero linear discriminator and a constant generator at the data mean',
      fc
        .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }))
        .chain(([n, d]) =>
          fc.tuple(matrix(n, d), matrix(3, 1), fc.constantFrom<GameObjective>('minimax', 'non-saturating')),
        ),
      ([x, z, obj]) => {
        const d = x.shape[1]!;
        const xr = toRows(x);
        const mu = Array.from({ length: d }, (_, j) => mean64(xr.map((r) => r[j]!)));
        const s: GameSample = {
          x,
          z,
          gen: {
            widths: [1, d],
            weights: { genW0: rows([new Array<number>(d).fill(0)]), genB0: vector(mu) },
            activation: 'linear',
            outputActivation: 'linear',
            alpha: 0.2,
          },
          disc: {
            widths: [d, 1],
            weights: { discW0: rows(mu.map(() => [0])), discB0: vector([0]) },
            activation: 'linear',
            outputActivation: 'linear',
            alpha: 0.2,
          },
        };
        // Only the float32 rounding of the mean remains: ∇_w L_D = ½(f32(μ) − mean(x)), |·|² ≲ 1e-13.
        checkThat(
          scalar(cons(s, { objective: obj }).consensus) <= 1e-10,
          `L = ${scalar(cons(s, { objective: obj }).consensus)} at a stationary point`,
        );
      },
    ),
    invariant(
      'γ = 0 gives the plain losses and the outputs are affine in γ',
      fc.tuple(gameSample, objective, uniform(0, 10)),
      ([s, obj, gamma]) => {
        const r0 = cons(s, { gamma: 0, objective: obj });
        const r = cons(s, { gamma, objective: obj });
        const plain = plainLosses(s, obj);
        checkClose('generator at γ = 0', scalar(r0.generator), plain.lg, 1e-6, 1e-7);
        checkClose('discriminator at γ = 0', scalar(r0.discriminator), plain.ld, 1e-6, 1e-7);
        checkClose(
          'generator − γL',
          scalar(r.generator) - gamma * scalar(r.consensus),
          plain.lg,
          1e-5,
          1e-5 * (1 + gamma * scalar(r.consensus)),
        );
      },
      30,
    ),
    invariant(
      'the gradient of L with respect to every weight of G and D matches finite differences (checkGrads)',
      fc.tuple(infinitelySmoothGame, objective, fc.constantFrom<'gen' | 'disc'>('gen', 'disc')),
      ([s, obj, which]) => {
        const { names, tensors } = weightList(s, which);
        const f = (...ts: tf.Tensor[]) => {
          const g = rebuilt(s, which, names, ts);
          return consensusRegularizer(g.game, g.x, g.z, { objective: obj }).consensus;
        };
        checkGrads(f, tensors, { seed: 3 });
      },
      15,
    ),
    invariant(
      'permuting the rows of x and of z leaves L unchanged (batch means)',
      fc.tuple(gameSample, objective),
      ([s, obj]) => {
        const rev = (a: NDArray) => rows(toRows(a).reverse());
        checkClose(
          'L',
          scalar(cons({ ...s, x: rev(s.x), z: rev(s.z) }, { objective: obj }).consensus),
          scalar(cons(s, { objective: obj }).consensus),
          1e-5,
          1e-7,
        );
      },
      30,
    ),
    invariant(
      'finite values and gradients for saturated networks (weights ×50)',
      fc.tuple(gameSample, objective),
      ([s, obj]) => {
        const big = (n: NetSample): NetSample => ({
          ...n,
          weights: Object.fromEntries(
            Object.entries(n.weights).map(([k, a]) => [k, { shape: a.shape, data: a.data.map((v) => f32(v * 50)) }]),
          ),
        });
        const t = { ...s, gen: big(s.gen), disc: big(s.disc) };
        const r = cons(t, { objective: obj });
        checkFinite('outputs', [scalar(r.consensus), scalar(r.generator), scalar(r.discriminator)]);
        const { names, tensors } = weightList(t, 'disc');
        // (Under 'wasserstein' with a linear D, L does not depend on D's weights: no gradient at all.)
        const { grads } = tf.engine().gradients(
          () => {
            const g = rebuilt(t, 'disc', names, tensors);
            return consensusRegularizer(g.game, g.x, g.z, { objective: obj }).consensus;
          },
          tensors,
          undefined,
          true,
        );
        grads.forEach((g, i) => g && checkFinite(`∂L/∂${names[i]}`, values(g)));
      },
      20,
    ),
  ],
  errors: [
    ...gameErrors((g, x, z, o) => consensusRegularizer(g, x, z, o as never)),
    {
      name: 'a negative γ',
      call: () => consensusRegularizer(staticGame().game, staticGame().x, staticGame().z, { gamma: -1 }),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
    {
      name: 'a NaN γ',
      call: () => consensusRegularizer(staticGame().game, staticGame().x, staticGame().z, { gamma: NaN }),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
  ],
  benchmark: () => benchCase(benchGame(), { ...BENCH_GAME_PARAMS, gamma: 10 }),
});
