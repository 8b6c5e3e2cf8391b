import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { checkGrads } from '../../../autodiff/check-grads.js';
import { uniform } from '../../arbitraries.js';
import {
  gameSample,
  type GameSample,
  infinitelySmoothGame,
  linearGame,
  linearGameArb,
} from '../../arbitraries/games.js';
import { benchCase } from '../../bench.js';
import { checkClose, checkThat, invariant, scalar } from '../../invariant.js';
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
import type { Spec } from '../../types.js';
import type { GameObjective } from '../../../regularizers/consensus.js';
import {
  DISCRIMINATOR_GRADIENT_NORM_ID,
  discriminatorGradientNormPenalty,
} from '../../../regularizers/discriminator-gradient-norm.js';

const etaArb = fc.oneof(uniform(0, 5), fc.constantFrom(0, 0.5, 1));

function dgn(s: GameSample, options: { eta?: number; objective?: GameObjective }) {
  const { game, x, z } = gameOf(s);
  return discriminatorGradientNormPenalty(game, x, z, options);
}

export const discriminatorGradientNorm: Spec = defineSpec({
  id: DISCRIMINATOR_GRADIENT_NORM_ID,
  title: 'Discriminator-gradient-norm penalty of the generator (η‖∇_{θ_D} V‖²)',
  reference:
    'Nagarajan & Kolter 2017, Gradient descent GAN optimization is locally stable, the regularized generator update θ_G ← θ_G − α∇_{θ_G}(V + η‖∇_{θ_D} V‖²)',
  section: 'regularizers',
  inputs: GAME_INPUTS,
  params: { eta: { doc: 'η ≥ 0, the weight of ‖∇_{θ_D} V‖²', default: 0.5 }, ...GAME_PARAMS },
  outputs: ['penalty', 'generator'],
  evaluate: (x, p) => {
    const r = discriminatorGradientNormPenalty(gameFromInputs(x, p), x.x, x.z, { eta: p.eta, objective: p.objective });
    return { penalty: r.penalty, generator: r.generator };
  },
  sample: fc
    .record({ s: gameSample, objective, eta: etaArb })
    .map(({ s, objective: obj, eta }) => gameCase(s, obj, { eta })),
  edges: [
    gameCase(
      linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1),
      'wasserstein',
      { eta: 1 },
      'closed form: linear Wasserstein game, ‖∇_{θ_D} V‖² = (a z̄ + b − x̄)²',
    ),
    gameCase(stationaryGame(), 'non-saturating', { eta: 0.5 }, 'closed form: at a stationary point the penalty is 0'),
    gameCase(fixedGame('tanh'), 'minimax', { eta: 0.5 }, 'two-layer tanh networks, minimax (the paper’s game)'),
    gameCase(
      fixedGame('swish', 1, 'tanh'),
      'non-saturating',
      { eta: 2 },
      'two-layer swish networks, tanh generator output',
    ),
    gameCase(fixedGame('linear', 10), 'non-saturating', { eta: 1 }, 'edge: weights ×10, logits in the hundreds'),
    gameCase(reluGame(), 'wasserstein', { eta: 0.5 }, 'relu networks away from the kink'),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'penalty = η‖∇_{θ_D} V‖² against float64 finite differences of a float64 forward pass',
      fc.tuple(gameSample, objective, uniform(0, 5)),
      ([s, obj, eta]) => {
        const want = eta * sq(fdGrad64(s, 'disc', (t) => -losses64(t, obj).ld));
        checkClose('penalty', scalar(dgn(s, { eta, objective: obj }).penalty), want, 1e-3, 1e-6);
      },
      30,
    ),
    invariant(
      'penalty ≥ 0, linear in η, 0 at η = 0; generator = L_G + penalty with the library’s own generator loss',
      fc.tuple(gameSample, objective, uniform(0, 5)),
      ([s, obj, eta]) => {
        const p1 = scalar(dgn(s, { eta: 1, objective: obj }).penalty);
        const r = dgn(s, { eta, objective: obj });
        checkThat(p1 >= 0, `penalty ${p1} < 0`);
        checkClose('penalty(η)', scalar(r.penalty), eta * p1, 1e-6, 1e-9);
        checkThat(scalar(dgn(s, { eta: 0, objective: obj }).penalty) === 0, 'penalty at η = 0 is not 0');
        const lg = plainLosses(s, obj).lg;
        checkClose('generator', scalar(r.generator), lg + scalar(r.penalty), 1e-5, 1e-5 * (1 + Math.abs(lg)));
      },
      30,
    ),
    invariant(
      "the penalty is the same for 'minimax' and 'non-saturating' (the same value V)",
      gameSample,
      (s) => {
        checkThat(
          scalar(dgn(s, { objective: 'minimax' }).penalty) === scalar(dgn(s, { objective: 'non-saturating' }).penalty),
          'penalties differ',
        );
      },
      30,
    ),
    invariant(
      'closed form on the linear Wasserstein game: ‖∇_{θ_D} V‖² = (a z̄ + b − x̄)²',
      fc.tuple(linearGameArb, uniform(0, 5)),
      ([s, eta]) => {
        const [a, b] = [s.gen.weights.genW0!.data[0]!, s.gen.weights.genB0!.data[0]!];
        const want = eta * (a * mean64(s.z.data) + b - mean64(s.x.data)) ** 2;
        checkClose('penalty', scalar(dgn(s, { eta, objective: 'wasserstein' }).penalty), want, 1e-5, 1e-6);
      },
    ),
    invariant(
      'the gradient of the regularized generator loss with respect to G’s weights matches finite differences (checkGrads)',
      fc.tuple(infinitelySmoothGame, objective),
      ([s, obj]) => {
        const { names, tensors } = weightList(s, 'gen');
        checkGrads(
          (...ts: tf.Tensor[]) => {
            const g = rebuilt(s, 'gen', names, ts);
            return discriminatorGradientNormPenalty(g.game, g.x, g.z, { eta: 1, objective: obj }).generator;
          },
          tensors,
          { seed: 5 },
        );
      },
      15,
    ),
  ],
  errors: [
    ...gameErrors((g, x, z, o) => discriminatorGradientNormPenalty(g, x, z, o as never)),
    {
      name: 'a negative η',
      call: () => discriminatorGradientNormPenalty(staticGame().game, staticGame().x, staticGame().z, { eta: -0.5 }),
      error: 'InvalidParameterError',
      argument: 'eta',
    },
    {
      name: 'an infinite η',
      call: () =>
        discriminatorGradientNormPenalty(staticGame().game, staticGame().x, staticGame().z, { eta: Infinity }),
      error: 'InvalidParameterError',
      argument: 'eta',
    },
  ],
  benchmark: () => benchCase(benchGame(), { ...BENCH_GAME_PARAMS, eta: 0.5 }),
});
