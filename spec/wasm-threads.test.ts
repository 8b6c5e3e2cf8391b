import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { GanrefError } from '../src/errors.js';
import { useBackend } from '../src/backends/index.js';

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
}

async function child(threads: number): Promise<ChildReport> {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=ganref-source', '--import', 'tsx', CHILD, String(threads)],
    {
      timeout: 120_000,
      env: { ...process.env, GANREF_WASM_THREADS: '' },
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport;
}

describe.each([1, 2, 3])('useBackend(wasm, { threads: %i })', (threads) => {
  test('runs that many threads, agrees with cpu, leaks nothing, exits, and keeps its count', async () => {
    const r = await child(threads);
    expect(r.active).toBe('wasm');
    expect(r.threads).toBe(threads);
    expect(r.worst).toBeLessThan(1e-5);
    expect(r.left).toBe(0);
    expect(r.changed).toMatch(/^InvalidParameterError: .*threads.*cannot change in a process/);
  }, 150_000);
});

test.each([
  [{ threads: 0 }, 'threads'],
  [{ threads: 1.5 }, 'threads'],
  [{ threads: '2' }, 'threads'],
  [null, 'options'],
])('useBackend refuses %j', async (options, argument) => {
  const err = await useBackend('wasm', options as never).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GanrefError);
  expect((err as GanrefError).argument).toBe(argument);
});

test('threads on another backend than wasm are refused', async () => {
  const err = await useBackend('cpu', { threads: 2 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GanrefError);
  expect((err as GanrefError).argument).toBe('threads');
});
