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

/**
 * Specs that fail on a GPU backend in Chromium 156 on SwiftShader, with the side that is wrong
 * (README, "Backends"). Listed ones are expected to fail (`test.fails`): when one starts passing,
 * its test fails and says to remove it here.
 */
export const KNOWN_GPU_FAILURES: Record<GpuBackendName, Record<string, string>> = {
  webgl: {
    'fdiv/reverse-kl':
      'g_f(v) = −exp(−v) at v = 87.3366 is 0 (flushed below FLT_MIN) where float32 exp gives −1.1755e-38: g_f(v) sits on the boundary of dom f*',
    'fdiv/gan': 'g_f(v) = −log(1 + exp(−v)) at v = 87.34: the GPU exp/log round to the boundary of dom f*',
    'fdiv/alpha':
      'GPU pow/exp/log accuracy: errors 1.1-1.9× tolerance on α = 1.001 and 0.01 cases; f*(g_f(v)) not finite at v = −1e4',
    'objective/f-gan': 'values near 7.7e5 off by 0.23% (230× tolerance): GPU exp of large arguments',
    'objective/energy-based': 'HVP through saturated tanh/sigmoid autoencoder off by up to 3.5e3× tolerance',
    'theory/neural-net-distance': 'members[0] 6.089289 vs 6.089357 (1.10× tolerance): GPU accumulation',
    'penalty/consensus':
      'gradients and HVPs of the consensus term off by up to 9e4× tolerance; checkGrads fails against finite differences on the GPU too (not explained yet)',
    'penalty/discriminator-gradient-norm':
      'penalty gradients off by up to 2.8e5× tolerance, HVP signs wrong (not explained yet)',
    'network/conv': 'every network invariant fails on a 1×1 linear conv critic with avg pooling (not explained yet)',
  },
  // webgpu: only the divergences and fdiv/kl, fdiv/reverse-kl have been run to the end so far (a
  // full run on the shared 2-core machine takes over an hour); specs not yet run may fail here.
  webgpu: {
    'fdiv/reverse-kl':
      'g_f(v) = −exp(−v) at v = 87.3366: the WGSL exp gives 0 (below FLT_MIN, flushed) where float32 exp gives −1.1755e-38, so g_f(v) sits on the boundary of dom f*',
  },
};
/**
 * The specs `npm test` runs on each GPU backend: one of each kind of computation (a logit loss, a
 * critic loss, a divergence with its +∞ mask, a double-backprop penalty, R1), so every run of the
 * suite exercises the GPU shaders of first- and second-order gradients within minutes on a
 * software GPU. `GANREF_GPU_SPECS=all` runs the whole catalog (webgl ≈ 14 min, webgpu over an hour
 * on SwiftShader here), `GANREF_GPU_SPECS=id,id` a list; `ganref conform --backend webgl` is the same.
 */
export const GPU_SMOKE_SPECS = [
  'objective/non-saturating',
  'objective/wasserstein',
  'divergence/kl',
  'penalty/gradient-penalty',
  'penalty/r1',
];
const wanted = process.env.GANREF_GPU_SPECS;
const SPEC_IDS = wanted === 'all' ? undefined : wanted ? wanted.split(',') : GPU_SMOKE_SPECS;

export function gpuSuite(backend: GpuBackendName): void {
  describe.skipIf(process.env.GANREF_TEST_GPU === '0')(`${backend} backend in headless Chromium`, () => {
    let result: BrowserConformResult;
    beforeAll(async () => {
      result = await conformInBrowser({
        backend,
        specs: SPEC_IDS,
        maxRuns: RUNS,
        seed: DEFAULT_CROSSCHECK_SEED,
        fixturesDir: DEFAULT_FIXTURES_DIR,
        freshBundle: true,
      });
    }, 120 * 60_000); // a software GPU on a loaded 2-core machine: webgl took 13.5 min, webgpu far longer (README)

    test('computes in float32 on the device it reports', () => {
      expect(result.info.backend).toBe(backend);
      expect(result.info.float32, `${backend} on ${result.info.device} computes in float16`).toBe(true);
    });

    for (const spec of CATALOG.filter((s) => !SPEC_IDS || SPEC_IDS.includes(s.id))) {
      const known = KNOWN_GPU_FAILURES[backend][spec.id];
      (known ? test.fails : test)(
        `${spec.id}: invariants, error inputs, fixtures, no tensor or byte left behind${known ? ` (known failure: ${known})` : ''}`,
        () => {
          const row = result.rows.find((r) => r.spec === spec.id);
          expect(row, `no row for ${spec.id}`).toBeDefined();
          expect(row!.backend).toBe(backend);
          expect(row!.crossCheck?.cases ?? 0).toBeGreaterThan(0);
          expect(row!.pass, row!.problems.join('\n')).toBe(true);
        },
      );
    }
  });
}
