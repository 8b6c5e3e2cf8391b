import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidParameterError } from '../errors.js';
import type { DenseLayer } from '../nets/mlp.js';
import { checkChoice, checkKnownOptions, checkNumber } from '../validate.js';
import {
  checkGame,
  checkObjective,
  gameLosses,
  parameterGradients,
  parametersOf,
  withParameters,
  type GameObjective,
  type GanGame,
} from './consensus.js';

/** The catalog id of this spec, `training/unrolled`; errors from these functions name it. */
export const UNROLLED_ID = 'training/unrolled';

/** The optimizer of the unrolled discriminator steps. */
export type UnrolledOptimizer = 'sgd' | 'adam';
/** The optimizers the unrolled surrogate can unroll. */
export const UNROLLED_OPTIMIZERS: readonly UnrolledOptimizer[] = ['sgd', 'adam'];

/** Options of the unrolled surrogate. */
export interface UnrolledOptions {
  /** K ≥ 0, the number of unrolled discriminator steps (an integer ≤ 100). Default 5. */
  steps?: number;
  /** 'sgd' or 'adam' (Kingma & Ba 2015, Algorithm 1, state starting from zero). Default 'adam'. */
  optimizer?: UnrolledOptimizer;
  /** η ≥ 0, the step size. Default 1e-3. */
  learningRate?: number;
  /** Adam's β₁ ∈ [0, 1). Default 0.9. */
  beta1?: number;
  /** Adam's β₂ ∈ [0, 1). Default 0.999. */
  beta2?: number;
  /** Adam's ε > 0. Default 1e-8. */
  epsilon?: number;
  /** The base objective (see the table in `consensus.ts`). Default 'non-saturating'. */
  objective?: GameObjective;
}

/** The unrolled surrogate, the generator's loss at the unrolled discriminator, and that discriminator. */
export interface UnrolledResult {
  /** f_K(θ_G, θ_D) = V(θ_G, θ_D^K) = −L_D(θ_G, θ_D^K): the paper's surrogate (eq. 6), which the generator minimises. */
  surrogate: tf.Scalar;
  /** L_G(θ_G, θ_D^K): the base objective's generator loss at the unrolled discriminator. */
  generator: tf.Scalar;
  /** The unrolled discriminator's layers θ_D^K (new tensors, differentiable in θ_G and θ_D; the caller disposes them). */
  discriminator: DenseLayer[];
}

function checkOptions(options: UnrolledOptions | undefined) {
  const id = UNROLLED_ID;
  checkKnownOptions(id, options, ['steps', 'optimizer', 'learningRate', 'beta1', 'beta2', 'epsilon', 'objective']);
  const steps = checkNumber(id, 'steps', options?.steps ?? 5, { min: 0, max: 100 });
  if (!Number.isInteger(steps)) throw new InvalidParameterError(id, 'steps', 'an integer in [0, 100]', String(steps));
  return {
    steps,
    optimizer: checkChoice(id, 'optimizer', options?.optimizer ?? 'adam', UNROLLED_OPTIMIZERS),
    learningRate: checkNumber(id, 'learningRate', options?.learningRate ?? 1e-3, { min: 0 }),
    beta1: checkNumber(id, 'beta1', options?.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    beta2: checkNumber(id, 'beta2', options?.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    epsilon: checkNumber(id, 'epsilon', options?.epsilon ?? 1e-8, { min: 0, minExclusive: true }),
    objective: checkObjective(id, options?.objective),
  };
}

/**
 * √v with derivative 0 at v = 0 instead of the NaN of 0·∞. Adam divides by √v̂ + ε; where a
 * gradient component g is exactly 0, v̂ = 0 and the update's derivative through √v̂ is multiplied
 * by m̂ ∝ g = 0 anyway, so 0 is the right value there. Call inside `tf.tidy`.
 */
function safeSqrt(v: tf.Tensor): tf.Tensor {
  const positive = tf.greater(v, 0);
  return tf.where(positive, tf.sqrt(tf.where(positive, v, tf.onesLike(v))), tf.zerosLike(v));
}

/**
 * The unrolled-GAN surrogate objective of the generator (Metz, Poole, Pfau & Sohl-Dickstein 2017,
 * "Unrolled Generative Adversarial Networks", §2.2, eq. 4–6):
 *
 *   θ_D^0 = θ_D,   θ_D^{k+1} = θ_D^k + η^k · dV(θ_G, θ_D^k)/dθ_D^k          (eq. 4–5)
 *   f_K(θ_G, θ_D) = V(θ_G, θ_D^K(θ_G, θ_D))                                   (eq. 6)
 *
 * with V = −L_D the value of the game (see the table in `consensus.ts`: E[log D(x)] +
 * E[log(1 − D(G(z)))] for 'minimax'/'non-saturating', E[c_r] − E[c_f] for 'wasserstein'). The
 * discriminator ASCENDS V, i.e. descends L_D, for K steps of plain gradient descent ('sgd':
 * θ ← θ − η∇L_D, eq. 5) or of Adam ('adam': m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
 * θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), t = 1..K, m = v = 0 at the start:
 * a fresh optimizer state for each unroll). Every step is recorded on the tape, so the
 * generator's gradient of f_K includes the dependence of θ_D^K on θ_G (the paper's eq. 7 "second
 * term"): the generator learns how the discriminator would react.
 *
 * Returned: `surrogate` = f_K (the generator minimises it); `generator` = L_G(θ_G, θ_D^K), the base
 * objective's generator loss at the unrolled discriminator (for 'non-saturating' the common
 * practice; for 'minimax' it differs from f_K by −E[log D^K(x)], which depends on θ_G through
 * θ_D^K when K ≥ 1); and θ_D^K itself. K = 0 gives the plain losses. As in the paper, the
 * discriminator's own update is the ordinary one (on L_D at θ_D), not through this surrogate.
 *
 * Adam through autodiff: the derivative of g/(√(g²) + ε) is ε/(|g| + ε)², formed as a difference
 * of two terms of size 1/|g|; in float32 it carries an error of about 2⁻²⁴/ε relative to 1/|g|,
 * so differentiate through Adam with ε not far below the gradients' scale (e.g. 1e-3).
 *
 * @param game the generator and discriminator as data (see `GanGame`)
 * @param x real data [n, d]
 * @param z noise [m, k]
 * @param options K, the optimizer and its hyperparameters, and the base objective
 */
export function unrolledSurrogate(
  game: GanGame,
  x: tf.Tensor,
  z: tf.Tensor,
  options?: UnrolledOptions,
): UnrolledResult {
  ensureGradients();
  const o = checkOptions(options);
  const g = checkGame(UNROLLED_ID, game, x, z);
  const out = tf.tidy(() => {
    const gp = parametersOf(g.gen);
    const gen = withParameters(g.gen, gp);
    const lossD = (dps: tf.Tensor[]) =>
      gameLosses(gen, withParameters(g.disc, dps), g.x, g.z, o.objective).discriminator;
    let theta = parametersOf(g.disc);
    let m = theta.map((p) => tf.zerosLike(p));
    let v = theta.map((p) => tf.zerosLike(p));
    for (let t = 1; t <= o.steps; t++) {
      const grads = parameterGradients(lossD, theta);
      if (o.optimizer === 'sgd') {
        theta = theta.map((p, i) => tf.sub(p, tf.mul(o.learningRate, grads[i]!)));
      } else {
        m = m.map((mi, i) => tf.add(tf.mul(o.beta1, mi), tf.mul(1 - o.beta1, grads[i]!)));
        v = v.map((vi, i) => tf.add(tf.mul(o.beta2, vi), tf.mul(1 - o.beta2, tf.square(grads[i]!))));
        const c1 = 1 - o.beta1 ** t;
        const c2 = 1 - o.beta2 ** t;
        theta = theta.map((p, i) => {
          const mHat = tf.div(m[i]!, c1);
          const vHat = tf.div(v[i]!, c2);
          return tf.sub(p, tf.mul(o.learningRate, tf.div(mHat, tf.add(safeSqrt(vHat), o.epsilon))));
        });
      }
    }
    const losses = gameLosses(gen, withParameters(g.disc, theta), g.x, g.z, o.objective);
    // Clones: with K = 0 (or η = 0 under 'sgd') θ_D^K is the caller's own tensors, which the
    // caller must be able to dispose independently of the result.
    return {
      surrogate: tf.neg(losses.discriminator) as tf.Scalar,
      generator: losses.generator,
      theta: theta.map((p) => tf.clone(p)),
    };
  });
  let i = 0;
  const discriminator = g.disc.layers.map((l) => {
    const weight = out.theta[i++]!;
    return l.bias ? { weight, bias: out.theta[i++]! } : { weight };
  });
  return { surrogate: out.surrogate, generator: out.generator, discriminator };
}
