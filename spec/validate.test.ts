import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { r1Penalty } from '../src/regularizers/index.js';
import { GanrefError } from '../src/errors.js';
import { article, checkTensor, configure, formatNumber, valueStats, valuesChecked } from '../src/validate.js';
import { klDivergence } from '../src/divergences/index.js';
import { asDistributions } from '../src/types.js';
import { TEST_BACKENDS, useBackend } from './helpers.js';

// Value checks (`checkValues`, on by default) are cheap: good values are decided from two numbers
// computed once per data buffer, and only bad ones are scanned element by element for the message.
describe.each(TEST_BACKENDS)('%s backend: value checks', (backend) => {
  beforeAll(async () => {
    expect(await useBackend(backend)).toBe(backend);
  });

  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  test('every bad value is refused with the first bad element named, as before', () => {
    const cases: [number[], Parameters<typeof checkTensor>[3], string][] = [
      [[1, 2, 3, NaN, Infinity], { finite: true }, 'NaN at flat index 3'],
      [[1, -Infinity, 3], { finite: true }, '-Infinity at flat index 1'],
      [[0.5, 0, -0.5, 2], { min: 0 }, '-0.5 at flat index 2'],
      [[0.5, NaN, 2], { min: 0 }, 'NaN at flat index 1'],
      [[0, 1, 1.5], { min: 0, max: 1, domain: 'in [0, 1]' }, '1.5 at flat index 2'],
    ];
    for (const [values, rule, want] of cases) {
      const t = tf.tensor1d(values);
      expect(message(() => checkTensor('test/spec', 'x', t, rule))).toContain(want);
      expect(message(() => checkTensor('test/spec', 'x', t, rule))).toContain(want);
      t.dispose();
    }
  });

  test('values on the bounds, and +∞ where only a lower bound applies, pass', () => {
    const t = tf.tensor2d([
      [0, 1],
      [0.25, 1],
    ]);
    expect(checkTensor('test/spec', 'x', t, { min: 0, max: 1, finite: true })).toBe(t);
    const inf = tf.tensor1d([0, Infinity]);
    expect(checkTensor('test/spec', 'x', inf, { min: 0 })).toBe(inf);
    tf.dispose([t, inf]);
  });

  test('a tensor is read once however often it is checked, and nothing is left behind', () => {
    const t = tf.tensor2d([
      [0.5, -1],
      [2, 3],
    ]);
    const before = tf.memory().numTensors;
    let reads = 0;
    const dataSync = t.dataSync.bind(t);
    t.dataSync = (() => {
      reads++;
      return dataSync();
    }) as typeof t.dataSync;
    for (let i = 0; i < 5; i++) checkTensor('test/spec', 'x', t, { finite: true });
    checkTensor('test/spec', 'x', tf.reshape(t, [4]), { finite: true, min: -1 });
    expect(reads).toBeLessThanOrEqual(1);
    expect(valueStats(t)).toEqual({ min: -1, max: 3 });
    expect(tf.memory().numTensors).toBe(before + 1); // the reshape above
    t.dispose();
  });

  test('the critic probe runs on two examples, and a critic written for one batch size is still accepted', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const sizes: number[] = [];
    const critic = (u: tf.Tensor) => {
      sizes.push(u.shape[0]!);
      return tf.sum(tf.square(u), 1);
    };
    tf.dispose(r1Penalty(critic as never, x as never));
    expect(sizes[0]).toBe(2);
    // reshape to a fixed batch of 4 fails on the two-example probe; the full probe decides.
    const fixed = (u: tf.Tensor) => tf.sum(tf.reshape(tf.square(u), [4, 2]), 1);
    expect(tf.tidy(() => r1Penalty(fixed as never, x as never).dataSync()[0])).toBeCloseTo(
      (10 / 2) * ((4 * (1 + 4 + 9 + 16 + 25 + 36 + 49 + 64)) / 4),
      3,
    ); // γ/2 · mean ‖2u‖²
    // A critic with the wrong output shape is still refused, naming the real batch.
    const wide = (u: tf.Tensor) => tf.concat([u, u], 1);
    expect(message(() => r1Penalty(wide as never, x as never))).toContain('[4] or [4, 1]');
    x.dispose();
  });
});

test('applyModel returns the one output of a model and refuses the rest by name', async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const { applyModel, GanrefError } = await import('ganref');
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1, useBias: false })] });
  model.setWeights([tf.tensor2d([[0.5], [-0.25]])]); // fixed weights: no unseeded initializer in a test
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const before = tf.memory().numTensors;
  const out = applyModel(model, x);
  expect(out.shape).toEqual([2, 1]);
  const w = model.getWeights()[0]!.dataSync();
  // float32 matMul (the active backend's: cpu, or wasm with its own summation order): within 1e-6.
  const want = [1 * w[0]! + 2 * w[1]!, 3 * w[0]! + 4 * w[1]!];
  Array.from(out.dataSync()).forEach((v, i) =>
    expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6 * (1 + Math.abs(want[i]!))),
  );
  out.dispose();
  expect(tf.memory().numTensors).toBe(before);
  const twoOutputs = { apply: () => [x, x] };
  expect(() => applyModel(twoOutputs, x)).toThrow(GanrefError);
  expect(() => applyModel(twoOutputs, x)).toThrow(
    /applyModel: argument 'model' must be a model with one output tensor; got a model with 2 outputs/,
  );
  expect(() => applyModel({} as never, x)).toThrow(/argument 'model'/);
  expect(() => applyModel(model, [1, 2] as never)).toThrow(/argument 'x' must be a tensor/);
  x.dispose();
  model.dispose();
});

// The words of a refusal are part of the API (a user reads them to fix a call): each branch of
// checkTensor and describeValue, pinned exactly, so a changed or lost word is seen.
test('checkTensor and describeValue: the exact expected and received words of every refusal', async () => {
  await useBackend('cpu');
  const refusal = (value: unknown, rule: Parameters<typeof checkTensor>[3] = {}) => {
    try {
      checkTensor('test/spec', 'x', value, rule);
    } catch (e) {
      const g = e as GanrefError;
      expect(g).toBeInstanceOf(GanrefError);
      expect([g.spec, g.argument]).toEqual(['test/spec', 'x']);
      return [g.expected, g.received];
    }
    return 'accepted';
  };
  const disposed = tf.tensor1d([1]);
  disposed.dispose();
  const v = tf.tensor1d([0.5, 1.2, 2]);
  const m = tf.tensor2d([[1, 2]]);
  const cases: [unknown, Parameters<typeof checkTensor>[3], [string, string] | 'accepted'][] = [
    [null, {}, ['a float32 tensor', 'null']],
    [undefined, { rank: 1 }, ['a float32 tensor of rank 1', 'undefined']],
    [0.1, { minRank: 2 }, ['a float32 tensor of rank ≥ 2', '0.1']],
    ['abc', {}, ['a float32 tensor', '"abc"']],
    [[1, 2], {}, ['a float32 tensor', 'a plain array (wrap it with tf.tensor)']],
    [{ a: 1 }, {}, ['a float32 tensor', 'object']],
    [disposed, { rank: 1 }, ['a float32 tensor of rank 1', 'a disposed tensor']],
    [tf.tensor1d([1], 'int32'), {}, ['a float32 tensor', 'an int32 tensor of shape [1]']],
    [m, { rank: 1 }, ['a float32 tensor of rank 1', 'a float32 tensor of shape [1, 2]']],
    [v, { minRank: 2 }, ['a float32 tensor of rank ≥ 2', 'a float32 tensor of shape [3]']],
    [
      tf.zeros([0, 2]),
      { rank: 2 },
      ['a float32 tensor of rank 2 with at least one element', 'a float32 tensor of shape [0, 2]'],
    ],
    [v, { max: 1.5 }, ['a float32 tensor with values ≤ 1.5', '2 at flat index 2']],
    [v, { min: 1, finite: true }, ['a float32 tensor with values finite and ≥ 1', '0.5 at flat index 0']],
    [
      v,
      { rank: 1, max: 1, domain: 'in [0, 1]' },
      ['a float32 tensor of rank 1 with values in [0, 1]', '1.2 at flat index 1'],
    ],
    [v, { min: 0.5, max: 2 }, 'accepted'],
    [m, { minRank: 2, finite: true }, 'accepted'],
  ];
  for (const [value, rule, want] of cases) expect(refusal(value, rule), JSON.stringify(rule)).toEqual(want);
  expect([0.1, 1 / 3, 1e-7, 16777217].map((x) => formatNumber(x, true))).toEqual([
    '0.1',
    '0.33333333',
    '1e-7',
    '16777217',
  ]);
  expect([1 / 3, NaN, -Infinity].map((x) => formatNumber(x))).toEqual(['0.3333333333333333', 'NaN', '-Infinity']);
  expect(['int32', 'Int32', 'float32', 'unit', 'bool'].map(article)).toEqual([
    'an int32',
    'an Int32',
    'a float32',
    'an unit',
    'a bool',
  ]);
  tf.dispose([v, m]);
});

// configure({ checkValues: false }) means the library reads no values to check them, as in a
// training loop: an unnormalised distribution is then computed with, not refused (and with the
// checks on, refused), so the switch is seen to act on the sum-to-one check too.
test('value checks off: the sum-to-one check of the divergences is skipped', async () => {
  await useBackend('cpu');
  const p = asDistributions(tf.tensor1d([0.5, 0.7]));
  const q = asDistributions(tf.tensor1d([0.5, 0.5]));
  expect(() => klDivergence(p, q)).toThrow(GanrefError);
  configure({ checkValues: false });
  try {
    const kl = klDivergence(p, q);
    expect(kl.dataSync()[0]).toBeCloseTo(0.7 * Math.log(0.7 / 0.5), 6);
    kl.dispose();
  } finally {
    configure({ checkValues: true });
  }
  expect(valuesChecked()).toBe(true);
  configure({});
  expect(valuesChecked()).toBe(true);
  tf.dispose([p, q]);
});
