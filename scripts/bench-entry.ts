/**
 * `npm run bench:entry`: what the library costs a new TF.js user, measured from the package as
 * published (an `npm pack` tarball installed into a fresh app in a temporary folder):
 *
 * - node_modules: the size a library-only install adds beside the peer `@tensorflow/tfjs-core`
 *   (the app installs tfjs-core first, then the tarball; the difference, and the packages added);
 * - import time of `ganref` in Node after tfjs-core is loaded (median of fresh processes), and
 *   that the import registers no backend and leaves the user's backend active;
 * - browser bundle: esbuild, minified, tfjs-core external, of
 *   `import { gradientPenalty, nonSaturatingGeneratorLoss } from 'ganref'`, with its largest inputs.
 *
 * Goals (issue 11): ≤ 100 KB minified, ≤ 100 ms import, tf.getBackend() unchanged, ≤ 5 MB of
 * node_modules. A benchmark, not a test: times depend on the machine and its load, so it prints
 * the load average beside them. Needs the npm registry (`--prefer-offline` uses npm's cache).
 *
 *   npm run bench:entry [-- --runs N] [--keep] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    keep: { type: 'boolean', default: false },
    json: { type: 'string', default: 'reports/bench-entry.json' },
  },
});

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GOALS = { bundleBytes: 100 * 1024, importMs: 100, nodeModulesBytes: 5 * 1024 * 1024 };
const USER_CODE = "export { gradientPenalty, nonSaturatingGeneratorLoss } from 'ganref';\n";

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Bytes of every file under `path` (apparent size, as `du --apparent-size -b`). */
function bytesUnder(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

/** The packages installed under node_modules (scoped ones as `@scope/name`), nested ones included. */
function packagesUnder(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      if (!name.isDirectory() || name.name.startsWith('.')) continue;
      if (name.name.startsWith('@') && prefix === '') {
        visit(join(dir, name.name), `${name.name}/`);
        continue;
      }
      found.push(prefix + name.name);
      const nested = join(dir, name.name, 'node_modules');
      if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) visit(nested, '');
    }
  };
  visit(nodeModules, '');
  return found.sort();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const kb = (b: number): string => `${(b / 1024).toFixed(1)} KB`;
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MB`;

/** Packs the repository and installs the tarball, after its peer tfjs-core, into a fresh app. */
function installApp(app: string): { tarball: string; before: number; after: number; added: string[] } {
  log('bench:entry: npm pack');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', app], ROOT)) as { filename: string }[];
  const tarball = join(app, packed[0].filename);
  const coreVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8'))
    .version as string;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'ganref-entry-bench', private: true, type: 'module' }),
  );
  const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
  log(`bench:entry: npm install @tensorflow/tfjs-core@${coreVersion}`);
  run('npm', [...npmInstall, `@tensorflow/tfjs-core@${coreVersion}`], app);
  const nm = join(app, 'node_modules');
  const before = bytesUnder(nm);
  const packagesBefore = new Set(packagesUnder(nm));
  log(`bench:entry: npm install ${packed[0].filename}`);
  run('npm', [...npmInstall, tarball], app);
  const after = bytesUnder(nm);
  const added = packagesUnder(nm).filter((p) => !packagesBefore.has(p));
  return { tarball, before, after, added };
}

/** Imports ganref in fresh processes after tfjs-core; the median time and the engine before and after. */
function importTimes(
  app: string,
  runs: number,
): { medianMs: number; medianCpuMs: number; times: number[]; cpuTimes: number[]; engine: unknown } {
  const probe = `
    import * as tf from '@tensorflow/tfjs-core';
    const state = () => ({ backends: Object.keys(tf.engine().registryFactory), backend: tf.engine().backendName ?? null });
    const before = state();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await import('ganref');
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, before, after: state() }));`;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let engine: unknown;
  for (let i = 0; i < runs; i++) {
    const r = JSON.parse(run(process.execPath, ['--input-type=module', '-e', probe], app)) as {
      ms: number;
      cpuMs: number;
      before: unknown;
      after: unknown;
    };
    times.push(r.ms);
    cpuTimes.push(r.cpuMs);
    engine = { before: r.before, after: r.after };
  }
  return { medianMs: median(times), medianCpuMs: median(cpuTimes), times, cpuTimes, engine };
}

/** With the user's backend set (cpu, installed for this check), importing ganref keeps it active. */
function userBackendKept(app: string): { backend: string; syncOp: number } {
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '@tensorflow/tfjs-backend-cpu@4'], app);
  const probe = `
    import * as tf from '@tensorflow/tfjs-core';
    import '@tensorflow/tfjs-backend-cpu';
    tf.env().set('IS_TEST', true);
    await tf.setBackend('cpu');
    await import('ganref');
    console.log(JSON.stringify({ backend: tf.getBackend(), syncOp: tf.add(1, 2).dataSync()[0] }));`;
  return JSON.parse(run(process.execPath, ['--input-type=module', '-e', probe], app)) as {
    backend: string;
    syncOp: number;
  };
}

/** Bundles the user's two imports for the browser with tfjs-core external. */
async function bundle(app: string): Promise<{ bytes: number; gzipBytes: number; inputs: [string, number][] }> {
  writeFileSync(join(app, 'entry.js'), USER_CODE);
  const result = await build({
    entryPoints: [join(app, 'entry.js')],
    absWorkingDir: app,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['@tensorflow/tfjs-core'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0].contents;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const largest = Object.entries(inputs)
    .map(([path, v]) => [path.replace(/^.*node_modules\/ganref\//, ''), v.bytesInOutput] as [string, number])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  return { bytes: out.byteLength, gzipBytes: gzipSync(out).byteLength, inputs: largest };
}

async function main(): Promise<void> {
  const app = mkdtempSync(join(tmpdir(), 'ganref-entry-'));
  try {
    const install = installApp(app);
    const nodeModulesAdded = install.after - install.before;
    const pkgDir = join(app, 'node_modules/ganref');
    const ganrefParts = Object.fromEntries(
      ['dist', 'fixtures', 'oracle', 'scripts', 'README.md'].map((p) => [p, bytesUnder(join(pkgDir, p))]),
    );
    const imports = importTimes(app, Number(opts.runs));
    const bundled = await bundle(app);
    const kept = userBackendKept(app);
    const required = run(process.execPath, ['-e', "console.log(typeof require('ganref').gradientPenalty)"], app).trim();
    const load = loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    const goals = {
      bundle: bundled.bytes <= GOALS.bundleBytes,
      import: imports.medianMs <= GOALS.importMs,
      backend: kept.backend === 'cpu' && kept.syncOp === 3,
      nodeModules: nodeModulesAdded <= GOALS.nodeModulesBytes,
    };
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      load,
      tarball: { file: install.tarball.replace(app, '<app>'), bytes: statSync(install.tarball).size },
      nodeModules: {
        tfjsCoreBytes: install.before,
        addedBytes: nodeModulesAdded,
        addedPackages: install.added,
        ganrefParts,
      },
      import: imports,
      userBackend: kept,
      require: required,
      bundle: bundled,
      goals,
    };
    mkdirSync(dirname(opts.json!), { recursive: true });
    writeFileSync(opts.json!, JSON.stringify(report, null, 2) + '\n');
    const mark = (ok: boolean): string => (ok ? 'ok' : 'over');
    console.log(
      `bundle ${kb(bundled.bytes)} min (${kb(bundled.gzipBytes)} gzip) [${mark(goals.bundle)} ≤ 100 KB] · ` +
        `import ${imports.medianMs.toFixed(0)} ms wall, ${imports.medianCpuMs.toFixed(0)} ms CPU, median of ${opts.runs} ` +
        `[${mark(goals.import)} ≤ 100 ms] · ` +
        `backend ${kept.backend} kept, registry ${JSON.stringify(imports.engine)} [${mark(goals.backend)}] · ` +
        `node_modules +${mb(nodeModulesAdded)} (${install.added.join(', ')}) [${mark(goals.nodeModules)} ≤ 5 MB] · ` +
        `load ${load}`,
    );
    console.log(`  require('ganref').gradientPenalty: ${required}`);
    console.log(
      `  ganref package: ${Object.entries(ganrefParts)
        .map(([p, b]) => `${p} ${mb(b)}`)
        .join(', ')}`,
    );
    console.log(`  bundle inputs: ${bundled.inputs.map(([p, b]) => `${p} ${kb(b)}`).join(', ')}`);
    console.log(
      `  import wall (ms): ${imports.times.map((t) => t.toFixed(0)).join(' ')}; CPU (ms): ` +
        `${imports.cpuTimes.map((t) => t.toFixed(0)).join(' ')}; report: ${opts.json}`,
    );
  } finally {
    if (opts.keep) log(`bench:entry: app kept in ${app}`);
    else rmSync(app, { recursive: true, force: true });
  }
}

await main();
