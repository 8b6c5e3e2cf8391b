import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { packageRoot } from '../package-root.js';

/**
 * The browser bundle of the conformance runner: src/browser/page.ts with the library, TF.js and
 * the GPU backends, one ES module built by esbuild (a dev dependency). `npm run build` writes it
 * to dist/browser/conform-page.js.gz (minified, gzipped); a checkout without it (or the tests, which must check the sources they
 * run beside) builds it from src/ on demand.
 *
 * The fixtures reader reaches the oracle client's module (for `EvalResult`), which imports Node
 * built-ins and zeromq at its top. The page never calls them: they resolve to inert stubs (every
 * export a function returning undefined), so those module bodies evaluate harmlessly and the
 * bundle holds no zeromq. The page itself checks fixture checksums with WebCrypto.
 */
const ROOT = packageRoot(import.meta.url);
/** The prebuilt page as the package ships it: minified and gzipped (written by `npm run build`). */
export const PREBUILT_BUNDLE = `${ROOT}dist/browser/conform-page.js.gz`;
const ENTRY = `${ROOT}src/browser/page.ts`;

/** Every name the reachable modules import from Node built-ins and zeromq (a missing one fails the build, by name). */
const STUBBED_NAMES = [
  'ChildProcess',
  'Request',
  'Server',
  'closeSync',
  'createHash',
  'createInterface',
  'createServer',
  'dirname',
  'endianness',
  'execFile',
  'execFileSync',
  'existsSync',
  'fileURLToPath',
  'fsyncSync',
  'join',
  'mkdirSync',
  'mkdtempSync',
  'normalize',
  'openSync',
  'parseArgs',
  'randomBytes',
  'readFileSync',
  'renameSync',
  'resolve',
  'rmSync',
  'spawn',
  'spawnSync',
  'tmpdir',
  'writeFileSync',
];
const STUB = `const inert = () => undefined;\nexport default {};\nexport const sep = '/';\n${STUBBED_NAMES.map((n) => `export const ${n} = inert;`).join('\n')}\n`;

const NODE_ONLY =
  /^(node:.*|zeromq|fs|path|os|crypto|url|util|child_process|readline|worker_threads|perf_hooks|module)$/;

/** Builds the bundle to `outfile` from the TypeScript sources. */
export async function buildPageBundle(
  outfile: string,
  options: { sourcemap?: boolean; minify?: boolean } = {},
): Promise<void> {
  if (!existsSync(ENTRY))
    throw new Error(`the browser conformance page needs its sources (${ENTRY}) or a prebuilt ${PREBUILT_BUNDLE}`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error("building the browser conformance page needs the package 'esbuild' (a dev dependency of ganref)");
  }
  await esbuild.build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: options.sourcemap === false ? false : 'inline',
    // The prebuilt page ships in the package: minified (names kept, so errors still name functions).
    minify: options.minify === true,
    keepNames: options.minify === true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'node-only-stubs',
        setup(build) {
          build.onResolve({ filter: NODE_ONLY }, (args) => ({ path: args.path, namespace: 'ganref-stub' }));
          build.onLoad({ filter: /.*/, namespace: 'ganref-stub' }, () => ({ contents: STUB, loader: 'js' }));
        },
      },
    ],
  });
}

/** The bundle to serve: the prebuilt one (`npm run build`) unless `fresh`, else a build from src/ into `tmpDir`. */
export async function pageBundle(tmpDir: string, options: { fresh?: boolean } = {}): Promise<string> {
  const out = `${tmpDir}/page.js`;
  if (!options.fresh && existsSync(PREBUILT_BUNDLE)) {
    writeFileSync(out, gunzipSync(readFileSync(PREBUILT_BUNDLE)));
    return out;
  }
  await buildPageBundle(out); // with source maps: failures point into src/
  return out;
}
