import type * as tf from '@tensorflow/tfjs-core';
import type * as fc from 'fast-check';
import type {
  CriticScores,
  Densities,
  Distributions,
  Energies,
  Features,
  Logits,
  Probabilities,
  SampleLosses,
  Samples,
  Weights,
} from '../types.js';

/**
 * The catalog's vocabulary. One `Spec` record per catalog id (CATALOG.md) drives the property
 * tests, the oracle cross-checks, fixtures, reports and docs.
 */

/** The kind of quantity an input tensor holds; it decides its TypeScript brand and its arbitraries. */
export type InputKind =
  | 'logits'
  | 'probabilities'
  | 'critic-scores'
  | 'energies'
  | 'distributions'
  | 'densities'
  | 'weights'
  | 'sample-losses'
  | 'samples'
  | 'features'
  | 'payoffs'
  | 'network-weights'
  | 'game-state'
  | 'noise';

/** A plain n-d array of numbers: row-major data and a shape. Values are float32-representable. */
export interface NDArray {
  shape: number[];
  data: number[];
}

/** One evaluation case: named input arrays and parameters. */
export interface Case {
  inputs: Record<string, NDArray>;
  params: Record<string, unknown>;
  /**
   * Whether gradients (and Hessian-vector products) are compared for this case. False only at
   * points where the function is not differentiable (a zero mass on the boundary of the simplex,
   * say), where every implementation may pick a different one-sided or conventional value.
   */
  grads: boolean;
  /** A short name for reports, e.g. `edge: disjoint supports`. */
  label?: string;
}

/** The TypeScript brand an input of each kind carries (kinds without a library brand are plain tensors). */
export interface KindBrands {
  logits: Logits;
  probabilities: Probabilities;
  'critic-scores': CriticScores;
  energies: Energies;
  distributions: Distributions;
  densities: Densities;
  weights: Weights;
  'sample-losses': SampleLosses;
  samples: Samples;
  features: Features;
  payoffs: tf.Tensor;
  'network-weights': tf.Tensor;
  'game-state': tf.Tensor;
  noise: tf.Tensor;
}

export interface InputDecl<K extends InputKind = InputKind> {
  kind: K;
  optional?: boolean;
  doc: string;
}

/**
 * A parameter: its doc, its default (`null` for a required parameter) and, for a string
 * parameter, its allowed values. `T` is the type `evaluate` sees.
 */
export interface ParamDecl<T = unknown> {
  doc: string;
  default: T | null;
  /** The allowed values of a string parameter. */
  choices?: readonly T[];
}

/** The tensors `evaluate` receives for declared inputs: branded by kind, optional ones possibly absent. */
export type InputsOf<I extends Record<string, InputDecl>> = {
  [K in keyof I as I[K] extends { optional: true } ? never : K]: KindBrands[I[K]['kind']];
} & {
  [K in keyof I as I[K] extends { optional: true } ? K : never]?: KindBrands[I[K]['kind']];
};

/** The parameters `evaluate` receives (every default filled in): the type of each declaration. */
export type ParamsOf<P extends Record<string, ParamDecl>> = {
  [K in keyof P]-?: NonNullable<P[K]> extends ParamDecl<infer T> ? T : never;
};

/** Tolerances of a comparison: |actual − expected| ≤ atol + rtol·|expected|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Tolerances per compared quantity, for results computed in float32 against a float64 reference. */
export interface ToleranceTable {
  value: Tolerance;
  grad: Tolerance;
  hvp: Tolerance;
}

/** A property that must hold for every value its arbitrary generates (run with fast-check). */
export interface Invariant {
  name: string;
  /** Checks one generated value; throws (e.g. via `expect`-like helpers) or returns false on failure. */
  property: fc.IProperty<[unknown]>;
  /** Overrides the default number of runs (100). */
  numRuns?: number;
}

/** An input that must be refused with a `GanrefError` naming the spec and the argument. */
export interface ErrorCase {
  name: string;
  /** Builds the call; tensors it creates are disposed by the runner. */
  call: () => unknown;
  /** The error class name, e.g. `InvalidArgumentError`. */
  error: string;
  /** The argument or parameter the message must name. */
  argument: string;
}

export interface Spec {
  /** The catalog id, e.g. `objective/minimax`: stable, shared with the oracle and fixtures. */
  id: string;
  title: string;
  /** Paper reference, with equation numbers. */
  reference: string;
  section: 'divergences' | 'theory' | 'objectives' | 'regularizers' | 'dynamics' | 'metrics';
  /** Input tensors by name (the oracle protocol's names). */
  inputs: Record<string, InputDecl>;
  params: Record<string, ParamDecl>;
  /** Output names (the oracle protocol's names). */
  outputs: readonly string[];
  /**
   * Evaluates the spec through the public API. Inputs are float32 tensors; returns one tensor per
   * output. Called inside `tf.tidy` by the runners.
   */
  evaluate(inputs: Record<string, tf.Tensor>, params: Record<string, unknown>): Record<string, tf.Tensor>;
  /** Random cases (seeded) for oracle cross-checks and fixtures. */
  sample: fc.Arbitrary<Case>;
  /** Hand-picked cases: closed forms, edges (extreme logits, ties, zero masses). */
  edges: Case[];
  /** Whether Hessian-vector products are cross-checked too. */
  secondOrder: boolean;
  /**
   * Cross-check cases known to fail, by case label, with the reason (an accuracy gap under
   * investigation, say). They are reported apart; one that starts passing fails the check, so the
   * entry is removed as soon as it is fixed. Never a substitute for finding which side is wrong.
   * `backends` scopes the entry (default: every backend).
   */
  expectedFailures?: Record<string, { reason: string; backends?: readonly string[] }>;
  /**
   * The conditioning factor (≥ 1) of a case in the float32 error model that bounds the float64
   * tie-break (see `compareElement` in conformance/compare.ts): declared only where a spec's
   * formulas amplify rounding beyond the case's largest magnitude, with the analysis beside it.
   */
  conditioning?: (c: Case) => number;
  /** Per-spec tolerance overrides, merged over the default table. */
  tolerance?: Partial<{ [K in keyof ToleranceTable]: Partial<Tolerance> }>;
  invariants: Invariant[];
  errors: ErrorCase[];
  /**
   * A case at benchmark size (batch 256, 512 features or categories, 3×32×32 images, the
   * catalog's MLP and conv critics), for `npm run bench`. Built from `BENCH` in
   * `catalog/bench.ts`, seeded, so every run times the same work.
   */
  benchmark?: () => Case;
}
