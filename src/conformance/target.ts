import type { Spec, ToleranceTable } from '../catalog/types.js';
import { tolerancesFor } from '../catalog/tolerances.js';
import type { FixtureReference } from '../fixtures/reference.js';
import type { EvalResult, OracleClient, ResultTensor } from '../oracle/client.js';
import { compareArrays, type ArrayComparison } from './compare.js';
import { caseScales, kindOf, requestOf, toEvalRequest, type CaseOutcome, type CrossCheckResult } from './crosscheck.js';
import { isUnreachable } from './run.js';

/**
 * Conformance of another implementation: any server speaking the oracle protocol is sent every
 * fixture case, and its results are compared with the fixture's float64 answers at the best
 * precision it offers: its float64 results with the float64 table below when it returns them,
 * else its float32 results with the spec's float32 table (the fixture's float32 answers as the
 * tie-break).
 */
export const FLOAT64_TOLERANCES: ToleranceTable = {
  value: { rtol: 1e-9, atol: 1e-12 },
  grad: { rtol: 1e-8, atol: 1e-12 },
  hvp: { rtol: 1e-7, atol: 1e-10 },
};

export interface TargetResult {
  spec: string;
  /** False when the server's `hello` does not list the spec. */
  implemented: boolean;
  crossCheck?: CrossCheckResult;
  error?: string;
}

export async function checkTarget(
  specs: Spec[],
  target: OracleClient,
  fixtures: FixtureReference,
  onProgress?: (done: number, total: number, what: string) => void,
): Promise<TargetResult[]> {
  const hello = await target.hello();
  const results: TargetResult[] = [];
  let done = 0;
  let unreachable = 0;
  for (const spec of specs) {
    if (unreachable >= 3) {
      // A target that stopped answering: do not wait out every remaining spec's timeouts.
      results.push({
        spec: spec.id,
        implemented: true,
        error: `not run: the target did not answer for ${unreachable} specs in a row`,
      });
      continue;
    }
    onProgress?.(++done, specs.length, spec.id);
    if (!hello.specs.includes(spec.id)) {
      results.push({ spec: spec.id, implemented: false });
      continue;
    }
    const prepared = fixtures.prepared(spec);
    if (!prepared) {
      results.push({ spec: spec.id, implemented: true, error: `no fixture for ${spec.id}` });
      continue;
    }
    const f32 = tolerancesFor(spec);
    const cc: CrossCheckResult = {
      spec: spec.id,
      cases: prepared.length,
      comparisons: 0,
      worst: 0,
      failures: [],
      expectedFailures: [],
      pass: true,
    };
    try {
      for (const [index, p] of prepared.entries()) {
        const request = requestOf(spec, p);
        const evalRequest = toEvalRequest(request);
        const expected = await fixtures.eval(evalRequest);
        // The target is asked for its own answers, never the reference's rounding spread.
        const got = await target.eval({ ...evalRequest, compute: ['float64', 'float32'] });
        const comparisons: ArrayComparison[] = [];
        const scales = caseScales(spec, p.case, expected);
        for (const e of expected.tensors) {
          if (e.compute === 'float64') comparisons.push(compareResult(e, expected, got, f32, scales));
        }
        const ratio = comparisons.reduce((m, x) => (x.ratio > m || Number.isNaN(x.ratio) ? x.ratio : m), 0);
        const outcome: CaseOutcome = {
          label: p.label,
          comparisons,
          ratio,
          repro: { seed: fixtures.fixture(spec.id)!.seed, index, request },
        };
        cc.comparisons += comparisons.length;
        if (!(ratio <= 1)) cc.failures.push(outcome);
        if (cc.worstCase === undefined || ratio > cc.worst || Number.isNaN(ratio)) {
          cc.worst = ratio;
          cc.worstCase = outcome;
        }
      }
      cc.pass = cc.failures.length === 0;
      results.push({ spec: spec.id, implemented: true, crossCheck: cc });
      unreachable = 0;
    } catch (err) {
      results.push({ spec: spec.id, implemented: true, error: (err as Error).message });
      if (isUnreachable(err)) unreachable++;
    }
  }
  return results;
}

/**
 * One float64 reference result against the target's answer, at the best precision the target
 * offers: its float64 result when it returns one, else its float32 one (a float32-only
 * implementation), judged like ganref's own with the reference's float32 run and rounding spread.
 */
function compareResult(
  e: ResultTensor,
  expected: EvalResult,
  got: EvalResult,
  f32: ToleranceTable,
  scales: Record<'value' | 'grad' | 'hvp', number>,
): ArrayComparison {
  const kind = kindOf(e.name);
  if (got.has(e.name, 'float64')) {
    const g = got.get(e.name, 'float64');
    return compareArrays(`${e.name} (float64)`, g.data, g.shape, e.data, e.shape, undefined, FLOAT64_TOLERANCES[kind]);
  }
  if (got.has(e.name, 'float32')) {
    const g = got.get(e.name, 'float32');
    const of = (compute: 'float32' | 'spread32') =>
      expected.has(e.name, compute) ? expected.get(e.name, compute).data : undefined;
    return compareArrays(
      `${e.name} (float32)`,
      g.data,
      g.shape,
      e.data,
      e.shape,
      of('float32'),
      f32[kind],
      scales[kind],
      of('spread32'),
    );
  }
  return {
    key: e.name,
    ratio: Infinity,
    index: -1,
    actual: NaN,
    expected: NaN,
    tieBreak: false,
    shapeError: 'missing from the reply',
  };
}
