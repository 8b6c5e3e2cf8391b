import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  addInstanceNoise,
  asCriticScores,
  asLogits,
  asWeights,
  draganPenalty,
  gradientPenalty,
  GanrefError,
  instanceNoisePair,
  InvalidArgumentError,
  InvalidParameterError,
  interpolationWeights,
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  Random,
  setRandomSeed,
  SpectralNorm,
  wassersteinGeneratorLoss,
} from '../src/index.js';
import { useBackend } from 'ganref/backends';
import { formatNumber } from '../src/validate.js';

// TF.js users' conventions (issue 12): each test here fails without the fix it names.

const values = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const scalarOf = (t: tf.Tensor): number => values(t)[0]!;

/** The error a call throws (the test fails if it does not throw). */
function thrown(f: () => unknown): GanrefError {
  try {
    f();
  } catch (e) {
    if (e instanceof GanrefError) return e;
    throw e;
  }
  throw new Error('expected a GanrefError, nothing was thrown');
}

let before = 0;
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

const critic = (x: tf.Tensor) => tf.sum(tf.mul(tf.square(x), tf.tensor1d([0.5, -1.5])), 1);

describe('reductions and weights as tf.losses.* take them', () => {
  const scores = () =>
    asCriticScores(
      tf.tensor2d([
        [0.5, -2],
        [1, 3],
        [-0.25, 4],
      ]),
    );

  test('tf.Reduction.NONE, MEAN and SUM are the same reductions as the strings', () => {
    const c = scores();
    for (const [e, s] of [
      [tf.Reduction.NONE, 'none'],
      [tf.Reduction.MEAN, 'mean'],
      [tf.Reduction.SUM, 'sum'],
    ] as const) {
      expect(values(wassersteinGeneratorLoss(c, { reduction: e }))).toEqual(
        values(wassersteinGeneratorLoss(c, { reduction: s })),
      );
    }
    // tf.losses' default, SUM_BY_NONZERO_WEIGHTS, is the plain mean without weights ...
    expect(scalarOf(wassersteinGeneratorLoss(c, { reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS }))).toBe(
      scalarOf(wassersteinGeneratorLoss(c)),
    );
    // ... and has no ganref equivalent with non-binary weights: refused, naming the reduction.
    const e = thrown(() =>
      wassersteinGeneratorLoss(c, { reduction: tf.Reduction.SUM_BY_NONZERO_WEIGHTS, weightsFake: 2 }),
    );
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e.argument).toBe('reduction');
    c.dispose();
  });

  test('a scalar weight (number or rank-0 tensor) broadcasts as in tf.losses.computeWeightedLoss', () => {
    const c = scores();
    const terms = tf.neg(c);
    for (const [reduction, tfReduction] of [
      ['mean', tf.Reduction.MEAN],
      ['sum', tf.Reduction.SUM],
      ['none', tf.Reduction.NONE],
    ] as const) {
      const want = tf.tidy(() =>
        Array.from(tf.losses.computeWeightedLoss(terms, tf.scalar(0.5), tfReduction).dataSync()),
      );
      expect(values(wassersteinGeneratorLoss(c, { weightsFake: 0.5, reduction }))).toEqual(want);
      const w = asWeights(tf.scalar(0.5));
      expect(values(wassersteinGeneratorLoss(c, { weightsFake: w, reduction }))).toEqual(want);
      w.dispose();
    }
    terms.dispose();
    c.dispose();
  });

  test('weights of a shape that broadcasts ([n, 1] against [n, k]) reduce as tf.losses do', () => {
    const c = scores();
    const w = asWeights(tf.tensor2d([[1], [0], [3]]));
    const terms = tf.neg(c);
    // tf.losses' MEAN divides Σ wℓ by Σ w and by the broadcast factor: Σ wℓ / Σ(w broadcast).
    const want = scalarOf(tf.losses.computeWeightedLoss(terms, w, tf.Reduction.MEAN));
    expect(scalarOf(wassersteinGeneratorLoss(c, { weightsFake: w }))).toBeCloseTo(want, 6);
    expect(values(wassersteinGeneratorLoss(c, { weightsFake: w, reduction: 'none' }))).toEqual(
      values(tf.losses.computeWeightedLoss(terms, w, tf.Reduction.NONE)),
    );
    const bad = asWeights(tf.tensor1d([1, 2, 3]));
    expect(thrown(() => wassersteinGeneratorLoss(c, { weightsFake: bad })).argument).toBe('weightsFake');
    tf.dispose([c, w, terms, bad]);
  });

  test('a weights tensor given positionally, where options belong, is named as such', () => {
    const l = asLogits(tf.tensor1d([0.5, -1]));
    const w = tf.tensor1d([1, 2]);
    const e = thrown(() => nonSaturatingGeneratorLoss(l, w as never));
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e.argument).toBe('options');
    expect(e.message).toContain('weights go by name');
    expect(e.message).toContain('weightsFake');
    expect(e.message).toContain('not positionally as in tf.losses');
    expect(thrown(() => nonSaturatingDiscriminatorLoss(l, l, w as never)).message).toContain(
      'weightsReal: w, weightsFake: w',
    );
    tf.dispose([l, w]);
  });
});

describe('messages', () => {
  test('λ = NaN is reported as NaN, not as null', () => {
    const x = tf.tensor2d([[1, 2]]);
    const e = thrown(() => gradientPenalty(critic, x, x, { lambda: NaN }));
    expect(e.argument).toBe('lambda');
    expect(e.message).toMatch(/got NaN$/);
    x.dispose();
  });

  test('"an int32", not "a int32"', () => {
    const l = tf.tensor1d([1, 2], 'int32');
    const e = thrown(() => nonSaturatingGeneratorLoss(l as never));
    expect(e.message).toContain('got an int32 tensor of shape [2]');
    l.dispose();
  });

  test('float32 values are printed with the digits that identify them: 1.2, not 1.199999988079071', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const eps = tf.tensor1d([1.2, 0.5]);
    const e = thrown(() => gradientPenalty(critic, x, x, { epsilon: eps }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain('got 1.2 at flat index 0');
    tf.dispose([x, eps]);
    expect(formatNumber(Math.fround(0.1), true)).toBe('0.1');
    expect(formatNumber(Math.fround(1 / 3), true)).toBe('0.33333334');
    expect(formatNumber(0.1 + 0.2)).toBe('0.30000000000000004'); // a float64 parameter keeps its own digits
  });
});

describe('randomness is fresh at every call and replayable', () => {
  const xr = () =>
    tf.tensor2d([
      [1, 2],
      [3, -1],
      [0.5, 0.5],
    ]);
  const xf = () =>
    tf.tensor2d([
      [0, 0],
      [1, 1],
      [-2, 1],
    ]);

  test('a constant seed in a training loop draws a fresh ε at every step, and a rerun replays them', () => {
    const [a, b] = [xr(), xf()];
    const run = () => {
      setRandomSeed(12345); // forgets the streams that seeds started: a fresh "process"
      return [0, 1, 2].map(() => scalarOf(gradientPenalty(critic, a, b, { seed: 7 })));
    };
    const first = run();
    expect(new Set(first).size).toBe(3); // not the same ε at every step
    expect(run()).toEqual(first); // replays
    tf.dispose([a, b]);
  });

  test('without any randomness option, ε is drawn afresh from the default generator, which setRandomSeed replays', () => {
    const [a, b] = [xr(), xf()];
    const run = () => {
      setRandomSeed(99);
      return [0, 1].map(() => scalarOf(gradientPenalty(critic, a, b)));
    };
    const first = run();
    expect(first[0]).not.toBe(first[1]);
    expect(run()).toEqual(first);
    tf.dispose([a, b]);
  });

  test('a Random advances; a clone draws what the original draws next; seed 0 is a seed (TF.js would ignore it)', () => {
    const [a, b] = [xr(), xf()];
    const rng = new Random(0);
    const next = interpolationWeights(3, rng.clone());
    const p1 = scalarOf(gradientPenalty(critic, a, b, { random: rng }));
    expect(p1).toBe(scalarOf(gradientPenalty(critic, a, b, { epsilon: next })));
    expect(scalarOf(gradientPenalty(critic, a, b, { random: rng }))).not.toBe(p1);
    expect(values(new Random(0).normal([4]))).toEqual(values(new Random(0).normal([4])));
    next.dispose();
    tf.dispose([a, b]);
  });

  test('DRAGAN, instance noise and SpectralNorm draw the same way', () => {
    const a = xr();
    const d1 = scalarOf(draganPenalty(critic, a, { seed: 3 }));
    expect(scalarOf(draganPenalty(critic, a, { seed: 3 }))).not.toBe(d1);
    expect(scalarOf(draganPenalty(critic, a, { random: new Random(5) }))).toBe(
      scalarOf(draganPenalty(critic, a, { random: new Random(5) })),
    );
    const n1 = values(addInstanceNoise(a, 0, { seed: 3 }));
    expect(values(addInstanceNoise(a, 0, { seed: 3 }))).not.toEqual(n1);
    const pair = instanceNoisePair(a, a, 0);
    expect(values(pair.real)).not.toEqual(values(pair.fake));
    // Seed 0 replays (tf.randomNormal(…, 0) would draw from Math.random).
    const s1 = new SpectralNorm([3, 2], { random: new Random(0) });
    const s2 = new SpectralNorm([3, 2], { random: new Random(0) });
    expect(values(s1.u.clone())).toEqual(values(s2.u.clone()));
    s1.dispose();
    s2.dispose();
    a.dispose();
  });

  test('at most one source of randomness', () => {
    const [a, b] = [xr(), xf()];
    const eps = tf.tensor1d([0.1, 0.2, 0.3]);
    expect(thrown(() => gradientPenalty(critic, a, b, { epsilon: eps, seed: 1 })).argument).toBe('seed');
    expect(thrown(() => gradientPenalty(critic, a, b, { random: new Random(1), seed: 1 })).argument).toBe('seed');
    expect(thrown(() => gradientPenalty(critic, a, b, { seed: 1.5 })).argument).toBe('seed');
    tf.dispose([a, b, eps]);
  });
});

test('useBackend() with no argument works where `process` does not exist (a browser)', async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
  let pending: Promise<string>;
  Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
  try {
    pending = useBackend();
  } finally {
    Object.defineProperty(globalThis, 'process', saved);
  }
  expect(await pending).toBe('cpu');
});

test('the CLI keeps every repeated --spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ganref-cli-'));
  try {
    const out = join(dir, 'report.json');
    const r = spawnSync(
      process.execPath,
      [
        // The sources, as the tests see them: without the condition, the catalog's 'ganref' import
        // would load dist/ and its error classes would not be the CLI's (instanceof fails).
        '--conditions=ganref-source',
        '--import',
        'tsx',
        'src/cli.ts',
        'conform',
        '--spec',
        'divergence/kl',
        '--spec',
        'theory/optimal-*',
        '--runs',
        '2',
        '--json',
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('"divergence/kl"');
    expect(text).toContain('"theory/optimal-discriminator"');
    expect(text).not.toContain('"divergence/reverse-kl"');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
