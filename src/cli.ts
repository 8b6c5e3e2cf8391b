#!/usr/bin/env node
/**
 * The `ganref` command line.
 *
 *   ganref specs [GLOB]               every catalog id with its reference (with GLOB: each spec's card)
 *   ganref conform [options]          check every spec: invariants, error inputs, cross-check
 *                                     against the golden fixtures, the live oracle or an endpoint
 *   ganref fixtures [options]         regenerate the golden fixtures from the live oracle
 *   ganref oracle [--bind ENDPOINT]   run the PyTorch oracle server in the foreground
 *   ganref provision                  find or install the oracle's Python
 *   ganref lab <experiment>           run an experiment of the dynamics lab (JSON and SVG plots)
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { registerGradients } from 'ganref';
import { availableBackends, BACKENDS, type BackendName } from 'ganref/backends';
import { CATALOG, matchesGlob, selectSpecs, selectSpecsAny, specCard, type Spec } from 'ganref/catalog';
import {
  checkTarget,
  ConformAbortedError,
  DEFAULT_CROSSCHECK_SEED,
  describeFailure,
  describeFixtureMismatch,
  fixtureMismatch,
  formatRatio,
  formatSummary,
  formatTable,
  renderHtml,
  type PreparedCase,
  type Reference,
  type SpecReport,
} from 'ganref/conformance';
import { DEFAULT_FIXTURES_DIR, FixtureReference, loadFixtures, regenerateFixtures } from 'ganref/fixtures';
import { OracleClient, ORACLE_DIR, provisionOraclePython, requireOraclePython } from 'ganref/oracle';
import { browserBackends, conformEverywhere } from './browser/everywhere.js';

const USAGE = `usage: ganref <command> [options]

commands:
  specs [GLOB]              list every catalog id with its paper reference; with GLOB, the
                            full card of each matching spec (inputs, parameters, defaults)
  conform                   check specs: invariants, error inputs, and values, gradients and
                            second order against the reference; prints a table; exit code 0
                            only if everything passes
      --spec GLOB           only ids matching GLOB (e.g. 'objective/*'); repeat to add more
      --backend NAME        cpu (default, or GANREF_BACKEND), wasm, tensorflow, webgl, webgpu
                            (these two in headless Chromium, against the fixtures), or all
      --reference REF       fixtures (default: the golden fixtures, no Python needed), live
                            (spawn the PyTorch oracle), or a ZeroMQ endpoint tcp://HOST:PORT
      --fixtures DIR        the fixture folder (default: the package's fixtures/)
      --target ENDPOINT     instead: check the server at ENDPOINT (any implementation of
                            oracle/PROTOCOL.md) against the fixtures
      --runs N              fast-check runs per invariant (default 100)
      --max-runs N          a cap on every invariant's runs, its own count included
      --gpu-runs N          a cap on the runs on webgl and webgpu only (default: none)
      --cases N             random cases per spec with a live reference (default 24)
      --seed N              seed of invariants and live cases (default 20261124, so reports replay)
      --json FILE           also write the report as JSON
      --html FILE           also write the report as an HTML page with a chart
      --timeout SECONDS     deadline of one oracle request attempt (default 60); a spawned
                            oracle that misses it is replaced, and a run whose reference
                            fails 3 specs in a row stops with an error
  fixtures                  regenerate the golden fixtures from the live oracle
      --spec GLOB           only these specs (the others are kept)
      --fixtures DIR        the fixture folder (default: the package's fixtures/)
      --cases N --seed N    random cases per spec (default 24) and seed
      --timeout SECONDS     deadline of one oracle request attempt (default 60)
  oracle                    run the oracle server in the foreground
      --bind ENDPOINT       default tcp://127.0.0.1:5555
  provision                 find, or install, a Python with torch, pyzmq and numpy for the oracle
  lab <experiment>          run an experiment of the dynamics lab: a JSON result and SVG plots
      --list                the experiments, with their defaults
      --out DIR             default lab-results/<experiment>
      --seeds N --steps N   seeds per method and the budget in steps (each has a default)
      --backend cpu|wasm    default wasm
`;

function fail(message: string): never {
  process.stderr.write(`ganref: ${message}\n`);
  process.exit(2);
}

/** A one-line progress bar on a terminal, or a line per tenth of the work otherwise. */
function progress(): { update: (done: number, total: number, what: string) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return {
    update(done, total, what) {
      const share = total === 0 ? 1 : done / total;
      if (tty) {
        const width = 28;
        const filled = Math.round(share * width);
        const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${what}`;
        process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 100) - 1)}`);
      } else if (Math.floor(share * 10) > lastTenth) {
        lastTenth = Math.floor(share * 10);
        process.stderr.write(`[${Math.round(share * 100)}%] ${done}/${total} ${what}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

async function resolveBackends(name: string | undefined): Promise<BackendName[]> {
  const wanted = name ?? process.env.GANREF_BACKEND ?? 'cpu';
  if (wanted === 'all') {
    const gpu = browserBackends();
    if (gpu.why) process.stderr.write(`backends: webgl and webgpu left out: ${gpu.why}\n`);
    return [...(await availableBackends()), ...gpu.backends];
  }
  if (!(BACKENDS as readonly string[]).includes(wanted))
    fail(`unknown backend '${wanted}' (${BACKENDS.join(', ')}, all)`);
  return [wanted as BackendName];
}

function intOption(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) fail(`--${what} must be a non-negative integer, got '${s}'`);
  return n;
}

const ENDPOINT = /^(tcp|ipc):\/\//;

/** `--timeout SECONDS` as milliseconds (undefined: the client's default). */
function timeoutOption(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const seconds = Number(s);
  if (!Number.isFinite(seconds) || seconds <= 0) fail(`--timeout must be a positive number of seconds, got '${s}'`);
  return Math.ceil(seconds * 1000);
}

/** Spawns the live oracle (single-threaded, so results do not depend on the core count). */
async function spawnOracle(timeoutMs?: number): Promise<OracleClient> {
  const python = await requireOraclePython();
  process.stderr.write(`oracle: starting ${python.executable} (torch ${python.versions.torch})\n`);
  return OracleClient.spawn({
    python: python.executable,
    serverArgs: ['--threads', '1'],
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

function writeReports(
  values: { json?: string; html?: string },
  rows: SpecReport[],
  meta: { reference: string; backends: string[]; oracle?: Record<string, string> },
): void {
  if (values.json) {
    mkdirSync(dirname(values.json), { recursive: true });
    writeFileSync(values.json, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
    process.stderr.write(`JSON report written to ${values.json}\n`);
  }
  if (values.html) {
    mkdirSync(dirname(values.html), { recursive: true });
    writeFileSync(values.html, renderHtml(rows, { title: 'ganref conformance report', ...meta }));
    process.stderr.write(`HTML report written to ${values.html}\n`);
  }
}

/** The specs matching any of the repeated `--spec GLOB` options (all without one), in catalog order. */
function selectAll(globs: string[] | undefined): Spec[] {
  const { specs, unmatched } = selectSpecsAny(globs);
  for (const g of unmatched) fail(`no spec matches '${g}' (see 'ganref specs')`);
  return specs;
}

/**
 * Whether the fixture set covers the selected specs and holds no fixture (within the --spec
 * globs) that the catalog lacks; says what disagrees when not. A renamed spec must fail the run,
 * not pass it with its fixture unchecked.
 */
function fixturesAgree(fixtures: FixtureReference, specs: Spec[], globs: string[] | undefined): boolean {
  const mismatch = fixtureMismatch(
    specs.map((s) => s.id),
    CATALOG.map((s) => s.id),
    [...fixtures.loaded.fixtures.keys()],
    globs,
    matchesGlob,
  );
  if (mismatch) process.stderr.write(`ganref: ${describeFixtureMismatch(fixtures.loaded.dir, mismatch)}\n`);
  return mismatch === null;
}

async function runConform(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      spec: { type: 'string', multiple: true },
      backend: { type: 'string' },
      reference: { type: 'string', default: 'fixtures' },
      fixtures: { type: 'string', default: DEFAULT_FIXTURES_DIR },
      target: { type: 'string' },
      runs: { type: 'string' },
      'max-runs': { type: 'string' },
      'gpu-runs': { type: 'string' },
      cases: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const timeoutMs = timeoutOption(values.timeout);
  const specs = selectAll(values.spec);
  if (values.target) return runTarget(values.target, specs, values.fixtures!, timeoutMs, values.spec);
  const backends = await resolveBackends(values.backend);
  const ref = values.reference!;
  let client: OracleClient | undefined;
  let reference: Reference;
  let preparedFor: ((spec: Spec) => PreparedCase[] | undefined) | undefined;
  let oracleVersions: Record<string, string> | undefined;
  if (ref === 'fixtures') {
    const fixtures = new FixtureReference(loadFixtures(values.fixtures!));
    if (!fixturesAgree(fixtures, specs, values.spec)) return 1;
    reference = fixtures;
    preparedFor = (spec) => fixtures.prepared(spec);
    oracleVersions = fixtures.loaded.manifest.oracle;
    process.stderr.write(
      `reference: fixtures in ${fixtures.loaded.dir} (oracle ${Object.entries(oracleVersions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})\n`,
    );
  } else if (ref === 'live' || ENDPOINT.test(ref)) {
    client =
      ref === 'live' ? await spawnOracle(timeoutMs) : await OracleClient.connect(ref, timeoutMs ? { timeoutMs } : {});
    reference = client;
  } else {
    fail(`--reference must be 'fixtures', 'live' or a ZeroMQ endpoint such as tcp://127.0.0.1:5555, got '${ref}'`);
  }
  try {
    if (client) {
      const hello = await client.hello();
      oracleVersions = hello.versions;
      const missing = specs.filter((s) => !hello.specs.includes(s.id)).map((s) => s.id);
      process.stderr.write(
        `reference: ${hello.server}, protocol ${hello.protocol}, ${Object.entries(hello.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}\n`,
      );
      if (missing.length)
        process.stderr.write(`reference: does not implement ${missing.join(', ')} (reported as failures)\n`);
    }
    process.stderr.write(`backends: ${backends.join(', ')}\n`);
    const bar = progress();
    let aborted: string | undefined;
    const { rows, gpus } = await conformEverywhere(specs, backends, {
      reference,
      ...(preparedFor ? { preparedFor } : {}),
      fixturesDir: values.fixtures,
      numRuns: intOption(values.runs, 'runs'),
      maxRuns: intOption(values['max-runs'], 'max-runs'),
      gpuMaxRuns: intOption(values['gpu-runs'], 'gpu-runs'),
      onGpuInfo: (info, browser) =>
        process.stderr.write(
          `\n${info.backend}: ${info.device} in Chromium ${browser}; ${info.float32 ? 'float32' : 'FLOAT16 (no float32 render targets)'}\n`,
        ),
      cases: intOption(values.cases, 'cases'),
      // A conformance report must replay: invariants use a fixed seed unless --seed says otherwise.
      seed: intOption(values.seed, 'seed') ?? DEFAULT_CROSSCHECK_SEED,
      onProgress: bar.update,
    }).catch((err: unknown) => {
      if (!(err instanceof ConformAbortedError)) throw err;
      aborted = err.message;
      return { rows: err.rows, gpus: [] };
    });
    bar.end();
    process.stdout.write(`${formatTable(rows)}\n\n${formatSummary(rows)}\n`);
    if (aborted) {
      process.stderr.write(
        `ganref: run abandoned after ${rows.length} of ${specs.length * backends.length} specs: ${aborted}\n`,
      );
      return 1;
    }
    for (const g of gpus)
      process.stdout.write(
        `${g.backend} ran on ${g.device}, ${g.float32 ? 'in float32' : 'in FLOAT16: float32 tolerances cannot hold'}\n`,
      );
    writeReports(values, rows, {
      reference: ref === 'fixtures' ? `fixtures (${values.fixtures})` : ref,
      backends,
      oracle: oracleVersions,
      ...(gpus.length ? { gpus } : {}),
    });
    return rows.every((r) => r.pass) ? 0 : 1;
  } finally {
    await client?.close();
  }
}

async function runTarget(
  endpoint: string,
  specs: Spec[],
  fixturesDir: string,
  timeoutMs?: number,
  globs?: string[],
): Promise<number> {
  if (!ENDPOINT.test(endpoint))
    fail(`--target must be a ZeroMQ endpoint such as tcp://127.0.0.1:5555, got '${endpoint}'`);
  const fixtures = new FixtureReference(loadFixtures(fixturesDir));
  if (!fixturesAgree(fixtures, specs, globs)) return 1;
  const target = await OracleClient.connect(endpoint, timeoutMs ? { timeoutMs } : {});
  try {
    const hello = await target.hello();
    process.stderr.write(
      `target: ${hello.server}, protocol ${hello.protocol}, ${Object.entries(hello.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n`,
    );
    const bar = progress();
    const results = await checkTarget(specs, target, fixtures, bar.update);
    bar.end();
    const header = ['spec', 'cases', 'worst err/tol', 'verdict'];
    const body = results.map((r) => [
      r.spec,
      r.crossCheck ? String(r.crossCheck.cases) : '—',
      formatRatio(r.crossCheck?.worst),
      !r.implemented ? 'not implemented' : r.error ? 'ERROR' : r.crossCheck!.pass ? 'pass' : 'FAIL',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    process.stdout.write(
      [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n\n',
    );
    const implemented = results.filter((r) => r.implemented);
    const failed = implemented.filter((r) => r.error || !r.crossCheck!.pass);
    for (const r of failed) {
      process.stdout.write(
        `${r.spec}:\n${
          r.error ??
          r
            .crossCheck!.failures.slice(0, 3)
            .map((f) => describeFailure(r.spec, f, 'target'))
            .join('\n')
        }\n\n`,
      );
    }
    const missing = results.filter((r) => !r.implemented).map((r) => r.spec);
    process.stdout.write(
      `${implemented.length - failed.length} passed, ${failed.length} failed${missing.length ? `; not implemented by the target: ${missing.join(', ')}` : ''}\n`,
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    await target.close();
  }
}

async function runFixtures(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      spec: { type: 'string', multiple: true },
      fixtures: { type: 'string', default: DEFAULT_FIXTURES_DIR },
      cases: { type: 'string' },
      seed: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const timeoutMs = timeoutOption(values.timeout);
  const specs = selectAll(values.spec);
  const client = await spawnOracle(timeoutMs);
  try {
    const bar = progress();
    const manifest = await regenerateFixtures(values.fixtures!, specs, client, values.spec === undefined, {
      cases: intOption(values.cases, 'cases'),
      seed: intOption(values.seed, 'seed'),
      onProgress: bar.update,
    });
    bar.end();
    const cases = manifest.files.reduce((a, f) => a + f.cases, 0);
    process.stdout.write(
      `wrote ${specs.length} fixture file(s) to ${values.fixtures}; the manifest lists ${manifest.files.length} spec(s), ${cases} cases (seed ${manifest.seed}, torch ${manifest.oracle.torch})\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

async function runProvision(): Promise<number> {
  const python = await provisionOraclePython({ log: (line: string) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${python.executable}\n`);
  return 0;
}

async function runOracle(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { bind: { type: 'string', default: 'tcp://127.0.0.1:5555' } } });
  const python = await requireOraclePython();
  const child = spawn(python.executable, ['-m', 'ganref_oracle', '--bind', values.bind!], {
    cwd: ORACLE_DIR,
    env: { ...process.env, PYTHONPATH: ORACLE_DIR },
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  // Quiet TF.js's advice to install tfjs-node (it prints on first use of the cpu backend).
  tf.env().set('IS_TEST', true);
  registerGradients();
  switch (command) {
    case 'specs':
      if (rest[0] !== undefined) for (const s of selectSpecs(rest[0])) process.stdout.write(`${specCard(s)}\n\n`);
      else for (const s of CATALOG) process.stdout.write(`${s.id.padEnd(36)} ${s.reference}\n`);
      return 0;
    case 'conform':
      return runConform(rest);
    case 'fixtures':
      return runFixtures(rest);
    case 'oracle':
      return runOracle(rest);
    case 'provision':
      return runProvision();
    case 'lab':
      // Loaded on demand: the lab and its plotting libraries (optional peers) stay out of the rest.
      return (await import('./lab/cli.js')).runLabCommand(rest, progress());
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      fail(`unknown command '${command}'\n${USAGE}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`ganref: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
