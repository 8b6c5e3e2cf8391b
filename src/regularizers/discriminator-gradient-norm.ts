import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { checkKnownOptions, checkNumber } from '../validate.js';
import {
  checkGame,
  checkObjective,
  gameLosses,
  parameterGradients,
  parametersOf,
  squaredNorm,
  withParameters,
  type GameObjective,
  type GanGame,
} from './consensus.js';

/** The catalog id of this spec, `penalty/discriminator-gradient-norm`; errors from these functions name it. */
export const DISCRIMINATOR_GRADIENT_NORM_ID = 'penalty/discriminator-gradient-norm';

/** Options of the discriminator-gradient-norm penalty. */
export interface DiscriminatorGradientNormOptions {
  /** η ≥ 0, the weight of ‖∇_{θ_D} V‖² in the generator's loss. Default 0.5. */
  eta?: number;
  /** The base objective (see `consensusRegularizer`'s module table). Default 'non-saturating'. */
  objective?: GameObjective;
}

/** The penalty and the regularized generator loss (scalars). */
export interface DiscriminatorGradientNormResult {
  /** η‖∇_{θ_D} V(θ_D, θ_G)‖². */
  penalty: tf.Scalar;
  /** The generator's loss to minimise, L_G + η‖∇_{θ_D} V‖². */
  generator: tf.Scalar;
}

/**
 * The gradient-norm regularizer of the generator (Nagarajan & Kolter 2017, "Gradient descent GAN
 * optimization is locally stable", NeurIPS 2017, the gradient-based regularization of the
 * generator: its regularized generator update
 * θ_G ← θ_G − α∇_{θ_G}(V(D_{θ_D}, G_{θ_G}) + η‖∇_{θ_D} V(D_{θ_D}, G_{θ_G})‖²)):
 *
 *   penalty   = η·‖∇_{θ_D} V(θ_D, θ_G)‖²     (squared Euclidean norm over every weight and bias of D)
 *   generator = L_G(θ_D, θ_G) + penalty
 *
 * V = −L_D is the value of the game that the discriminator ascends (see the table in
 * `consensus.ts`): E[log D(x)] + E[log(1 − D(G(z)))] for 'minimax' and 'non-saturating' (the
 * paper's f(t) = −log(1 + e^{−t}) form, from logits), E[c_r] − E[c_f] for 'wasserstein' (the
 * paper's f(t) = t). The penalty is the same for 'minimax' and 'non-saturating' (same V). The
 * paper's generator descends V itself; 'minimax' gives L_G = E[log(1 − D(G(z)))] = V − E[log D(x)],
 * which differs from V by a term free of θ_G, so its generator gradient is exactly the paper's;
 * 'non-saturating' and 'wasserstein' replace V by their own generator loss and keep the penalty
 * (the paper also discusses the Wasserstein GAN; the non-saturating loss is the usual practice). The discriminator's update is unchanged (descend L_D).
 *
 * Differentiating `generator` with respect to θ_G is double backprop through both networks.
 *
 * @param game the generator and discriminator as data (see `GanGame`)
 * @param x real data [n, d]
 * @param z noise [m, k]
 * @param options η ≥ 0 (default 0.5) and the base objective (default 'non-saturating')
 */
export function discriminatorGradientNormPenalty(
  game: GanGame,
  x: tf.Tensor,
  z: tf.Tensor,
  options?: DiscriminatorGradientNormOptions,
): DiscriminatorGradientNormResult {
  ensureGradients();
  const id = DISCRIMINATOR_GRADIENT_NORM_ID;
  checkKnownOptions(id, options, ['eta', 'objective']);
  const eta = checkNumber(id, 'eta', options?.eta ?? 0.5, { min: 0 });
  const objective = checkObjective(id, options?.objective);
  const g = checkGame(id, game, x, z);
  return tf.tidy(() => {
    const gp = parametersOf(g.gen);
    const dp = parametersOf(g.disc);
    const at = (dps: tf.Tensor[]) =>
      gameLosses(withParameters(g.gen, gp), withParameters(g.disc, dps), g.x, g.z, objective);
    // ∇_{θ_D} V = −∇_{θ_D} L_D: the sign vanishes in the squared norm.
    const gradV = parameterGradients((ps) => at(ps).discriminator, dp);
    const penalty = tf.mul(eta, squaredNorm(gradV)) as tf.Scalar;
    return { penalty, generator: tf.add(at(dp).generator, penalty) as tf.Scalar };
  });
}
