import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor } from '../validate.js';

export const INSTANCE_NOISE_ID = 'noise/instance-noise';

/** How σ is annealed. */
export type NoiseSchedule = 'linear' | 'exponential';
const SCHEDULES: readonly NoiseSchedule[] = ['linear', 'exponential'];

/** The annealing schedule of instance noise. */
export interface InstanceNoiseSchedule {
  /** `'linear'` (default) or `'exponential'`. */
  schedule?: NoiseSchedule;
  /** σ(0) = σ₀ ≥ 0 (default 0.1). */
  sigma0?: number;
  /** T > 0: the length of the linear schedule, the time constant of the exponential one (default 10000). */
  steps?: number;
}

const KNOWN = ['schedule', 'sigma0', 'steps'];

function scheduleOf(o: InstanceNoiseSchedule | undefined, extra: string[] = []) {
  const spec = INSTANCE_NOISE_ID;
  checkKnownOptions(spec, o, [...KNOWN, ...extra]);
  return {
    schedule: checkChoice(spec, 'schedule', o?.schedule ?? 'linear', SCHEDULES),
    sigma0: checkNumber(spec, 'sigma0', o?.sigma0 ?? 0.1, { min: 0 }),
    steps: checkNumber(spec, 'steps', o?.steps ?? 10000, { min: 0, minExclusive: true }),
  };
}

/**
 * The instance-noise standard deviation at training step t (Sønderby, Caballero, Theis, Shi &
 * Huszár 2017, "Amortised MAP Inference for Image Super-resolution", §3.1 and appendix: noise
 * annealed to 0 over training; Arjovsky & Bottou 2017, §3.1, why noise helps):
 *
 *   linear:       σ(t) = σ₀·max(0, 1 − t/T)      (exactly 0 for t ≥ T)
 *   exponential:  σ(t) = σ₀·exp(−t/T)            (T the time constant; → 0, never exactly 0)
 *
 * σ(0) = σ₀ and σ is non-increasing in t.
 *
 * @param step t ≥ 0
 * @param options schedule, σ₀ ≥ 0, T > 0
 */
export function instanceNoiseSigma(step: number, options?: InstanceNoiseSchedule): number {
  const { schedule, sigma0, steps } = scheduleOf(options);
  const t = checkNumber(INSTANCE_NOISE_ID, 'step', step, { min: 0 });
  return schedule === 'linear' ? sigma0 * Math.max(0, 1 - t / steps) : sigma0 * Math.exp(-t / steps);
}

/**
 * Instance noise with an explicit noise tensor, so a result replays exactly:
 *
 *   noised = x + σ(t)·ε,   ε ~ N(0, I) drawn by the caller
 *
 * Apply it to BOTH the real and the generated batch before the discriminator (Sønderby et al.
 * 2017; Arjovsky & Bottou 2017): the two noisy distributions then overlap, so the divergence the
 * discriminator estimates is finite and its gradient informative; noising only one side would
 * just make the task easier. Use independent ε for the two batches ({@link instanceNoisePair}).
 * The gradient wrt x is the identity, wrt ε it is σ(t).
 *
 * @param x samples [n, ...], finite
 * @param noise ε, the shape of x, finite
 * @param step t ≥ 0
 * @param options schedule, σ₀, T
 */
export function instanceNoise(x: tf.Tensor, noise: tf.Tensor, step: number, options?: InstanceNoiseSchedule): tf.Tensor {
  ensureGradients();
  const sigma = instanceNoiseSigma(step, options);
  const xs = checkTensor(INSTANCE_NOISE_ID, 'x', x, { minRank: 1, finite: true });
  const eps = checkTensor(INSTANCE_NOISE_ID, 'noise', noise, { finite: true });
  checkSameShape(INSTANCE_NOISE_ID, ['x', xs], ['noise', eps]);
  return tf.tidy(() => tf.add(xs, tf.mul(eps, sigma)));
}

/**
 * {@link instanceNoise} with ε ~ N(0, I) drawn from a seeded generator: the same seed gives the
 * same noise on every backend (TF.js draws it in JavaScript).
 *
 * @param x samples [n, ...]
 * @param step t ≥ 0
 * @param options schedule, σ₀, T, and the integer `seed` of ε (required, so runs replay; 0 is a seed
 *   like any other, unlike TF.js's own `seed` argument where 0 means unseeded)
 */
export function addInstanceNoise(x: tf.Tensor, step: number, options: InstanceNoiseSchedule & { seed: number }): tf.Tensor {
  const { seed, ...schedule } = options ?? ({} as never);
  const s = checkNumber(INSTANCE_NOISE_ID, 'seed', seed);
  if (!Number.isInteger(s)) throw new InvalidParameterError(INSTANCE_NOISE_ID, 'seed', 'an integer', String(s));
  const xs = checkTensor(INSTANCE_NOISE_ID, 'x', x, { minRank: 1, finite: true });
  scheduleOf(schedule);
  // TF.js treats a seed of 0 as "no seed" (Math.random()); seed + ½ is never 0 and still one
  // seed per integer.
  return tf.tidy(() => instanceNoise(xs, tf.randomNormal(xs.shape, 0, 1, 'float32', s + 0.5), step, schedule));
}

/**
 * Instance noise on both batches, as the method requires: the real batch with seed `seed`, the
 * generated batch with seed `seed + 1` (independent noise), the same σ(t).
 */
export function instanceNoisePair(real: tf.Tensor, fake: tf.Tensor, step: number, options: InstanceNoiseSchedule & { seed: number }): { real: tf.Tensor; fake: tf.Tensor } {
  const seed = checkNumber(INSTANCE_NOISE_ID, 'seed', options?.seed);
  if (!Number.isInteger(seed)) throw new InvalidParameterError(INSTANCE_NOISE_ID, 'seed', 'an integer', String(seed));
  const r = addInstanceNoise(real, step, options);
  try {
    return { real: r, fake: addInstanceNoise(fake, step, { ...options, seed: seed + 1 }) };
  } catch (e) {
    r.dispose();
    throw e;
  }
}
