import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { GanrefError } from '../src/errors.js';
import { MAX_WASM_THREADS, useBackend } from '../src/backends/index.js';

/**
 * Multi-threaded wasm under Node (src/backends/wasm-threads.ts): `useBackend('wasm', { threads })`
 * starts tfjs's threaded SIMD build, which tfjs alone never does under Node, with exactly that
 * many threads; results equal the cpu backend's; nothing leaks; the process exits by itself; and
 * the count cannot change once chosen. Each count runs in a child process (spec/entry/wasm-threads.ts).
 */
const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('entry/wasm-threads.ts', import.meta.url));

interface ChildReport {
  active: string;
  threads: number;
  worst: number;
  left: number;
  changed: string;
  restored: boolean;
}

async function child(threads: number, mode = ''): Promise<ChildReport> {
  const args = ['--conditions=ganref-source', '--import', 'tsx', CHILD, String(threads), mode];
  const { stdout } = await run(process.execPath, args, {
    timeout: 120_000,
    env: { ...process.env, GANREF_WASM_THREADS: '' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport;
}

// 1, 2, 3 and the pool's maximum (8, past the 'half the cores' cap on any machine under 16 cores);
// 'concurrent' starts it from two calls at once.
describe.each<[number, string]>([
  [1, ''],
  [2, ''],
  [3, ''],
  [MAX_WASM_THREADS, ''],
  [2, 'concurrent'],
])('useBackend(wasm, { threads: %i }) %s', (threads, mode) => {
  test('runs that many threads, agrees with cpu, leaks nothing, restores what it patched, exits, keeps its count', async () => {
    const r = await child(threads, mode);
    expect(r.active).toBe('wasm');
    expect(r.threads).toBe(threads);
    expect(r.worst).toBeLessThan(1e-5);
    expect(r.left).toBe(0);
    expect(r.restored, 'os.cpus() and globalThis.Worker as before').toBe(true);
    expect(r.changed).toMatch(/^InvalidParameterError: .*threads.*cannot change once the backend has initialised/);
  }, 150_000);
});

test.each([
  ['{ threads: 0 }', { threads: 0 }, 'threads', '0'],
  ['{ threads: 1.5 }', { threads: 1.5 }, 'threads', '1.5'],
  ["{ threads: '2' }", { threads: '2' }, 'threads', '"2"'],
  ['{ threads: 9 }', { threads: MAX_WASM_THREADS + 1 }, 'threads', String(MAX_WASM_THREADS + 1)],
  ['{ threads: 2n }', { threads: 2n }, 'threads', 'bigint'],
  ['null options', null, 'options', 'null'],
  ['a function as options', () => 2, 'options', 'function'],
])('useBackend refuses %s', async (_, options, argument, received) => {
  const err = await useBackend('wasm', options as never).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GanrefError);
  expect((err as GanrefError).argument).toBe(argument);
  expect((err as GanrefError).received).toBe(received);
});

test('a bad GANREF_WASM_THREADS is refused by its name', async () => {
  const saved = process.env.GANREF_WASM_THREADS;
  process.env.GANREF_WASM_THREADS = 'two';
  try {
    const err = await useBackend('wasm').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GanrefError);
    expect((err as GanrefError).argument).toBe('GANREF_WASM_THREADS');
    expect((err as GanrefError).received).toBe('"two"');
  } finally {
    if (saved === undefined) delete process.env.GANREF_WASM_THREADS;
    else process.env.GANREF_WASM_THREADS = saved;
  }
});

test('threads on another backend than wasm are refused', async () => {
  const err = await useBackend('cpu', { threads: 2 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GanrefError);
  expect((err as GanrefError).argument).toBe('threads');
});
