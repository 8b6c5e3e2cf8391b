import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { randomSource, type Random } from '../random.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor } from '../validate.js';

/** The catalog id of this spec, `noise/instance-noise`; errors from these functions name it. */
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
export function instanceNoise(
  x: tf.Tensor,
  noise: tf.Tensor,
  step: number,
  options?: InstanceNoiseSchedule,
): tf.Tensor {
  ensureGradients();
  const sigma = instanceNoiseSigma(step, options);
  const xs = checkTensor(INSTANCE_NOISE_ID, 'x', x, { minRank: 1, finite: true });
  const eps = checkTensor(INSTANCE_NOISE_ID, 'noise', noise, { finite: true });
  checkSameShape(INSTANCE_NOISE_ID, ['x', xs], ['noise', eps]);
  return tf.tidy(() => tf.add(xs, tf.mul(eps, sigma)));
}

/** Where instance noise is drawn from (see {@link Random}). */
export interface InstanceNoiseRandomness {
  /** A generator that ε is drawn from; it advances, so every call draws fresh noise. */
  random?: Random;
  /**
   * An integer that starts a stream: a constant seed still gives fresh noise at every call, and a
   * rerun replays it. At most one of `random` and `seed`; neither: the default generator.
   */
  seed?: number;
}

/**
 * {@link instanceNoise} with ε ~ N(0, I) drawn afresh at every call: from `random`, from the stream
 * a `seed` starts, or from the default generator (see {@link Random}). Replayable: two generators
 * with the same seed draw the same noise on every backend (TF.js draws it in JavaScript).
 *
 * @param x samples [n, ...]
 * @param step t ≥ 0
 * @param options schedule, σ₀, T, and the randomness (`random` or `seed`)
 */
export function addInstanceNoise(
  x: tf.Tensor,
  step: number,
  options?: InstanceNoiseSchedule & InstanceNoiseRandomness,
): tf.Tensor {
  checkKnownOptions(INSTANCE_NOISE_ID, options, [...KNOWN, 'random', 'seed']);
  const { seed, random, ...schedule } = options ?? {};
  const source = randomSource(INSTANCE_NOISE_ID, 'random', undefined, random, seed) as { random: Random };
  const xs = checkTensor(INSTANCE_NOISE_ID, 'x', x, { minRank: 1, finite: true });
  scheduleOf(schedule);
  return tf.tidy(() => instanceNoise(xs, source.random.normal(xs.shape), step, schedule));
}

/**
 * Instance noise on both batches, as the method requires: independent noise for the real and the
 * generated batch (two successive draws of one generator), the same σ(t).
 */
export function instanceNoisePair(
  real: tf.Tensor,
  fake: tf.Tensor,
  step: number,
  options?: InstanceNoiseSchedule & InstanceNoiseRandomness,
): { real: tf.Tensor; fake: tf.Tensor } {
  checkKnownOptions(INSTANCE_NOISE_ID, options, [...KNOWN, 'random', 'seed']);
  const { seed, random, ...schedule } = options ?? {};
  const source = randomSource(INSTANCE_NOISE_ID, 'random', undefined, random, seed) as { random: Random };
  const r = addInstanceNoise(real, step, { ...schedule, random: source.random });
  try {
    return { real: r, fake: addInstanceNoise(fake, step, { ...schedule, random: source.random }) };
  } catch (e) {
    r.dispose();
    throw e;
  }
}
