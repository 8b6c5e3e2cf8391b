/**
 * `npm run bench`: ganref side by side with PyTorch, in one run, reported as ratios.
 *
 * For every catalog spec with a benchmark case: the value with its gradients wrt every input (for
 * a penalty, its gradients wrt the critic's weights, which is double backprop) on each TF.js
 * backend, and the same work in the oracle (torch CPU, same thread count: 1, timed inside the
 * oracle so transport is excluded). Also: the oracle round trip of a tiny request, transport
 * throughput of 1, 16 and 64 MB tensors against an in-process copy, wall time and peak memory of
 * `npm test` and of the fixture-based conformance run, and tensors left behind. Each compute
 * benchmark states its FLOP count (from the kernels TF.js ran) and the share of one core's peak.
 * ganref runs as in a training loop, with `configure({ checkValues: false })`.
 *
 *   npm run bench [-- --spec GLOB] [--backend cpu,wasm] [--min-time S] [--no-suite] [--json FILE]
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { registerGradients, configure } from 'ganref';
import { availableBackends, useBackend, type BackendName } from 'ganref/backends';
import { countFlops } from '../src/bench/flops.js';
import { selectSpecs, type NDArray } from 'ganref/catalog';
import { evaluateCase, wrtOf } from 'ganref/conformance';
import { OracleClient } from 'ganref/oracle';

const { values: opts } = parseArgs({
  options: {
    spec: { type: 'string' },
    backend: { type: 'string' },
    'min-time': { type: 'string', default: '0.4' },
    'no-suite': { type: 'boolean', default: false },
    json: { type: 'string', default: 'reports/bench.json' },
  },
});
const minTime = Number(opts['min-time']);

tf.env().set('IS_TEST', true);
registerGradients();
// As in a training loop: value checks (which read every input back) off; shapes still checked.
configure({ checkValues: false });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/**
 * Warm up, then repeat until `minTime` seconds have passed (at least 5, at most 200 runs; work
 * that takes over a second a run gets one warm-up and 3 runs).
 */
function measure(fn: () => void, warmup = 3): number[] {
  const first = performance.now();
  fn();
  const slow = performance.now() - first > 1000;
  for (let i = 1; i < (slow ? 1 : warmup); i++) fn();
  const seconds: number[] = [];
  const start = performance.now();
  const minRuns = slow ? 3 : 5;
  while (seconds.length < minRuns || (seconds.length < 200 && performance.now() - start < minTime * 1000)) {
    const t0 = performance.now();
    fn();
    seconds.push((performance.now() - t0) / 1000);
  }
  return seconds;
}

function machine() {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1] ?? cpus()[0]?.speed ?? 0);
  const flags = /flags\s*:\s*(.*)/.exec(info)?.[1]?.split(' ') ?? [];
  const avx2 = flags.includes('avx2');
  const fma = flags.includes('fma');
  // float32 peak of one core: 2 FMA units × 8 lanes (AVX2) × 2 FLOPs per FMA = 32 FLOPs/cycle.
  const flopsPerCycle = avx2 && fma ? 32 : avx2 ? 16 : 8;
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, mhz, avx2, fma, peakOneCoreGflops: (mhz * 1e6 * flopsPerCycle) / 1e9, node: process.version };
}

const toProtocol = (inputs: Record<string, NDArray>) => Object.fromEntries(Object.entries(inputs).map(([n, a]) => [n, { data: Float32Array.from(a.data), shape: a.shape }]));

interface SpecRow {
  spec: string;
  backend: BackendName;
  secondOrder: boolean;
  ganrefMs: number;
  ganrefP90Ms: number;
  torchMs: number;
  ratio: number;
  mflop: number;
  gflops: number;
  peakShare: number;
  runs: number;
}

async function main() {
  const m = machine();
  const backends = opts.backend ? (opts.backend.split(',') as BackendName[]) : await availableBackends();
  const specs = selectSpecs(opts.spec).filter((s) => s.benchmark);
  const skipped = selectSpecs(opts.spec).filter((s) => !s.benchmark).map((s) => s.id);
  const oracle = await OracleClient.spawn({ serverArgs: ['--threads', '1'] });
  const hello = await oracle.hello();
  await useBackend(backends[0]);
  const tensorsBefore = tf.memory().numTensors;
  const rows: SpecRow[] = [];
  process.stderr.write(`machine: ${m.cpu}, ${m.cores} cores at ${m.mhz} MHz, one-core float32 peak ${m.peakOneCoreGflops.toFixed(1)} GFLOP/s; torch ${hello.versions.torch} on 1 thread\n`);
  for (const backend of backends) {
    await useBackend(backend);
    for (const spec of specs) {
      const c = spec.benchmark!();
      const wrt = wrtOf(c);
      // Value and gradients wrt every input; for a penalty those gradients (wrt the critic's
      // weights) are already double backprop.
      const dirs = undefined as Record<string, NDArray> | undefined;
      const seconds = measure(() => void evaluateCase(spec, c, wrt, dirs));
      const { flops } = await countFlops(() => void evaluateCase(spec, c, wrt, dirs));
      const tensors = toProtocol(c.inputs);
      const directions: Record<string, string> = {};
      if (dirs) for (const n of wrt) {
        tensors[`v:${n}`] = { data: Float32Array.from(dirs[n]!.data), shape: dirs[n]!.shape };
        directions[n] = `v:${n}`;
      }
      const [torch] = await oracle.time({ spec: spec.id, params: c.params, tensors, compute: ['float32'], wrt, ...(dirs ? { directions } : {}), repeats: seconds.length, warmup: 3 });
      const ganrefMs = median(seconds) * 1e3;
      const torchMs = median(torch!.seconds) * 1e3;
      const row: SpecRow = {
        spec: spec.id,
        backend,
        secondOrder: !!dirs,
        ganrefMs,
        ganrefP90Ms: quantile(seconds, 0.9) * 1e3,
        torchMs,
        ratio: ganrefMs / torchMs,
        mflop: flops / 1e6,
        gflops: flops / (ganrefMs * 1e-3) / 1e9,
        peakShare: flops / (ganrefMs * 1e-3) / 1e9 / m.peakOneCoreGflops,
        runs: seconds.length,
      };
      rows.push(row);
      // Partial results survive an interrupted run.
      mkdirSync(dirname(opts.json!), { recursive: true });
      writeFileSync(opts.json!, `${JSON.stringify({ machine: m, torch: hello.versions, rows, partial: true }, null, 2)}\n`);
      process.stderr.write(`${backend} ${spec.id}: ${ganrefMs.toFixed(3)} ms vs torch ${torchMs.toFixed(3)} ms (${row.ratio.toFixed(2)}×)\n`);
    }
  }
  const leftBehind = tf.memory().numTensors - tensorsBefore;

  // Oracle round trip of a tiny request (hello).
  const rt: number[] = [];
  for (let i = 0; i < 20; i++) await oracle.hello();
  for (let i = 0; i < 500; i++) {
    const t0 = performance.now();
    await oracle.hello();
    rt.push((performance.now() - t0) * 1e3);
  }
  const roundTrip = { medianUs: median(rt), p99Us: quantile(rt, 0.99), requests: rt.length };

  // Transport: a large input to a spec whose compute is negligible, minus that compute (timed inside).
  const transport = [];
  for (const mb of [1, 16, 64]) {
    const n = (mb * 1024 * 1024) / 4;
    const big = new Float32Array(n).fill(0.5);
    const request = { spec: 'objective/wasserstein', params: {}, tensors: { criticReal: { data: big, shape: [n] }, criticFake: { data: new Float32Array([0]), shape: [1] } }, compute: ['float32' as const], wrt: [] };
    const trips: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      await oracle.eval(request);
      trips.push((performance.now() - t0) / 1e3);
    }
    const [inside] = await oracle.time({ ...request, repeats: 5, warmup: 1 });
    const transportS = Math.max(1e-9, median(trips.slice(1)) - median(inside!.seconds));
    const copies = measure(() => void big.slice(), 2);
    const copyS = median(copies);
    transport.push({ mb, roundTripMs: median(trips.slice(1)) * 1e3, computeMs: median(inside!.seconds) * 1e3, transportMs: transportS * 1e3, throughputMBs: mb / transportS, inProcessCopyMs: copyS * 1e3, ratioToCopy: transportS / copyS });
  }
  await oracle.close();

  // Whole-suite wall times and peak memory (largest process), as a person would run them.
  const timed = (cmd: string[]) => {
    const r = spawnSync('/usr/bin/time', ['-f', 'GANREF_TIME %e %M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const mm = /GANREF_TIME ([\d.]+) (\d+)/.exec(r.stderr);
    return { command: cmd.join(' '), exitCode: r.status, wallS: mm ? Number(mm[1]) : NaN, peakMB: mm ? Number(mm[2]) / 1024 : NaN };
  };
  const suites = [];
  if (!opts['no-suite']) {
    execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
    suites.push(timed(['node', 'dist/cli.js', 'conform']));
    suites.push(timed(['npm', 'test']));
  }

  // Report.
  const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const header = ['spec', 'backend', 'ganref ms', 'torch ms', 'ratio', 'MFLOP', 'GFLOP/s', '% peak'];
  const body = rows.map((r) => [r.spec + (r.secondOrder ? ' (2nd)' : ''), r.backend, fmt(r.ganrefMs, 3), fmt(r.torchMs, 3), `${fmt(r.ratio)}×`, fmt(r.mflop, 3), fmt(r.gflops, 3), `${fmt(100 * r.peakShare, 3)}%`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out: string[] = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''];
  const best = new Map<string, SpecRow>();
  for (const r of rows) if (!best.has(r.spec) || r.ratio < best.get(r.spec)!.ratio) best.set(r.spec, r);
  const ratios = [...best.values()].map((r) => r.ratio);
  out.push(`fastest backend per spec: median ratio ${fmt(median(ratios))}×, worst ${fmt(Math.max(...ratios))}× (${[...best.values()].filter((r) => r.ratio > 2).length} of ${best.size} specs over 2×)`);
  out.push(`oracle round trip (hello): median ${fmt(roundTrip.medianUs, 0)} µs, p99 ${fmt(roundTrip.p99Us, 0)} µs`);
  for (const t of transport) out.push(`transport ${t.mb} MB: ${fmt(t.transportMs)} ms (${fmt(t.throughputMBs, 0)} MB/s), in-process copy ${fmt(t.inProcessCopyMs)} ms: ${fmt(t.ratioToCopy, 1)}× a copy`);
  for (const s of suites) out.push(`${s.command}: ${fmt(s.wallS, 1)} s wall, peak ${fmt(s.peakMB, 0)} MB (exit ${s.exitCode})`);
  out.push(`tensors left behind: ${leftBehind}`);
  if (skipped.length) out.push(`no benchmark case yet: ${skipped.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  mkdirSync(dirname(opts.json!), { recursive: true });
  writeFileSync(opts.json!, `${JSON.stringify({ machine: m, torch: hello.versions, rows, roundTrip, transport, suites, leftBehind, skipped }, null, 2)}\n`);
  process.stderr.write(`written to ${opts.json}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
