import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidParameterError } from './errors.js';

/**
 * Input validation shared by every public function. Shape and dtype checks are free; value
 * checks (finite, ranges) read the tensor back and can be turned off for speed with
 * `configure({ checkValues: false })` once a training loop is known to feed good data.
 */
const settings = { checkValues: true };

/** Whether value checks (which read tensors back) are on. */
export function valuesChecked(): boolean {
  return settings.checkValues;
}

/** Library-wide settings. */
export function configure(options: { checkValues?: boolean }): void {
  if (options.checkValues !== undefined) settings.checkValues = options.checkValues;
}

/** Describes a tensor in error messages. */
function describe(t: unknown): string {
  if (t instanceof tf.Tensor) return `a ${t.dtype} tensor of shape [${t.shape.join(', ')}]`;
  if (t === null) return 'null';
  if (Array.isArray(t)) return 'a plain array (wrap it with tf.tensor)';
  return typeof t;
}

export interface TensorRule {
  /** Exact rank, or a minimum rank. */
  rank?: number;
  minRank?: number;
  /** Every element finite. */
  finite?: boolean;
  /** Every element ≥ this bound (NaN fails). */
  min?: number;
  /** Every element ≤ this bound (NaN fails). */
  max?: number;
  /** Human words for the value domain, used in messages. */
  domain?: string;
}

/** Checks one tensor argument; throws `InvalidArgumentError` naming spec and argument. */
export function checkTensor(spec: string, argument: string, t: unknown, rule: TensorRule = {}): tf.Tensor {
  const want = (more: string) =>
    `a float32 tensor${rule.rank !== undefined ? ` of rank ${rule.rank}` : ''}${
      rule.minRank !== undefined ? ` of rank ≥ ${rule.minRank}` : ''
    }${more}`;
  if (!(t instanceof tf.Tensor)) throw new InvalidArgumentError(spec, argument, want(''), describe(t));
  if (t.isDisposed) throw new InvalidArgumentError(spec, argument, want(''), 'a disposed tensor');
  if (t.dtype !== 'float32') throw new InvalidArgumentError(spec, argument, want(''), describe(t));
  if (rule.rank !== undefined && t.rank !== rule.rank) throw new InvalidArgumentError(spec, argument, want(''), describe(t));
  if (rule.minRank !== undefined && t.rank < rule.minRank) throw new InvalidArgumentError(spec, argument, want(''), describe(t));
  if (t.size === 0) throw new InvalidArgumentError(spec, argument, want(' with at least one element'), describe(t));
  if (settings.checkValues && (rule.finite || rule.min !== undefined || rule.max !== undefined)) {
    // Fast path: two numbers from the device decide every rule when the values are good; any
    // doubt (a NaN or ±∞ somewhere, a bound crossed) falls through to the exact scan below,
    // which finds the first bad element and words the message.
    const { min, max } = valueStats(t);
    const ok =
      !Number.isNaN(min) &&
      (rule.min === undefined || min >= rule.min) &&
      (rule.max === undefined || max <= rule.max);
    if (!ok) scanValues(spec, argument, t, rule, want);
  }
  return t;
}

/** The exact element-by-element check (reads the tensor back); throws on the first bad element. */
function scanValues(spec: string, argument: string, t: tf.Tensor, rule: TensorRule, want: (more: string) => string): void {
  const data = t.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const bad =
      Number.isNaN(v) ||
      (rule.finite && !Number.isFinite(v)) ||
      (rule.min !== undefined && v < rule.min) ||
      (rule.max !== undefined && v > rule.max);
    if (bad) {
      const domain = rule.domain ?? [
        rule.finite ? 'finite' : '',
        rule.min !== undefined ? `≥ ${rule.min}` : '',
        rule.max !== undefined ? `≤ ${rule.max}` : '',
      ].filter(Boolean).join(' and ');
      throw new InvalidArgumentError(spec, argument, want(` with values ${domain}`), `${v} at flat index ${i}`);
    }
  }
}

/** The smallest and largest value of a tensor, both NaN when any value is NaN or ±∞. */
export interface ValueStats {
  min: number;
  max: number;
}

/**
 * Per data buffer (TF.js never changes the values behind a dataId: ops and `Variable.assign`
 * make new ones), so a tensor checked by several functions, or twice in one call, is reduced once.
 * (A typed array handed to `tf.tensor` on the cpu backend is stored without a copy; changing that
 * array afterwards changes the tensor behind TF.js's back and is not seen here.)
 */
const statsCache = new WeakMap<object, ValueStats>();

/**
 * [min x + Σ 0·x, max x + Σ 0·x] of a float32 tensor: Σ 0·x is 0 (exactly; adding it changes
 * nothing) when every value is finite and NaN otherwise (0·±∞ = NaN), so both are NaN as soon as
 * one value is NaN or ±∞. Cached per dataId, so a tensor checked by several functions (the fake
 * scores in a discriminator and a generator loss, a batch checked by a penalty and its critic) is
 * read once.
 *
 * On `cpu` and `wasm`, whose memory JavaScript reads directly, it is one branch-light pass over
 * `dataSync()`. Elsewhere (webgl, webgpu, tensorflow), where a read-back of the whole tensor is
 * the cost, it is reduced on the device and two numbers are read back; those kernels run with the
 * gradient tape paused (as the engine does for kernels called inside a kernel), so a check inside
 * `tf.grads` or `optimizer.minimize` records nothing. Leaves no tensor behind.
 */
export function valueStats(t: tf.Tensor): ValueStats {
  const cached = statsCache.get(t.dataId);
  if (cached) return cached;
  let stats: ValueStats;
  const backend = tf.getBackend();
  if (backend === 'cpu' || backend === 'wasm') {
    const data = t.dataSync() as Float32Array;
    let zero = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      zero += v * 0;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    stats = { min: min + zero, max: max + zero };
  } else {
    const state = tf.engine().state;
    state.kernelDepth++;
    try {
      const pair = tf.tidy(() => {
        const x = t.rank === 1 ? t : tf.reshape(t, [-1]);
        const nonFinite = tf.sum(tf.mul(x, 0));
        return tf.add(tf.stack([tf.min(x), tf.max(x)]), nonFinite);
      });
      const data = pair.dataSync();
      pair.dispose();
      stats = { min: data[0]!, max: data[1]! };
    } finally {
      state.kernelDepth--;
    }
  }
  statsCache.set(t.dataId, stats);
  return stats;
}

/** Checks that two tensors have the same shape. */
export function checkSameShape(spec: string, a: [string, tf.Tensor], b: [string, tf.Tensor]): void {
  if (!tf.util.arraysEqual(a[1].shape, b[1].shape)) {
    throw new InvalidArgumentError(spec, b[0], `of the same shape as '${a[0]}' [${a[1].shape.join(', ')}]`, `shape [${b[1].shape.join(', ')}]`);
  }
}

/** Checks that a parameter is one of the allowed strings. */
export function checkChoice<T extends string>(spec: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidParameterError(spec, name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, JSON.stringify(value) ?? String(value));
  }
  return value as T;
}

/** Checks a numeric parameter against a closed or open range. */
export function checkNumber(
  spec: string,
  name: string,
  value: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean } = {},
): number {
  const { min, max, minExclusive, maxExclusive } = range;
  const words = [
    'a finite number',
    min !== undefined ? `${minExclusive ? '>' : '≥'} ${min}` : '',
    max !== undefined ? `${maxExclusive ? '<' : '≤'} ${max}` : '',
  ].filter(Boolean).join(' ');
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined || (minExclusive ? value > min : value >= min)) &&
    (max === undefined || (maxExclusive ? value < max : value <= max));
  if (!ok) throw new InvalidParameterError(spec, name, words, JSON.stringify(value) ?? String(value));
  return value as number;
}

/** Refuses option keys the function does not know (a typo must not be ignored silently). */
export function checkKnownOptions(spec: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new InvalidParameterError(spec, 'options', 'an object', String(options));
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidParameterError(spec, key, `one of the known options (${known.join(', ')})`, 'an unknown option');
    }
  }
}
