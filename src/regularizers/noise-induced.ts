import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber } from '../validate.js';
import type { Critic } from './critic.js';
import { checkSamples, connectedCritic, squaredGradientNorms } from './gradient-penalty.js';

/** The catalog id of this spec, `penalty/noise-induced`; errors from these functions name it. */
export const NOISE_INDUCED_ID = 'penalty/noise-induced';

/**
 * The f-divergence whose noise-induced regularizer is computed: `'gan'` (the original GAN, the
 * JS-regularizer), `'kl'` (f*(t) = e^{t−1}, so f*″(t) = e^{t−1}) or `'pearson-chi2'`
 * (f*(t) = t²/4 + t, so f*″ = ½), conjugates as in Nowozin et al. 2016, Table 2.
 */
export type NoiseInducedDivergence = 'gan' | 'kl' | 'pearson-chi2';

/** The divergences the noise-induced regularizer is derived for. */
export const NOISE_INDUCED_DIVERGENCES: readonly NoiseInducedDivergence[] = ['gan', 'kl', 'pearson-chi2'];

/** Options of `noiseInducedPenalty`. */
export interface NoiseInducedOptions {
  /** γ ≥ 0. Default 2 (the authors' runs use γ = 2, annealed). */
  gamma?: number;
  /** The divergence. Default `'gan'`. */
  f?: NoiseInducedDivergence;
}

/**
 * The noise-induced regularizer of Roth, Lucchi, Nowozin & Hofmann 2017, "Stabilizing Training of
 * Generative Adversarial Networks through Regularization": training with noise convolved into
 * both distributions is, to second order in the noise, the unregularized objective minus γ/2·Ω.
 * Returned is the term to ADD to a discriminator loss that is minimised, (γ/2)·Ω (the authors'
 * reference code: `disc_loss += (gamma/2.0) * disc_reg`).
 *
 * - `f: 'gan'` (§3, the JS-regularizer for the original GAN, with D = σ(ψ) and ψ the critic's
 *   logit):  Ω = E_P[(1 − D(x))²‖∇ₓψ(x)‖²] + E_Q[D(x)²‖∇ₓψ(x)‖²], P the real and Q the generated
 *   distribution. (1 − D)² is computed as σ(−ψ)², so the weights are exact and finite for every
 *   logit (a saturated D contributes exactly 0 or ‖∇ψ‖²).
 * - general f (§3, the regularized f-GAN objective F − γ/2·Ω_f):  Ω_f = E_Q[f*″(ψ(x))·‖∇ₓψ(x)‖²]
 *   with ψ the f-GAN critic's raw output in dom f* (no output activation): `'kl'` weights by
 *   e^{ψ−1} (overflowing to +∞ in float32 only above ψ ≈ 89.7), `'pearson-chi2'` by ½. These use
 *   only the generated batch; `xReal` is then checked but unused.
 *
 * Expectations are batch means over each batch separately (the authors' `reduce_mean(reg_D1 +
 * reg_D2)` equals this when both batches have the same size); squared norms are per example over
 * every non-batch axis (sums of squares: smooth, no square root).
 *
 * @param critic the critic ψ (logits for `'gan'`): a function or a `tf.LayersModel`
 * @param xReal real batch [n, ...]
 * @param xFake generated batch [m, ...], the same trailing shape
 * @returns a scalar ≥ 0
 */
export function noiseInducedPenalty(
  critic: Critic,
  xReal: tf.Tensor,
  xFake: tf.Tensor,
  options?: NoiseInducedOptions,
): tf.Scalar {
  ensureGradients();
  const spec = NOISE_INDUCED_ID;
  checkKnownOptions(spec, options, ['gamma', 'f']);
  const gamma = checkNumber(spec, 'gamma', options?.gamma ?? 2, { min: 0 });
  const f = checkChoice(spec, 'f', options?.f ?? 'gan', NOISE_INDUCED_DIVERGENCES);
  const xr = checkSamples(spec, 'xReal', xReal);
  const xf = checkSamples(spec, 'xFake', xFake);
  if (!tf.util.arraysEqual(xr.shape.slice(1), xf.shape.slice(1))) {
    throw new InvalidArgumentError(
      spec,
      'xFake',
      `a batch [m, ${xr.shape.slice(1).join(', ')}] (the trailing shape of 'xReal')`,
      `shape [${xf.shape.join(', ')}]`,
    );
  }
  const psi = connectedCritic(spec, critic, xr);
  return tf.tidy(() => {
    const fake = (weight: (logits: tf.Tensor) => tf.Tensor) =>
      tf.mean(tf.mul(weight(psi(xf)), squaredGradientNorms(psi, xf)));
    let omega: tf.Tensor;
    if (f === 'gan') {
      const real = tf.mean(tf.mul(tf.square(tf.sigmoid(tf.neg(psi(xr)))), squaredGradientNorms(psi, xr)));
      omega = tf.add(
        real,
        fake((l) => tf.square(tf.sigmoid(l))),
      );
    } else if (f === 'kl') {
      omega = fake((l) => tf.exp(tf.sub(l, 1)));
    } else {
      omega = tf.mul(
        0.5,
        fake(() => tf.scalar(1)),
      );
    }
    return tf.mul(gamma / 2, omega) as tf.Scalar;
  });
}
