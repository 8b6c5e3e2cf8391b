import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import type { Case, NDArray, Spec } from '../catalog/types.js';
import { tolerancesFor } from '../catalog/tolerances.js';
import type { EvalRequest, EvalResult } from '../oracle/client.js';
import { compareArrays, errorScale, type ArrayComparison } from './compare.js';
import { directionsOf, evaluateCase, wrtOf } from './evaluate.js';

/** Anything that answers `eval` requests of the oracle protocol: the live oracle, or fixtures. */
export interface Reference {
  eval(request: EvalRequest): Promise<EvalResult>;
}

export interface CaseOutcome {
  label: string;
  /** The comparisons of this case, one per result key. */
  comparisons: ArrayComparison[];
  /** Worst error over tolerance in this case. */
  ratio: number;
  /** What reproduces it: the oracle request (inputs included) and the seed. */
  repro: {
    seed: number;
    index: number;
    request: {
      spec: string;
      params: Record<string, unknown>;
      tensors: Record<string, NDArray>;
      wrt: string[];
      directions?: Record<string, string>;
    };
  };
}

export interface CrossCheckResult {
  spec: string;
  cases: number;
  /** Results compared (values, gradients, Hessian-vector products), over all cases. */
  comparisons: number;
  /** Worst error over tolerance over all cases (≤ 1 passes). */
  worst: number;
  worstCase?: CaseOutcome;
  failures: CaseOutcome[];
  /** Cases listed in the spec's `expectedFailures` that failed as expected. */
  expectedFailures: { label: string; reason: string }[];
  pass: boolean;
}

export interface CrossCheckOptions {
  /** Number of random cases besides the spec's edge cases (default 24). */
  cases?: number;
  /** Seed of the random cases and directions (default 20261124). */
  seed?: number;
  /** Explicit cases (fixtures'), instead of generating them. */
  prepared?: PreparedCase[];
}

export const DEFAULT_CROSSCHECK_SEED = 20261124;

/**
 * How far a case listed in a spec's `expectedFailures` must fail (error over tolerance) to count
 * as the expected failure: float32 results of correct kernels differ between instruction sets by
 * a few roundings, far less than 10× a tolerance, so a listed case fails on every machine or is
 * reported; one between 1× and 10× is reported too, since its verdict could flip elsewhere.
 */
export const EXPECTED_FAILURE_MIN_RATIO = 10;
export const DEFAULT_CROSSCHECK_CASES = 24;

/** A case ready to send: its inputs, what to differentiate, and the HVP directions if any. */
export interface PreparedCase {
  case: Case;
  label: string;
  wrt: string[];
  directions?: Record<string, NDArray>;
}

/** The cases a cross-check runs: the spec's edges, then `n` seeded random ones. */
export function casesFor(spec: Spec, n: number, seed: number): Case[] {
  const sampled = n > 0 ? fc.sample(spec.sample, { seed, numRuns: n }) : [];
  return [...spec.edges, ...sampled.map((c, i) => ({ ...c, label: c.label ?? `random #${i}` }))];
}

/** Edges and seeded random cases with their `wrt` lists and seeded HVP directions. */
export function prepareCases(spec: Spec, n = DEFAULT_CROSSCHECK_CASES, seed = DEFAULT_CROSSCHECK_SEED): PreparedCase[] {
  return casesFor(spec, n, seed).map((c, index) => {
    const wrt = wrtOf(c);
    const directions = spec.secondOrder && wrt.length > 0 ? directionsOf(c, wrt, seed + index) : undefined;
    return { case: c, label: c.label ?? `case #${index}`, wrt, ...(directions ? { directions } : {}) };
  });
}

/** The plain-data form of a prepared case's oracle request (inputs and `v:<x>` directions). */
export function requestOf(spec: Spec, p: PreparedCase): CaseOutcome['repro']['request'] {
  const tensors: Record<string, NDArray> = { ...p.case.inputs };
  let directions: Record<string, string> | undefined;
  if (p.directions) {
    directions = {};
    for (const n of p.wrt) {
      tensors[`v:${n}`] = p.directions[n]!;
      directions[n] = `v:${n}`;
    }
  }
  return { spec: spec.id, params: p.case.params, tensors, wrt: p.wrt, ...(directions ? { directions } : {}) };
}

/** The protocol form of a plain-data request, asking for float64 and float32 results. */
export function toEvalRequest(r: CaseOutcome['repro']['request']): EvalRequest {
  return {
    spec: r.spec,
    params: r.params,
    tensors: Object.fromEntries(
      Object.entries(r.tensors).map(([n, a]) => [n, { data: Float32Array.from(a.data), shape: a.shape }]),
    ),
    compute: ['float64', 'float32', 'spread32'],
    wrt: r.wrt,
    ...(r.directions ? { directions: r.directions } : {}),
  };
}

/** The compared quantity a result key names: `o`, `grad:o:x` or `hvp:o:x`. */
export function kindOf(key: string): 'value' | 'grad' | 'hvp' {
  return key.startsWith('grad:') ? 'grad' : key.startsWith('hvp:') ? 'hvp' : 'value';
}

/**
 * σ of the float32 error model (see `compareElement`) for each kind of result of one case: the
 * case's inputs and the reference's float64 results of that kind, times the spec's conditioning.
 */
export function caseScales(
  spec: Pick<Spec, 'conditioning'>,
  c: Case,
  reply: Pick<EvalResult, 'tensors'>,
): Record<'value' | 'grad' | 'hvp', number> {
  const inputs = Object.values(c.inputs).map((a) => a.data);
  const conditioning = spec.conditioning?.(c) ?? 1;
  const of = (kind: 'value' | 'grad' | 'hvp') =>
    errorScale(
      inputs,
      reply.tensors.filter((t) => t.compute === 'float64' && kindOf(t.name) === kind).map((t) => t.data),
      conditioning,
    );
  return { value: of('value'), grad: of('grad'), hvp: of('hvp') };
}

/**
 * Cross-checks a spec on the active backend against a reference: for every case, the values of
 * every output, the gradients with respect to every input, and (for second-order specs) the
 * Hessian-vector products in a seeded random direction, all in float32, against the reference's
 * float64 results with its float32 results as the tie-break (see `compareElement`).
 */
export async function crossCheck(
  spec: Spec,
  reference: Reference,
  options: CrossCheckOptions = {},
): Promise<CrossCheckResult> {
  const seed = options.seed ?? DEFAULT_CROSSCHECK_SEED;
  const tol = tolerancesFor(spec);
  const prepared = options.prepared ?? prepareCases(spec, options.cases ?? DEFAULT_CROSSCHECK_CASES, seed);
  const result: CrossCheckResult = {
    spec: spec.id,
    cases: prepared.length,
    comparisons: 0,
    worst: 0,
    failures: [],
    expectedFailures: [],
    pass: true,
  };
  const backend = tf.getBackend();
  const expected = Object.fromEntries(
    Object.entries(spec.expectedFailures ?? {})
      .filter(([, x]) => !x.backends || x.backends.includes(backend))
      .map(([label, x]) => [label, x.reason]),
  );
  const seen = new Set<string>();
  for (const [index, p] of prepared.entries()) {
    const request = requestOf(spec, p);
    const reply = await reference.eval(toEvalRequest(request));
    const local = evaluateCase(spec, p.case, p.wrt, p.directions);
    const comparisons: ArrayComparison[] = [];
    const scales = caseScales(spec, p.case, reply);
    for (const [key, mine] of local) {
      const kind = kindOf(key);
      const e64 = reply.get(key, 'float64');
      const e32 = reply.has(key, 'float32') ? reply.get(key, 'float32') : undefined;
      const spread = reply.has(key, 'spread32') ? reply.get(key, 'spread32') : undefined;
      comparisons.push(
        compareArrays(
          key,
          mine.data,
          mine.shape,
          e64.data,
          e64.shape,
          e32?.data,
          tol[kind],
          scales[kind],
          spread?.data,
        ),
      );
    }
    const ratio = comparisons.reduce((m, x) => (x.ratio > m || Number.isNaN(x.ratio) ? x.ratio : m), 0);
    const outcome: CaseOutcome = { label: p.label, comparisons, ratio, repro: { seed, index, request } };
    result.comparisons += comparisons.length;
    const reason = expected[p.label];
    if (reason !== undefined) {
      seen.add(p.label);
      // An expected failure must fail by far, for ganref's own error alone: a case near its
      // tolerance would pass on one machine and fail on another, and a defect of the reference
      // is no accuracy gap of ours.
      const defect = comparisons.some((c) => c.referenceDefect);
      if (!defect && ratio >= EXPECTED_FAILURE_MIN_RATIO) result.expectedFailures.push({ label: p.label, reason });
      else if (defect)
        result.failures.push({
          ...outcome,
          label: `${p.label} (listed in expectedFailures, but the reference itself is at fault here)`,
        });
      else if (ratio <= 1)
        result.failures.push({
          ...outcome,
          label: `${p.label} (listed in expectedFailures, but now passes: remove it)`,
        });
      else
        result.failures.push({
          ...outcome,
          label: `${p.label} (listed in expectedFailures, but fails by only ${ratio.toPrecision(3)}× its tolerance, under ${EXPECTED_FAILURE_MIN_RATIO}×: its verdict would depend on the machine)`,
        });
      continue;
    }
    if (!(ratio <= 1)) result.failures.push(outcome);
    if (result.worstCase === undefined || ratio > result.worst || Number.isNaN(ratio)) {
      result.worst = ratio;
      result.worstCase = outcome;
    }
  }
  for (const label of Object.keys(expected)) {
    if (!seen.has(label))
      result.failures.push({
        label: `${label} (listed in expectedFailures, but no such case ran)`,
        comparisons: [],
        ratio: Infinity,
        repro: { seed, index: -1, request: { spec: spec.id, params: {}, tensors: {}, wrt: [] } },
      });
  }
  result.pass = result.failures.length === 0;
  return result;
}

/** A failure, in words a person can act on: the case, the worst result and its numbers, and the repro. */
export function describeFailure(spec: string, f: CaseOutcome, who = 'ganref'): string {
  const bad = f.comparisons.filter((c) => !(c.ratio <= 1));
  const lines = bad.map((c) =>
    c.shapeError
      ? `  ${c.key}: ${c.shapeError}`
      : c.referenceDefect
        ? `  ${c.key}[${c.index}]: defect of the reference: its float64 ${c.expected} and float32 ${c.expected32} disagree ${c.ratio.toPrecision(3)}× beyond the float32 error model (${who} ${c.actual})`
        : `  ${c.key}[${c.index}]: ${who} ${c.actual}, oracle float64 ${c.expected}${c.expected32 !== undefined ? `, float32 ${c.expected32}` : ''} (error ${c.ratio.toPrecision(3)}× tolerance)`,
  );
  return [
    `${spec} — ${f.label} (seed ${f.repro.seed}, case ${f.repro.index}):`,
    ...lines,
    `  request: ${JSON.stringify(f.repro.request)}`,
  ].join('\n');
}
