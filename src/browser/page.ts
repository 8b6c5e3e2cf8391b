/**
 * The browser side of `ganref conform --backend webgl|webgpu`: bundled by esbuild with the library
 * (src/browser/bundle.ts) and loaded into headless Chromium by src/browser/runner.ts. It fetches
 * the golden fixtures from the runner's loopback server, checks them against the manifest's
 * sha256, runs the conformance runner of src/conformance on the GPU backend, and streams every
 * row back through functions the runner exposes on `window`. Not part of the library entry.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '../autodiff/index.js';
import { GPU_LOST, gpuInfo, type GpuBackendName, type GpuInfo } from '../backends/gpu.js';
import { useBackend } from '../backends/index.js';
import { CATALOG } from '../catalog/index.js';
import { conform, type SpecReport } from '../conformance/run.js';
import { FIXTURE_FORMAT, MANIFEST_FORMAT, type FixtureFile, type Manifest } from '../fixtures/format.js';
import { FixtureReference } from '../fixtures/reference.js';
import type { LoadedFixtures } from '../fixtures/store.js';

/** What the runner asks the page to do. */
export interface PageRequest {
  backend: GpuBackendName;
  /** The catalog ids to check (all when absent). */
  specs?: string[];
  numRuns?: number;
  maxRuns?: number;
  seed?: number;
  /**
   * Let TF.js run small ops on the CPU (its default: `WEBGL_CPU_FORWARD`, `WEBGPU_CPU_FORWARD`).
   * Off by default here, so every kernel runs as a shader and the shaders are what is verified.
   */
  cpuForward?: boolean;
}

/** The functions the runner exposes to the page. */
interface Bridge {
  ganrefProgress(done: number, total: number, what: string): Promise<void>;
  ganrefRow(row: SpecReport): Promise<void>;
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `loadFixtures` over HTTP: the manifest, then each listed file verified by its sha256. */
async function fetchFixtures(base: string, specIds: Set<string>): Promise<LoadedFixtures> {
  const res = await fetch(`${base}/manifest.json`);
  if (!res.ok) throw new Error(`fixture manifest: HTTP ${res.status}`);
  const manifest = (await res.json()) as Manifest;
  if (manifest.format !== MANIFEST_FORMAT) throw new Error(`fixture manifest is not in format ${MANIFEST_FORMAT}`);
  const fixtures = new Map<string, FixtureFile>();
  for (const entry of manifest.files) {
    if (!specIds.has(entry.spec)) continue;
    const r = await fetch(`${base}/${entry.path}`);
    if (!r.ok) throw new Error(`fixture ${entry.path}: HTTP ${r.status}`);
    const bytes = await r.arrayBuffer();
    const actual = await sha256Hex(bytes);
    if (actual !== entry.sha256)
      throw new Error(
        `fixture ${entry.path} does not match its checksum in the manifest (sha256 ${actual}, expected ${entry.sha256})`,
      );
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as FixtureFile;
    if (parsed.format !== FIXTURE_FORMAT || parsed.spec !== entry.spec)
      throw new Error(`fixture ${entry.path} is not a ${FIXTURE_FORMAT} file for ${entry.spec}`);
    fixtures.set(entry.spec, parsed);
  }
  return { dir: base, manifest, fixtures };
}

/** Runs the conformance checks of the selected specs on one GPU backend; rows stream out as they finish. */
async function ganrefConform(request: PageRequest): Promise<{ info: GpuInfo; rows: number }> {
  const bridge = window as unknown as Bridge;
  tf.env().set('IS_TEST', true);
  registerGradients();
  await useBackend(request.backend);
  const forward = request.cpuForward ?? false;
  if (request.backend === 'webgl') {
    tf.env().set('WEBGL_CPU_FORWARD', forward);
    // Shapes as uniforms: one compiled program per op rather than per op and shape. The shader
    // arithmetic is the same; property tests draw many shapes, and each compile costs ~100 ms on
    // a software GPU.
    tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true);
  } else tf.env().set('WEBGPU_CPU_FORWARD', forward);
  const info = gpuInfo();
  // A lost device (WebGPU) or context (WebGL) reads back zeros from then on: stop at once and let
  // the runner start a fresh browser for the specs left, rather than report zeros as failures.
  let lost: string | undefined;
  if (request.backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } })
      .device;
    void device?.lost?.then((i) => (lost = `${i.reason ?? 'unknown'}: ${i.message ?? ''}`));
  } else {
    const canvas = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl?.canvas;
    canvas?.addEventListener('webglcontextlost', () => (lost = 'webglcontextlost'));
  }
  const wanted = request.specs ? new Set(request.specs) : undefined;
  const specs = wanted ? CATALOG.filter((s) => wanted.has(s.id)) : [...CATALOG];
  if (wanted && specs.length !== wanted.size)
    throw new Error(
      `the page's catalog lacks ${[...wanted].filter((id) => !specs.some((s) => s.id === id)).join(', ')}`,
    );
  const fixtures = new FixtureReference(await fetchFixtures('/fixtures', new Set(specs.map((s) => s.id))));
  let done = 0;
  for (const spec of specs) {
    const rows = await conform([spec], {
      backends: [request.backend],
      reference: fixtures,
      preparedFor: (s) => fixtures.prepared(s),
      numRuns: request.numRuns,
      maxRuns: request.maxRuns,
      seed: request.seed,
      onProgress: (_d, _t, what) => void bridge.ganrefProgress(++done, 0, what),
    });
    // Let the loss notification run before trusting the rows.
    await new Promise((ok) => setTimeout(ok, 0));
    if (lost) throw new Error(`${GPU_LOST} during ${spec.id} (${lost})`);
    for (const row of rows) await bridge.ganrefRow(row);
  }
  return { info, rows: specs.length };
}

(window as unknown as { ganrefConform: typeof ganrefConform }).ganrefConform = ganrefConform;
(window as unknown as { ganrefReady: boolean }).ganrefReady = true;
