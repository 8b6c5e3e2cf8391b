import * as tf from '@tensorflow/tfjs-core';
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as fc from 'fast-check';
import { CATALOG } from 'ganref/catalog';
import { directionsOf, evaluateCase, wrtOf } from 'ganref/conformance';
import { COVERED_KERNELS, ensureGradients, isOurs, registerGradients } from '../src/autodiff/index.js';
import { checkConvnet, convForward, type Convnet } from '../src/nets/conv.js';
import { checkMlp, forward as mlpForward, type Activation, type Mlp } from '../src/nets/mlp.js';
import { installWasmKernels, uninstallWasmKernels } from '../src/backends/wasm-kernels.js';
import { TEST_BACKENDS, useBackend } from './helpers.js';

/**
 * A regression test that RECORDS what stock TF.js (4.x, `@tensorflow/tfjs-core`'s own gradient
 * configs, `dist/register_all_gradients.js`) gets wrong for second derivatives on the critics of
 * `network/mlp` and `network/conv`, so that we learn when upstream changes (tensorflow/tfjs issue
 * 3252). When a row of `RECORDED` flips, upstream changed: update the table (and the README's
 * account of why ganref registers its own configs).
 *
 * Under Node, `@tensorflow/tfjs-core` resolves to its CJS bundle, which registers no gradient at
 * all; the stock configs are bundled here with esbuild from the ESM sources into a temporary
 * directory (never committed) and imported. The bundle carries its own copy of tfjs-core's
 * modules, but the engine and the gradient registry live on the global object, so its configs
 * land in the same registry as ganref's. ganref's configs are restored in `afterAll`.
 *
 * Verdicts: 'correct' (within 1e-4 relative of ganref's value, which is cross-checked against
 * the PyTorch oracle and finite differences elsewhere), 'wrong' (finite but different: terms
 * silently dropped), 'throws' (the second backward pass fails).
 */
type Verdict = 'correct' | 'wrong' | 'throws';

/**
 * What stock TF.js 4.22 does, per case (the same on cpu and wasm). Note how a network hides the
 * problem: tanh'' alone throws (its gradient reads the saved output), but inside an MLP the
 * penalty's gradient comes back finite and WRONG (the terms through the saved output are dropped
 * without an error); the pools' backprop kernels (AvgPoolGrad, MaxPoolGrad) have no gradient.
 */
const RECORDED: Record<string, Verdict> = {
  "relu''": 'correct',
  "leaky-relu''": 'throws',
  "elu''": 'throws',
  "selu''": 'throws',
  "tanh''": 'throws',
  "sigmoid''": 'throws',
  "softplus''": 'correct',
  "swish''": 'wrong',
  'mlp+relu penalty': 'correct',
  'mlp+leaky-relu penalty': 'throws',
  'mlp+elu penalty': 'throws',
  'mlp+selu penalty': 'throws',
  'mlp+tanh penalty': 'wrong',
  'mlp+sigmoid penalty': 'wrong',
  'mlp+softplus penalty': 'correct',
  'mlp+swish penalty': 'wrong',
  'conv+relu penalty': 'correct',
  'conv+tanh penalty': 'wrong',
  'conv+softplus+max-pool penalty': 'throws',
  'conv+softplus+avg-pool penalty': 'throws',
  'conv+softplus+layer-norm penalty': 'correct',
  'conv+softplus+batch-norm penalty': 'correct',
};

/**
 * wasm has no Conv2DBackpropFilter kernel and stock Conv2D's gradient needs it, so under stock
 * configs every convolution's filter gradient fails there, first order included (ganref computes
 * it from input windows on wasm, see src/autodiff/gradients/conv.ts).
 */
const RECORDED_BY_BACKEND: Record<string, Record<string, Verdict>> = {
  cpu: RECORDED,
  wasm: {
    ...RECORDED,
    'conv+relu penalty': 'throws',
    'conv+tanh penalty': 'throws',
    'conv+softplus+layer-norm penalty': 'throws',
    'conv+softplus+batch-norm penalty': 'throws',
  },
};

/** First-order cases that stock TF.js cannot run at all, per backend. */
const STOCK_FIRST_ORDER_THROWS: Record<string, string[]> = {
  cpu: [],
  wasm: ['conv2d + avgPool + maxPool + batchNorm + moments'],
};

type T = tf.Tensor;

/** Seeded values in ±[lo, hi] (away from kinks at 0). */
function vals(shape: number[], seed: number, lo = 0.2, hi = 1.2): T {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = (seed * 2654435761) >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return tf.tensor(
    Array.from({ length: n }, () => (next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * next())),
    shape,
    'float32',
  );
}

const ACT: Record<string, (t: T) => T> = {
  relu: tf.relu,
  'leaky-relu': (t) => tf.leakyRelu(t, 0.2),
  elu: tf.elu,
  selu: tf.selu,
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  softplus: tf.softplus,
  swish: (t) => tf.mul(t, tf.sigmoid(t)),
};

/**
 * Σᵢ‖∇ₓc(xᵢ)‖² and its gradient with respect to the weights, written with plain TF.js ops and
 * ganref's forward passes (which do not call ensureGradients), so whichever configs are
 * registered are the ones used.
 */
function penaltyGrads(critic: (x: T, ws: T[]) => T, x: T, ws: T[]): number[] {
  return tf.tidy(() => {
    const g = tf.grads((...w: T[]) => {
      const gx = tf.grad((u: T) => tf.sum(critic(u, w)))(x);
      // + 0·Σ sum(w): a weight the penalty does not depend on (relu's output bias) gets zeros.
      return w.reduce((acc, t) => tf.add(acc, tf.mul(0, tf.sum(t))), tf.sum(tf.square(gx))) as tf.Scalar;
    })(ws);
    return g.flatMap((t) => Array.from(t.dataSync()));
  });
}

function mlpCase(act: Activation): () => number[] {
  return () => {
    const x = vals([3, 3], 1);
    const ws = [vals([3, 4], 2), vals([4], 3), vals([4, 1], 4), vals([1], 5)];
    const critic = (u: T, w: T[]) => {
      const net: Mlp = {
        layers: [
          { weight: w[0]!, bias: w[1]! },
          { weight: w[2]!, bias: w[3]! },
        ],
        activation: act,
      };
      return mlpForward(checkMlp('stock', 'net', net), u);
    };
    const out = penaltyGrads(critic, x, ws);
    tf.dispose([x, ...ws]);
    return out;
  };
}

function convCase(act: Activation, over: Partial<Convnet>, norm: 'none' | 'layer' | 'batch' = 'none'): () => number[] {
  return () => {
    const x = vals([2, 4, 4, 2], 11);
    const ws = [
      vals([3, 3, 2, 3], 12),
      vals([3], 13),
      vals([3], 14, 0.5, 1.5),
      vals([3], 15),
      vals([3], 16),
      tf.tidy(() => tf.abs(vals([3], 17, 0.5, 2))),
    ];
    const flat = over.pooling && over.pooling !== 'none' ? 2 * 2 * 3 : 4 * 4 * 3;
    const head = [vals([flat, 1], 18), vals([1], 19)];
    const critic = (u: T, w: T[]) => {
      const layer =
        norm === 'none'
          ? { filter: w[0]!, bias: w[1]! }
          : norm === 'layer'
            ? { filter: w[0]!, bias: w[1]!, gamma: w[2]!, beta: w[3]! }
            : { filter: w[0]!, bias: w[1]!, gamma: w[2]!, beta: w[3]!, mean: w[4]!, variance: w[5]! };
      const net: Convnet = {
        conv: [layer],
        head: { layers: [{ weight: w[6]!, bias: w[7]! }] },
        activation: act,
        normalization: norm,
        ...over,
      };
      return convForward(checkConvnet('stock', 'net', net), u as tf.Tensor4D);
    };
    const all = [...ws, ...head];
    const used = norm === 'none' ? [0, 1, 6, 7] : norm === 'layer' ? [0, 1, 2, 3, 6, 7] : [0, 1, 2, 3, 4, 5, 6, 7];
    const out = penaltyGrads(
      (u, w) =>
        critic(
          u,
          all.map((t, i) => (used.includes(i) ? w[used.indexOf(i)]! : t)),
        ),
      x,
      used.map((i) => all[i]!),
    );
    tf.dispose([x, ...all]);
    return out;
  };
}

function secondDerivative(f: (t: T) => T): () => number[] {
  return () =>
    tf.tidy(() => {
      const x = tf.tensor1d([-1.3, -0.4, 0.7, 1.9]);
      return Array.from(
        tf
          .grad((t: T) => tf.sum(tf.grad((u: T) => tf.sum(f(u)))(t)))(x)
          .dataSync(),
      );
    });
}

const CASES: Record<string, () => number[]> = {
  ...Object.fromEntries(Object.entries(ACT).map(([k, f]) => [`${k}''`, secondDerivative(f)])),
  ...Object.fromEntries(
    (['relu', 'leaky-relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'swish'] as Activation[]).map((a) => [
      `mlp+${a} penalty`,
      mlpCase(a),
    ]),
  ),
  'conv+relu penalty': convCase('relu', {}),
  'conv+tanh penalty': convCase('tanh', {}),
  'conv+softplus+max-pool penalty': convCase('softplus', { pooling: 'max' }),
  'conv+softplus+avg-pool penalty': convCase('softplus', { pooling: 'avg' }),
  'conv+softplus+layer-norm penalty': convCase('softplus', {}, 'layer'),
  'conv+softplus+batch-norm penalty': convCase('softplus', {}, 'batch'),
};

/** First-order gradients (inputs and weights) of the same critics, for the no-change test. */
const FIRST_ORDER: Record<string, () => number[]> = {
  ...Object.fromEntries(
    Object.entries(ACT).map(([k, f]) => [
      k,
      () =>
        tf.tidy(() =>
          Array.from(
            tf
              .grad((u: T) => tf.sum(f(u)))(tf.tensor1d([-1.3, -0.4, 0.7, 1.9]))
              .dataSync(),
          ),
        ),
    ]),
  ),
  'conv2d + avgPool + maxPool + batchNorm + moments': () =>
    tf.tidy(() => {
      const x = vals([2, 4, 4, 2], 21);
      const ws = [vals([3, 3, 2, 3], 22), vals([3], 23), tf.abs(vals([3], 24, 0.5, 2)), vals([3], 25), vals([3], 26)];
      const f = (a: T, w: T, m: T, v: T, beta: T, gamma: T) => {
        const z = tf.batchNorm(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), m, v, beta, gamma, 1e-5);
        const { mean, variance } = tf.moments(z, [1, 2, 3], true);
        const n = tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, 1e-5)));
        return tf.add(
          tf.sum(tf.avgPool(n as tf.Tensor4D, 2, 2, 'valid')),
          tf.sum(tf.square(tf.maxPool(n as tf.Tensor4D, 2, 2, 'valid'))),
        );
      };
      return tf
        .grads(f)([x, ...ws])
        .flatMap((g) => Array.from(g.dataSync()));
    }),
  'matMul + tanh + sigmoid + elu (dense layers)': () =>
    tf.tidy(() => {
      const x = vals([3, 3], 31);
      const ws = [vals([3, 4], 32), vals([4, 1], 33)];
      const f = (a: T, w0: T, w1: T) => tf.sum(tf.elu(tf.matMul(tf.sigmoid(tf.tanh(tf.matMul(a, w0))), w1)));
      return tf
        .grads(f)([x, ...ws])
        .flatMap((g) => Array.from(g.dataSync()));
    }),
};

function verdictOf(run: () => number[], truth: number[]): Verdict {
  let got: number[];
  try {
    got = run();
  } catch {
    return 'throws';
  }
  const ok =
    got.length === truth.length &&
    got.every((v, i) => Math.abs(v - truth[i]!) <= 1e-4 * Math.max(1, Math.abs(truth[i]!)));
  return ok ? 'correct' : 'wrong';
}

/** Stock configs, captured right after the stock bundle registered them. */
let stock: Map<string, tf.GradConfig>;
let bundleDir: string;

async function loadStock(): Promise<void> {
  const require = createRequire(import.meta.url);
  const entry = join(require.resolve('@tensorflow/tfjs-core/package.json'), '..', 'dist', 'register_all_gradients.js');
  bundleDir = mkdtempSync(join(tmpdir(), 'ganref-stock-tfjs-'));
  const out = join(bundleDir, 'stock-gradients.mjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'error',
  });
  await import(pathToFileURL(out).href);
  stock = new Map();
  for (const k of COVERED_KERNELS) {
    const c = tf.getGradient(k);
    if (c && !isOurs(k)) stock.set(k, c);
  }
}

/** The engine's global gradient registry (tfjs-core keeps it in `globalThis._tfGlobals`). */
function gradRegistry(): Map<string, tf.GradConfig> {
  return (globalThis as unknown as { _tfGlobals: Map<string, unknown> })._tfGlobals.get('gradRegistry') as Map<
    string,
    tf.GradConfig
  >;
}

/**
 * Pure stock: the stock configs, and NO config for the kernels stock leaves without one (the
 * comparisons Greater, LessEqual…, EluGrad) — ganref's zero gradients for those would otherwise
 * repair stock's relu-family configs. `registerGradients()` puts everything of ganref's back.
 */
function registerStock(): void {
  const registry = gradRegistry();
  for (const k of COVERED_KERNELS) {
    const c = stock.get(k);
    if (c) tf.registerGradient(c);
    else registry.delete(k);
  }
}

beforeAll(async () => {
  registerGradients();
  await loadStock();
  registerGradients();
});

afterAll(() => {
  registerGradients();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

describe.each(TEST_BACKENDS)('stock TF.js gradients on %s', (backend) => {
  beforeAll(async () => {
    expect(await useBackend(backend)).toBe(backend);
    // Stock TF.js as a user has it: without the wasm kernels ganref's useBackend('wasm') adds
    // (with them, wasm gains Conv2DBackpropFilter and stock's conv gradients run as on cpu).
    if (backend === 'wasm') uninstallWasmKernels();
  });
  afterAll(() => {
    if (backend === 'wasm') installWasmKernels();
  });

  test('the stock bundle registered its own configs for the critic kernels', () => {
    for (const k of [
      'Relu',
      'LeakyRelu',
      'Elu',
      'Selu',
      'Tanh',
      'Sigmoid',
      'Softplus',
      'Conv2D',
      'MaxPool',
      'AvgPool',
      'FusedBatchNorm',
      'BatchMatMul',
    ]) {
      expect(stock.has(k), k).toBe(true);
    }
  });

  test('records what stock TF.js gets wrong for second derivatives (update RECORDED when upstream changes)', () => {
    registerGradients();
    const truth = Object.fromEntries(Object.entries(CASES).map(([k, run]) => [k, run()]));
    for (const [k, t] of Object.entries(truth)) expect(t.every(Number.isFinite), k).toBe(true);
    registerStock();
    const seen: Record<string, Verdict> = {};
    try {
      for (const [k, run] of Object.entries(CASES)) seen[k] = verdictOf(run, truth[k]!);
    } finally {
      registerGradients();
    }
    expect(seen).toEqual(RECORDED_BY_BACKEND[backend]);
  });

  test('importing ganref changes no first-order gradient of these kernels (stock and ganref agree)', () => {
    registerStock();
    const stockValues: Record<string, number[]> = {};
    const throws: string[] = [];
    try {
      for (const [k, run] of Object.entries(FIRST_ORDER)) {
        try {
          stockValues[k] = run();
        } catch {
          throws.push(k);
        }
      }
    } finally {
      registerGradients();
    }
    expect(throws).toEqual(STOCK_FIRST_ORDER_THROWS[backend]);
    for (const [k, run] of Object.entries(FIRST_ORDER)) {
      const ours = run();
      expect(ours.every(Number.isFinite), k).toBe(true);
      const theirs = stockValues[k];
      if (!theirs) continue;
      expect(ours.length, k).toBe(theirs.length);
      ours.forEach((v, i) =>
        expect(Math.abs(v - theirs[i]!), `${k}[${i}]: ganref ${v}, stock ${theirs[i]}`).toBeLessThanOrEqual(
          1e-6 * Math.max(1, Math.abs(theirs[i]!)),
        ),
      );
    }
  });

  // Another library (the full @tensorflow/tfjs bundle, say) may register its configs after ganref
  // was imported. Every public loss and penalty must put ganref's back before it differentiates:
  // with stock configs registered, each spec's first case gives ganref's values, gradients and
  // Hessian-vector products bit for bit, and leaves every ganref config registered.
  describe('every loss and penalty repairs configs re-registered after import (ensureGradients in its preamble)', () => {
    const specs = CATALOG.filter((s) => s.secondOrder && (s.section === 'objectives' || s.section === 'regularizers'));
    test.each(specs.map((s) => [s.id, s] as const))('%s', (_id, spec) => {
      const c = spec.edges[0] ?? fc.sample(spec.sample, { numRuns: 1, seed: 1 })[0]!;
      const wrt = wrtOf(c);
      const directions = directionsOf(c, wrt, 1);
      const flat = (m: Map<string, { data: Float32Array }>) =>
        Object.fromEntries([...m].map(([k, v]) => [k, Array.from(v.data)]));
      registerGradients();
      const truth = flat(evaluateCase(spec, c, wrt, directions));
      registerStock();
      let seen: Record<string, number[]>;
      let notOurs: string[];
      try {
        seen = flat(evaluateCase(spec, c, wrt, directions));
        notOurs = COVERED_KERNELS.filter((k) => !isOurs(k));
      } finally {
        registerGradients();
      }
      expect(notOurs, 'kernels whose ganref config was not restored').toEqual([]);
      expect(seen).toEqual(truth);
    });
  });

  test('ganref wins again when stock configs are registered after it: ensureGradients() restores every config', () => {
    registerGradients();
    const truth = CASES['mlp+tanh penalty']!();
    registerStock();
    expect(isOurs('Tanh')).toBe(false);
    expect(verdictOf(CASES['mlp+tanh penalty']!, truth)).toBe(RECORDED['mlp+tanh penalty']);
    ensureGradients();
    expect(COVERED_KERNELS.filter((k) => !isOurs(k))).toEqual([]);
    expect(CASES['mlp+tanh penalty']!()).toEqual(truth);
  });
});
