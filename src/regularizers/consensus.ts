import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkBatchFor, checkMlp, forward, type CheckedMlp, type Mlp } from '../nets/mlp.js';
import { checkChoice, checkKnownOptions, checkNumber } from '../validate.js';

/**
 * Two-player GAN games as data, shared by the game regularizers (consensus optimization, the
 * discriminator-gradient-norm penalty, unrolled GANs).
 *
 * The game. A generator G_φ (an MLP given as data, parameters φ = θ_G: every weight and bias)
 * maps noise z [m, k] to samples G(z) [m, d]; a discriminator D_θ (an MLP, parameters θ = θ_D)
 * maps samples [·, d] to one logit (or critic score) each; x [n, d] is a batch of real data.
 * With l_r = D(x), l_f = D(G(z)) and E the batch mean, each player MINIMISES its loss:
 *
 *   objective         discriminator loss L_D(φ, θ)              generator loss L_G(φ, θ)
 *   'minimax'         E[softplus(−l_r)] + E[softplus(l_f)]       −E[softplus(l_f)] = E[log(1 − D(G(z)))]
 *   'non-saturating'  E[softplus(−l_r)] + E[softplus(l_f)]       E[softplus(−l_f)] = −E[log D(G(z))]
 *   'wasserstein'     E[l_f] − E[l_r]                            −E[l_f]
 *
 * (the losses of `objective/minimax`, `objective/non-saturating` and `objective/wasserstein`).
 * The value of the game is V(φ, θ) = −L_D(φ, θ) (Goodfellow et al. 2014, eq. 1, for the first two;
 * E[c_r] − E[c_f] for Wasserstein): the discriminator ascends V, the generator descends it.
 */

/** The base objective of a game. */
export type GameObjective = 'minimax' | 'non-saturating' | 'wasserstein';
/** The objectives a `GanGame` can be played with. */
export const GAME_OBJECTIVES: readonly GameObjective[] = ['minimax', 'non-saturating', 'wasserstein'];

/** A GAN as data: a generator and a discriminator. */
export interface GanGame {
  /** G: noise [m, k] → samples [m, d]. */
  generator: Mlp;
  /** D: samples [·, d] → [·, 1] logits (critic scores under 'wasserstein'); its output activation must be 'linear'. */
  discriminator: Mlp;
}

/** A game whose networks and batches were validated. */
export interface CheckedGame {
  gen: CheckedMlp;
  disc: CheckedMlp;
  x: tf.Tensor2D;
  z: tf.Tensor2D;
}

/** Validates a game, its real batch x [n, d] and its noise z [m, k]; errors name `spec`. */
export function checkGame(spec: string, game: unknown, x: unknown, z: unknown): CheckedGame {
  if (game === null || typeof game !== 'object')
    throw new InvalidArgumentError(
      spec,
      'game',
      'an object { generator, discriminator }',
      game === null ? 'null' : typeof game,
    );
  checkKnownOptions(spec, game, ['generator', 'discriminator']);
  const gen = checkMlp(spec, 'generator', (game as GanGame).generator);
  const disc = checkMlp(spec, 'discriminator', (game as GanGame).discriminator);
  if (disc.outputWidth !== 1)
    throw new InvalidArgumentError(
      spec,
      'discriminator',
      'a network with one output (a logit or critic score)',
      `output width ${disc.outputWidth}`,
    );
  if (disc.outputActivation !== 'linear')
    throw new InvalidArgumentError(
      spec,
      'discriminator.outputActivation',
      "'linear' (the discriminator returns logits or critic scores)",
      `'${disc.outputActivation}'`,
    );
  if (gen.outputWidth !== disc.inputWidth) {
    throw new InvalidArgumentError(
      spec,
      'generator',
      `a network with ${disc.inputWidth} outputs (the input width of 'discriminator')`,
      `output width ${gen.outputWidth}`,
    );
  }
  const xs = checkBatchFor(spec, 'x', x, disc, 'discriminator');
  const zs = checkBatchFor(spec, 'z', z, gen, 'generator');
  return { gen, disc, x: xs, z: zs };
}

/** Checks the `objective` option (default 'non-saturating'). */
export function checkObjective(spec: string, value: unknown): GameObjective {
  return checkChoice(spec, 'objective', value ?? 'non-saturating', GAME_OBJECTIVES);
}

/** The parameters of a network in a flat list: W₀, b₀ (if any), W₁, b₁ (if any), … */
export function parametersOf(net: CheckedMlp): tf.Tensor[] {
  return net.layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
}

/** The same network with its parameters replaced by `params` (in the order of `parametersOf`). */
export function withParameters(net: CheckedMlp, params: readonly tf.Tensor[]): CheckedMlp {
  let i = 0;
  const layers = net.layers.map((l) => {
    const weight = params[i++] as tf.Tensor2D;
    return l.bias ? { weight, bias: params[i++] as tf.Tensor1D } : { weight };
  });
  return { ...net, layers };
}

/** Both players' losses (see the table above) as scalars. Call inside `tf.tidy`. */
export function gameLosses(
  gen: CheckedMlp,
  disc: CheckedMlp,
  x: tf.Tensor,
  z: tf.Tensor,
  objective: GameObjective,
): { discriminator: tf.Scalar; generator: tf.Scalar } {
  const lr = tf.reshape(forward(disc, x), [-1]);
  const lf = tf.reshape(forward(disc, forward(gen, z)), [-1]);
  if (objective === 'wasserstein') {
    return {
      discriminator: tf.sub(tf.mean(lf), tf.mean(lr)) as tf.Scalar,
      generator: tf.neg(tf.mean(lf)) as tf.Scalar,
    };
  }
  // softplus from logits: exact and finite for every finite logit.
  const discriminator = tf.add(tf.mean(tf.softplus(tf.neg(lr))), tf.mean(tf.softplus(lf))) as tf.Scalar;
  const generator = (
    objective === 'minimax' ? tf.neg(tf.mean(tf.softplus(lf))) : tf.mean(tf.softplus(tf.neg(lf)))
  ) as tf.Scalar;
  return { discriminator, generator };
}

/**
 * ∇ₚ f(p) for a scalar function of a list of parameters, recorded on the tape so that it can be
 * differentiated again (double backprop through the networks). A parameter f does not reach
 * gets a zero gradient. Call inside `tf.tidy`.
 */
export function parameterGradients(f: (params: tf.Tensor[]) => tf.Scalar, params: tf.Tensor[]): tf.Tensor[] {
  const { grads } = tf.engine().gradients(() => f(params), params, undefined, true);
  return params.map((p, i) => grads[i] ?? tf.zerosLike(p));
}

/** Σ over a list of tensors of their squared entries. Call inside `tf.tidy`. */
export function squaredNorm(ts: readonly tf.Tensor[]): tf.Scalar {
  return ts.reduce((acc: tf.Tensor, t) => tf.add(acc, tf.sum(tf.square(t))), tf.scalar(0)) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// penalty/consensus
// ---------------------------------------------------------------------------------------------

/** The catalog id of this spec, `penalty/consensus`; errors from these functions name it. */
export const CONSENSUS_ID = 'penalty/consensus';

/** Options of the consensus regularizer. */
export interface ConsensusOptions {
  /** γ ≥ 0, the weight of L in both regularized losses. Default 10. */
  gamma?: number;
  /** The base objective. Default 'non-saturating'. */
  objective?: GameObjective;
}

/** The consensus term and both regularized losses (scalars). */
export interface ConsensusResult {
  /** L = ½‖v‖² = ½(‖∇_φ L_G‖² + ‖∇_θ L_D‖²). */
  consensus: tf.Scalar;
  /** The generator's loss to minimise, L_G + γL. */
  generator: tf.Scalar;
  /** The discriminator's loss to minimise, L_D + γL. */
  discriminator: tf.Scalar;
}

/**
 * Consensus optimization (Mescheder, Nowozin & Geiger 2017, "The Numerics of GANs", §3: the
 * regularizer L(x) = ½‖v(x)‖², the regularized game with payoffs f − γL and g − γL, and
 * Algorithm 2, ConsOpt).
 *
 * Sign conventions. The paper writes a game in which player 1 MAXIMISES f(φ, θ) over φ and
 * player 2 MAXIMISES g(φ, θ) over θ, with the gradient vector field v = (∇_φ f, ∇_θ g). Here
 * player 1 is the generator (φ = θ_G) and player 2 the discriminator (θ = θ_D), and the payoffs
 * are minus the losses of this module's table: f = −L_G, g = −L_D. Hence
 *
 *   v = −(∇_φ L_G, ∇_θ L_D),   L = ½‖v‖² = ½(‖∇_φ L_G‖² + ‖∇_θ L_D‖²)
 *
 * (squared Euclidean norms over every weight and bias of each network; L does not depend on the
 * order of the players nor on the sign convention), and the regularized payoffs f − γL, g − γL,
 * each maximised by its own player, are the losses returned here:
 *
 *   generator = L_G + γL,   discriminator = L_D + γL.
 *
 * Descending each player's regularized loss on its own parameters is the paper's ConsOpt update
 * x ← x + h·(v − γ∇L). L is itself a gradient norm, so its gradients with respect to the weights
 * are double backprop through both networks (ganref's second-order gradient configs). L ≥ 0,
 * and L = 0 exactly at a stationary point of the simultaneous game (v = 0).
 *
 * @param game the generator and discriminator as data (see `GanGame`)
 * @param x real data [n, d]
 * @param z noise [m, k]
 * @param options γ ≥ 0 (default 10) and the base objective (default 'non-saturating')
 */
export function consensusRegularizer(
  game: GanGame,
  x: tf.Tensor,
  z: tf.Tensor,
  options?: ConsensusOptions,
): ConsensusResult {
  ensureGradients();
  checkKnownOptions(CONSENSUS_ID, options, ['gamma', 'objective']);
  const gamma = checkNumber(CONSENSUS_ID, 'gamma', options?.gamma ?? 10, { min: 0 });
  const objective = checkObjective(CONSENSUS_ID, options?.objective);
  const g = checkGame(CONSENSUS_ID, game, x, z);
  return tf.tidy(() => {
    const gp = parametersOf(g.gen);
    const dp = parametersOf(g.disc);
    const at = (gps: tf.Tensor[], dps: tf.Tensor[]) =>
      gameLosses(withParameters(g.gen, gps), withParameters(g.disc, dps), g.x, g.z, objective);
    const base = at(gp, dp);
    const vG = parameterGradients((ps) => at(ps, dp).generator, gp);
    const vD = parameterGradients((ps) => at(gp, ps).discriminator, dp);
    const consensus = tf.mul(0.5, tf.add(squaredNorm(vG), squaredNorm(vD))) as tf.Scalar;
    const penalty = tf.mul(gamma, consensus);
    return {
      consensus,
      generator: tf.add(base.generator, penalty) as tf.Scalar,
      discriminator: tf.add(base.discriminator, penalty) as tf.Scalar,
    };
  });
}
