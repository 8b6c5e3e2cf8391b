import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, test } from 'vitest';
import {
  installWasmKernels,
  uninstallWasmKernels,
  WASM_KERNELS,
  wasmKernelsInstalled,
} from '../src/backends/wasm-kernels.js';
import { useBackend } from './helpers.js';

/**
 * ganref's wasm kernels (src/backends/wasm-kernels.ts): installed by `useBackend('wasm')` only,
 * equal to the cpu backend's kernels on a grid of shapes, strides and paddings, leak-free, and
 * removable. Their gradients (ganref's configs) are checked against finite differences to second
 * order in spec/autodiff.test.ts ('wasm+kernels').
 */

type T = tf.Tensor;

/** Seeded values in [−1, 1). */
function vals(shape: number[], seed: number): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = Math.imul(seed + 0x9e3779b9, 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = 2 * (s / 4294967296) - 1;
  }
  return tf.tensor(out, shape, 'float32');
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [];
for (const [x, filter] of [
  [
    [2, 8, 8, 3],
    [3, 3, 3, 4],
  ],
  [
    [3, 7, 9, 2],
    [3, 2, 2, 5],
  ],
  [
    [1, 5, 5, 1],
    [1, 1, 1, 1],
  ],
  [
    [2, 12, 10, 4],
    [5, 5, 4, 3],
  ],
  [
    [2, 6, 6, 3],
    [4, 4, 3, 2],
  ],
] as [ConvCase['x'], ConvCase['filter']][]) {
  for (const stride of [1, 2, 3]) {
    for (const pad of [
      'same',
      'valid',
      [
        [0, 0],
        [2, 2],
        [0, 1],
        [0, 0],
      ],
      [
        [0, 0],
        [1, 0],
        [2, 1],
        [0, 0],
      ],
    ] as Pad[]) {
      CONV_CASES.push({ x, filter, stride, pad });
    }
  }
}

/** dx and dW of every case, by the registered kernels of the active backend. */
function convBackprops(): number[][][] {
  return CONV_CASES.map((c, i) =>
    tf.tidy(() => {
      const x = vals(c.x, 10 * i + 1);
      const filter = vals(c.filter, 10 * i + 2);
      const outShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad).outShape;
      const dy = vals(outShape, 10 * i + 3);
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        ...attrs,
        inputShape: c.x,
      } as unknown as tf.NamedAttrMap) as T;
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        ...attrs,
        filterShape: c.filter,
      } as unknown as tf.NamedAttrMap) as T;
      return [Array.from(dx.dataSync()), Array.from(dw.dataSync())];
    }),
  );
}

/** Every transpose combination, batch 1 (XNNPACK's case) and batch 3 (the backend's own loop). */
function matMuls(): number[][] {
  const out: number[][] = [];
  [false, true].forEach((tA) =>
    [false, true].forEach((tB) =>
      tf.tidy(() => {
        const k = 37;
        const a = vals(tA ? [k, 23] : [23, k], out.length + 50);
        const b = vals(tB ? [19, k] : [k, 19], out.length + 60);
        const a3 = vals(tA ? [3, k, 23] : [3, 23, k], out.length + 70);
        const b3 = vals(tB ? [3, 19, k] : [3, k, 19], out.length + 80);
        out.push(Array.from(tf.matMul(a, b, tA, tB).dataSync()), Array.from(tf.matMul(a3, b3, tA, tB).dataSync()));
      }),
    ),
  );
  return out;
}

/** Slices of ranks 1–6: whole, contiguous, strided, single elements, empty, int32. */
const SLICE_CASES: { shape: number[]; begin: number[]; size: number[]; dtype?: 'int32' }[] = [
  { shape: [7], begin: [2], size: [4] },
  { shape: [5, 6], begin: [1, 0], size: [3, 6] },
  { shape: [5, 6], begin: [1, 2], size: [3, -1] },
  { shape: [4, 5, 6], begin: [0, 1, 2], size: [4, 3, 2] },
  { shape: [2, 7, 6, 3], begin: [0, 1, 0, 0], size: [2, 5, 6, 3] },
  { shape: [2, 7, 6, 3], begin: [1, 1, 2, 1], size: [1, 5, 3, 1] },
  { shape: [2, 3, 2, 4, 2, 3], begin: [0, 1, 0, 1, 0, 0], size: [2, 2, 1, 3, 1, 3] },
  { shape: [2, 3, 2, 4, 2, 3], begin: [1, 0, 1, 0, 1, 2], size: [1, 3, 1, 4, 1, 1] },
  { shape: [3, 4], begin: [1, 1], size: [0, 2] },
  { shape: [3, 4, 5], begin: [1, 0, 1], size: [2, 4, 3], dtype: 'int32' },
];

function slices(): number[][] {
  return SLICE_CASES.map((c, i) =>
    tf.tidy(() => {
      const x = c.dtype === 'int32' ? tf.cast(tf.mul(vals(c.shape, 200 + i), 100), 'int32') : vals(c.shape, 200 + i);
      return Array.from(tf.slice(x, c.begin, c.size).dataSync());
    }),
  );
}

/**
 * max |a − b| / max |b| over an array. Each entry is a float32 sum of at most 640 products of
 * values in [−1, 1) (dW: n·oh·ow ≤ 2·12·10 windows × ≤ 4 channels… plus the cpu side's own
 * rounding); a recursive or blocked float32 sum is off by a few ulps of Σ|terms| normwise, and
 * the measured worst is 7.5e-7; 1e-5 (≈ 170 ulps) leaves room for other instruction sets while a
 * wrong index or padding is off by O(1).
 */
function normwise(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let scale = 0;
  a.forEach((v, i) => {
    err = Math.max(err, Math.abs(v - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  });
  return err / Math.max(scale, 1e-30);
}

describe('ganref wasm kernels', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('tf.setBackend("wasm") alone installs nothing; useBackend("wasm") installs them', async () => {
    // From the state before any useBackend('wasm'), whatever ran before in this file (the
    // portability run's shuffled order ran the kernels' own tests first).
    uninstallWasmKernels();
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
    expect(wasmKernelsInstalled()).toBe(false);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    await useBackend('wasm');
    expect(wasmKernelsInstalled()).toBe(true);
    expect(WASM_KERNELS.every((k) => tf.getKernel(k, 'wasm') != null)).toBe(true);
    expect(installWasmKernels()).toEqual([]);
  });

  test('conv backprop kernels, transposed matMuls and slices equal the cpu backend, and leak nothing', async () => {
    await useBackend('cpu');
    const convRef = convBackprops();
    const mmRef = matMuls();
    const sliceRef = slices();
    await useBackend('wasm');
    const before = { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
    const conv = convBackprops();
    const mm = matMuls();
    const sliced = slices();
    expect({ tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() }).toEqual(before);
    const bad: string[] = [];
    CONV_CASES.forEach((c, i) => {
      ['dx', 'dW'].forEach((what, j) => {
        const r = normwise(conv[i]![j]!, convRef[i]![j]!);
        if (!(r <= 1e-5)) bad.push(`${what} ${JSON.stringify(c)}: ${r}`);
      });
    });
    mm.forEach((m, i) => {
      const r = normwise(m, mmRef[i]!);
      if (!(r <= 1e-5)) bad.push(`matMul #${i}: ${r}`);
    });
    expect(bad).toEqual([]);
    // Slices copy values: exactly equal.
    expect(sliced).toEqual(sliceRef);
  });

  test('Identity shares the buffer: a clone outlives its source, and frees it once both are gone', async () => {
    await useBackend('wasm');
    const ids = tf.engine().backend.numDataIds();
    const t = tf.tensor([1, 2, 3]);
    const c = tf.clone(t);
    expect(tf.engine().backend.numDataIds()).toBe(ids + 1);
    t.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    c.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  test("uninstallWasmKernels puts the backend's own kernels back", async () => {
    await useBackend('wasm');
    uninstallWasmKernels();
    expect(wasmKernelsInstalled()).toBe(false);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBeDefined();
    expect(Array.from(tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true).dataSync())).toEqual([3, 3, 3, 3]);
    installWasmKernels();
    expect(wasmKernelsInstalled()).toBe(true);
  });
});
