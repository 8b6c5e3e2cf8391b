/**
 * ganref's gradient configs and wasm kernels against stock TF.js, side by side in one interleaved
 * run (medians): an MLP critic 512→512→512→1 on a batch of 256, relu or softplus (the activations
 * where stock TF.js is right to second order), two workloads:
 *
 * - `step`: the first-order step, the gradient of mean(c(x)) wrt the six weights;
 * - `gp`: WGAN-GP's double backprop, the gradient of mean((‖∇ₓc(x̂)‖ − 1)²) wrt the weights.
 *
 * Variants: `stock` (tfjs-core's own gradient configs, bundled from its ESM sources with esbuild,
 * as spec/stock-tfjs.test.ts does, and the backend's own kernels), `ganref` (ganref's configs and,
 * on wasm, the kernels `useBackend('wasm')` installs) and on wasm `ganref-configs` (ganref's
 * configs, the backend's own kernels). The forward pass is the same code for every variant.
 * Reports per variant: milliseconds (median), kernels run (and BatchMatMuls among them), the
 * ratio to stock, and the largest difference of the gradients from stock's.
 *
 * `--workload conv` times the catalog's conv critic benchmark (network/conv: 256 images 3×32×32,
 * two 3×3 stride-2 convs, the value and the gradients wrt every input, penalty included) with
 * ganref's configs, on wasm with and without ganref's kernels (stock TF.js has no wasm filter
 * gradient, so no stock column there).
 *
 *   npx tsx scripts/bench-kernels.ts [--backend cpu,wasm] [--act relu,softplus] [--workload step,gp,conv] [--runs 15]
 */
import * as tf from '@tensorflow/tfjs-core';
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { COVERED_KERNELS, isOurs, registerGradients } from '../src/autodiff/index.js';
import { useBackend } from 'ganref/backends';
import { installWasmKernels, uninstallWasmKernels } from '../src/backends/wasm-kernels.js';
import { CATALOG } from '../src/catalog/index.js';
import { evaluateCase, wrtOf } from '../src/conformance/evaluate.js';
import { configure } from '../src/validate.js';

const { values: opts } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu,wasm' },
    act: { type: 'string', default: 'relu,softplus' },
    workload: { type: 'string', default: 'step,gp' },
    runs: { type: 'string', default: '15' },
    batch: { type: 'string', default: '256' },
    width: { type: 'string', default: '512' },
  },
});
const RUNS = Number(opts.runs);
const N = Number(opts.batch);
const D = Number(opts.width);

type T = tf.Tensor;

let stock = new Map<string, tf.GradConfig>();

async function loadStock(): Promise<void> {
  const require = createRequire(import.meta.url);
  const entry = join(require.resolve('@tensorflow/tfjs-core/package.json'), '..', 'dist', 'register_all_gradients.js');
  const dir = mkdtempSync(join(tmpdir(), 'ganref-bench-stock-'));
  const out = join(dir, 'stock-gradients.mjs');
  try {
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: out,
      logLevel: 'error',
    });
    await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  stock = new Map();
  for (const k of COVERED_KERNELS) {
    const c = tf.getGradient(k);
    if (c && !isOurs(k)) stock.set(k, c);
  }
  registerGradients();
}

/** Stock configs only (no ganref config for the kernels stock leaves without one). */
function registerStock(): void {
  const registry = (globalThis as unknown as { _tfGlobals: Map<string, unknown> })._tfGlobals.get(
    'gradRegistry',
  ) as Map<string, tf.GradConfig>;
  for (const k of COVERED_KERNELS) {
    const c = stock.get(k);
    if (c) tf.registerGradient(c);
    else registry.delete(k);
  }
}

function seeded(shape: number[], seed: number, scale: number): T {
  return tf.tidy(() => tf.mul(tf.randomUniform(shape, -1, 1, 'float32', seed), scale));
}

function critic(x: T, w: T[], act: string): T {
  const f = act === 'relu' ? tf.relu : tf.softplus;
  const h1 = f(tf.add(tf.matMul(x, w[0]!), w[1]!));
  const h2 = f(tf.add(tf.matMul(h1, w[2]!), w[3]!));
  return tf.add(tf.matMul(h2, w[4]!), w[5]!);
}

function workload(kind: string, act: string, x: T, w: T[]): () => T[] {
  if (kind === 'step') return () => tf.grads((...ws: T[]) => tf.mean(critic(x, ws, act)) as tf.Scalar)(w);
  return () =>
    tf.grads((...ws: T[]) => {
      const g = tf.grad((u: T) => tf.sum(critic(u, ws, act)))(x);
      const penalty = tf.mean(tf.square(tf.sub(tf.sqrt(tf.sum(tf.square(g), 1)), 1)));
      // + 0·b₂: the output bias does not reach the penalty, and tf.grads refuses a weight with no path.
      return tf.add(penalty, tf.mul(0, tf.sum(ws[5]!))) as tf.Scalar;
    })(w);
}

interface Variant {
  name: string;
  enter(): void;
}

function variantsFor(backend: string): Variant[] {
  const v: Variant[] = [
    {
      name: 'stock',
      enter: () => {
        if (backend === 'wasm') uninstallWasmKernels();
        registerStock();
      },
    },
  ];
  if (backend === 'wasm') {
    v.push({
      name: 'ganref-configs',
      enter: () => {
        uninstallWasmKernels();
        registerGradients();
      },
    });
  }
  v.push({
    name: 'ganref',
    enter: () => {
      if (backend === 'wasm') installWasmKernels();
      registerGradients();
    },
  });
  return v;
}

function countKernels(fn: () => T[]): { total: number; matMuls: number } {
  const names: string[] = [];
  // Counts every kernel the engine runs (kernels called through ops, as the ops do).
  const backendImpl = tf.engine() as unknown as { runKernelFunc: (...a: unknown[]) => unknown };
  const originalFunc = backendImpl.runKernelFunc;
  backendImpl.runKernelFunc = function (this: unknown, ...args: unknown[]) {
    const p = args[0] as { kernelName?: string };
    if (p && typeof p === 'object' && 'kernelName' in p) names.push(String(p.kernelName));
    return originalFunc.apply(this, args);
  };
  try {
    tf.tidy(() => {
      fn();
    });
  } finally {
    backendImpl.runKernelFunc = originalFunc;
  }
  return { total: names.length, matMuls: names.filter((k) => k === 'BatchMatMul' || k === '_FusedMatMul').length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function convBench(backend: string): Promise<void> {
  const spec = CATALOG.find((s) => s.id === 'network/conv')!;
  const c = spec.benchmark!();
  const wrt = wrtOf(c);
  const variants = variantsFor(backend).filter((v) => v.name !== 'stock');
  const run = () => evaluateCase(spec, c, wrt);
  const counts = new Map<string, { total: number; matMuls: number }>();
  const values = new Map<string, Float32Array>();
  for (const v of variants) {
    v.enter();
    values.set(v.name, run().get('grad:gradientPenalty:convW0')!.data);
    counts.set(
      v.name,
      countKernels(() => (run(), [])),
    );
  }
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < Math.max(3, Math.ceil(RUNS / 3)) + 1; r++) {
    for (const v of variants) {
      v.enter();
      const t0 = performance.now();
      run();
      if (r > 0) times.get(v.name)!.push(performance.now() - t0);
    }
  }
  registerGradients();
  if (backend === 'wasm') installWasmKernels();
  const ref = values.get(variants[0]!.name)!;
  for (const v of variants) {
    const got = values.get(v.name)!;
    let diff = 0;
    got.forEach((val, j) => (diff = Math.max(diff, Math.abs(val - ref[j]!))));
    const c2 = counts.get(v.name)!;
    console.log(
      [
        backend,
        'conv',
        v.name.padEnd(14),
        `${median(times.get(v.name)!).toFixed(1).padStart(8)} ms`,
        `${c2.total} kernels`,
        `max |Δ ∂penalty/∂convW0| vs ${variants[0]!.name} ${diff.toExponential(1)}`,
      ].join('  '),
    );
  }
}

async function main(): Promise<void> {
  configure({ checkValues: false }); // as in a training loop (and as scripts/bench.ts runs)
  await loadStock();
  for (const backend of opts.backend!.split(',')) {
    await useBackend(backend);
    if (opts.workload!.split(',').includes('conv')) await convBench(backend);
    for (const kind of opts.workload!.split(',').filter((k) => k !== 'conv')) {
      for (const act of opts.act!.split(',')) {
        const x = seeded([N, D], 1, 1);
        const w = [
          seeded([D, D], 2, 1 / Math.sqrt(D)),
          seeded([D], 3, 0.1),
          seeded([D, D], 4, 1 / Math.sqrt(D)),
          seeded([D], 5, 0.1),
          seeded([D, 1], 6, 1 / Math.sqrt(D)),
          seeded([1], 7, 0.1),
        ];
        const run = workload(kind, act, x, w);
        const variants = variantsFor(backend);
        const values = new Map<string, Float32Array[]>();
        const counts = new Map<string, { total: number; matMuls: number }>();
        for (const v of variants) {
          v.enter();
          values.set(
            v.name,
            tf.tidy(() => run().map((t) => t.dataSync() as Float32Array)),
          );
          counts.set(v.name, countKernels(run));
        }
        const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
        for (let r = 0; r < RUNS + 1; r++) {
          for (const v of variants) {
            v.enter();
            const t0 = performance.now();
            tf.tidy(() => {
              const g = run();
              for (const t of g) t.dataSync();
            });
            const ms = performance.now() - t0;
            if (r > 0) times.get(v.name)!.push(ms); // the first round warms up
          }
        }
        registerGradients();
        if (backend === 'wasm') installWasmKernels();
        const base = median(times.get('stock')!);
        const ref = values.get('stock')!;
        for (const v of variants) {
          const got = values.get(v.name)!;
          let diff = 0;
          let scale = 0;
          got.forEach((g, i) =>
            g.forEach((val, j) => {
              diff = Math.max(diff, Math.abs(val - ref[i]![j]!));
              scale = Math.max(scale, Math.abs(ref[i]![j]!));
            }),
          );
          const ms = median(times.get(v.name)!);
          const c = counts.get(v.name)!;
          const spread = [...times.get(v.name)!].sort((a, b) => a - b);
          console.log(
            [
              backend,
              kind,
              act,
              v.name.padEnd(14),
              `${ms.toFixed(1).padStart(8)} ms`,
              `(p25 ${spread[Math.floor(spread.length / 4)]!.toFixed(1)}, p75 ${spread[Math.floor((3 * spread.length) / 4)]!.toFixed(1)})`,
              `${(ms / base).toFixed(2)}× stock`,
              `${c.total} kernels, ${c.matMuls} matMuls`,
              `max |Δ| vs stock ${diff.toExponential(1)} (max |g| ${scale.toExponential(1)})`,
            ].join('  '),
          );
        }
        tf.dispose([x, ...w]);
      }
    }
  }
}

await main();
