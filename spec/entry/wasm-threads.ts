/**
 * Child process of `wasm-threads.test.ts` (a thread count is fixed at the wasm backend's first
 * initialisation, so each count needs a process of its own): activates wasm with the thread count
 * given as argv[2] through `useBackend`, computes matMuls and convolutions and their gradients (the
 * XNNPACK paths threads speed up, ganref's wasm kernels included) on wasm and on cpu, and prints as
 * JSON the thread count, the largest relative difference, the tensors left behind and what a
 * second `useBackend` with another count answers. It must then exit by itself: live threads that
 * kept Node's event loop alive would hang it, and the test's time limit would say so.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cpus } from 'node:os';
import 'ganref'; // ganref's gradient configs (tfjs-core alone registers none)
import { useBackend, wasmThreads } from 'ganref/backends';

const threads = Number(process.argv[2]);
// 'concurrent': two callers ask for the same count at once (as two modules of one app might).
const concurrent = process.argv[3] === 'concurrent';
const realCpus = cpus().length;

function seeded(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = 2 * (s / 4294967296) - 1;
  }
  return tf.tensor(out, shape);
}

/** Values and gradients of a small MLP and conv net: matMuls with and without transposes, conv backprop. */
function work(): Float32Array[] {
  return tf.tidy(() => {
    const x = seeded([64, 96], 1);
    const w1 = seeded([96, 128], 2);
    const w2 = seeded([128, 8], 3);
    const img = seeded([4, 12, 12, 3], 4);
    const k = seeded([3, 3, 3, 6], 5);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.add(
        tf.sum(tf.square(tf.matMul(tf.relu(tf.matMul(a, b)), c))),
        tf.sum(tf.square(tf.conv2d(d as tf.Tensor4D, k as tf.Tensor4D, 2, 'same'))),
      );
    const { value, grads } = tf.valueAndGrads(f)([x, w1, w2, img]);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const [active] = concurrent
  ? await Promise.all([useBackend('wasm', { threads }), useBackend('wasm', { threads })])
  : [await useBackend('wasm', { threads })];
const before = tf.memory().numTensors;
const onWasm = work();
const count = wasmThreads();
const left = tf.memory().numTensors - before;
let worst = 0;
await tf.setBackend('cpu');
const onCpu = work();
onCpu.forEach((ref, i) => {
  const scale = Math.max(...ref.map(Math.abs), 1e-30);
  ref.forEach((r, j) => (worst = Math.max(worst, Math.abs(onWasm[i]![j]! - r) / scale)));
});
let changed = 'accepted';
try {
  await useBackend('wasm', { threads: threads === 1 ? 2 : threads - 1 });
} catch (e) {
  changed = `${(e as Error).name}: ${(e as Error).message}`;
}
// What the start-up patched must be as it was: os.cpus() and globalThis.Worker (Node 20 has none).
const restored = cpus().length === realCpus && typeof (globalThis as { Worker?: unknown }).Worker === 'undefined';
process.stdout.write(`${JSON.stringify({ active, threads: count, worst, left, changed, restored })}\n`);
