#!/usr/bin/env node
/**
 * The `ganref` command line.
 *
 *   ganref specs                      every catalog id with its reference
 *   ganref conform [options]          check every spec: invariants, error inputs, oracle cross-check
 *   ganref oracle [--bind ENDPOINT]   run the PyTorch oracle server in the foreground
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { availableBackends, BACKENDS, type BackendName } from './backend.js';
import { registerGradients } from './autodiff/index.js';
import { CATALOG, selectSpecs } from './catalog/index.js';
import { conform } from './conformance/run.js';
import { formatSummary, formatTable } from './conformance/report.js';
import { OracleClient } from './oracle/client.js';
import { ORACLE_DIR, requireOraclePython } from './oracle/python.js';

const USAGE = `usage: ganref <command> [options]

commands:
  specs                     list every catalog id with its paper reference
  conform                   check specs: invariants, error inputs, and values and gradients
                            against the reference; prints a table; exit code 0 only if all pass
      --spec GLOB           only ids matching GLOB (e.g. 'objective/*')
      --backend NAME        cpu (default, or GANREF_BACKEND), wasm, tensorflow, or all
      --reference REF       live (spawn the PyTorch oracle; default) or a ZeroMQ endpoint
                            such as tcp://127.0.0.1:5555 of a running oracle
      --runs N              fast-check runs per invariant (default 100)
      --cases N             random oracle cases per spec, besides the edge cases (default 24)
      --seed N              seed of invariants and cases (default: fixed for cases, random for invariants)
      --json FILE           also write the report as JSON
  oracle                    run the oracle server in the foreground
      --bind ENDPOINT       default tcp://127.0.0.1:5555
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
  if (wanted === 'all') return availableBackends();
  if (!(BACKENDS as readonly string[]).includes(wanted)) fail(`unknown backend '${wanted}' (cpu, wasm, tensorflow, all)`);
  return [wanted as BackendName];
}

async function runConform(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      spec: { type: 'string' },
      backend: { type: 'string' },
      reference: { type: 'string', default: 'live' },
      runs: { type: 'string' },
      cases: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const int = (s: string | undefined, what: string) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) fail(`--${what} must be a non-negative integer, got '${s}'`);
    return n;
  };
  const specs = selectSpecs(values.spec);
  if (specs.length === 0) fail(`no spec matches '${values.spec}' (see 'ganref specs')`);
  const backends = await resolveBackends(values.backend);
  const ref = values.reference!;
  let client: OracleClient;
  if (ref === 'live') {
    const python = await requireOraclePython();
    process.stderr.write(`oracle: starting ${python.executable} (torch ${python.versions.torch})\n`);
    client = await OracleClient.spawn({ python: python.executable });
  } else if (/^(tcp|ipc):\/\//.test(ref)) {
    client = await OracleClient.connect(ref);
  } else {
    fail(`--reference must be 'live' or a ZeroMQ endpoint such as tcp://127.0.0.1:5555, got '${ref}'`);
  }
  try {
    const hello = await client.hello();
    const missing = specs.filter((s) => !hello.specs.includes(s.id)).map((s) => s.id);
    process.stderr.write(`oracle: ${hello.server}, protocol ${hello.protocol}, ${Object.entries(hello.versions).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    if (missing.length) process.stderr.write(`oracle: does not implement ${missing.join(', ')} (reported as failures)\n`);
    process.stderr.write(`backends: ${backends.join(', ')}\n`);
    const bar = progress();
    const rows = await conform(specs, {
      backends,
      reference: client,
      numRuns: int(values.runs, 'runs'),
      cases: int(values.cases, 'cases'),
      seed: int(values.seed, 'seed'),
      onProgress: bar.update,
    });
    bar.end();
    process.stdout.write(`${formatTable(rows)}\n\n${formatSummary(rows)}\n`);
    if (values.json) {
      mkdirSync(dirname(values.json), { recursive: true });
      writeFileSync(values.json, `${JSON.stringify({ oracle: hello, backends, rows }, null, 2)}\n`);
      process.stderr.write(`report written to ${values.json}\n`);
    }
    return rows.every((r) => r.pass) ? 0 : 1;
  } finally {
    await client.close();
  }
}

async function runOracle(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { bind: { type: 'string', default: 'tcp://127.0.0.1:5555' } } });
  const python = await requireOraclePython();
  const child = spawn(python.executable, ['-m', 'ganref_oracle', '--bind', values.bind!], { cwd: ORACLE_DIR, env: { ...process.env, PYTHONPATH: ORACLE_DIR }, stdio: 'inherit' });
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
      for (const s of CATALOG) process.stdout.write(`${s.id.padEnd(36)} ${s.reference}\n`);
      return 0;
    case 'conform':
      return runConform(rest);
    case 'oracle':
      return runOracle(rest);
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
