import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidParameterError } from '../errors.js';
import { describeValue } from '../validate.js';
import { GPU_BACKENDS, loadGpuBackend, type GpuBackendName } from './gpu.js';
import { installWasmKernels } from './wasm-kernels.js';
import { checkThreads, MAX_WASM_THREADS, wasmThreads, withWasmThreads } from './wasm-threads.js';

export { MAX_WASM_THREADS, wasmThreads };

/** Options of {@link useBackend}. */
export interface BackendOptions {
  /**
   * wasm only: XNNPACK's thread count (matMul, conv), 1 to 8, fixed at the wasm backend's first
   * initialisation in the process; default `GANREF_WASM_THREADS` (in Node), else tfjs's own (one
   * thread under Node; half the cores in a cross-origin-isolated browser). Under Node, more than 1
   * starts tfjs's threaded SIMD build on worker threads, which tfjs alone does not.
   */
  threads?: number;
}

/**
 * `ganref/backends`: backend selection, opt-in. The library (`ganref`) computes with whichever
 * TF.js backend is active and registers none. Importing this entry registers `cpu` (pure
 * JavaScript) and `wasm` from the optional peer dependencies `@tensorflow/tfjs-backend-cpu` and
 * `@tensorflow/tfjs-backend-wasm` (wasm outranks cpu, so call `useBackend()` before computing);
 * `tensorflow` (libtensorflow, CPU or CUDA) comes from the optional peer dependency
 * `@tensorflow/tfjs-node` or `@tensorflow/tfjs-node-gpu`, loaded only when asked for. Those
 * packages download libtensorflow while installing, so ganref never depends on them.
 */
export type BackendName = 'cpu' | 'wasm' | 'tensorflow' | 'webgl' | 'webgpu';
/** The backend names `useBackend` accepts (webgl and webgpu in a browser). */
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'tensorflow', 'webgl', 'webgpu'];

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function loadNative(): Promise<string | undefined> {
  if (tf.findBackend('tensorflow')) return 'already registered';
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(pkg);
      if (tf.findBackend('tensorflow')) return pkg;
    } catch {
      // not installed: try the next one
    }
  }
  return undefined;
}

/** The backends that can run here: `cpu` and `wasm` always, `tensorflow` when a tfjs-node package is installed. */
export async function availableBackends(): Promise<BackendName[]> {
  const found: BackendName[] = ['cpu', 'wasm'];
  if (await loadNative()) found.push('tensorflow');
  return found;
}

/**
 * Activates a backend: the argument, else `GANREF_BACKEND` (in Node), else `cpu`. Returns the name of the
 * backend now active (`tf.getBackend()`), and throws a `GanrefError` for an unknown or
 * unavailable one rather than falling back silently.
 */
export async function useBackend(name?: string, options: BackendOptions = {}): Promise<BackendName> {
  // `process` exists only in Node: in a browser (no bundler shim) the environment variable is absent.
  const env = typeof process !== 'undefined' ? process.env : undefined;
  const wanted = name ?? env?.GANREF_BACKEND ?? 'cpu';
  if (!(BACKENDS as readonly string[]).includes(wanted)) {
    throw new InvalidParameterError('backend', 'backend', `one of ${BACKENDS.join(', ')}`, JSON.stringify(wanted));
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidParameterError('backend', 'options', 'an object such as { threads: 2 }', describeValue(options));
  }
  let threads: number | undefined;
  if (options.threads !== undefined) {
    if (wanted !== 'wasm')
      throw new InvalidParameterError(
        'backend',
        'threads',
        "the 'wasm' backend (threads apply to it only)",
        `'${wanted}'`,
      );
    threads = checkThreads(options.threads);
  } else if (wanted === 'wasm' && env?.GANREF_WASM_THREADS) {
    const raw = env.GANREF_WASM_THREADS;
    threads = checkThreads(/^\s*\d+\s*$/.test(raw) ? Number(raw) : raw, 'GANREF_WASM_THREADS');
  }
  if (wanted === 'tensorflow' && !(await loadNative())) {
    throw new InvalidParameterError(
      'backend',
      'backend',
      "available: 'tensorflow' needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu installed (optional, not installed by ganref)",
      'neither package found',
    );
  }
  if ((GPU_BACKENDS as readonly string[]).includes(wanted)) {
    const why = await loadGpuBackend(wanted as GpuBackendName);
    if (why) throw new InvalidParameterError('backend', 'backend', `available: ${why}`, `'${wanted}' cannot run here`);
  }
  // `engine().backendName` reads the active backend without initialising one (tf.getBackend() would
  // start the highest-priority backend, wasm, before its thread count is set).
  if (wanted === 'wasm' || tf.engine().backendName !== wanted) {
    const activate = async () => tf.engine().backendName === wanted || (await tf.setBackend(wanted));
    const ok = wanted === 'wasm' ? await withWasmThreads(threads, activate) : await activate();
    if (!ok)
      throw new InvalidParameterError(
        'backend',
        'backend',
        `a backend that initialises`,
        `'${wanted}' failed to initialise`,
      );
  }
  await tf.ready();
  // ganref's faster wasm kernels (transposed matMuls through XNNPACK, conv backprop, a buffer-
  // sharing Identity): registered when ganref activates wasm, never at import.
  if (wanted === 'wasm') installWasmKernels();
  return tf.getBackend() as BackendName;
}
