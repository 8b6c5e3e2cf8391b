import type { Case, NDArray } from './types.js';

/** Benchmark sizes (issue: batch 256; 512 features for vectors; 3×32×32 images). */
export const BENCH = { batch: 256, features: 512, categories: 512, image: [3, 32, 32] as const, hidden: 512 };

/** A small seeded generator (mulberry32), so benchmark inputs are the same in every run. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi], float32, of the given shape. */
export function uniformArray(shape: number[], lo: number, hi: number, seed: number): NDArray {
  const next = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Array.from({ length: size }, () => Math.fround(lo + (hi - lo) * next())) };
}

/** Rows of probability vectors (positive masses), float32, shape [rows, k]. */
export function distributionsArray(rows: number, k: number, seed: number): NDArray {
  const next = rng(seed);
  const data: number[] = [];
  for (let r = 0; r < rows; r++) {
    const w = Array.from({ length: k }, () => 0.05 + next());
    const total = w.reduce((a, b) => a + b, 0);
    for (const x of w) data.push(Math.fround(x / total));
  }
  return { shape: [rows, k], data };
}

/** A benchmark case from named arrays and parameters (gradients on). */
export function benchCase(inputs: Record<string, NDArray>, params: Record<string, unknown> = {}): Case {
  return { inputs, params, grads: true, label: 'benchmark' };
}

/** The spec with a benchmark case attached (for entries built by factories). */
export function withBenchmark<S extends { benchmark?: () => Case }>(spec: S, benchmark: () => Case): S {
  return { ...spec, benchmark };
}

/** Weights and biases of an MLP with the given widths, as spec inputs `{prefix}W{l}`, `{prefix}B{l}`. */
export function mlpArrays(prefix: string, widths: number[], seed: number): Record<string, NDArray> {
  const out: Record<string, NDArray> = {};
  for (let l = 0; l + 1 < widths.length; l++) {
    const scale = 1 / Math.sqrt(widths[l]!);
    out[`${prefix}W${l}`] = uniformArray([widths[l]!, widths[l + 1]!], -scale, scale, seed + 2 * l);
    out[`${prefix}B${l}`] = uniformArray([widths[l + 1]!], -0.1, 0.1, seed + 2 * l + 1);
  }
  return out;
}
