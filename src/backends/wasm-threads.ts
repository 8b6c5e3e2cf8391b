import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { InvalidParameterError } from '../errors.js';
import { describeValue } from '../validate.js';

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
  }).catch((e) => {
    // Thrown outside the chain, so the worker's 'error' event reaches the main thread's glue (which
    // rethrows it there) instead of the thread ending silently while the main thread waits on it.
    setImmediate(() => { throw e; });
  });
});
`;

/** XNNPACK's pool in tfjs-backend-wasm's C++ side, and Emscripten's pool of workers, hold at most 8 threads. */
export const MAX_WASM_THREADS = 8;

type NodeWorker = { ref(): void; unref(): void };
type NodeWorkerClass = new (url: string | URL, options?: Record<string, unknown>) => NodeWorker;

/**
 * Node's built-in modules without an import statement: `process.getBuiltinModule` (Node ≥ 20.16)
 * keeps `node:` specifiers out of the module graph, so bundlers building `ganref/backends` for a
 * browser have nothing to resolve.
 */
function builtin<T>(id: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return p?.getBuiltinModule?.(id) as T | undefined;
}

/** Whether the wasm backend has already been initialised in this process (its thread count is then fixed). */
function wasmInitialised(): boolean {
  return tf.engine().registry['wasm'] != null;
}

let requested: number | undefined;

/** Validates a thread count: an integer from 1 to {@link MAX_WASM_THREADS}; `from` names where it came from. */
export function checkThreads(threads: unknown, from = 'threads'): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new InvalidParameterError(
      'backend',
      from,
      `an integer from 1 to ${MAX_WASM_THREADS} (tfjs-backend-wasm's thread pool holds at most ${MAX_WASM_THREADS})`,
      describeValue(threads),
    );
  }
  return threads;
}

/** The thread count XNNPACK runs with on the wasm backend (1 when it runs unthreaded, or before it starts). */
export function wasmThreads(): number {
  if (!wasmInitialised()) return 1;
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

/** What {@link startWasmThreads} changed for the backend's initialisation, undone by its settle step. */
interface Patch {
  restore(): void;
}

/**
 * Patches what the threaded build needs to start under Node, for the duration of the wasm
 * backend's initialisation: the feature flag, a `Worker` constructor for the glue's `blob:`
 * workers, and `os.cpus()` (see {@link THREAD_BOOTSTRAP}). Returns the undo, or undefined when
 * nothing was patched (one thread, or not Node).
 */
function patchForThreads(threads: number): Patch | undefined {
  const wt = builtin<{ Worker: NodeWorkerClass }>('worker_threads');
  const buffer = builtin<{ resolveObjectURL(id: string): Blob | undefined }>('buffer');
  const os = builtin<{ cpus(): unknown[] }>('os');
  if (threads === 1 || !wt || !buffer || !os || typeof SharedArrayBuffer === 'undefined') return undefined;
  const NodeWorker = wt.Worker;
  function BlobWorker(url: string | URL, options?: Record<string, unknown>): NodeWorker {
    const href = String(url);
    if (!href.startsWith('blob:')) return new NodeWorker(url, options);
    const blob = buffer!.resolveObjectURL(href);
    if (!blob) throw new Error(`ganref wasm threads: the worker script ${href} is gone`);
    // execArgv: [] so that the pool's threads do not each rerun the process's --import/--require hooks.
    const worker = new NodeWorker(THREAD_BOOTSTRAP, { eval: true, workerData: { worker: blob }, execArgv: [] });
    // XNNPACK's pool threads live as long as the module, and work only while the main thread waits
    // for them inside a kernel: they must not keep Node's event loop alive (the glue refs a worker
    // when it starts a thread on it), or no script using them would ever exit.
    worker.unref();
    worker.ref = () => undefined;
    return worker;
  }
  const previousWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  // The glue assigns Node's Worker to the global and then constructs from it: the accessor keeps ours.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => BlobWorker,
    set: () => undefined,
  });
  // The C++ side caps the pool at half of `emscripten_num_logical_cores()`, which it reads once, at
  // the module's static initialisation, from `os.cpus().length` under Node: report twice the count
  // while the backend initialises.
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus.call(os);
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  return {
    restore() {
      os.cpus = cpus;
      // Every worker of the glue's pool (8) exists once the backend has initialised, and XNNPACK
      // starts at most 7 threads on them: the glue constructs no Worker after this.
      if (previousWorker) Object.defineProperty(globalThis, 'Worker', previousWorker);
      else delete (globalThis as { Worker?: unknown }).Worker;
    },
  };
}

let initialising: Promise<unknown> = Promise.resolve();

/**
 * Initialises the wasm backend with `threads` XNNPACK threads (`activate` is the `tf.setBackend`
 * call; without a count, tfjs's default: one thread under Node), or, when it has initialised
 * already, checks that an explicit count is the one it started with. Under Node, more than one starts tfjs's
 * threaded SIMD build; in a browser, tfjs's own detection decides and this sets only the count.
 * Calls are serialised: the patches of one initialisation never see another's.
 */
export function withWasmThreads(threads: number | undefined, activate: () => Promise<boolean>): Promise<boolean> {
  const run = initialising.then(async () => {
    if (wasmInitialised()) {
      // The count it started with: the one asked for, else tfjs's default (1 under Node; in a
      // cross-origin-isolated browser, half the cores).
      const started = requested ?? wasmThreads();
      if (threads !== undefined && started !== threads)
        throw new InvalidParameterError(
          'backend',
          'threads',
          `the thread count the wasm backend started with in this process (${started}${requested === undefined ? ', its default: no count was asked for when it started, by useBackend, tf.setBackend or tf.ready' : ''}): the count cannot change once the backend has initialised`,
          String(threads),
        );
      return activate();
    }
    // No count asked for: tfjs's own default, untouched (a browser's threaded build keeps its pool).
    if (threads === undefined) return activate();
    const count = threads;
    setThreadsCount(count);
    const patch = patchForThreads(count);
    let ok = false;
    try {
      ok = await activate();
    } finally {
      patch?.restore();
      if (!ok && patch) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
    if (ok) {
      requested = count;
      const now = wasmThreads();
      if (patch && now !== count)
        throw new InvalidParameterError(
          'backend',
          'threads',
          `a wasm backend running ${count} threads: tfjs started its unthreaded build (a wasm path set with setWasmPaths, or no SIMD support, selects it)`,
          `${now} thread(s)`,
        );
    }
    return ok;
  });
  initialising = run.catch(() => undefined);
  return run;
}
