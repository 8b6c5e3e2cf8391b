/**
 * The package's JavaScript: every entry of package.json's `exports` (its `ganref-source` file) and
 * the `ganref` command, bundled by esbuild into dist/ with code splitting. Each entry is one file
 * at the path its `default` condition names (dist/index.js, dist/catalog/index.js, …) and the code
 * two entries share sits once in dist/chunks/, so every module of the library exists exactly once
 * (one GanrefError class, one configuration) however many entries a program imports. One file
 * instead of one per module is what makes `import 'ganref'` fast: Node resolves, reads and links
 * each ES module separately (about 1 ms apiece for the 87 modules of the main entry).
 *
 * npm packages stay external (peer dependencies, resolved in the user's app), the ganref
 * self-references (`'ganref/backends'`) too: they resolve to these same files through `exports`.
 * tsc writes the declarations beside them (`tsc --emitDeclarationOnly`).
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

/**
 * The sources whose evaluation has an effect beyond their exports (registering gradient configs
 * or backends, running the command line): each must land in an output file that package.json's
 * `sideEffects` names, or a user's bundler could drop it.
 */
export const SIDE_EFFECT_SOURCES = ['src/register-gradients.ts', 'src/backends/index.ts', 'src/bin.ts', 'src/cli.ts'];

interface PackageJson {
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  sideEffects: string[];
}

export interface BundledEntries {
  metafile: Metafile;
  /** Output file (relative to the output folder, as package.json's `dist/…` without `dist/`) of each source in SIDE_EFFECT_SOURCES. */
  sideEffectOutputs: Record<string, string>;
  /** The inputs (`src/…`) bundled into the main entry's file and the chunks it imports statically. */
  mainEntryInputs: string[];
}

/** The entries to build: `exports` subpaths with a `ganref-source` file, the bin, and the command line it loads. */
export function entryPoints(pkg: PackageJson): string[] {
  const sources = Object.values(pkg.exports)
    .map((e) => (typeof e === 'string' ? undefined : e['ganref-source']))
    .filter((s): s is string => s !== undefined);
  return [...sources, 'src/bin.ts', 'src/cli.ts'].map((s) => s.replace(/^\.\//, ''));
}

/** Bundles the entries of `root`'s package.json into `outdir` and checks the result (see the module comment). */
export async function bundleEntries(root: string, outdir: string): Promise<BundledEntries> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const result = await build({
    absWorkingDir: root,
    entryPoints: entryPoints(pkg),
    outbase: 'src',
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    // package.json's sideEffects names dist/ files: for src/ it would tell esbuild that nothing has
    // effects and drop `import './register-gradients.js'`
    ignoreAnnotations: true,
    // No keepNames: its __name() calls would keep every function in a user's tree-shaken bundle.
    // Nothing reads a function's or class's own name (errors write theirs out).
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const sideEffectOutputs: Record<string, string> = {};
  for (const source of SIDE_EFFECT_SOURCES) {
    const found = outputs.find(([, o]) => source in o.inputs);
    if (!found) throw new Error(`build: ${source} is in no output`);
    sideEffectOutputs[source] = relative(resolve(root, outdir), resolve(root, found[0]));
  }
  return { metafile: result.metafile, sideEffectOutputs, mainEntryInputs: staticInputs(result.metafile, root, outdir) };
}

/** The inputs of dist/index.js and of every chunk it reaches through static imports. */
function staticInputs(metafile: Metafile, root: string, outdir: string): string[] {
  const outputs = metafile.outputs;
  const main = resolve(root, outdir, 'index.js');
  const start = Object.keys(outputs).find((o) => resolve(root, o) === main);
  if (start === undefined) throw new Error('build: the main entry has no output');
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length > 0) {
    for (const imp of outputs[stack.pop()!].imports) {
      if (imp.kind !== 'import-statement' || imp.external || seen.has(imp.path)) continue;
      seen.add(imp.path);
      stack.push(imp.path);
    }
  }
  return [...new Set([...seen].flatMap((o) => Object.keys(outputs[o].inputs)))].sort();
}

/** The side-effect outputs that package.json's `sideEffects` does not name ([] when all are named). */
export function unlistedSideEffects(root: string, entries: BundledEntries): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const listed = new Set(pkg.sideEffects.map((p) => p.replace(/^\.\/dist\//, '')));
  return Object.entries(entries.sideEffectOutputs)
    .filter(([, out]) => !listed.has(out))
    .map(([source, out]) => `${source} (in ${out})`);
}
