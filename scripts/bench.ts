/**
 * `npm run bench`: ganref side by side with PyTorch, in one run, reported as ratios.
 *
 * For every catalog spec with a benchmark case: the value with its gradients wrt every input (for
 * a penalty, its gradients wrt the critic's weights, which is double backprop) on each TF.js
 * backend; the same work in stock TF.js (plain `tf.*` ops and TF.js's own gradient configs,
 * scripts/stock-tfjs.ts; on wasm without the kernels ganref installs) wherever stock TF.js is right, interleaved with ganref's runs; and the
 * same work in the oracle (torch CPU, timed inside the oracle so transport is excluded), once
 * pinned to one thread (torch.set_num_threads(1) and OPENBLAS_NUM_THREADS = MKL_NUM_THREADS =
 * OMP_NUM_THREADS = 1 in the oracle's environment: set_num_threads does not limit OpenBLAS's own
 * pool) and once on all cores. It states which BLAS torch runs (src/oracle/blas.ts; provision
 * OpenBLAS with `npm run oracle:provision`). MLP specs whose benchmark critic is leaky-relu (where
 * stock TF.js's double backprop throws) also run with relu and softplus critics, with a stock
 * column. Inputs are converted to tensors outside the timing on every side. Also: the oracle round trip of a tiny request, transport
 * throughput of 1, 16 and 64 MB tensors against an in-process copy, wall time and peak memory of
 * `npm test` and of the fixture-based conformance run, and tensors left behind. Each compute
 * benchmark states its FLOP count and kernel count (from the kernels TF.js ran) and the share of
 * one core's peak. ganref runs as in a training loop, with `configure({ checkValues: false })`;
 * where there is a stock column, it is also timed with value checks on (the default).
 *
 *   npm run bench [-- --spec GLOB] [--backend cpu,wasm] [--min-time S] [--no-suite] [--no-variants]
 *                 [--no-all-cores] [--no-transport] [--threads N] [--json FILE]
 *
 * `--spec` takes globs (`*`) separated by commas; `--no-transport` skips the round-trip and
 * transport measurements. `--smoke` shrinks every benchmark case (batch 16, widths 32, images
 * 3×8×8) to check quickly that everything runs and agrees; its timings mean nothing. `--threads N`
 * runs wasm with N XNNPACK threads (`useBackend('wasm', { threads })`), to set beside torch on all cores.
 */
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { registerGradients, configure } from 'ganref';
import { availableBackends, useBackend, type BackendName } from 'ganref/backends';
import { selectSpecs, type Case, type NDArray, type Spec } from 'ganref/catalog';
import { evaluateTensors, wrtOf, type LocalResult } from 'ganref/conformance';
import { blasThreadEnv, describeTorchBlas, formatBlas, OracleClient, requireOraclePython } from 'ganref/oracle';
import { installWasmKernels, uninstallWasmKernels } from '../src/backends/wasm-kernels.js';
import { countFlops } from '../src/bench/flops.js';
import { BENCH } from '../src/catalog/bench.js';
import { loadStockGradients, MLP_VARIANT_SPECS, stockEvaluate, type GradientModes } from './stock-tfjs.js';

const { values: opts } = parseArgs({
  options: {
    spec: { type: 'string' },
    backend: { type: 'string' },
    'min-time': { type: 'string', default: '0.4' },
    'no-suite': { type: 'boolean', default: false },
    'no-variants': { type: 'boolean', default: false },
    'no-all-cores': { type: 'boolean', default: false },
    'no-transport': { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    json: { type: 'string', default: 'reports/bench.json' },
    threads: { type: 'string', default: '1' },
  },
});
// wasm's XNNPACK threads (matMul, conv): fixed for the process, so a run is either one-thread
// (the default, beside one-thread torch) or threaded (`--threads 2`, beside torch on all cores).
const wasmThreadCount = Number(opts.threads);
const minTime = Number(opts['min-time']);
if (opts.smoke) Object.assign(BENCH, { batch: 16, features: 32, categories: 32, hidden: 32, image: [3, 8, 8] });

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
  return measureInterleaved([{ run: fn }], warmup)[0]!;
}

/**
 * Times several functions doing the same work, interleaved (one run of each per round, each
 * after its `before`, which is not timed), so a machine whose load changes affects them alike.
 * Rounds as in {@link measure}, the slowest function deciding.
 */
function measureInterleaved(fns: { run: () => void; before?: () => void }[], warmup = 3): number[][] {
  const timeOne = (f: { run: () => void; before?: () => void }) => {
    f.before?.();
    const t0 = performance.now();
    f.run();
    return (performance.now() - t0) / 1000;
  };
  const firsts = fns.map(timeOne);
  const slow = Math.max(...firsts) > 1;
  for (let i = 1; i < (slow ? 1 : warmup); i++) fns.forEach(timeOne);
  const seconds: number[][] = fns.map(() => []);
  const start = performance.now();
  const minRuns = slow ? 3 : 5;
  while (
    seconds[0]!.length < minRuns ||
    (seconds[0]!.length < 200 && performance.now() - start < minTime * 1000 * fns.length)
  ) {
    fns.forEach((f, i) => seconds[i]!.push(timeOne(f)));
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
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    mhz,
    avx2,
    fma,
    peakOneCoreGflops: (mhz * 1e6 * flopsPerCycle) / 1e9,
    node: process.version,
  };
}

const toProtocol = (inputs: Record<string, NDArray>) =>
  Object.fromEntries(Object.entries(inputs).map(([n, a]) => [n, { data: Float32Array.from(a.data), shape: a.shape }]));

/** Largest |a − b| / (1 + |b|) over every result both sides computed (NaN when shapes differ). */
function disagreement(a: Map<string, LocalResult>, b: Map<string, LocalResult>): number {
  let worst = 0;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y || x.data.length !== y.data.length) return NaN;
    for (let i = 0; i < x.data.length; i++)
      worst = Math.max(worst, Math.abs(x.data[i]! - y.data[i]!) / (1 + Math.abs(y.data[i]!)));
  }
  return worst;
}

interface SpecRow {
  spec: string;
  /** The spec id and, for an extra row, the activation its critic runs (`network/mlp [relu]`). */
  label: string;
  backend: BackendName;
  secondOrder: boolean;
  ganrefMs: number;
  ganrefP90Ms: number;
  /** ganref with value checks on (the default); only where there is a stock column. */
  checkedMs?: number;
  /** Stock TF.js on the same work, interleaved with ganref's runs; `null` where it fails. */
  stockMs?: number | null;
  stockError?: string;
  /** ganref / stock. */
  stockRatio?: number;
  /** Largest relative difference between ganref's and stock's results. */
  stockAgreement?: number;
  torchMs: number;
  torchAllCoresMs?: number;
  /** ganref / torch on one thread. */
  ratio: number;
  mflop: number;
  kernels: number;
  gflops: number;
  peakShare: number;
  runs: number;
}

interface Workload {
  spec: Spec;
  label: string;
  c: Case;
}

/** The selected specs' benchmark cases, and relu / softplus variants of the MLP specs. */
function workloads(specs: Spec[]): Workload[] {
  const out: Workload[] = [];
  for (const spec of specs) {
    const c = spec.benchmark!();
    out.push({ spec, label: spec.id, c });
    if (!opts['no-variants'] && MLP_VARIANT_SPECS.includes(spec.id) && !stockEvaluate(spec.id, c.params)) {
      for (const activation of ['relu', 'softplus'])
        out.push({ spec, label: `${spec.id} [${activation}]`, c: { ...c, params: { ...c.params, activation } } });
    }
  }
  return out;
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** The oracle's round trip of a tiny request (hello), and its transport of large inputs. */
async function measureTransport(oracle: OracleClient) {
  // Oracle round trip of a tiny request (hello).
  const rt: number[] = [];
  for (let i = 0; i < (opts['no-transport'] ? 0 : 20); i++) await oracle.hello();
  for (let i = 0; i < (opts['no-transport'] ? 0 : 500); i++) {
    const t0 = performance.now();
    await oracle.hello();
    rt.push((performance.now() - t0) * 1e3);
  }
  const roundTrip = { medianUs: median(rt), p99Us: quantile(rt, 0.99), requests: rt.length };

  // Transport: a large input to a spec whose compute is negligible, minus that compute (timed inside).
  const transport = [];
  for (const mb of opts['no-transport'] ? [] : [1, 16, 64]) {
    const n = (mb * 1024 * 1024) / 4;
    const big = new Float32Array(n).fill(0.5);
    const request = {
      spec: 'objective/wasserstein',
      params: {},
      tensors: { criticReal: { data: big, shape: [n] }, criticFake: { data: new Float32Array([0]), shape: [1] } },
      compute: ['float32' as const],
      wrt: [],
    };
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
    transport.push({
      mb,
      roundTripMs: median(trips.slice(1)) * 1e3,
      computeMs: median(inside!.seconds) * 1e3,
      transportMs: transportS * 1e3,
      throughputMBs: mb / transportS,
      inProcessCopyMs: copyS * 1e3,
      ratioToCopy: transportS / copyS,
    });
  }
  return { rt, roundTrip, transport };
}

/** The report's table: one row per spec, backend and workload. */
function reportTable(rows: SpecRow[], m: ReturnType<typeof machine>, title: string): string[] {
  const header = [
    'spec',
    'backend',
    'ganref ms',
    'stock ms',
    '× stock',
    'checks on ms',
    `torch ms (1 thr)`,
    `torch ms (${m.cores} thr)`,
    '× torch',
    'kernels',
    'MFLOP',
    'GFLOP/s',
    '% peak',
  ];
  const body = rows.map((r) => [
    r.label,
    r.backend,
    fmt(r.ganrefMs, 3),
    r.stockMs ? fmt(r.stockMs, 3) : r.stockError ? 'fails' : '—',
    r.stockRatio ? `${fmt(r.stockRatio)}×` : '—',
    r.checkedMs ? fmt(r.checkedMs, 3) : '—',
    fmt(r.torchMs, 3),
    r.torchAllCoresMs !== undefined ? fmt(r.torchAllCoresMs, 3) : '—',
    `${fmt(r.ratio)}×`,
    String(r.kernels),
    fmt(r.mflop, 3),
    fmt(r.gflops, 3),
    `${fmt(100 * r.peakShare, 3)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out: string[] = [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''];
  return out;
}

type Timed = {
  seconds: number[];
  stock?: { ms: number | null; error?: string; agreement?: number; checkedMs?: number };
};

/** ganref's timings, interleaved with stock TF.js's (and ganref's with value checks on) where stock TF.js computes the spec. */
function timeAgainstStock(
  spec: Spec,
  c: Case,
  inputs: Record<string, tf.Tensor>,
  wrt: string[],
  ganref: () => Map<string, LocalResult>,
  modes: GradientModes,
): Timed {
  const stockFn = stockEvaluate(spec.id, c.params);
  let stock: Timed['stock'];
  let seconds: number[];
  if (stockFn) {
    const stockRun = () => evaluateTensors(`stock ${spec.id}`, stockFn, spec.outputs, inputs, c.params, wrt);
    let stockResults: Map<string, LocalResult> | undefined;
    let error: string | undefined;
    try {
      modes.stock();
      stockResults = stockRun();
    } catch (err) {
      error = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 160);
    } finally {
      modes.ganref();
    }
    if (stockResults) {
      const agreement = disagreement(ganref(), stockResults);
      const checked = () => {
        configure({ checkValues: true });
        try {
          ganref();
        } finally {
          configure({ checkValues: false });
        }
      };
      const [g, st, ch] = measureInterleaved([
        { run: () => void ganref(), before: modes.ganref },
        { run: () => void stockRun(), before: modes.stock },
        { run: checked, before: modes.ganref },
      ]);
      modes.ganref();
      seconds = g!;
      stock = { ms: median(st!) * 1e3, agreement, checkedMs: median(ch!) * 1e3 };
    } else {
      seconds = measure(() => void ganref());
      stock = { ms: null, error };
    }
  } else {
    seconds = measure(() => void ganref());
  }
  return { seconds, stock };
}

async function main() {
  const m = machine();
  const backends = opts.backend ? (opts.backend.split(',') as BackendName[]) : await availableBackends();
  const selected = opts.spec ? [...new Set(opts.spec.split(',').flatMap((g) => selectSpecs(g)))] : selectSpecs();
  const specs = selected.filter((s) => s.benchmark);
  const skipped = selected.filter((s) => !s.benchmark).map((s) => s.id);
  const python = await requireOraclePython();
  const blas = await describeTorchBlas(python.executable);
  // The benchmark cases are small requests that do large work (training/unrolled at batch 256 is
  // estimated at 3.6 GB, network/conv at 5.6 GB: generous upper bounds): the oracle's work limit is
  // raised, and its allowance floor with it.
  const trusted = ['--max-work', String(16 * 2 ** 30), '--work-floor', String(16 * 2 ** 30)];
  // One thread: torch's intra-op pool AND the BLAS's own pool (OpenBLAS ignores set_num_threads).
  const oracle = await OracleClient.spawn({ serverArgs: ['--threads', '1', ...trusted], env: blasThreadEnv(1) });
  const oracleAll = opts['no-all-cores']
    ? null
    : await OracleClient.spawn({ serverArgs: ['--threads', String(m.cores), ...trusted], env: blasThreadEnv(m.cores) });
  const hello = await oracle.hello();
  const gradientModes: GradientModes = await loadStockGradients();
  // Stock TF.js means stock kernels too: on wasm, without the kernels useBackend('wasm') installs.
  const modes: GradientModes = {
    stock: () => {
      gradientModes.stock();
      if (tf.getBackend() === 'wasm') uninstallWasmKernels();
    },
    ganref: () => {
      gradientModes.ganref();
      if (tf.getBackend() === 'wasm') installWasmKernels();
    },
  };
  const activate = (b: BackendName) => useBackend(b, b === 'wasm' ? { threads: wasmThreadCount } : {});
  await activate(backends[0]!);
  const tensorsBefore = tf.memory().numTensors;
  const rows: SpecRow[] = [];
  process.stderr.write(
    `machine: ${m.cpu}, ${m.cores} cores at ${m.mhz} MHz, one-core float32 peak ${m.peakOneCoreGflops.toFixed(1)} GFLOP/s; torch ${hello.versions.torch} with ${formatBlas(blas)}, on 1 thread and on ${m.cores}\n`,
  );
  if (blas.kind === 'reference')
    process.stderr.write(
      'warning: torch runs the unoptimised reference BLAS; `npm run oracle:provision` as root on Debian installs OpenBLAS\n',
    );
  for (const backend of backends) {
    await activate(backend);
    for (const { spec, label, c } of workloads(specs)) {
      const wrt = wrtOf(c);
      // Inputs become tensors once, outside the timing (torch's side converts outside too).
      const inputs: Record<string, tf.Tensor> = {};
      for (const [name, a] of Object.entries(c.inputs)) inputs[name] = tf.tensor(a.data, a.shape, 'float32');
      // Value and gradients wrt every input; for a penalty those gradients (wrt the critic's
      // weights) are already double backprop.
      const ganref = () => evaluateTensors(spec.id, (x, p) => spec.evaluate(x, p), spec.outputs, inputs, c.params, wrt);
      const { seconds, stock } = timeAgainstStock(spec, c, inputs, wrt, ganref, modes);
      const { flops, kernels } = await countFlops(() => void ganref());
      tf.dispose(Object.values(inputs));
      const tensors = toProtocol(c.inputs);
      const request = {
        spec: spec.id,
        params: c.params,
        tensors,
        compute: ['float32' as const],
        wrt,
        repeats: seconds.length,
        warmup: 3,
      };
      const [torch] = await oracle.time(request);
      const torchAll = oracleAll ? (await oracleAll.time(request))[0] : undefined;
      const ganrefMs = median(seconds) * 1e3;
      const torchMs = median(torch!.seconds) * 1e3;
      const row: SpecRow = {
        spec: spec.id,
        label,
        backend,
        secondOrder: false,
        ganrefMs,
        ganrefP90Ms: quantile(seconds, 0.9) * 1e3,
        ...(stock
          ? {
              checkedMs: stock.checkedMs,
              stockMs: stock.ms,
              stockError: stock.error,
              stockRatio: stock.ms ? ganrefMs / stock.ms : undefined,
              stockAgreement: stock.agreement,
            }
          : {}),
        torchMs,
        ...(torchAll ? { torchAllCoresMs: median(torchAll.seconds) * 1e3 } : {}),
        ratio: ganrefMs / torchMs,
        mflop: flops / 1e6,
        kernels,
        gflops: flops / (ganrefMs * 1e-3) / 1e9,
        peakShare: flops / (ganrefMs * 1e-3) / 1e9 / m.peakOneCoreGflops,
        runs: seconds.length,
      };
      rows.push(row);
      // Partial results survive an interrupted run.
      mkdirSync(dirname(opts.json!), { recursive: true });
      writeFileSync(
        opts.json!,
        `${JSON.stringify({ machine: m, wasmThreads: wasmThreadCount, torch: hello.versions, blas, rows, partial: true }, null, 2)}\n`,
      );
      const stockNote = row.stockMs
        ? `, stock ${row.stockMs.toFixed(3)} ms (${row.stockRatio!.toFixed(2)}× stock; agree ${row.stockAgreement!.toExponential(1)}; value checks on ${row.checkedMs!.toFixed(3)} ms)`
        : row.stockError
          ? `, stock fails: ${row.stockError}`
          : '';
      const allNote =
        row.torchAllCoresMs !== undefined ? `, torch ${m.cores} threads ${row.torchAllCoresMs.toFixed(3)} ms` : '';
      process.stderr.write(
        `${backend}${backend === 'wasm' && wasmThreadCount > 1 ? ` (${wasmThreadCount} threads)` : ''} ${label}: ${ganrefMs.toFixed(3)} ms (${kernels} kernels) vs torch 1 thread ${torchMs.toFixed(3)} ms (${row.ratio.toFixed(2)}×)${allNote}${stockNote}\n`,
      );
    }
  }
  if (oracleAll) await oracleAll.close();
  const leftBehind = tf.memory().numTensors - tensorsBefore;

  const { rt, roundTrip, transport } = await measureTransport(oracle);
  await oracle.close();

  // Whole-suite wall times and peak memory (largest process), as a person would run them.
  const timed = (cmd: string[]) => {
    const r = spawnSync('/usr/bin/time', ['-f', 'GANREF_TIME %e %M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const mm = /GANREF_TIME ([\d.]+) (\d+)/.exec(r.stderr);
    return {
      command: cmd.join(' '),
      exitCode: r.status,
      wallS: mm ? Number(mm[1]) : NaN,
      peakMB: mm ? Number(mm[2]) / 1024 : NaN,
    };
  };
  const suites = [];
  if (!opts['no-suite']) {
    execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
    suites.push(timed(['node', 'dist/cli.js', 'conform']));
    suites.push(timed(['npm', 'test']));
  }

  const out = reportTable(rows, m, `torch ${hello.versions.torch}: ${formatBlas(blas)}`);
  const best = new Map<string, SpecRow>();
  for (const r of rows) if (!best.has(r.label) || r.ratio < best.get(r.label)!.ratio) best.set(r.label, r);
  const ratios = [...best.values()].map((r) => r.ratio);
  out.push(
    `fastest backend per spec: median ratio ${fmt(median(ratios))}×, worst ${fmt(Math.max(...ratios))}× (${[...best.values()].filter((r) => r.ratio > 2).length} of ${best.size} specs over 2×)`,
  );
  const vsStock = rows.filter((r) => r.stockRatio !== undefined);
  if (vsStock.length) {
    const worst = vsStock.reduce((a, b) => (b.stockRatio! > a.stockRatio! ? b : a));
    out.push(
      `against stock TF.js: ganref ≤ 1.0× stock on ${vsStock.filter((r) => r.stockRatio! <= 1).length} of ${vsStock.length} rows; worst ${fmt(worst.stockRatio!)}× (${worst.label}, ${worst.backend}); results agree within ${vsStock.reduce((a, r) => Math.max(a, r.stockAgreement ?? 0), 0).toExponential(1)} (relative)`,
    );
  }
  if (rt.length)
    out.push(`oracle round trip (hello): median ${fmt(roundTrip.medianUs, 0)} µs, p99 ${fmt(roundTrip.p99Us, 0)} µs`);
  for (const t of transport)
    out.push(
      `transport ${t.mb} MB: ${fmt(t.transportMs)} ms (${fmt(t.throughputMBs, 0)} MB/s), in-process copy ${fmt(t.inProcessCopyMs)} ms: ${fmt(t.ratioToCopy, 1)}× a copy`,
    );
  for (const s of suites)
    out.push(`${s.command}: ${fmt(s.wallS, 1)} s wall, peak ${fmt(s.peakMB, 0)} MB (exit ${s.exitCode})`);
  out.push(`tensors left behind: ${leftBehind}`);
  if (skipped.length) out.push(`no benchmark case yet: ${skipped.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  mkdirSync(dirname(opts.json!), { recursive: true });
  writeFileSync(
    opts.json!,
    `${JSON.stringify({ machine: m, wasmThreads: wasmThreadCount, torch: hello.versions, blas, rows, roundTrip, transport, suites, leftBehind, skipped }, null, 2)}\n`,
  );
  process.stderr.write(`written to ${opts.json}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
