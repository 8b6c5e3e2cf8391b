import type { BackendName } from '../backends/index.js';
import { GPU_BACKENDS, type GpuBackendName, type GpuInfo } from '../backends/gpu.js';
import type { Spec } from '../catalog/types.js';
import { conform, type ConformOptions, type SpecReport } from '../conformance/run.js';
import { findChromium } from './chromium.js';
import { conformInBrowser } from './runner.js';

/**
 * `ganref conform` over any mix of backends: `cpu`, `wasm` and `tensorflow` in this process, `webgl`
 * and `webgpu` in headless Chromium (src/browser/runner.ts). Rows come back in one list, in the
 * order of `backends`, with the same shape whichever side ran them.
 */
export function isGpuBackend(name: string): name is GpuBackendName {
  return (GPU_BACKENDS as readonly string[]).includes(name);
}

/** The GPU backends `--backend all` adds: both when a Chromium is found, else none (with the reason). */
export function browserBackends(): { backends: GpuBackendName[]; why?: string } {
  try {
    if (findChromium()) return { backends: [...GPU_BACKENDS] };
    return { backends: [], why: 'no Chromium found (npm run browser:provision, or set GANREF_CHROMIUM)' };
  } catch (err) {
    return { backends: [], why: (err as Error).message };
  }
}

export interface EverywhereOptions extends Omit<ConformOptions, 'backends'> {
  /** Needed for the GPU backends: they cross-check against the golden fixtures, served to the page. */
  fixturesDir?: string;
  /** A cap on property runs on the GPU backends only (software GPUs are slow). */
  gpuMaxRuns?: number;
  /** Build the browser bundle from src/ even when dist/browser/conform-page.js exists. */
  freshBundle?: boolean;
  onRow?: (row: SpecReport) => void;
  onGpuInfo?: (info: GpuInfo, browser: string) => void;
}

export async function conformEverywhere(
  specs: Spec[],
  backends: BackendName[],
  options: EverywhereOptions,
): Promise<{ rows: SpecReport[]; gpus: GpuInfo[] }> {
  const rows: SpecReport[] = [];
  const gpus: GpuInfo[] = [];
  const perSpec = (s: Spec) => s.invariants.length + 1 + (options.reference ? 1 : 0);
  const total = backends.length * specs.reduce((a, s) => a + perSpec(s), 0);
  let done = 0;
  for (const backend of backends) {
    if (!isGpuBackend(backend)) {
      const got = await conform(specs, {
        ...options,
        backends: [backend],
        onProgress: (_d, _t, what) => options.onProgress?.(++done, total, what),
      });
      for (const r of got) options.onRow?.(r);
      rows.push(...got);
      continue;
    }
    if (!options.fixturesDir || options.preparedFor === undefined) {
      throw new Error(
        `${backend} runs in a browser and cross-checks against the golden fixtures only: use --reference fixtures (the default)`,
      );
    }
    const maxRuns =
      options.maxRuns === undefined
        ? options.gpuMaxRuns
        : options.gpuMaxRuns === undefined
          ? options.maxRuns
          : Math.min(options.maxRuns, options.gpuMaxRuns);
    const result = await conformInBrowser({
      backend,
      specs: specs.map((s) => s.id),
      numRuns: options.numRuns,
      maxRuns,
      seed: options.seed,
      fixturesDir: options.fixturesDir,
      freshBundle: options.freshBundle,
      onProgress: (what) => options.onProgress?.(++done, total, what),
      onRow: options.onRow,
    });
    gpus.push(result.info);
    options.onGpuInfo?.(result.info, result.browser);
    if (!result.info.float32) {
      // Say it in every row rather than letting float16 rounding fail comparisons mysteriously.
      for (const r of result.rows) {
        r.problems.unshift(
          `${backend} computes in float16 here (WEBGL_RENDER_FLOAT32_CAPABLE is false on ${result.info.device}): float32 tolerances cannot hold`,
        );
        r.pass = false;
      }
    }
    rows.push(...result.rows);
  }
  return { rows, gpus };
}
