import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { hingeDiscriminatorLoss, hingeGeneratorLoss } from '../objectives/hinge.js';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss } from '../objectives/minimax.js';
import { nonSaturatingGeneratorLoss } from '../objectives/non-saturating.js';
import { wassersteinCriticLoss, wassersteinGeneratorLoss } from '../objectives/wasserstein.js';
import { gradientPenalty } from '../regularizers/gradient-penalty.js';
import { instanceNoise } from '../regularizers/instance-noise.js';
import { r1Penalty, r2Penalty } from '../regularizers/r1-r2.js';
import { asCriticScores, asLogits } from '../types.js';
import { checkChoice, checkKnownOptions, checkNumber, checkTensor, describeValue } from '../validate.js';

/**
 * Two-player games as vector fields (catalog section D).
 *
 * A game here is a differentiable function of one state vector s = (s₁, s₂) ∈ ℝ^{p+q}: player 1
 * owns the first p coordinates (the generator, or x in the bilinear game), player 2 the last q (the
 * discriminator, or y), and each player MINIMISES its own loss L₁(s), L₂(s), given as TF.js ops.
 *
 * Sign convention. The gradient vector field is the direction in which gradient play moves,
 *
 *   v(s) = (−∇_{s₁} L₁(s), −∇_{s₂} L₂(s)),
 *
 * so simultaneous gradient descent with step η is s ← s + η·v(s). This is the field of Mescheder,
 * Nowozin & Geiger 2017 ("The Numerics of GANs", §2: v = (∇_φ f, ∇_θ g) for players maximising
 * payoffs f = −L₁, g = −L₂) and of Mescheder, Geiger & Nowozin 2018 (§2.2). An equilibrium x̄ has
 * v(x̄) = 0; gradient play converges locally when every eigenvalue of the Jacobian v′(x̄) has a
 * negative real part and η is small enough (Mescheder et al. 2017, §2; Nagarajan & Kolter
 * 2017), and purely imaginary eigenvalues give no local convergence for any η.
 */
export interface Game {
  /** The catalog id (or public function) that errors about this game name, e.g. `dynamics/bilinear`. */
  readonly spec: string;
  /** The numbers of coordinates of player 1 and of player 2, `[p, q]`. */
  readonly players: readonly [number, number];
  /**
   * The players' losses [L₁, L₂] at a state (a 1-D tensor of length p + q): scalars built with
   * differentiable TF.js ops, so that ∇L and its derivatives exist. Called inside `tf.tidy`.
   */
  losses(state: tf.Tensor1D): readonly [tf.Scalar, tf.Scalar];
  /**
   * The field the update rules integrate, when it is not plain gradient play (consensus
   * optimization as a regularizer, see {@link withConsensus}); by default v of the losses.
   */
  field?(state: tf.Tensor1D): tf.Tensor1D;
}

/** The size p + q of a game's state. */
export function stateSize(game: Game): number {
  return game.players[0] + game.players[1];
}

/** Validates a state of a game: a finite float32 1-D tensor of length p + q. */
export function checkState(game: Game, state: unknown, argument = 'state'): tf.Tensor1D {
  const s = checkTensor(game.spec, argument, state, { rank: 1, finite: true });
  const n = stateSize(game);
  if (s.shape[0] !== n)
    throw new InvalidArgumentError(
      game.spec,
      argument,
      `a state of ${n} coordinates (${game.players[0]} of player 1, then ${game.players[1]} of player 2), shape [${n}]`,
      `shape [${s.shape.join(', ')}]`,
    );
  return s as tf.Tensor1D;
}

/**
 * ∇ₛ f(s) for a scalar function of a state, recorded on the tape (so that it can be
 * differentiated again: Jacobians, consensus, unrolling, gradients of trajectories); zeros where f
 * does not depend on s. Call inside `tf.tidy`.
 */
export function gradientOf(f: (s: tf.Tensor1D) => tf.Scalar, state: tf.Tensor1D): tf.Tensor1D {
  const { grads } = tf.engine().gradients(() => f(state), [state], undefined, true);
  return (grads[0] ?? tf.zerosLike(state)) as tf.Tensor1D;
}

/** v(s) = (−∇_{s₁} L₁, −∇_{s₂} L₂) from the losses (no validation). Call inside `tf.tidy`. */
export function gradientPlayField(game: Game, state: tf.Tensor1D): tf.Tensor1D {
  const [p, q] = game.players;
  const g1 = gradientOf((s) => game.losses(s)[0], state);
  const g2 = gradientOf((s) => game.losses(s)[1], state);
  return tf.neg(tf.concat([tf.slice(g1, 0, p), tf.slice(g2, p, q)])) as tf.Tensor1D;
}

/** The field a game's update rules integrate: `game.field` when given, else gradient play. */
export function fieldOf(game: Game, state: tf.Tensor1D): tf.Tensor1D {
  return game.field ? game.field(state) : gradientPlayField(game, state);
}

/**
 * The gradient vector field v(s) of a game at a state (see {@link Game} for the sign convention):
 * (−∇_{s₁} L₁, −∇_{s₂} L₂), or the game's own field when it defines one (consensus). Computed by
 * ganref's autodiff and recorded on the tape, so it can be differentiated again.
 *
 * @param game the game
 * @param state s, a finite 1-D tensor of length p + q
 * @returns v(s), the shape of `state`
 */
export function vectorField(game: Game, state: tf.Tensor): tf.Tensor1D {
  ensureGradients();
  const s = checkState(game, state);
  return tf.tidy(() => fieldOf(game, s));
}

/**
 * Consensus optimization as a modified field (Mescheder, Nowozin & Geiger 2017, §3 and Algorithm
 * 2): w(s) = v(s) − γ·∇ₛ L(s) with L = ½‖v(s)‖². Since ∇L = v′(s)ᵀv(s), at an equilibrium
 * (v = 0) the Jacobian of w is v′ − γ·v′ᵀv′, whose eigenvalues have real parts ≤ those of v′
 * minus γ times the squared singular values (§3): purely imaginary eigenvalues ±i·a become
 * −γa² ± i·a. The same regularizer on networks is `consensusRegularizer` (`penalty/consensus`).
 *
 * @param game the game
 * @param gamma γ ≥ 0
 * @returns a game with the same losses whose field is w
 */
export function withConsensus(game: Game, gamma: number): Game {
  const g = checkNumber(game.spec, 'gamma', gamma, { min: 0 });
  const base = game;
  return {
    spec: game.spec,
    players: game.players,
    losses: (s) => base.losses(s),
    field: (s) => {
      const v = fieldOf(base, s);
      const gradL = gradientOf((t) => tf.mul(0.5, tf.sum(tf.square(fieldOf(base, t)))) as tf.Scalar, s);
      return tf.sub(v, tf.mul(g, gradL)) as tf.Tensor1D;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// dynamics/bilinear
// ---------------------------------------------------------------------------------------------

/** The catalog id `dynamics/bilinear`; errors about the bilinear game name it. */
export const BILINEAR_ID = 'dynamics/bilinear';

/**
 * The bilinear game f(x, y) = x·y (Salimans et al. 2016, §3: the example whose gradient descent
 * oscillates; Mescheder et al. 2017; Gidel et al. 2019): player 1 (x) minimises f, player 2 (y)
 * maximises it, so L₁ = xy, L₂ = −xy and the field is
 *
 *   v(x, y) = (−y, x),   v′ = [[0, −1], [1, 0]],   eigenvalues ±i.
 *
 * The unique equilibrium is (0, 0). Simultaneous gradient descent multiplies ‖(x, y)‖ by exactly
 * √(1 + η²) per step (the step matrix is √(1 + η²) times a rotation): it spirals out.
 *
 * @returns the game, with state (x, y)
 */
export function bilinearGame(): Game {
  return {
    spec: BILINEAR_ID,
    players: [1, 1],
    losses: (s) => {
      const xy = tf.prod(s) as tf.Scalar;
      return [xy, tf.neg(xy) as tf.Scalar];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// dynamics/dirac-gan
// ---------------------------------------------------------------------------------------------

/** The catalog id `dynamics/dirac-gan`; errors about the Dirac-GAN name it. */
export const DIRAC_GAN_ID = 'dynamics/dirac-gan';

/** The objectives the Dirac-GAN is played with (catalog section B). */
export type DiracObjective = 'minimax' | 'non-saturating' | 'wasserstein' | 'hinge';
/** Every Dirac-GAN objective. */
export const DIRAC_OBJECTIVES: readonly DiracObjective[] = ['minimax', 'non-saturating', 'wasserstein', 'hinge'];

/** The regularizers of the Dirac-GAN (catalog section C). */
export type DiracRegularizer = 'none' | 'r1' | 'r2' | 'gradient-penalty' | 'instance-noise' | 'consensus';
/** Every Dirac-GAN regularizer. */
export const DIRAC_REGULARIZERS: readonly DiracRegularizer[] = [
  'none',
  'r1',
  'r2',
  'gradient-penalty',
  'instance-noise',
  'consensus',
];

/** Options of {@link diracGan}. */
export interface DiracGanOptions {
  /** The objective (its discriminator and generator losses). Default 'non-saturating'. */
  objective?: DiracObjective;
  /** The regularizer. Default 'none'. */
  regularizer?: DiracRegularizer;
  /** γ ≥ 0 of 'r1', 'r2' (`r1Penalty`, `r2Penalty`) and 'consensus'. Default 1. */
  gamma?: number;
  /** λ ≥ 0 of 'gradient-penalty' (`gradientPenalty`, two-sided). Default 1. */
  lambda?: number;
  /** σ ≥ 0 of 'instance-noise'. Default 1. */
  sigma?: number;
  /** 'instance-noise': the noise ε of the real samples, [n], finite (σε are the real samples). */
  noiseReal?: tf.Tensor;
  /** 'instance-noise': the noise ε of the generated samples, [n], finite (θ + σε). */
  noiseFake?: tf.Tensor;
}

/** f′(0) of the paper's f for an objective: the coupling of the Dirac-GAN at its equilibrium. */
export function diracCoupling(objective: DiracObjective): number {
  return objective === 'wasserstein' || objective === 'hinge' ? 1 : 0.5;
}

function checkNoise(spec: string, argument: string, t: unknown): tf.Tensor1D {
  if (t === undefined)
    throw new InvalidArgumentError(
      spec,
      argument,
      "a 1-D tensor of noise samples (regularizer 'instance-noise')",
      'undefined',
    );
  const e = checkTensor(spec, argument, t, { rank: 1, finite: true });
  if (e.shape[0] === 0) throw new InvalidArgumentError(spec, argument, 'at least one sample', 'shape [0]');
  return e as tf.Tensor1D;
}

/**
 * The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually
 * Converge?", §2.2, Definition 2.1): the data distribution is a point mass at 0, the generator a
 * point mass at θ (p_θ = δ_θ), the discriminator linear, D_ψ(x) = ψ·x. The state is (θ, ψ), and
 * the losses are the library's own: the objective's discriminator loss (`minimaxDiscriminatorLoss`,
 * `wassersteinCriticLoss`, `hingeDiscriminatorLoss`; minimax and non-saturating share it) on the
 * logits or scores l_r = D_ψ(x_r), l_f = D_ψ(x_f), plus the regularizer (`r1Penalty`,
 * `r2Penalty`, `gradientPenalty`, with the critic x ↦ ψx), and the objective's generator loss.
 * So the field is exactly what a TF.js user of these functions gets. Without noise the batches are
 * x_r = [0] and x_f = [θ]; with 'instance-noise' they are x_r = σε_r and x_f = θ + σε_f
 * (`instanceNoise`), the batch means standing in for the expectations.
 *
 * Convention against the paper. ganref's discriminators score real data high; the paper's L(θ, ψ)
 * = E f(D(G(z))) + E f(−D(x)) scores fake data high. The two are the same game with ψ ↦ −ψ, so
 * the eigenvalues are the same. Unregularized, with f′(0) = ½ for the GAN objectives (f(t) =
 * −log(1 + e^{−t})) and 1 for WGAN (f(t) = t) and for the hinge loss (which is WGAN's near 0):
 *
 *   v(θ, ψ) = (ψ·σ(ψθ), −θ·σ(ψθ))       (minimax; non-saturating has σ(−ψθ) in v_θ)
 *   v(θ, ψ) = (ψ, −θ)                    (WGAN)
 *   v′(0, 0) = [[0, f′(0)], [−f′(0), 0]], eigenvalues ±i·f′(0)       (paper, §2.2)
 *
 * Regularizers at the equilibrium (0, 0), each from the paper:
 * - 'r1', 'r2' (γ): both add γψ²/2 (∇ₓD = ψ on real and fake data alike), v′ =
 *   [[0, f′], [−f′, −γ]], eigenvalues −γ/2 ± √(γ²/4 − f′(0)²) (§4, eq. 9–10 and the Dirac-GAN
 *   example there):
 *   locally convergent for every γ > 0.
 * - 'instance-noise' (σ): v′ = [[0, f′], [−f′, f″(0)·σ²·(m_r + m_f)]] with m the batch's mean ε²
 *   (E[ε²] = 1: f″(0)·2σ²) and f″(0) = −¼ for the GAN objectives, 0 for WGAN; the paper's
 *   eigenvalues f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²) (§3, instance noise; unit-variance noise in its
 *   convention). Convergent for the GAN objectives, not for WGAN.
 * - 'gradient-penalty' (λ, WGAN-GP): adds λ(|ψ| − 1)² (∇ₓD = ψ at every interpolate); not
 *   differentiable at ψ = 0, where the penalty pushes |ψ| towards 1 (§3, WGAN-GP: not locally
 *   convergent). The field at ψ = 0 is the library's zero-safe subgradient.
 * - 'consensus' (γ): the field of {@link withConsensus}; eigenvalues −γf′(0)² ± i·f′(0)
 *   (Mescheder et al. 2017; the 2018 paper, §3, consensus optimization).
 *
 * @param options the objective, the regularizer and its parameters
 * @returns the game, with state (θ, ψ)
 */
export function diracGan(options?: DiracGanOptions): Game {
  const spec = DIRAC_GAN_ID;
  ensureGradients();
  checkKnownOptions(spec, options, ['objective', 'regularizer', 'gamma', 'lambda', 'sigma', 'noiseReal', 'noiseFake']);
  const o = options ?? {};
  const objective = checkChoice(spec, 'objective', o.objective ?? 'non-saturating', DIRAC_OBJECTIVES);
  const regularizer = checkChoice(spec, 'regularizer', o.regularizer ?? 'none', DIRAC_REGULARIZERS);
  const gamma = checkNumber(spec, 'gamma', o.gamma ?? 1, { min: 0 });
  const lambda = checkNumber(spec, 'lambda', o.lambda ?? 1, { min: 0 });
  const sigma = checkNumber(spec, 'sigma', o.sigma ?? 1, { min: 0 });
  const noisy = regularizer === 'instance-noise';
  if (!noisy) {
    for (const name of ['noiseReal', 'noiseFake'] as const)
      if (o[name] !== undefined)
        throw new InvalidArgumentError(
          spec,
          name,
          "absent unless the regularizer is 'instance-noise'",
          describeValue(o[name]),
        );
  }
  const noiseReal = noisy ? checkNoise(spec, 'noiseReal', o.noiseReal) : undefined;
  const noiseFake = noisy ? checkNoise(spec, 'noiseFake', o.noiseFake) : undefined;

  const losses = (s: tf.Tensor1D): readonly [tf.Scalar, tf.Scalar] => {
    const theta = tf.slice(s, 0, 1);
    const psi = tf.slice(s, 1, 1);
    const critic = (x: tf.Tensor) => tf.mul(tf.reshape(x, [-1]), psi);
    let real: tf.Tensor = tf.zeros([1, 1]);
    let fake: tf.Tensor = tf.reshape(theta, [1, 1]);
    if (noiseReal && noiseFake) {
      const schedule = { sigma0: sigma };
      real = instanceNoise(tf.zeros([noiseReal.shape[0], 1]), tf.reshape(noiseReal, [-1, 1]), 0, schedule);
      fake = instanceNoise(
        tf.tile(tf.reshape(theta, [1, 1]), [noiseFake.shape[0], 1]),
        tf.reshape(noiseFake, [-1, 1]),
        0,
        schedule,
      );
    }
    const lr = critic(real);
    const lf = critic(fake);
    let disc: tf.Scalar;
    let gen: tf.Scalar;
    if (objective === 'wasserstein') {
      disc = wassersteinCriticLoss(asCriticScores(lr), asCriticScores(lf));
      gen = wassersteinGeneratorLoss(asCriticScores(lf));
    } else if (objective === 'hinge') {
      disc = hingeDiscriminatorLoss(asCriticScores(lr), asCriticScores(lf));
      gen = hingeGeneratorLoss(asCriticScores(lf));
    } else {
      disc = minimaxDiscriminatorLoss(asLogits(lr), asLogits(lf));
      gen = objective === 'minimax' ? minimaxGeneratorLoss(asLogits(lf)) : nonSaturatingGeneratorLoss(asLogits(lf));
    }
    if (regularizer === 'r1') disc = tf.add(disc, r1Penalty(critic, real, { gamma })) as tf.Scalar;
    else if (regularizer === 'r2') disc = tf.add(disc, r2Penalty(critic, fake, { gamma })) as tf.Scalar;
    else if (regularizer === 'gradient-penalty')
      disc = tf.add(
        disc,
        gradientPenalty(critic, real, fake, { lambda, epsilon: tf.fill([real.shape[0]!], 0.5) }),
      ) as tf.Scalar;
    return [gen, disc];
  };
  const game: Game = { spec, players: [1, 1], losses };
  return regularizer === 'consensus' ? withConsensus(game, gamma) : game;
}
