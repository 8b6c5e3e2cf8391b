import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { checkKnownOptions, checkNumber } from '../validate.js';
import type { Critic } from './critic.js';
import { checkSamples, connectedCritic, squaredGradientNorms } from './gradient-penalty.js';

/** The catalog id of this spec, `penalty/r1`; errors from these functions name it. */
export const R1_ID = 'penalty/r1';
/** The catalog id of this spec, `penalty/r2`; errors from `r2Penalty` name it. */
export const R2_ID = 'penalty/r2';

/** Options of `r1Penalty` and `r2Penalty`. */
export interface ZeroCenteredPenaltyOptions {
  /** γ ≥ 0. Default 10 (the authors' default `reg_param`). */
  gamma?: number;
}

function zeroCentered(
  spec: string,
  argument: string,
  critic: Critic,
  x: tf.Tensor,
  options: ZeroCenteredPenaltyOptions | undefined,
): tf.Scalar {
  ensureGradients();
  checkKnownOptions(spec, options, ['gamma']);
  const gamma = checkNumber(spec, 'gamma', options?.gamma ?? 10, { min: 0 });
  const t = checkSamples(spec, argument, x);
  const d = connectedCritic(spec, critic, t);
  return tf.tidy(() => tf.mul(gamma / 2, tf.mean(squaredGradientNorms(d, t))) as tf.Scalar);
}

/**
 * The R1 regularizer (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do
 * actually Converge?", eq. 9): a zero-centred gradient penalty on the REAL data,
 *
 *   R1 = γ/2 · E_{x∼P_D}[‖∇ₓD(x)‖₂²]
 *
 * with the squared norm per example over every non-batch axis (a plain sum of squares: smooth
 * everywhere, no square root) and E the batch mean; D is the discriminator's output before any
 * sigmoid (its logit), as in the paper. Add it to the discriminator loss. A constant critic gives 0.
 * Convention: the same γ/2 factor as the paper and the authors' code (`reg_param` = γ).
 *
 * @param critic the discriminator D (function or `tf.LayersModel`); per-example, no batch statistics
 * @param xReal real batch [n, ...], finite
 * @returns a scalar ≥ 0
 */
export function r1Penalty(critic: Critic, xReal: tf.Tensor, options?: ZeroCenteredPenaltyOptions): tf.Scalar {
  return zeroCentered(R1_ID, 'xReal', critic, xReal, options);
}

/**
 * The R2 regularizer (Mescheder, Geiger & Nowozin 2018, eq. 10): the same zero-centred penalty on
 * the GENERATED data, R2 = γ/2 · E_{x∼P_θ}[‖∇ₓD(x)‖₂²]. See `r1Penalty`.
 *
 * @param critic the discriminator D (function or `tf.LayersModel`)
 * @param xFake generated batch [n, ...], finite
 * @returns a scalar ≥ 0
 */
export function r2Penalty(critic: Critic, xFake: tf.Tensor, options?: ZeroCenteredPenaltyOptions): tf.Scalar {
  return zeroCentered(R2_ID, 'xFake', critic, xFake, options);
}
