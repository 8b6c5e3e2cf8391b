import * as tf from '@tensorflow/tfjs-core';

/**
 * The GPU backends: `webgl` (WebGL2 fragment shaders) and `webgpu` (WGSL compute shaders). They
 * come from the optional peer dependencies `@tensorflow/tfjs-backend-webgl` and
 * `@tensorflow/tfjs-backend-webgpu`, imported only when asked for, so a user who never picks a
 * GPU backend never loads them (and a bundler splits them off).
 *
 * `webgl` needs a browser (a WebGL2 context). `webgpu` needs `navigator.gpu`: a browser, or Node
 * with the `webgpu` package (Dawn) installed and a Vulkan/Metal/D3D12 driver; ganref installs that
 * package's globals when `navigator.gpu` is missing and the package is present.
 */
export type GpuBackendName = 'webgl' | 'webgpu';
export const GPU_BACKENDS: readonly GpuBackendName[] = ['webgl', 'webgpu'];

/** Whether we run in a browser page (or a worker). */
function inBrowser(): boolean {
  return (
    typeof window !== 'undefined' ||
    (typeof self !== 'undefined' && typeof (self as { importScripts?: unknown }).importScripts === 'function')
  );
}

function hasNavigatorGpu(): boolean {
  return typeof navigator !== 'undefined' && (navigator as { gpu?: unknown }).gpu !== undefined;
}

/**
 * In Node, `navigator.gpu` comes from the `webgpu` package (Dawn's bindings): `create([])` makes
 * the GPU object, `globals` the WebGPU constructors and enums TF.js refers to. Returns why not
 * when the package is absent or offers no adapter.
 */
async function installDawn(): Promise<string | undefined> {
  let dawn: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
  try {
    // A variable specifier: the package is optional and has no types here.
    const pkg = 'webgpu';
    dawn = (await import(/* @vite-ignore */ pkg)) as typeof dawn;
  } catch {
    return "Node has no navigator.gpu: install the optional package 'webgpu' (Dawn) and a Vulkan, Metal or D3D12 driver, or run in a browser (ganref conform --backend webgpu runs in headless Chromium)";
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]) as { requestAdapter: () => Promise<unknown> };
  const adapter = await gpu.requestAdapter();
  if (!adapter)
    return "the 'webgpu' package (Dawn) finds no GPU adapter here (it needs a Vulkan, Metal or D3D12 driver)";
  if (typeof navigator === 'undefined')
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  return undefined;
}

/**
 * Registers a GPU backend with TF.js (importing its package). Returns `undefined` when it is
 * registered, else the reason it cannot run here.
 */
export async function loadGpuBackend(name: GpuBackendName): Promise<string | undefined> {
  if (tf.findBackendFactory(name)) return undefined;
  if (name === 'webgl') {
    if (!inBrowser())
      return "webgl needs a browser's WebGL2 context (ganref conform --backend webgl runs in headless Chromium)";
    try {
      await import('@tensorflow/tfjs-backend-webgl');
    } catch {
      return "webgl needs the package '@tensorflow/tfjs-backend-webgl' (an optional peer dependency)";
    }
  } else {
    if (!hasNavigatorGpu()) {
      if (inBrowser()) return 'this browser has no WebGPU (navigator.gpu is undefined)';
      const why = await installDawn();
      if (why) return why;
    }
    try {
      await import('@tensorflow/tfjs-backend-webgpu');
    } catch {
      return "webgpu needs the package '@tensorflow/tfjs-backend-webgpu' (an optional peer dependency)";
    }
  }
  return tf.findBackendFactory(name) ? undefined : `${name} did not register with TF.js here`;
}

/** The start of the message ganref's browser conformance page throws when the GPU device or context is lost. */
export const GPU_LOST = 'GPU device lost';

/** What a GPU backend runs on, for reports: the device and whether it computes in float32. */
export interface GpuInfo {
  backend: GpuBackendName;
  /** WebGL's renderer string, or the WebGPU adapter's vendor/architecture/description. */
  device: string;
  /**
   * `false` when the backend stores and computes in float16 (WebGL without float32 render
   * targets: `WEBGL_RENDER_FLOAT32_CAPABLE` false): ganref's float32 tolerances cannot hold then.
   */
  float32: boolean;
  /** The TF.js flags that matter to numerics, as set. */
  flags: Record<string, unknown>;
}

/** Describes the active GPU backend (call after `useBackend('webgl' | 'webgpu')`). */
export function gpuInfo(): GpuInfo {
  const name = tf.getBackend() as GpuBackendName;
  const flags: Record<string, unknown> = {};
  const read = (f: string) => {
    try {
      flags[f] = tf.env().get(f);
    } catch {
      // flag not registered by this backend
    }
  };
  if (name === 'webgl') {
    for (const f of [
      'WEBGL_VERSION',
      'WEBGL_RENDER_FLOAT32_CAPABLE',
      'WEBGL_RENDER_FLOAT32_ENABLED',
      'WEBGL_PACK',
      'WEBGL_CPU_FORWARD',
      'WEBGL_USE_SHAPES_UNIFORMS',
    ])
      read(f);
    let device = 'unknown';
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      device = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    }
    return { backend: name, device, float32: flags.WEBGL_RENDER_FLOAT32_CAPABLE === true, flags };
  }
  for (const f of ['WEBGPU_CPU_FORWARD', 'WEBGPU_MATMUL_PROGRAM_TYPE']) read(f);
  const info = (
    tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }
  ).adapterInfo;
  const device = info
    ? [info.vendor, info.architecture, info.description].filter((s) => s).join(' / ') || 'unknown'
    : 'unknown';
  return { backend: name, device, float32: true, flags };
}
