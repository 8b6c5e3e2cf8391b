import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { InvalidParameterError } from '../errors.js';

/**
 * Multi-threaded wasm under Node, opt-in (`useBackend('wasm', { threads })`).
 *
 * tfjs-backend-wasm ships a threaded SIMD build (XNNPACK on a pthreadpool), but never uses it under
 * Node: its feature flag answers false there, and its Emscripten glue could not start the threads
 * anyway. It hands Node's `worker_threads.Worker` a `blob:` URL (ERR_WORKER_PATH), and the threads'
 * main script is the factory's source text, which names the variables of the Node bundle's scope
 * (its `require`s, `commonjsGlobal`, `__dirname`) that a fresh worker lacks.
 *
 * ganref makes the build start without touching tfjs's files. While the wasm backend initialises, a
 * `Worker` constructor that the glue finds on `globalThis` turns each `blob:` worker into a Node
 * worker running {@link THREAD_BOOTSTRAP}. The bootstrap takes the worker script's Blob as
 * `workerData`, and the main script's Blob from the glue's `load` message. It reads both
 * (asynchronously, holding later messages in order) and evaluates them with those scope names bound.
 * Threads then share the module's memory and synchronise through Atomics, as in a browser; only
 * XNNPACK's kernels (matMul, conv and ganref's wasm kernels that route to them) use them.
 *
 * The count is fixed when the wasm backend first initialises, so threads must be chosen before
 * that: the first `useBackend('wasm', …)` of the process. The glue leaves `globalThis.Worker` set
 * while the threads live (Emscripten's own Node support sets it too); ganref restores it to what it
 * was if initialisation fails.
 */

/** The worker side, as a CommonJS script evaluated by Node (`eval: true`): no file to locate or ship. */
const THREAD_BOOTSTRAP = `'use strict';
const nodeRequire = require;
const wt = nodeRequire('node:worker_threads');
const { EventEmitter } = nodeRequire('node:events');
const port = new EventEmitter();
port.postMessage = (message, transfer) => wt.parentPort.postMessage(message, transfer);
const fakeThreads = Object.assign({}, wt, { parentPort: port });
globalThis.require = (id) => (id === 'worker_threads' || id === 'node:worker_threads' ? fakeThreads : nodeRequire(id));
globalThis.__filename = '[ganref wasm thread]';
const MAIN = 'ganref:threaded-simd-main';
const scope = ['require$$0', 'require$$1', 'require$$2', 'require$$3', 'require$$4', 'commonjsGlobal', '__dirname', '_scriptDir'];
const values = [nodeRequire('fs'), nodeRequire('path'), undefined, nodeRequire('perf_hooks'), nodeRequire('os'), globalThis, '.', undefined];
let chain = wt.workerData.worker.text().then((text) => {
  (0, eval)(text);
  const importScripts = globalThis.importScripts;
  globalThis.importScripts = (f) => (f === MAIN ? undefined : importScripts(f));
});
wt.parentPort.on('message', (data) => {
  chain = chain.then(async () => {
    if (data && data.cmd === 'load' && data.urlOrBlob && typeof data.urlOrBlob.text === 'function') {
      const main = await data.urlOrBlob.text();
      globalThis.WasmBackendModuleThreadedSimd = new Function(...scope, main + '\\nreturn WasmBackendModuleThreadedSimd;')(...values);
      data.urlOrBlob = MAIN;
    }
    port.emit('message', data);
  }).catch((e) => { process.stderr.write('ganref wasm thread: ' + (e && e.stack ? e.stack : e) + '\\n'); process.exit(1); });
});
`;

let requested: number | undefined;
let os: typeof import('node:os');
let uncap: (() => void) | undefined;

async function nodeWorkerClass(): Promise<{
  Worker: new (url: string | URL, options?: object) => unknown;
  resolveObjectURL: (id: string) => Blob | undefined;
}> {
  const threads = await import('node:worker_threads');
  const buffer = await import('node:buffer');
  os = (await import('node:os')).default;
  return { Worker: threads.Worker as never, resolveObjectURL: buffer.resolveObjectURL as never };
}

/** Whether the wasm backend has already been initialised in this process (its thread count is then fixed). */
function wasmInitialised(): boolean {
  return tf.engine().registry['wasm'] != null;
}

/** Validates the `threads` option: a positive integer. */
export function checkThreads(threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new InvalidParameterError('backend', 'threads', 'an integer from 1 to 64', JSON.stringify(threads));
  }
  return threads;
}

/** The thread count XNNPACK runs with on the wasm backend (1 when it runs unthreaded). */
export function wasmThreads(): number {
  if (!wasmInitialised()) return requested ?? 1;
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

/**
 * Makes the wasm backend start its threaded SIMD build with `threads` threads when it next
 * initialises (under Node; in a browser, tfjs's own detection decides, and this sets only the
 * count). Refused once the backend has initialised with another count.
 */
export async function prepareWasmThreads(threads: number): Promise<void> {
  if (wasmInitialised()) {
    const now = wasmThreads();
    if (now === threads) return;
    throw new InvalidParameterError(
      'backend',
      'threads',
      `the thread count chosen at the wasm backend's first initialisation (${now}): it cannot change in a process`,
      String(threads),
    );
  }
  requested = threads;
  setThreadsCount(threads);
  const isNode = typeof process !== 'undefined' && process.versions?.node != null;
  if (!isNode || threads === 1) return;
  if (typeof WebAssembly === 'undefined' || typeof SharedArrayBuffer === 'undefined') return;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const { Worker, resolveObjectURL } = await nodeWorkerClass();
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  function BlobWorker(url: string | URL): unknown {
    const href = String(url);
    if (!href.startsWith('blob:')) return new Worker(url);
    const blob = resolveObjectURL(href);
    if (!blob) throw new Error(`ganref wasm threads: the worker script ${href} is gone`);
    const worker = new Worker(THREAD_BOOTSTRAP, { eval: true, workerData: { worker: blob } }) as {
      ref(): void;
      unref(): void;
    };
    // XNNPACK's pool threads live as long as the module, and work only while the main thread waits
    // for them inside a kernel: they must not keep Node's event loop alive (the glue refs a worker
    // when it starts a thread on it), or no script using them would ever exit.
    worker.unref();
    worker.ref = () => undefined;
    return worker;
  }
  // The glue assigns Node's Worker to the global and then constructs from it: the accessor keeps ours.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => BlobWorker,
    set: () => undefined,
  });
  // The C++ side caps the pool at half of `emscripten_num_logical_cores()`, which it reads once, at
  // the module's static initialisation, from `os.cpus().length` under Node: report twice the count
  // for that moment only (restored when the backend has initialised).
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus.call(os);
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]!);
  };
  uncap = () => {
    os.cpus = cpus;
  };
  restore = () => {
    if (previous) Object.defineProperty(globalThis, 'Worker', previous);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };
}

let restore: (() => void) | undefined;

/** After the backend's initialisation: on failure, put `globalThis.Worker` back and fall back to no threads. */
export function settleWasmThreads(ok: boolean): void {
  uncap?.();
  uncap = undefined;
  if (!ok && restore) {
    restore();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  restore = undefined;
}
