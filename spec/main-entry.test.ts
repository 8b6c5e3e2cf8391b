/**
 * The main entry is the library alone: importing `ganref` loads none of the harness (catalog,
 * conformance, oracle client, fixtures, command line, backends) and none of its dependencies
 * (fast-check, zeromq, TF.js backends), and leaves the user's TF.js engine as it was. Each check
 * runs in a fresh child process, whose module graph is recorded by loader hooks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = pathToFileURL(join(ROOT, 'src')).href + '/';
const CHILD = fileURLToPath(new URL('entry/import-main.ts', import.meta.url));
const HOOKS = new URL('entry/record-graph.mjs', import.meta.url).href;

/** The library's folders and files under src/: what the main entry may load. */
const LIBRARY = [
  'index.ts',
  'register-gradients.ts',
  'errors.ts',
  'numerics.ts',
  'random.ts',
  'reduce.ts',
  'types.ts',
  'validate.ts',
  'autodiff/',
  'divergences/',
  'dynamics/',
  'fdiv/',
  'metrics/',
  'nets/',
  'objectives/',
  'regularizers/',
  'theory/',
];

const work = mkdtempSync(join(tmpdir(), 'ganref-entry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ChildReport {
  before: { backends: string[]; backend: string | null };
  after: { backends: string[]; backend: string | null };
  sum: number | null;
  exports: number;
  gradientPenalty: string;
}

const runs = new Map<string, { report: ChildReport; graph: string[] }>();

/** Runs the child (from the sources, as the tests see them), once per mode; returns its report and module graph. */
function importMain(mode: 'bare' | 'cpu'): { report: ChildReport; graph: string[] } {
  const done = runs.get(mode);
  if (done) return done;
  const graphFile = join(work, `${mode}.txt`);
  const out = execFileSync(
    process.execPath,
    ['--conditions=ganref-source', '--import', 'tsx', '--import', HOOKS, CHILD, mode],
    { cwd: ROOT, env: { ...process.env, GANREF_GRAPH_FILE: graphFile }, encoding: 'utf8' },
  );
  const graph = [...new Set(readFileSync(graphFile, 'utf8').split('\n').filter(Boolean))];
  const run = { report: JSON.parse(out) as ChildReport, graph };
  runs.set(mode, run);
  return run;
}

/** What the graph loaded after the child's own file: the modules `import('ganref')` brought in. */
function loadedByGanref(graph: string[]): string[] {
  const start = graph.findIndex((url) => url === `${SRC}index.ts`);
  expect(start, 'the child resolved ganref to src/index.ts').toBeGreaterThanOrEqual(0);
  return graph.slice(start);
}

test('importing ganref loads only library modules and @tensorflow/tfjs-core', () => {
  const { report, graph } = importMain('bare');
  const loaded = loadedByGanref(graph);
  const ours = loaded.filter((url) => url.startsWith(SRC)).map((url) => url.slice(SRC.length));
  const others = loaded.filter((url) => !url.startsWith(SRC));
  const harness = ours.filter(
    (path) => !LIBRARY.some((lib) => (lib.endsWith('/') ? path.startsWith(lib) : path === lib)),
  );
  expect(harness, 'harness modules in the main entry graph').toEqual([]);
  expect(ours).toContain('objectives/non-saturating.ts');
  expect(ours).toContain('regularizers/gradient-penalty.ts');
  // No fast-check, zeromq, TF.js backend, layers or Node built-in: tfjs-core only.
  const packages = others.filter((url) => !url.includes('/node_modules/@tensorflow/tfjs-core/'));
  expect(packages, 'modules outside the library and tfjs-core').toEqual([]);
  expect(report.gradientPenalty).toBe('function');
});

test('importing ganref registers no backend and activates none', () => {
  const { report } = importMain('bare');
  expect(report.before).toEqual({ backends: [], backend: null });
  expect(report.after).toEqual({ backends: [], backend: null });
});

test("importing ganref leaves the user's backend active and usable synchronously", () => {
  const { report } = importMain('cpu');
  expect(report.before).toEqual({ backends: ['cpu'], backend: 'cpu' });
  expect(report.after).toEqual({ backends: ['cpu'], backend: 'cpu' });
  expect(report.sum).toBe(3);
});

test('the built main entry bundles only library modules, and every side effect sits in a file package.json names', async () => {
  const { bundleEntries, unlistedSideEffects, entryPoints } = await import('../scripts/bundle-entries.js');
  const out = join(work, 'dist');
  const built = await bundleEntries(ROOT, out);
  const inputs = built.mainEntryInputs.map((p) => p.replace(/^src\//, ''));
  const harness = inputs.filter(
    (path) => !LIBRARY.some((lib) => (lib.endsWith('/') ? path.startsWith(lib) : path === lib)),
  );
  expect(harness, 'harness modules bundled into the main entry or its static chunks').toEqual([]);
  expect(inputs).toContain('register-gradients.ts');
  expect(built.sideEffectOutputs['src/register-gradients.ts']).toBe('index.js');
  expect(unlistedSideEffects(ROOT, built)).toEqual([]);
  // Every export's default file is an output, so package.json's map and the build agree.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
  };
  const outputs = new Set(Object.keys(built.metafile.outputs).map((o) => relative(out, resolve(ROOT, o))));
  for (const target of Object.values(pkg.exports)) {
    if (typeof target === 'string') continue;
    expect(outputs, target.default).toContain(target.default.replace(/^\.\/dist\//, ''));
  }
  expect(entryPoints(pkg as never)).toContain('src/index.ts');
}, 60_000);

// `ganref/backends` is how a browser app gets webgl and webgpu: it must bundle for a browser, with
// no Node built-in in its module graph (its Node-only parts reach Node through
// process.getBuiltinModule at run time). The optional GPU and tfjs-node peers stay external.
test('ganref/backends bundles for a browser', async () => {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'backends', 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    metafile: true,
    external: [
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-node-gpu',
    ],
  });
  expect(result.errors).toEqual([]);
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
}, 120_000);
