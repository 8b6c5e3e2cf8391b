import { beforeAll, describe, expect, test } from 'vitest';
import type { GpuBackendName } from '../src/backends/gpu.js';
import { conformInBrowser, type BrowserConformResult } from '../src/browser/runner.js';
import { CATALOG } from '../src/catalog/index.js';
import { DEFAULT_CROSSCHECK_SEED } from '../src/conformance/crosscheck.js';
import { DEFAULT_FIXTURES_DIR } from '../src/fixtures/store.js';

/**
 * The GPU backends in headless Chromium (software GPU here: SwiftShader): every spec's invariants,
 * error inputs and fixture cross-check, run by the same conformance runner as `ganref conform`,
 * with its leak check on tensors and bytes. Property runs are capped (GANREF_GPU_RUNS, default 2)
 * to keep a software GPU within the suite's budget; the seed is pinned, so runs replay.
 * GANREF_TEST_GPU=0 skips (e.g. a machine without Chromium; `npm test` provisions it).
 */
const RUNS = Number(process.env.GANREF_GPU_RUNS ?? 2);
const SPEC_IDS = process.env.GANREF_GPU_SPECS?.split(',');

export function gpuSuite(backend: GpuBackendName): void {
  describe.skipIf(process.env.GANREF_TEST_GPU === '0')(`${backend} backend in headless Chromium`, () => {
    let result: BrowserConformResult;
    beforeAll(async () => {
      result = await conformInBrowser({ backend, specs: SPEC_IDS, maxRuns: RUNS, seed: DEFAULT_CROSSCHECK_SEED, fixturesDir: DEFAULT_FIXTURES_DIR, freshBundle: true });
    }, 30 * 60_000);

    test('computes in float32 on the device it reports', () => {
      expect(result.info.backend).toBe(backend);
      expect(result.info.float32, `${backend} on ${result.info.device} computes in float16`).toBe(true);
    });

    for (const spec of CATALOG.filter((s) => !SPEC_IDS || SPEC_IDS.includes(s.id))) {
      test(`${spec.id}: invariants, error inputs, fixtures, no tensor or byte left behind`, () => {
        const row = result.rows.find((r) => r.spec === spec.id);
        expect(row, `no row for ${spec.id}`).toBeDefined();
        expect(row!.backend).toBe(backend);
        expect(row!.crossCheck?.cases ?? 0).toBeGreaterThan(0);
        expect(row!.pass, row!.problems.join('\n')).toBe(true);
      });
    }
  });
}
