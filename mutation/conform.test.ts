/**
 * The checks that kill mutants in `npm run mutation` (StrykerJS, vitest runner): what
 * `ganref conform --backend cpu` runs against the golden fixtures, split into one vitest test per
 * invariant, per spec's error inputs and per spec's fixture cross-check, so that Stryker's per-test
 * coverage runs only the checks that reach a mutant. Not part of `npm test` (the spec suite runs the
 * same checks, and more, there). The specs come from GANREF_MUTATION_SPECS (globs, comma-separated;
 * default every spec); each test also fails on a tensor left behind, as conform does. The
 * suite's setup (spec/setup.ts) has registered the gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { useBackend } from 'ganref/backends';
import { CATALOG, matchesGlob, selectSpecsAny, type Spec } from 'ganref/catalog';
import {
  crossCheck,
  describeFailure,
  describeFixtureMismatch,
  fixtureMismatch,
  runErrorCase,
  runInvariant,
} from 'ganref/conformance';
import { DEFAULT_FIXTURES_DIR, FixtureReference, loadFixtures } from 'ganref/fixtures';
import { DEFAULT_TEST_SEED } from '../spec/seed.js';

const globs = (process.env.GANREF_MUTATION_SPECS ?? '*').split(',');
const runs = Number(process.env.GANREF_MUTATION_RUNS ?? 20);
const { specs, unmatched } = selectSpecsAny(globs);
// A mistyped glob must not make a run of no checks, which every mutant would survive unseen.
if (unmatched.length) throw new Error(`GANREF_MUTATION_SPECS: no spec matches ${unmatched.join(', ')}`);
const wanted = new Set(specs.map((s) => s.id));
// Only these specs' fixtures: the file is imported again for every mutant.
const fixtures = new FixtureReference(loadFixtures(DEFAULT_FIXTURES_DIR, { only: (id) => wanted.has(id) }));

beforeAll(async () => {
  await useBackend('cpu');
});

/** Runs `check` and fails on any tensor or byte it leaves behind. */
async function noLeak(check: () => unknown | Promise<unknown>): Promise<void> {
  const before = tf.memory();
  await check();
  const after = tf.memory();
  expect(after.numTensors - before.numTensors, 'tensors left behind').toBe(0);
  expect(after.numBytes - before.numBytes, 'bytes left behind').toBe(0);
}

function checks(spec: Spec): void {
  describe(spec.id, () => {
    for (const inv of spec.invariants)
      test(`invariant: ${inv.name}`, () =>
        noLeak(() => {
          const o = runInvariant(inv, { numRuns: runs, seed: DEFAULT_TEST_SEED });
          expect(o.pass, o.message).toBe(true);
        }));
    if (spec.errors.length)
      test('error inputs', () =>
        noLeak(() => {
          for (const e of spec.errors) {
            const o = runErrorCase(spec, e);
            expect(o.pass, o.message).toBe(true);
          }
        }));
    const prepared = fixtures.prepared(spec);
    test('fixture cross-check', () =>
      noLeak(async () => {
        expect(prepared, `no fixtures for ${spec.id}`).toBeDefined();
        const cc = await crossCheck(spec, fixtures, { prepared: prepared!, seed: DEFAULT_TEST_SEED });
        expect(cc.failures.map((f) => describeFailure(spec.id, f))).toEqual([]);
      }));
  });
}

for (const spec of specs) checks(spec);

// As conform does: a spec whose id was changed (or lost) must not pass by not being selected.
test('the catalog and the fixture manifest list the same specs', () => {
  const listed = fixtures.loaded.manifest.files.map((f) => f.spec);
  const mismatch = fixtureMismatch(
    specs.map((s) => s.id),
    CATALOG.map((s) => s.id),
    listed,
    globs,
    matchesGlob,
  );
  expect(mismatch && describeFixtureMismatch(fixtures.loaded.dir, mismatch)).toBeNull();
});
