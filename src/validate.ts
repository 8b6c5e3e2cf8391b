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

/** "a" or "an" before a word, by its first letter ("an int32", "a float32"). */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

/**
 * A number as a person wants to read it: the shortest decimal that reads back as the same value,
 * in float32 when `float32` (values read from a tensor: 1.2, not 1.199999988079071), else in
 * float64 (JavaScript's own shortest form). NaN and the infinities by name.
 */
export function formatNumber(v: number, float32 = false): string {
  if (!Number.isFinite(v) || !float32) return String(v);
  const f = Math.fround(v);
  for (let digits = 1; digits < 9; digits++) {
    const s = Number(v.toPrecision(digits));
    if (Math.fround(s) === f) return String(s);
  }
  return String(v);
}

/** Describes any value in error messages: tensors by dtype and shape, numbers readably. */
export function describeValue(t: unknown): string {
  if (t instanceof tf.Tensor) return `${article(t.dtype)} tensor of shape [${t.shape.join(', ')}]`;
  if (t === null) return 'null';
  if (t === undefined) return 'undefined';
  if (typeof t === 'number') return formatNumber(t);
  if (typeof t === 'string') return JSON.stringify(t);
  if (Array.isArray(t)) return 'a plain array (wrap it with tf.tensor)';
  return typeof t;
}
const describe = describeValue;

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
  if (rule.rank !== undefined && t.rank !== rule.rank)
    throw new InvalidArgumentError(spec, argument, want(''), describe(t));
  if (rule.minRank !== undefined && t.rank < rule.minRank)
    throw new InvalidArgumentError(spec, argument, want(''), describe(t));
  if (t.size === 0) throw new InvalidArgumentError(spec, argument, want(' with at least one element'), describe(t));
  if (settings.checkValues && (rule.finite || rule.min !== undefined || rule.max !== undefined)) {
    // Fast path: two numbers from the device decide every rule when the values are good; any
    // doubt (a NaN or ±∞ somewhere, a bound crossed) falls through to the exact scan below,
    // which finds the first bad element and words the message.
    const { min, max } = valueStats(t);
    const ok =
      !Number.isNaN(min) && (rule.min === undefined || min >= rule.min) && (rule.max === undefined || max <= rule.max);
    if (!ok) scanValues(spec, argument, t, rule, want);
  }
  return t;
}

/** The exact element-by-element check (reads the tensor back); throws on the first bad element. */
function scanValues(
  spec: string,
  argument: string,
  t: tf.Tensor,
  rule: TensorRule,
  want: (more: string) => string,
): void {
  const data = t.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const bad =
      Number.isNaN(v) ||
      (rule.finite && !Number.isFinite(v)) ||
      (rule.min !== undefined && v < rule.min) ||
      (rule.max !== undefined && v > rule.max);
    if (bad) {
      const domain =
        rule.domain ??
        [
          rule.finite ? 'finite' : '',
          rule.min !== undefined ? `≥ ${rule.min}` : '',
          rule.max !== undefined ? `≤ ${rule.max}` : '',
        ]
          .filter(Boolean)
          .join(' and ');
      throw new InvalidArgumentError(
        spec,
        argument,
        want(` with values ${domain}`),
        `${formatNumber(v, true)} at flat index ${i}`,
      );
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
    throw new InvalidArgumentError(
      spec,
      b[0],
      `of the same shape as '${a[0]}' [${a[1].shape.join(', ')}]`,
      `shape [${b[1].shape.join(', ')}]`,
    );
  }
}

/** Checks that a parameter is one of the allowed strings. */
export function checkChoice<T extends string>(spec: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidParameterError(
      spec,
      name,
      `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
      describeValue(value),
    );
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
  ]
    .filter(Boolean)
    .join(' ');
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined || (minExclusive ? value > min : value >= min)) &&
    (max === undefined || (maxExclusive ? value < max : value <= max));
  if (!ok) throw new InvalidParameterError(spec, name, words, describeValue(value));
  return value as number;
}

function optionsInsteadOfTensor(known: readonly string[]): string {
  const weights = known.filter((k) => /^weights/.test(k));
  if (weights.length === 0) return `an options object (${known.join(', ')}), not a tensor`;
  return `an options object, not a tensor: weights go by name, { ${weights.map((k) => `${k}: w`).join(', ')} }, not positionally as in tf.losses.*`;
}

/** Refuses option keys the function does not know (a typo must not be ignored silently). */
export function checkKnownOptions(spec: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options instanceof tf.Tensor) {
    // tf.losses.* take weights positionally (loss(labels, predictions, weights)); ganref takes them
    // by name, so a tensor here is most likely weights in the wrong place.
    throw new InvalidParameterError(spec, 'options', optionsInsteadOfTensor(known), describeValue(options));
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidParameterError(spec, 'options', 'an object', describeValue(options));
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidParameterError(spec, key, `one of the known options (${known.join(', ')})`, 'an unknown option');
    }
  }
}
