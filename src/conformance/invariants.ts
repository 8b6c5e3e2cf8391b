import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { GanrefError } from '../errors.js';
import type { ErrorCase, Invariant, Spec } from '../catalog/types.js';

export interface InvariantOutcome {
  name: string;
  runs: number;
  pass: boolean;
  /** fast-check's report on failure: the counterexample, the seed and the path that replay it. */
  message?: string;
}

export const DEFAULT_RUNS = 100;

/**
 * Runs one invariant with fast-check. `seed` makes the run replayable; `path` replays a failure;
 * `maxRuns` caps the runs, an invariant's own count included (the GPU backends on a software GPU).
 */
export function runInvariant(
  inv: Invariant,
  options: { numRuns?: number; maxRuns?: number; seed?: number; path?: string } = {},
): InvariantOutcome {
  const numRuns = Math.min(inv.numRuns ?? options.numRuns ?? DEFAULT_RUNS, options.maxRuns ?? Infinity);
  const details = fc.check(inv.property, {
    numRuns,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path ? { path: options.path } : {}),
  });
  if (!details.failed) return { name: inv.name, runs: details.numRuns, pass: true };
  return { name: inv.name, runs: details.numRuns, pass: false, message: fc.defaultReportMessage(details) ?? 'failed' };
}

/** Runs every invariant of a spec. */
export function runInvariants(spec: Spec, options: { numRuns?: number; seed?: number } = {}): InvariantOutcome[] {
  return spec.invariants.map((inv) => runInvariant(inv, options));
}

export interface ErrorCaseOutcome {
  name: string;
  pass: boolean;
  message: string;
}

/**
 * Runs one error input: it must throw the named `GanrefError` subclass, whose message names the
 * spec and the argument and says what was expected and what was received (neither blank), and
 * leave no tensor behind.
 */
export function runErrorCase(spec: Spec, e: ErrorCase): ErrorCaseOutcome {
  const before = tf.memory().numTensors;
  let thrown: unknown;
  try {
    tf.tidy(() => {
      e.call();
    });
  } catch (err) {
    thrown = err;
  }
  const leaked = tf.memory().numTensors - before;
  const fail = (why: string) => ({ name: e.name, pass: false, message: `${spec.id}, ${e.name}: ${why}` });
  if (thrown === undefined) return fail(`no error thrown (expected ${e.error} naming '${e.argument}')`);
  if (!(thrown instanceof GanrefError)) return fail(`threw ${String(thrown)} instead of a GanrefError`);
  if (thrown.name !== e.error) return fail(`threw ${thrown.name} instead of ${e.error}: ${thrown.message}`);
  if (thrown.argument !== e.argument || !thrown.message.includes(`'${e.argument}'`))
    return fail(`names argument '${thrown.argument}' instead of '${e.argument}': ${thrown.message}`);
  if (!thrown.message.startsWith(`${spec.id}:`) || thrown.spec !== spec.id)
    return fail(`does not name the spec ${spec.id}: ${thrown.message}`);
  if (!thrown.expected.trim()) return fail(`does not say what was expected: ${thrown.message}`);
  if (!thrown.received.trim()) return fail(`does not say what was received: ${thrown.message}`);
  if (leaked !== 0) return fail(`left ${leaked} tensor(s) behind`);
  return { name: e.name, pass: true, message: thrown.message };
}
