import { type VegaLiteSpec } from './plot.js';

/** Options every experiment takes (the command line's `--seeds`, `--steps`). */
export interface ExperimentOptions {
  /** How many seeds (starting points, training runs) per method; each experiment has its default. */
  seeds?: number;
  /** The budget in steps (trajectory steps, generator steps); each experiment has its default. */
  steps?: number;
  /** Progress: `done` of `total` units of work, `what` is being done. */
  onProgress?: (done: number, total: number, what: string) => void;
}

/** What an experiment returns: its JSON result and its plots (vega-lite specifications by file stem). */
export interface ExperimentOutput<R> {
  result: R;
  plots: Record<string, VegaLiteSpec>;
}

/** An experiment of `ganref lab`. */
export interface Experiment<R = unknown> {
  /** The name on the command line. */
  name: string;
  /** One line: the claim it reproduces. */
  summary: string;
  /** The defaults of `--seeds` and `--steps`. */
  defaults: { seeds: number; steps: number };
  run(options: ExperimentOptions): Promise<ExperimentOutput<R>>;
}

/** A count option: the given value (an integer ≥ 1) or the default. */
export function countOption(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be an integer ≥ 1, got ${String(value)}`);
  return v;
}

/** Mean and (sample, n − 1) standard deviation; the deviation is 0 for one value. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** `x` rounded to `digits` significant digits, as a number (compact JSON, readable tables). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

/** A Euclidean norm. */
export function norm(v: readonly number[]): number {
  return Math.sqrt(v.reduce((a, b) => a + b * b, 0));
}

/** Rows of a [T + 1, n] trajectory as arrays. */
export function rowsOf(data: ArrayLike<number>, columns: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < data.length; i += columns) rows.push(Array.from({ length: columns }, (_, j) => data[i + j]!));
  return rows;
}

/** Every k-th row, the last one always kept (plots need not show thousands of points). */
export function thin<T>(rows: readonly T[], most = 400): T[] {
  const k = Math.max(1, Math.ceil(rows.length / most));
  return rows.filter((_, i) => i % k === 0 || i === rows.length - 1);
}
