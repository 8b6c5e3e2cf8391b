import * as tf from '@tensorflow/tfjs-core';
import type { Spec } from '../catalog/types.js';
import { useBackend, type BackendName } from 'ganref/backends';
import { crossCheck, describeFailure, type CrossCheckResult, type PreparedCase, type Reference } from './crosscheck.js';
import { runErrorCase, runInvariant, type ErrorCaseOutcome, type InvariantOutcome } from './invariants.js';

/** One row of a conformance report: one spec on one backend. */
export interface SpecReport {
  spec: string;
  backend: BackendName;
  invariants: InvariantOutcome[];
  errors: ErrorCaseOutcome[];
  crossCheck?: CrossCheckResult;
  /** Tensors left behind by the whole row (must be 0). */
  leaked: number;
  pass: boolean;
  /**
   * Set when the reference could not be asked (oracle unreachable, hung, or not restartable):
   * the verdict is ERROR, not FAIL, since nothing was compared.
   */
  error?: string;
  /** Human-readable reasons, one per failure. */
  problems: string[];
  seconds: number;
}

export interface ConformOptions {
  backends: BackendName[];
  reference?: Reference;
  /**
   * The cases of each spec, when the reference dictates them (fixtures); `undefined` for a spec
   * means the reference has none for it, which fails that spec. Without this, cases are generated.
   */
  preparedFor?: (spec: Spec) => PreparedCase[] | undefined;
  numRuns?: number;
  /** A cap on the runs of every invariant, its own count included. */
  maxRuns?: number;
  seed?: number;
  cases?: number;
  /** Called after every unit of work, for progress display. */
  onProgress?: (done: number, total: number, what: string) => void;
  /**
   * Specs in a row whose reference could not be reached before the run is abandoned with a
   * {@link ConformAbortedError} (default 3): a run that cannot make progress stops.
   */
  maxConsecutiveErrors?: number;
}

/** A run abandoned because its reference stopped answering; `rows` holds what was done. */
export class ConformAbortedError extends Error {
  override readonly name = 'ConformAbortedError';
  constructor(
    message: string,
    readonly rows: SpecReport[],
  ) {
    super(message);
  }
}

/** Codes of failures to reach a reference, as opposed to answers that disagree. */
const UNREACHABLE = new Set(['TIMEOUT', 'SPAWN_FAILED', 'SERVER_EXITED', 'CLOSED', 'BAD_REPLY', 'PROTOCOL_MISMATCH']);

/** Whether an error means the reference could not be asked (ERROR), not that it disagreed. */
export function isUnreachable(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown };
  return (e?.name === 'OracleClientError' && UNREACHABLE.has(String(e.code))) || e?.name === 'OraclePythonError';
}

/** Runs invariants, error inputs and the cross-check of each spec on each backend. */
export async function conform(specs: Spec[], options: ConformOptions): Promise<SpecReport[]> {
  const rows: SpecReport[] = [];
  const perSpec = (s: Spec) => s.invariants.length + 1 + (options.reference ? 1 : 0);
  const total = options.backends.length * specs.reduce((a, s) => a + perSpec(s), 0);
  let done = 0;
  const tick = (what: string) => options.onProgress?.(++done, total, what);
  const maxErrors = options.maxConsecutiveErrors ?? 3;
  let consecutiveErrors = 0;
  for (const backend of options.backends) {
    await useBackend(backend);
    for (const spec of specs) {
      const started = performance.now();
      // The leak check counts bytes too: on the GPU backends a texture or buffer can outlive its tensor.
      const before = tf.memory().numTensors;
      const bytesBefore = tf.memory().numBytes;
      const problems: string[] = [];
      const invariants: InvariantOutcome[] = [];
      for (const inv of spec.invariants) {
        const o = runInvariant(inv, { numRuns: options.numRuns, maxRuns: options.maxRuns, seed: options.seed });
        invariants.push(o);
        if (!o.pass) problems.push(`invariant "${o.name}" failed:\n${o.message}`);
        tick(`${backend} ${spec.id}: ${inv.name}`);
      }
      const errors = spec.errors.map((e) => runErrorCase(spec, e));
      for (const e of errors) if (!e.pass) problems.push(e.message);
      tick(`${backend} ${spec.id}: error inputs`);
      let cc: CrossCheckResult | undefined;
      let error: string | undefined;
      if (options.reference) {
        try {
          const prepared = options.preparedFor ? options.preparedFor(spec) : undefined;
          if (options.preparedFor && !prepared)
            throw new Error(
              `the reference has no cases for ${spec.id} (regenerate the fixtures with 'ganref fixtures')`,
            );
          cc = await crossCheck(spec, options.reference, {
            cases: options.cases,
            seed: options.seed,
            ...(prepared ? { prepared } : {}),
          });
          for (const f of cc.failures.slice(0, 3)) problems.push(describeFailure(spec.id, f));
          if (cc.failures.length > 3) problems.push(`… and ${cc.failures.length - 3} more failing case(s)`);
          consecutiveErrors = 0;
        } catch (err) {
          problems.push(`cross-check could not run: ${(err as Error).message}`);
          if (isUnreachable(err)) {
            error = (err as Error).message;
            consecutiveErrors++;
          }
        }
        tick(`${backend} ${spec.id}: cross-check`);
      }
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) problems.push(`${leaked} tensor(s) left behind`);
      const leakedBytes = tf.memory().numBytes - bytesBefore;
      if (leakedBytes !== 0) problems.push(`${leakedBytes} byte(s) of tensor memory left behind`);
      rows.push({
        spec: spec.id,
        backend,
        invariants,
        errors,
        crossCheck: cc,
        leaked,
        pass: problems.length === 0,
        problems,
        seconds: (performance.now() - started) / 1000,
        ...(error !== undefined ? { error } : {}),
      });
      if (maxErrors > 0 && consecutiveErrors >= maxErrors) {
        throw new ConformAbortedError(
          `the reference could not be reached for ${consecutiveErrors} specs in a row (the last: ${spec.id}); abandoning the run rather than waiting on it for every remaining spec. Last error: ${error}`,
          rows,
        );
      }
    }
  }
  return rows;
}

/** Where a spec selection and a fixture set disagree, by spec id (both lists sorted). */
export interface FixtureMismatch {
  /** Selected catalog specs the fixtures have no file for. */
  specsWithoutFixture: string[];
  /** Fixtures within the selection whose id no catalog spec has (a renamed or removed spec). */
  fixturesWithoutSpec: string[];
}

/**
 * Compares the specs a conformance run selected with the fixture set it checks them against:
 * every selected spec needs a fixture, and every fixture whose id the selection's globs match
 * (every fixture when there are none) needs a spec in the catalog, or a renamed spec would pass
 * unchecked. Null when they agree.
 */
export function fixtureMismatch(
  selected: readonly string[],
  catalog: readonly string[],
  fixtures: readonly string[],
  globs: readonly string[] | undefined,
  matches: (id: string, glob: string) => boolean,
): FixtureMismatch | null {
  const have = new Set(fixtures);
  const known = new Set(catalog);
  const specsWithoutFixture = selected.filter((id) => !have.has(id)).sort();
  const fixturesWithoutSpec = fixtures
    .filter((id) => !known.has(id) && (!globs || globs.length === 0 || globs.some((g) => matches(id, g))))
    .sort();
  return specsWithoutFixture.length || fixturesWithoutSpec.length ? { specsWithoutFixture, fixturesWithoutSpec } : null;
}

/** The message of a {@link fixtureMismatch}, naming the folder, each id and the fix. */
export function describeFixtureMismatch(dir: string, m: FixtureMismatch): string {
  const parts = [
    m.specsWithoutFixture.length ? `spec(s) with no fixture: ${m.specsWithoutFixture.join(', ')}` : '',
    m.fixturesWithoutSpec.length ? `fixture(s) with no spec in the catalog: ${m.fixturesWithoutSpec.join(', ')}` : '',
  ].filter(Boolean);
  return `the catalog and the fixture manifest in ${dir} disagree: ${parts.join('; ')} (a spec renamed or removed, or stale fixtures: fix the ids or regenerate with 'ganref fixtures')`;
}
