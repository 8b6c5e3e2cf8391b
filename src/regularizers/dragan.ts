import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor } from '../validate.js';
import type { Critic } from './critic.js';
import { checkSamples, connectedCritic, gradientNorms, normDeviation } from './gradient-penalty.js';
import { randomSource, type Random } from '../random.js';

/** The catalog id of this spec, `penalty/dragan`; errors from these functions name it. */
export const DRAGAN_ID = 'penalty/dragan';

/** Options of `draganPenalty`: λ, k, and where δ comes from. */
export interface DraganOptions {
  /** λ ≥ 0. Default 10 (Kodali et al. 2017, §5: "λ ∼ 10, k = 1 and c ∼ 10"). */
  lambda?: number;
  /** k ≥ 0, the target gradient norm. Default 1. */
  k?: number;
  /** The perturbations δ, the shape of `xReal` (nothing is drawn). */
  noise?: tf.Tensor;
  /** A generator that δ ~ N(0, c·I) is drawn from; it advances, so every call draws afresh. */
  random?: Random;
  /**
   * An integer that starts a stream (see {@link Random}): a constant seed still gives fresh δ at
   * every call, and a rerun replays them. Give at most one of `noise`, `random` and `seed`; none
   * of them draws from the default generator.
   */
  seed?: number;
  /** c > 0, the noise VARIANCE of drawn perturbations (δ = √c·ξ, ξ ~ N(0, I)). Default 10. Not with `noise`. */
  c?: number;
}

/**
 * The DRAGAN penalty (Kodali, Abernethy, Hays & Kira 2017, "On Convergence and Stability of GANs",
 * §5, the regularizer added to the discriminator's loss):
 *
 *   P = λ · E_{x∼P_r, δ∼N(0, cI)}[(‖∇ₓD(x + δ)‖₂ − k)²]
 *
 * a gradient penalty in a neighbourhood of the REAL data only, with the norm per example over every
 * non-batch axis and E the batch mean. The perturbations δ are an explicit input (or drawn from a
 * generator), so the value replays. With k = 0 and λ = γ/2 it is R1 (`r1Penalty`) at the perturbed
 * points.
 *
 * Noise conventions: the paper writes δ ∼ N_d(0, cI), i.e. covariance c·I (standard deviation √c);
 * the authors' notebook instead perturbs by 0.5·std(X)·U[0, 1) per coordinate (`draganNoise` with
 * `scheme: 'authors-code'` draws that). Either is passed here as `noise`. torchgan's
 * `DraganGradientPenalty` perturbs by (1 − α)·0.5·std(X)·β with α, β ~ U[0, 1) per coordinate and
 * takes ONE norm over the whole batch's gradient; ganref's norm is per example.
 * Numerics as in `gradientPenalty`: the norm is zero-safe (finite penalty λk² and finite weight
 * gradients for a constant critic).
 *
 * @param critic the discriminator D (function or `tf.LayersModel`); per-example, no batch statistics
 * @param xReal real batch [n, ...], finite
 * @param options λ, k and the randomness: `noise` (the shape of `xReal`), a `random` generator or a
 *   `seed` (with `c`); none of them draws fresh δ from the default generator at every call
 * @returns the penalty, a scalar ≥ 0
 */
export function draganPenalty(critic: Critic, xReal: tf.Tensor, options?: DraganOptions): tf.Scalar {
  ensureGradients();
  const spec = DRAGAN_ID;
  checkKnownOptions(spec, options, ['lambda', 'k', 'noise', 'random', 'seed', 'c']);
  const o = options ?? ({} as DraganOptions);
  const lambda = checkNumber(spec, 'lambda', o.lambda ?? 10, { min: 0 });
  const k = checkNumber(spec, 'k', o.k ?? 1, { min: 0 });
  const x = checkSamples(spec, 'xReal', xReal);
  const random = randomSource(spec, 'noise', o.noise, o.random, o.seed);
  if (random.tensor) {
    checkTensor(spec, 'noise', random.tensor, { finite: true });
    checkSameShape(spec, ['xReal', x], ['noise', random.tensor]);
    if (o.c !== undefined)
      throw new InvalidParameterError(
        spec,
        'c',
        "absent when 'noise' is given (c only scales drawn noise)",
        String(o.c),
      );
  }
  const c = random.random ? checkNumber(spec, 'c', o.c ?? 10, { min: 0, minExclusive: true }) : 0;
  const d = connectedCritic(spec, critic, x);
  return tf.tidy(() => {
    const delta = random.tensor ?? draganNoise(x, { c, random: random.random });
    return tf.mul(lambda, tf.mean(normDeviation(gradientNorms(d, tf.add(x, delta)), k, 'two'))) as tf.Scalar;
  });
}

/** Options of `draganNoise`: the scheme, c, and the generator or seed. */
export interface DraganNoiseOptions {
  /** A generator to draw from (it advances). */
  random?: Random;
  /** An integer that starts a stream (see {@link Random}); neither: the default generator. */
  seed?: number;
  /** `'paper'` (default): δ ~ N(0, c·I); `'authors-code'`: δ = 0.5·std(x)·U[0, 1) per coordinate. */
  scheme?: 'paper' | 'authors-code';
  /** c > 0, the variance of the `'paper'` scheme. Default 10. */
  c?: number;
}

/**
 * Seeded DRAGAN perturbations of the shape of `x`: δ = √c·ξ with ξ ~ N(0, I) (`'paper'`, the
 * paper's N(0, cI)), or 0.5·std(x)·u with u ~ U[0, 1) and std(x) the standard deviation of all of
 * x's entries (`'authors-code'`, the authors' `x + 0.5 * x.std() * np.random.random(x.shape)`).
 * Two generators with the same seed draw the same perturbations; one generator never repeats.
 */
export function draganNoise(x: tf.Tensor, options?: DraganNoiseOptions): tf.Tensor {
  const spec = DRAGAN_ID;
  checkKnownOptions(spec, options, ['random', 'seed', 'scheme', 'c']);
  const t = checkSamples(spec, 'xReal', x);
  const { random } = randomSource(spec, 'random', undefined, options?.random, options?.seed) as { random: Random };
  const scheme = checkChoice(spec, 'scheme', options?.scheme ?? 'paper', ['paper', 'authors-code'] as const);
  const c = checkNumber(spec, 'c', options?.c ?? 10, { min: 0, minExclusive: true });
  return tf.tidy(() => {
    if (scheme === 'paper') return tf.mul(Math.sqrt(c), random.normal(t.shape));
    const { variance } = tf.moments(t);
    // numpy's std() is the population standard deviation (ddof = 0), as tf.moments gives.
    return tf.mul(tf.mul(0.5, tf.sqrt(variance)), random.uniform(t.shape));
  });
}
