import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkGrads,
  COVERED_KERNELS,
  ensureGradients,
  fusedConv2d,
  fusedDense,
  logSoftmax,
  GradCheckError,
  isOurs,
  registerGradients,
} from '../src/autodiff/index.js';
import { installWasmKernels, uninstallWasmKernels } from '../src/backends/wasm-kernels.js';

type T = tf.Tensor;

/** Seeded values in ±[lo, hi] (away from kinks at 0 when lo > 0). */
function vals(shape: number[], seed: number, lo = 0.2, hi = 1.5, signed = true): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = Math.imul((seed + 0x9e3779b9) >>> 0, 2654435761) >>> 0;
  s = Math.imul(s ^ (s >>> 15), 2246822507) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const sign = signed && s / 4294967296 < 0.5 ? -1 : 1;
    out[i] = sign * (lo + (hi - lo) * u);
  }
  return tf.tensor(out, shape, 'float32');
}
const pos = (shape: number[], seed: number) => vals(shape, seed, 0.5, 2, false);

/** A smooth post-map so that linear kernels get a non-zero, non-trivial second derivative. */
const post = (y: T) => tf.add(y, tf.mul(0.3, tf.square(y)));

interface Case {
  kernel: string;
  name?: string;
  f: (...xs: T[]) => T;
  inputs: () => T[];
  /** Skip the second-order check (piecewise-linear kernels still get it: it must be exactly 0 curvature plus post). */
  order?: 1 | 2;
  /** Finite-difference step (smaller where a derivative of the needed order jumps). */
  eps?: number;
}

const cases: Case[] = [
  { kernel: 'Add', f: (a, b) => post(tf.add(a, b)), inputs: () => [vals([3, 4], 1), vals([4], 2)] },
  {
    kernel: 'AddN',
    f: (a, b, c) => post(tf.addN([a, b, c])),
    inputs: () => [vals([5], 1), vals([5], 2), vals([5], 3)],
  },
  { kernel: 'Sub', f: (a, b) => post(tf.sub(a, b)), inputs: () => [vals([3, 1], 3), vals([3, 4], 4)] },
  { kernel: 'Multiply', f: (a, b) => post(tf.mul(a, b)), inputs: () => [vals([2, 3], 5), vals([3], 6)] },
  { kernel: 'RealDiv', f: (a, b) => tf.div(a, b), inputs: () => [vals([2, 3], 7), pos([2, 3], 8)] },
  { kernel: 'Neg', f: (a) => post(tf.neg(a)), inputs: () => [vals([6], 9)] },
  { kernel: 'Square', f: (a) => post(tf.square(a)), inputs: () => [vals([6], 10)] },
  {
    kernel: 'SquaredDifference',
    f: (a, b) => tf.squaredDifference(a, b),
    inputs: () => [vals([2, 3], 11), vals([3], 12)],
  },
  { kernel: 'Sqrt', f: (a) => tf.sqrt(a), inputs: () => [pos([6], 13)] },
  { kernel: 'Rsqrt', f: (a) => tf.rsqrt(a), inputs: () => [pos([6], 14)] },
  { kernel: 'Reciprocal', f: (a) => tf.reciprocal(a), inputs: () => [pos([6], 14)] },
  { kernel: 'Pow', f: (a, b) => tf.pow(a, b), inputs: () => [pos([5], 15), vals([5], 16, 0.2, 1.5)] },
  { kernel: 'Exp', f: (a) => tf.exp(a), inputs: () => [vals([6], 17)] },
  { kernel: 'Expm1', f: (a) => tf.expm1(a), inputs: () => [vals([6], 18)] },
  { kernel: 'Log', f: (a) => tf.log(a), inputs: () => [pos([6], 19)] },
  { kernel: 'Log1p', f: (a) => tf.log1p(a), inputs: () => [pos([6], 20)] },
  { kernel: 'Abs', f: (a) => post(tf.abs(a)), inputs: () => [vals([6], 21)] },
  { kernel: 'Sign', f: (a) => tf.add(tf.mul(tf.sign(a), 0.5), post(a)), inputs: () => [vals([6], 22)] },
  { kernel: 'Maximum', f: (a, b) => post(tf.maximum(a, b)), inputs: () => [vals([6], 23), vals([6], 24)] },
  { kernel: 'Minimum', f: (a, b) => post(tf.minimum(a, b)), inputs: () => [vals([6], 25), vals([6], 26)] },
  {
    kernel: 'ClipByValue',
    f: (a) => post(tf.clipByValue(a, -0.8, 0.9)),
    inputs: () => [tf.tensor1d([-1.3, -0.5, 0.1, 0.6, 1.2, -0.2])],
  },
  { kernel: 'Relu', f: (a) => post(tf.relu(a)), inputs: () => [vals([6], 27)] },
  { kernel: 'Relu6', f: (a) => post(tf.relu6(a)), inputs: () => [tf.tensor1d([-1, 0.5, 3, 5.5, 6.5, 7])] },
  { kernel: 'LeakyRelu', f: (a) => post(tf.leakyRelu(a, 0.2)), inputs: () => [vals([6], 28)] },
  {
    kernel: 'Prelu',
    f: (a, w) => post(tf.prelu(a, w)),
    inputs: () => [vals([3, 4], 29), vals([4], 30, 0.1, 0.4, false)],
  },
  { kernel: 'Elu', f: (a) => tf.elu(a), inputs: () => [vals([6], 31)] },
  { kernel: 'Selu', f: (a) => tf.selu(a), inputs: () => [vals([6], 32)] },
  { kernel: 'Tanh', f: (a) => tf.tanh(a), inputs: () => [vals([6], 33)] },
  { kernel: 'Sigmoid', f: (a) => tf.sigmoid(a), inputs: () => [vals([6], 34)] },
  { kernel: 'Softplus', f: (a) => tf.softplus(a), inputs: () => [vals([6], 35)] },
  { kernel: 'Sin', f: (a) => tf.sin(a), inputs: () => [vals([6], 36)] },
  { kernel: 'Cos', f: (a) => tf.cos(a), inputs: () => [vals([6], 37)] },
  { kernel: 'Atan', f: (a) => tf.atan(a), inputs: () => [vals([6], 38)] },
  { kernel: 'Erf', f: (a) => tf.erf(a), inputs: () => [vals([6], 39)] },
  { kernel: 'Softmax', f: (a) => tf.mul(tf.softmax(a), vals([3, 4], 140)), inputs: () => [vals([3, 4], 141)] },
  {
    kernel: 'Max',
    name: 'logSoftmax (ganref, via logSumExp)',
    f: (a) => tf.mul(logSoftmax(a), vals([3, 4], 142)),
    inputs: () => [vals([3, 4], 143)],
  },
  { kernel: 'Sum', f: (a) => post(tf.sum(a, 1)), inputs: () => [vals([3, 4], 40)] },
  {
    kernel: 'Sum',
    name: 'Sum all keepDims',
    f: (a) => post(tf.sum(a, undefined, true)),
    inputs: () => [vals([3, 4], 41)],
  },
  { kernel: 'Mean', f: (a) => post(tf.mean(a, [0, 2])), inputs: () => [vals([2, 3, 4], 42)] },
  { kernel: 'Max', f: (a) => post(tf.max(a, 1)), inputs: () => [vals([3, 4], 43)] },
  { kernel: 'Min', f: (a) => post(tf.min(a, -1)), inputs: () => [vals([3, 4], 44)] },
  { kernel: 'Prod', f: (a) => tf.prod(a, 1), inputs: () => [vals([2, 3], 45)] },
  { kernel: 'Reshape', f: (a) => post(tf.reshape(a, [4, 3])), inputs: () => [vals([3, 4], 46)] },
  { kernel: 'ExpandDims', f: (a) => post(tf.expandDims(a, 1)), inputs: () => [vals([3, 4], 47)] },
  {
    kernel: 'Transpose',
    f: (a) => tf.mul(post(tf.transpose(a, [1, 2, 0])), vals([3, 4, 2], 99)),
    inputs: () => [vals([2, 3, 4], 48)],
  },
  { kernel: 'Concat', f: (a, b) => post(tf.concat([a, b], 1)), inputs: () => [vals([2, 3], 49), vals([2, 2], 50)] },
  { kernel: 'Pack', f: (a, b) => post(tf.stack([a, b], 1)), inputs: () => [vals([2, 3], 51), vals([2, 3], 52)] },
  { kernel: 'Unpack', f: (a) => post(tf.unstack(a, 1)[1]), inputs: () => [vals([2, 3], 53)] },
  { kernel: 'SplitV', f: (a) => post(tf.split(a, [1, 2], 1)[1]), inputs: () => [vals([2, 3], 54)] },
  { kernel: 'Slice', f: (a) => post(tf.slice(a, [1, 0], [2, -1])), inputs: () => [vals([3, 4], 55)] },
  {
    kernel: 'PadV2',
    f: (a) =>
      post(
        tf.pad(
          a,
          [
            [1, 0],
            [0, 2],
          ],
          0.5,
        ),
      ),
    inputs: () => [vals([3, 4], 56)],
  },
  { kernel: 'Tile', f: (a) => post(tf.tile(a, [2, 3])), inputs: () => [vals([2, 2], 57)] },
  { kernel: 'Reverse', f: (a) => post(tf.reverse(a, 1)), inputs: () => [vals([2, 3], 58)] },
  { kernel: 'Cast', f: (a) => post(tf.cast(a, 'float32')), inputs: () => [vals([4], 59)] },
  { kernel: 'Identity', f: (a) => post(tf.clone(a)), inputs: () => [vals([4], 60)] },
  {
    kernel: 'Select',
    f: (a, b) => post(tf.where(tf.greater(a, 0), a, b)),
    inputs: () => [vals([6], 61), vals([6], 62)],
  },
  { kernel: 'BatchMatMul', f: (a, b) => post(tf.matMul(a, b)), inputs: () => [vals([3, 4], 63), vals([4, 2], 64)] },
  {
    kernel: 'BatchMatMul',
    name: 'BatchMatMul transposed, batched',
    f: (a, b) => post(tf.matMul(a, b, true, true)),
    inputs: () => [vals([2, 4, 3], 65), vals([2, 2, 4], 66)],
  },
  {
    kernel: 'Conv2D',
    f: (x, w) => post(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')),
    inputs: () => [vals([1, 4, 4, 2], 67), vals([3, 3, 2, 2], 68)],
  },
  {
    kernel: 'Conv2D',
    name: 'Conv2D stride 2 valid',
    f: (x, w) => post(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')),
    inputs: () => [vals([2, 5, 5, 2], 69), vals([3, 3, 2, 3], 70)],
  },
  {
    kernel: 'Conv2DBackpropInput',
    f: (dy, w) => post(tf.conv2dTranspose(dy as tf.Tensor4D, w as tf.Tensor4D, [1, 5, 5, 2], 2, 'same')),
    inputs: () => [vals([1, 3, 3, 3], 71), vals([3, 3, 2, 3], 72)],
  },
  {
    kernel: 'Conv2DBackpropFilter',
    f: (x, dy) =>
      post(
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 2, 2],
        } as unknown as tf.NamedAttrMap) as T,
      ),
    inputs: () => [vals([1, 4, 4, 2], 73), vals([1, 4, 4, 2], 74)],
  },
  {
    kernel: 'AvgPool',
    f: (x) => post(tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid')),
    inputs: () => [vals([1, 4, 4, 2], 75)],
  },
  {
    kernel: 'AvgPool',
    name: 'AvgPool same 3x3 stride 2',
    f: (x) => post(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same')),
    inputs: () => [vals([1, 5, 5, 1], 76)],
  },
  {
    kernel: 'MaxPool',
    f: (x) => post(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')),
    inputs: () => [vals([1, 4, 4, 2], 77)],
  },
  {
    kernel: 'MaxPool',
    name: 'MaxPool same 3x3 stride 2',
    f: (x) => post(tf.maxPool(x as tf.Tensor4D, 3, 2, 'same')),
    inputs: () => [vals([1, 5, 5, 1], 78)],
  },
  {
    kernel: 'FusedBatchNorm',
    f: (x, m, v, s, o) => tf.batchNorm(x, m, v, o, s, 1e-3),
    inputs: () => [vals([2, 3], 79), vals([3], 80), pos([3], 81), vals([3], 82), vals([3], 83)],
  },
  ...(['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'] as const).map((act): Case => ({
    kernel: '_FusedMatMul',
    name: `_FusedMatMul ${act}`,
    f: (x, w, b, p) => post(fusedDense(x as tf.Tensor2D, w as tf.Tensor2D, b, act, p)),
    inputs: () => [vals([3, 4], 84), vals([4, 2], 85), vals([2], 86), vals([2], 87, 0.1, 0.3, false)],
    eps: act === 'elu' ? 2 ** -11 : undefined,
  })),
  ...(['linear', 'relu', 'elu', 'sigmoid'] as const).map((act): Case => ({
    kernel: 'FusedConv2D',
    name: `FusedConv2D ${act}`,
    f: (x, w, b) => post(fusedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', b, act)),
    inputs: () => [vals([1, 4, 4, 2], 88), vals([3, 3, 2, 2], 89), vals([2], 90)],
    // elu'' jumps at 0: keep the differences on one side of it.
    eps: act === 'elu' ? 2 ** -11 : undefined,
  })),
];

/** 'wasm+kernels': the wasm backend with ganref's wasm kernels (src/backends/wasm-kernels.ts) installed. */
const BACKENDS = ['cpu', 'wasm', 'wasm+kernels'] as const;

/** Kernels run by `fn`, recorded by wrapping the engine's runKernel for the duration (test only). */
function kernelsRun(fn: () => void): string[] {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  const names: string[] = [];
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    names.push(name);
    return original.call(this, name, ...rest);
  };
  try {
    fn();
  } finally {
    engine.runKernel = original;
  }
  return names;
}

describe('autodiff registry', () => {
  it('registers idempotently and re-registers replaced configs by identity', () => {
    registerGradients();
    expect(registerGradients()).toEqual([]);
    expect(COVERED_KERNELS.every(isOurs)).toBe(true);
    // Another library replaces one of ours.
    const foreign = { kernelName: 'Tanh', gradFunc: () => ({ x: () => tf.scalar(0) }) };
    tf.registerGradient(foreign);
    expect(isOurs('Tanh')).toBe(false);
    ensureGradients();
    expect(isOurs('Tanh')).toBe(true);
    expect(registerGradients()).toEqual([]);
  });

  it('covers every kernel of the brief', () => {
    const required = [
      'Add',
      'AddN',
      'Sub',
      'Multiply',
      'RealDiv',
      'Neg',
      'Square',
      'SquaredDifference',
      'Sqrt',
      'Rsqrt',
      'Pow',
      'Exp',
      'Expm1',
      'Log',
      'Log1p',
      'Abs',
      'Sign',
      'Maximum',
      'Minimum',
      'ClipByValue',
      'Relu',
      'Relu6',
      'LeakyRelu',
      'Prelu',
      'Elu',
      'Selu',
      'Tanh',
      'Sigmoid',
      'Softplus',
      'Sum',
      'Mean',
      'Max',
      'Min',
      'Prod',
      'Reshape',
      'Transpose',
      'Concat',
      'Slice',
      'PadV2',
      'Tile',
      'ExpandDims',
      'Cast',
      'Identity',
      'Select',
      'BatchMatMul',
      'Conv2D',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'AvgPool',
      'MaxPool',
      'FusedBatchNorm',
      'Softmax',
      'Atan',
      'Sin',
      'Cos',
      'Erf',
      '_FusedMatMul',
      'FusedConv2D',
    ];
    expect(required.filter((k) => !COVERED_KERNELS.includes(k))).toEqual([]);
    for (const c of cases) expect(COVERED_KERNELS).toContain(c.kernel);
  });
});

for (const variant of BACKENDS) {
  const backend = variant === 'wasm+kernels' ? 'wasm' : variant;
  describe(`autodiff on ${variant}`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      await tf.ready();
      if (variant === 'wasm+kernels') installWasmKernels();
      registerGradients();
    });
    afterAll(() => {
      if (variant === 'wasm+kernels') uninstallWasmKernels();
    });

    it('records the covered kernels this backend lacks', () => {
      const missing = COVERED_KERNELS.filter((k) => tf.getKernel(k, backend) == null);
      // A gradient config for a kernel the backend lacks is harmless (the forward op fails
      // first); listed here so a change in the backends shows up.
      // BroadcastTo: no backend has the kernel (tf.broadcastTo runs Tile); its config is kept for
      // backends that do (tfjs-node). Conv2DBackpropFilter: wasm lacks it, so ganref computes the
      // filter gradient from input windows there (see gradients/conv.ts), unless ganref's wasm
      // kernels are installed (useBackend('wasm') does).
      const expected: Record<string, string[]> = {
        cpu: ['BroadcastTo', 'LogicalXor'],
        wasm: ['BroadcastTo', 'Conv2DBackpropFilter'],
        'wasm+kernels': ['BroadcastTo'],
      };
      console.log(`[autodiff] covered kernels missing on ${variant}: ${missing.join(', ') || '(none)'}`);
      expect(missing).toEqual(expected[variant]);
    });

    for (const c of cases) {
      const label = c.name ?? c.kernel;
      it(`${label}: first and second order match finite differences`, async () => {
        if (tf.getKernel(c.kernel, backend) == null) {
          // Recorded by the test above; the forward op itself cannot run here.
          expect(() => tf.tidy(() => c.f(...c.inputs()))).toThrow();
          return;
        }
        const inputs = c.inputs();
        const before = tf.memory().numTensors;
        const report = checkGrads(c.f, inputs, { order: c.order ?? 2, seed: 7, directions: 2, eps: c.eps });
        expect(report.ok).toBe(true);
        expect(tf.memory().numTensors).toBe(before);
        // Every kernel run while differentiating twice has a ganref gradient.
        const ran = kernelsRun(() =>
          tf.tidy(() => {
            const eng = tf.engine();
            eng.gradients(
              () => {
                const g = eng.gradients(() => tf.sum(c.f(...inputs)), inputs, undefined, true).grads;
                return tf.addN([tf.scalar(0), ...g.filter((t) => t != null).map((t) => tf.sum(tf.square(t)))]);
              },
              inputs,
              undefined,
              true,
            );
          }),
        );
        expect(ran).toContain(c.kernel);
        const uncovered = [...new Set(ran)].filter((k) => !COVERED_KERNELS.includes(k) && !['Fill'].includes(k));
        expect(uncovered).toEqual([]);
        tf.dispose(inputs);
      });
    }

    it('closed forms of second derivatives', () => {
      const x = tf.tensor1d([-2, -0.7, -0.1, 0.3, 1.1, 2.5]);
      const d2 = (f: (t: T) => T) => tf.grad((t: T) => tf.sum(tf.grad((u: T) => tf.sum(f(u)))(t)))(x);
      const close = (a: T, b: T, tol = 1e-5) => {
        const da = a.dataSync();
        const db = b.dataSync();
        da.forEach((v, i) => expect(Math.abs(v - db[i])).toBeLessThan(tol * (1 + Math.abs(db[i]))));
      };
      tf.tidy(() => {
        const th = tf.tanh(x);
        close(d2(tf.tanh), tf.mul(-2, tf.mul(th, tf.sub(1, tf.square(th)))));
        const s = tf.sigmoid(x);
        close(d2(tf.sigmoid), tf.mul(tf.mul(s, tf.sub(1, s)), tf.sub(1, tf.mul(2, s))));
        close(d2(tf.softplus), tf.mul(s, tf.sub(1, s)));
        const xs = x.arraySync() as number[];
        close(d2(tf.elu), tf.tensor1d(xs.map((v) => (v < 0 ? Math.exp(v) : 0))));
        close(d2(tf.relu), tf.zerosLike(x));
        close(d2(tf.exp), tf.exp(x));
        close(d2(tf.square), tf.fill([6], 2));
      });
    });

    it('first-order gradients equal the closed forms', () => {
      const x = tf.tensor1d([-2, -0.7, -0.1, 0.3, 1.1, 2.5]);
      const d1 = (f: (t: T) => T) =>
        tf
          .grad((u: T) => tf.sum(f(u)))(x)
          .arraySync() as number[];
      const xs = x.arraySync() as number[];
      const near = (a: number[], b: number[]) =>
        a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5 * (1 + Math.abs(b[i]))));
      tf.tidy(() => {
        near(
          d1(tf.tanh),
          xs.map((v) => 1 - Math.tanh(v) ** 2),
        );
        near(
          d1(tf.sigmoid),
          xs.map((v) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2),
        );
        near(
          d1(tf.softplus),
          xs.map((v) => 1 / (1 + Math.exp(-v))),
        );
        near(
          d1(tf.relu),
          xs.map((v) => (v > 0 ? 1 : 0)),
        );
        near(
          d1((t) => tf.leakyRelu(t, 0.2)),
          xs.map((v) => (v > 0 ? 1 : 0.2)),
        );
        near(
          d1(tf.elu),
          xs.map((v) => (v > 0 ? 1 : Math.exp(v))),
        );
        near(
          d1(tf.abs),
          xs.map((v) => Math.sign(v)),
        );
      });
      x.dispose();
    });

    it('gradient penalty of an MLP critic: d/dθ of ||∇ₓD(x)||² matches finite differences', () => {
      for (const act of ['relu', 'leakyRelu', 'elu', 'tanh', 'sigmoid', 'softplus', 'selu'] as const) {
        if (act === 'selu' && tf.getKernel('Selu', backend) == null) continue;
        const actFn: Record<typeof act, (t: T) => T> = {
          relu: tf.relu,
          leakyRelu: (t) => tf.leakyRelu(t, 0.2),
          elu: tf.elu,
          tanh: tf.tanh,
          sigmoid: tf.sigmoid,
          softplus: tf.softplus,
          selu: tf.selu,
        };
        const x = vals([4, 3], 100);
        const params = [
          vals([3, 5], 101, 0.1, 0.8),
          vals([5], 102, 0.05, 0.3),
          vals([5, 1], 103, 0.1, 0.8),
          vals([1], 104),
        ];
        const before = tf.memory().numTensors;
        // Per-example gradient norm penalty, as in WGAN-GP: mean_i (||∇ₓ D(x_i)||² ).
        const penalty = (w1: T, b1: T, w2: T, b2: T) => {
          const D = (xx: T) => tf.add(tf.matMul(actFn[act](tf.add(tf.matMul(xx, w1), b1)), w2), b2);
          const gx = tf.grad((xx: T) => tf.sum(D(xx)))(x);
          return tf.mean(tf.sum(tf.square(gx), 1));
        };
        // Piecewise-linear activations: a smaller step, so the differences do not cross a kink.
        const eps = act === 'relu' || act === 'leakyRelu' || act === 'elu' || act === 'selu' ? 2 ** -12 : 2 ** -6;
        const report = checkGrads(penalty, params, { order: 1, seed: 11, directions: 3, eps, throwOnMismatch: false });
        expect(report.failures, act).toEqual([]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, ...params]);
      }
    });

    it('detects a wrong gradient, and ensureGradients repairs it', () => {
      const x = vals([5], 200);
      // Another library registers a subtly wrong Atan gradient (1% off).
      tf.registerGradient({
        kernelName: 'Atan',
        inputsToSave: ['x'],
        gradFunc: (dy, [s]) => ({ x: () => tf.mul(dy as T, tf.div(1.01, tf.add(1, tf.square(s)))) }),
      });
      expect(() => checkGrads(tf.atan, [x], { order: 1 })).toThrow(GradCheckError);
      ensureGradients();
      expect(checkGrads(tf.atan, [x], { order: 2 }).ok).toBe(true);
      x.dispose();
    });
  });
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkGrads across a kink', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  // f(x) = x·|x| is C¹ but not C² at 0: a central difference whose points straddle 0 is off by
  // O(h), past the error model, so checkGrads fails there; with the switching function x it sees
  // the sign change between its points and skips those directions instead.
  const f = (x: tf.Tensor) => tf.sum(tf.mul(x, tf.abs(x)));
  it('fails on the kink without switches, and skips every straddling direction with them', () => {
    const x = tf.tensor1d([1e-3]);
    expect(checkGrads(f, [x], { seed: 3, throwOnMismatch: false }).ok).toBe(false);
    const report = checkGrads(f, [x], { seed: 3, switches: (t) => t });
    expect(report.skipped).toBe(report.directions);
    expect(report.comparisons).toBe(0);
    // Far from the kink nothing is skipped and the check runs.
    const far = tf.tensor1d([0.5]);
    const ok = checkGrads(f, [far], { seed: 3, switches: (t) => t });
    expect(ok.skipped).toBe(0);
    expect(ok.ok).toBe(true);
    tf.dispose([x, far]);
  });
});
