import * as tf from '@tensorflow/tfjs-core';
import { InvalidParameterError } from './errors.js';
import { checkNumber, describeValue } from './validate.js';

/**
 * Randomness that is fresh at every call and still replayable.
 *
 * A {@link Random} is a seeded generator that advances: its k-th draw uses TF.js's own seeded
 * ops (`tf.randomUniform`, `tf.randomNormal`, computed in JavaScript, so the same on every
 * backend) with the seed string `"<seed>/<k>"`. Two generators made with the same seed give the
 * same sequence of draws; one generator never repeats a draw. TF.js's own ops treat a seed of 0 as
 * "no seed" (`tf.randomNormal(…, 0)` draws from `Math.random`); the string form avoids that, so 0 is
 * a seed like any other here.
 *
 * Every ganref function that draws (the ε of {@link gradientPenalty}, DRAGAN's perturbations,
 * instance noise, the initial vector of {@link SpectralNorm}) takes its randomness in one of
 * these ways:
 *
 * - an explicit tensor (`epsilon`, `noise`, …): nothing is drawn; tests and fixtures use this;
 * - `random`: a `Random` you hold, which advances at every call;
 * - `seed`: an integer that starts a stream the library keeps: the first call with seed s draws
 *   what `new Random(s)` draws first, the next call with s the values after those. A constant
 *   `seed` in a training loop therefore gives fresh draws at every step, and rerunning the program
 *   replays them all;
 * - nothing: the library's default generator ({@link defaultRandom}), seeded from `Math.random`
 *   when ganref loads; {@link setRandomSeed} reseeds it so that a whole run replays.
 */
export class Random {
  /** The seed this generator started from (an integer). */
  readonly seed: number;
  private drawn: number;

  /**
   * @param seed an integer; omitted, a fresh one is taken from `Math.random` (read it back from
   *   `seed` to replay the run)
   */
  constructor(seed?: number) {
    this.seed = seed === undefined ? freshSeed() : checkSeed('Random', seed);
    this.drawn = 0;
  }

  /** How many draws this generator has made. */
  get draws(): number {
    return this.drawn;
  }

  /** The TF.js seed of the next draw, then advances. */
  private next(): string {
    return `${this.seed}/${this.drawn++}`;
  }

  /** U[min, max) of the given shape (float32), as `tf.randomUniform`; advances the generator. */
  uniform<R extends tf.Rank>(shape: tf.ShapeMap[R], min = 0, max = 1): tf.Tensor<R> {
    return tf.randomUniform<R>(shape, min, max, 'float32', this.next());
  }

  /** N(mean, std²) of the given shape (float32), as `tf.randomNormal`; advances the generator. */
  normal<R extends tf.Rank>(shape: tf.ShapeMap[R], mean = 0, std = 1): tf.Tensor<R> {
    // tf.randomNormal's seed is typed as a number but hashed as `seed.toString()`: a string works.
    return tf.randomNormal<R>(shape, mean, std, 'float32', this.next() as unknown as number);
  }

  /** A copy at the same position: it draws exactly what this generator will draw next. */
  clone(): Random {
    const copy = new Random(this.seed);
    copy.drawn = this.drawn;
    return copy;
  }
}

/** Checks an integer seed (any safe integer, 0 and negatives included). */
export function checkSeed(spec: string, seed: unknown, name = 'seed'): number {
  const s = checkNumber(spec, name, seed);
  if (!Number.isSafeInteger(s)) throw new InvalidParameterError(spec, name, 'an integer', describeValue(seed));
  return s;
}

function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

let fallback = new Random();
const streams = new Map<number, Random>();

/** The generator used when a call is given neither a tensor, nor `random`, nor `seed`. */
export function defaultRandom(): Random {
  return fallback;
}

/**
 * Reseeds the default generator (and forgets the streams that `seed` options started), so that a
 * program run replays: the analogue of `torch.manual_seed`.
 */
export function setRandomSeed(seed: number): void {
  fallback = new Random(checkSeed('setRandomSeed', seed));
  streams.clear();
}

/** The stream that `seed: s` continues (see {@link Random}). */
export function streamFor(seed: number): Random {
  let r = streams.get(seed);
  if (!r) {
    r = new Random(seed);
    streams.set(seed, r);
  }
  return r;
}

/** The randomness of one call: an explicit tensor, or the generator to draw it from. */
export type RandomSource = { tensor: tf.Tensor; random?: undefined } | { tensor?: undefined; random: Random };

/**
 * Resolves a function's randomness options: at most one of the explicit tensor, `random` and
 * `seed`; none of them means the default generator.
 */
export function randomSource(
  spec: string,
  tensorName: string,
  tensor: unknown,
  random: unknown,
  seed: unknown,
): RandomSource {
  const given = [
    tensor !== undefined ? tensorName : '',
    random !== undefined ? 'random' : '',
    seed !== undefined ? 'seed' : '',
  ].filter(Boolean);
  if (given.length > 1) {
    throw new InvalidParameterError(
      spec,
      given[1]!,
      `absent when '${given[0]}' is given (one source of randomness: '${tensorName}', 'random' or 'seed')`,
      describeValue(given[1] === 'seed' ? seed : given[1] === 'random' ? random : tensor),
    );
  }
  if (tensor !== undefined) return { tensor: tensor as tf.Tensor };
  if (random !== undefined) {
    if (!(random instanceof Random))
      throw new InvalidParameterError(spec, 'random', 'a ganref Random (new Random(seed))', describeValue(random));
    return { random };
  }
  if (seed !== undefined) return { random: streamFor(checkSeed(spec, seed)) };
  return { random: fallback };
}
