import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getSpec, tolerancesFor } from '../src/catalog/index.js';
import { checkClose, InvariantViolation } from '../src/catalog/invariant.js';
import type { Spec } from '../src/catalog/types.js';
import {
  crossCheck,
  describeFailure,
  EXPECTED_FAILURE_MIN_RATIO,
  type Reference,
} from '../src/conformance/crosscheck.js';
import { runErrorCase } from '../src/conformance/invariants.js';
import { checkTarget } from '../src/conformance/target.js';
import { GanrefError, InvalidArgumentError } from '../src/errors.js';
import { fixturePath, serializeManifest } from '../src/fixtures/format.js';
import { FixtureReference } from '../src/fixtures/reference.js';
import { DEFAULT_FIXTURES_DIR, loadFixtures, sha256 } from '../src/fixtures/store.js';
import { EvalResult, type EvalRequest, type ResultTensor } from '../src/oracle/client.js';
import { useBackend } from './helpers.js';

// Meta-tests, as array-api-tests' meta_tests: every comparator of the harness is fed a wrong
// reference (or a wrong implementation) and must fail. The references here are the committed
// golden fixtures, altered the way a defect or a tampering would alter them.

const fixtures = new FixtureReference(loadFixtures(DEFAULT_FIXTURES_DIR));
const spec = (id: string): Spec => getSpec(id)!;

/** A reference answering as `inner` does, with each result altered by `alter` (null leaves it). */
class AlteredReference implements Reference {
  constructor(
    private readonly inner: Reference,
    private readonly alter: (t: ResultTensor, request: EvalRequest) => Float64Array | Float32Array | null,
  ) {}
  async eval(request: EvalRequest): Promise<EvalResult> {
    const r = await this.inner.eval(request);
    return new EvalResult(
      r.header,
      r.tensors.map((t) => ({ ...t, data: this.alter(t, request) ?? t.data })),
    );
  }
}
const float64Only = (f: (x: number, i: number) => number) => (t: ResultTensor) =>
  t.compute === 'float64' ? Float64Array.from(t.data, f) : null;

// The specs whose fixtures lean on the float64 tie-break (cancellations), two that do not, and
// one that widens a tolerance (dynamics/dirac-gan's gradient atol).
const SPECS = [
  'objective/minimax',
  'objective/least-squares',
  'objective/relativistic',
  'divergence/neyman-chi2',
  'fdiv/alpha',
  'layer/virtual-batch-norm',
  'penalty/gradient-penalty',
  'dynamics/dirac-gan',
];

beforeAll(async () => {
  await useBackend('cpu');
});

describe('a wrong float64 reference fails the cross-check', () => {
  test.each(SPECS)('%s: the unaltered fixtures pass (the control)', async (id) => {
    const r = await crossCheck(spec(id), fixtures, { prepared: fixtures.prepared(spec(id))! });
    expect(r.failures.map((f) => describeFailure(id, f)).join('\n')).toBe('');
  });

  // Each shift must fail the spec, and nearly every case: the float32 answer left unshifted then
  // disagrees with the float64 one beyond the float32 error model. A case escapes only where the
  // shift is within that model: results or inputs so large (1e13, say) that +1e6 is a rounding,
  // or all of a case's results infinite.
  const SHIFTS: [string, (x: number) => number][] = [
    ['+1e6', (x) => x + 1e6],
    ['+1', (x) => x + 1],
    ['×(1 + 1e-3)', (x) => (x === 0 ? 1e-3 : x * (1 + 1e-3))],
  ];
  for (const [what, shift] of SHIFTS) {
    test.each(SPECS)(`%s: float64 results ${what} fail`, async (id) => {
      const r = await crossCheck(spec(id), new AlteredReference(fixtures, float64Only(shift)), {
        prepared: fixtures.prepared(spec(id))!,
      });
      expect(r.pass).toBe(false);
      // fdiv/alpha is the weakest: at α = 1.001 its conditioning is 999, and its cases mix results
      // of 1e-13 and 1e32, so a case-wide σ hides +1 in 14 of its 41 cases.
      expect(r.failures.length).toBeGreaterThanOrEqual((id === 'fdiv/alpha' ? 0.6 : 0.8) * r.cases);
      expect(r.failures.some((f) => f.comparisons.some((c) => c.referenceDefect))).toBe(true);
      expect(describeFailure(id, r.failures[0]!)).toMatch(/defect of the reference/);
    });
  }

  test.each(SPECS)('%s: a shift of 10× the tolerance at the largest element of each result fails', async (id) => {
    const s = spec(id);
    const r = await crossCheck(
      s,
      new AlteredReference(fixtures, (t) => {
        if (t.compute !== 'float64') return null;
        let k = -1;
        t.data.forEach((x, i) => {
          if (Number.isFinite(x) && (k < 0 || Math.abs(x) > Math.abs(t.data[k]!))) k = i;
        });
        const kind = t.name.startsWith('grad:') ? 'grad' : t.name.startsWith('hvp:') ? 'hvp' : 'value';
        // Every field filled in (an override may give only rtol or only atol: a spread of the
        // defaults would leave the other undefined, the shift NaN, and the check passing vacuously).
        const tol = tolerancesFor(s)[kind];
        return Float64Array.from(t.data, (x, i) => (i === k ? x + 10 * (tol.atol + tol.rtol * Math.abs(x)) : x));
      }),
      { prepared: fixtures.prepared(s)! },
    );
    expect(r.pass).toBe(false);
  });

  test("the issue's attack: fixture files whose float64 results are shifted by +1e6, checksums updated, are refused by the cross-check", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganref-meta-'));
    try {
      cpSync(DEFAULT_FIXTURES_DIR, dir, { recursive: true });
      const id = 'objective/relativistic';
      const file = join(dir, fixturePath(id));
      const f = JSON.parse(readFileSync(file, 'utf8'));
      const cases = f.cases.slice(0, 28);
      for (const c of cases)
        for (const a of Object.values(c.results.float64) as { data: unknown[] }[])
          a.data = a.data.map((x) => (typeof x === 'number' ? x + 1e6 : x));
      const text = `${JSON.stringify(f)}\n`;
      writeFileSync(file, text);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      manifest.files.find((e: { spec: string }) => e.spec === id).sha256 = sha256(text);
      writeFileSync(join(dir, 'manifest.json'), serializeManifest(manifest));
      const tampered = new FixtureReference(loadFixtures(dir));
      const r = await crossCheck(spec(id), tampered, { prepared: tampered.prepared(spec(id))! });
      expect(r.failures.length).toBe(cases.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the expected-failure list cannot hide a machine-dependent verdict', () => {
  // A spec listing one of its fixture cases as an expected failure, with ganref's answer for that
  // case made wrong by `factor` × its tolerance (through the reference, the only thing we alter).
  async function withExpectedFailure(factor: number, alterFloat32 = false) {
    const s = spec('objective/minimax');
    const label = fixtures.prepared(s)!.find((p) => p.label.startsWith('random'))!.label;
    const listed: Spec = { ...s, expectedFailures: { [label]: { reason: 'meta-test' } } };
    const target = JSON.stringify(fixtures.prepared(s)!.find((p) => p.label === label)!.case.inputs);
    const ref = new AlteredReference(fixtures, (t, request) => {
      const inputs = Object.fromEntries(
        Object.entries(
          request.tensors as unknown as Record<string, { data: ArrayLike<number>; shape: readonly number[] }>,
        )
          .filter(([n]) => !n.startsWith('v:'))
          .map(([n, a]) => [n, { shape: [...a.shape], data: Array.from(a.data) }]),
      );
      if (JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(target)).map((n) => [n, inputs[n]]))) !== target)
        return null;
      if (t.compute === 'float32' && alterFloat32) return Float32Array.from(t.data, (x) => x + 1);
      // Only the value, both its float64 and float32 answers: shifted by `factor` × its tolerance
      // (ganref's result is then that far off, and the reference's float32 agrees with its float64).
      if (t.name.includes(':')) return null;
      const shifted = (x: number) => x + factor * (1e-6 + 1e-5 * Math.abs(x));
      return t.compute === 'float64' ? Float64Array.from(t.data, shifted) : Float32Array.from(t.data, shifted);
    });
    return crossCheck(listed, ref, { prepared: fixtures.prepared(s)! });
  }

  test('a listed case that passes fails the check ("remove it")', async () => {
    const r = await withExpectedFailure(0);
    expect(r.failures.map((f) => f.label).join()).toMatch(/now passes: remove it/);
  });
  test(`a listed case failing by less than ${EXPECTED_FAILURE_MIN_RATIO}× its tolerance fails the check`, async () => {
    const r = await withExpectedFailure(3);
    expect(r.failures.map((f) => f.label).join()).toMatch(/fails by only .* under 10×/);
  });
  test('a listed case failing by far counts as the expected failure', async () => {
    const r = await withExpectedFailure(100);
    expect(r.failures).toEqual([]);
    expect(r.expectedFailures.length).toBe(1);
  });
  test('a listed case where the reference itself is at fault fails the check', async () => {
    const r = await withExpectedFailure(100, true);
    expect(r.failures.map((f) => f.label).join()).toMatch(/the reference itself is at fault/);
  });
});

describe('checkTarget (another implementation against the fixtures) fails a wrong implementation', () => {
  /** A "target" answering from the fixtures, with its results altered: a wrong implementation. */
  const target = (alter: (t: ResultTensor) => ResultTensor | null) => ({
    hello: async () =>
      ({ specs: SPECS }) as Awaited<ReturnType<import('../src/oracle/client.js').OracleClient['hello']>>,
    eval: async (request: EvalRequest) => {
      const r = await fixtures.eval(request);
      return new EvalResult(
        r.header,
        r.tensors.map(alter).filter((t): t is ResultTensor => t !== null),
      );
    },
  });
  const run = async (alter: (t: ResultTensor) => ResultTensor | null) =>
    checkTarget(
      [spec('objective/least-squares')],
      target(alter) as unknown as import('../src/oracle/client.js').OracleClient,
      fixtures,
    );

  test('the fixtures themselves, as a target, pass (the control)', async () => {
    const [r] = await run((t) => t);
    expect(r!.crossCheck!.failures).toEqual([]);
  });
  test('float64 answers off by 1e-7 relative fail the float64 table', async () => {
    const [r] = await run((t) =>
      t.compute === 'float64' ? { ...t, data: Float64Array.from(t.data, (x) => x * (1 + 1e-7) + 1e-9) } : t,
    );
    expect(r!.crossCheck!.pass).toBe(false);
  });
  test('a float32-only target off by 1e-3 relative fails', async () => {
    const [r] = await run((t) =>
      t.compute === 'float64' ? null : { ...t, data: Float32Array.from(t.data, (x) => x * (1 + 1e-3) + 1e-3) },
    );
    expect(r!.crossCheck!.pass).toBe(false);
  });
  test('a result missing from the reply fails', async () => {
    const [r] = await run((t) => (t.name.startsWith('grad:') ? null : t));
    expect(r!.crossCheck!.pass).toBe(false);
  });
});

describe("checkClose (the invariants' comparator)", () => {
  test('a finite value is not close to an infinity, and NaN is close to nothing', () => {
    expect(() => checkClose('x', 0, Infinity)).toThrow(InvariantViolation);
    expect(() => checkClose('x', 3e38, Infinity)).toThrow(InvariantViolation);
    expect(() => checkClose('x', Infinity, 1)).toThrow(InvariantViolation);
    expect(() => checkClose('x', -Infinity, Infinity)).toThrow(InvariantViolation);
    expect(() => checkClose('x', NaN, NaN)).toThrow(InvariantViolation);
    expect(() => checkClose('x', 1, NaN)).toThrow(InvariantViolation);
    expect(() => checkClose('x', Infinity, Infinity)).not.toThrow();
    expect(() => checkClose('x', 1 + 2e-5, 1)).toThrow(InvariantViolation);
    expect(() => checkClose('x', 1 + 0.5e-5, 1)).not.toThrow();
  });
});

describe("runErrorCase (the error inputs' comparator)", () => {
  const hinge = spec('objective/hinge');
  const id = hinge.id;
  const run = (call: () => unknown, error = 'InvalidArgumentError', argument = 'criticReal') =>
    runErrorCase(hinge, { name: 'meta', call, error, argument });
  const refusal = (expected = 'a finite score', received = 'NaN') => {
    throw new InvalidArgumentError(id, 'criticReal', expected, received);
  };

  test('the refusal the case names passes', () => {
    expect(run(() => refusal())).toMatchObject({ pass: true });
  });

  test('anything else fails: no error, a plain error, another class, argument or spec, a blank description, a leak', () => {
    let kept: tf.Tensor | undefined;
    const failures: [string, () => unknown, string?, string?][] = [
      ['no error', () => 1],
      ['a TypeError', () => (undefined as unknown as { x: number }).x],
      ['a GanrefError of another class', () => refusal(), 'InvalidParameterError'],
      ['another argument', () => refusal(), 'InvalidArgumentError', 'criticFake'],
      [
        'another spec',
        () => {
          throw new InvalidArgumentError('objective/wasserstein', 'criticReal', 'a finite score', 'NaN');
        },
      ],
      ['a blank expectation', () => refusal(' ')],
      ['a blank received value', () => refusal('a finite score', '')],
      [
        'a tensor left behind',
        () => {
          kept = tf.keep(tf.scalar(1));
          refusal();
        },
      ],
      [
        'the base class where a subclass is named',
        () => {
          throw new GanrefError(id, 'criticReal', 'a finite score', 'NaN');
        },
      ],
    ];
    for (const [what, call, error, argument] of failures) expect(run(call, error, argument).pass, what).toBe(false);
    kept?.dispose();
  });
});

afterAll(() => undefined);
