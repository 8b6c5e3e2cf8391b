/**
 * Op-swap mutation testing: the mutants Stryker cannot make. Each mutant swaps one TF.js op of the
 * library's losses, penalties and divergences for a near neighbour (softplus ↔ a relu-based or a
 * naive log(1 + eˣ) form, log1p ↔ log(1 + x), mean ↔ sum, square ↔ abs, relu ↔ softplus…), one
 * at a time, in a copy of the sources (tmp/op-swap/tree, the working tree is never touched), and
 * runs the conformance checks of the specs that use it there: invariants, error inputs and the
 * cross-check against the golden fixtures (`ganref conform --backend cpu --runs N --spec …`, no
 * Python). A mutant is killed when some check fails; the report says which.
 *
 *   npm run mutation:ops                      every mutant (about 10 s each)
 *   npm run mutation:ops -- --only relu       the mutants whose name contains 'relu'
 *   npm run mutation:ops -- --runs 50 --list
 *
 * Writes reports/op-swap.json and reports/op-swap.md; exits 1 when a mutant survives, 2 when a
 * mutant no longer applies (its source text moved: update the table) or the unmutated copy fails.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface Mutant {
  /** A short unique name: file-op-swap. */
  name: string;
  /** The library file, relative to the repository root. */
  file: string;
  /** Source text that must occur exactly once in the file… */
  from: string;
  /** …and what it becomes. */
  to: string;
  /** The catalog specs whose checks must kill it. */
  specs: string[];
}

export const MUTANTS: Mutant[] = [
  {
    name: 'minimax: softplus(l) → relu(l) (the hinge approximation of −log(1 − D))',
    file: 'src/objectives/minimax.ts',
    from: '(l) => tf.softplus(l),',
    to: '(l) => tf.relu(l),',
    specs: ['objective/minimax'],
  },
  {
    name: 'minimax: softplus(−l) → log(1 + exp(−l)) (the naive form, overflows past |l| ≈ 88)',
    file: 'src/objectives/minimax.ts',
    from: '(l) => tf.softplus(tf.neg(l)),',
    to: '(l) => tf.log(tf.add(1, tf.exp(tf.neg(l)))),',
    specs: ['objective/minimax'],
  },
  {
    name: 'minimax G: −softplus(l) → log(1 − σ(l) + 1e-6) (the clamped form peers shipped)',
    file: 'src/objectives/minimax.ts',
    from: '(l) => tf.neg(tf.softplus(l))',
    to: '(l) => tf.log(tf.add(tf.sub(1, tf.sigmoid(l)), 1e-6))',
    specs: ['objective/minimax'],
  },
  {
    name: 'non-saturating G: softplus(−l) → −log(σ(l) + 1e-8) (mimicry)',
    file: 'src/objectives/non-saturating.ts',
    from: '(l) => tf.softplus(tf.neg(l)));',
    to: '(l) => tf.neg(tf.log(tf.add(tf.sigmoid(l), 1e-8))));',
    specs: ['objective/non-saturating'],
  },
  {
    name: 'label smoothing: (1 − α)·softplus(l) → (1 − α)·relu(l)',
    file: 'src/objectives/label-smoothing.ts',
    from: 'tf.mul(1 - alpha, tf.softplus(l))',
    to: 'tf.mul(1 - alpha, tf.relu(l))',
    specs: ['objective/label-smoothing'],
  },
  {
    name: 'relativistic (standard): softplus → relu',
    file: 'src/objectives/relativistic.ts',
    from: 'const pairs = tf.softplus(',
    to: 'const pairs = tf.relu(',
    specs: ['objective/relativistic'],
  },
  {
    name: 'relativistic (average): inner plain mean → sum',
    file: 'src/objectives/relativistic.ts',
    from: 'if (weights === undefined) return tf.mean(x);',
    to: 'if (weights === undefined) return tf.sum(x);',
    specs: ['objective/relativistic'],
  },
  {
    name: "reduce: 'mean' without weights → sum",
    file: 'src/reduce.ts',
    from: ': tf.mean(losses);',
    to: ': tf.sum(losses);',
    specs: ['objective/hinge', 'objective/wasserstein'],
  },
  {
    name: "reduce: weighted 'mean' Σwℓ/Σw → mean(wℓ)",
    file: 'src/reduce.ts',
    from: 'tf.div(tf.sum(weighted), tf.sum(w))',
    to: 'tf.mean(weighted)',
    specs: ['objective/hinge', 'objective/wasserstein'],
  },
  {
    name: 'hinge: relu(1 − c) → softplus(1 − c) (a smooth hinge)',
    file: 'src/objectives/hinge.ts',
    from: '(c) => tf.relu(tf.sub(1, c)),',
    to: '(c) => tf.softplus(tf.sub(1, c)),',
    specs: ['objective/hinge'],
  },
  {
    name: 'least squares: ½(s − t)² → ½|s − t|',
    file: 'src/objectives/least-squares.ts',
    from: 'tf.mul(0.5, tf.squaredDifference(s, target))',
    to: 'tf.mul(0.5, tf.abs(tf.sub(s, target)))',
    specs: ['objective/least-squares'],
  },
  {
    name: 'energy-based: relu(m − E_f) → softplus(m − E_f)',
    file: 'src/objectives/energy-based.ts',
    from: 'tf.relu(tf.sub(margin, ef))',
    to: 'tf.softplus(tf.sub(margin, ef))',
    specs: ['objective/energy-based'],
  },
  {
    name: 'loss-sensitive: relu(Δ + L_r − L_f) → softplus',
    file: 'src/objectives/loss-sensitive.ts',
    from: 'const hinge = tf.relu(',
    to: 'const hinge = tf.softplus(',
    specs: ['objective/loss-sensitive'],
  },
  {
    name: 'feature matching: batch mean of features → sum',
    file: 'src/objectives/feature-matching.ts',
    from: 'if (!w) return tf.mean(f, 0);',
    to: 'if (!w) return tf.sum(f, 0);',
    specs: ['objective/feature-matching'],
  },
  {
    name: 'gradient penalty: mean over the batch → sum',
    file: 'src/regularizers/gradient-penalty.ts',
    from: 'tf.mul(lambda, tf.mean(normDeviation(gradientNorms(c, xHat), 1, sided)))',
    to: 'tf.mul(lambda, tf.sum(normDeviation(gradientNorms(c, xHat), 1, sided)))',
    specs: ['penalty/gradient-penalty'],
  },
  {
    name: 'gradient penalty (one-sided): relu(‖∇‖ − 1) → |‖∇‖ − 1|',
    file: 'src/regularizers/gradient-penalty.ts',
    from: "sided === 'one' ? tf.relu(d) : d",
    to: "sided === 'one' ? tf.abs(d) : d",
    specs: ['penalty/gradient-penalty'],
  },
  {
    name: 'squared gradient norms: Σ g² per example → mean g²',
    file: 'src/regularizers/gradient-penalty.ts',
    from: 'return tf.sum(tf.square(g), axes) as tf.Tensor1D;',
    to: 'return tf.mean(tf.square(g), axes) as tf.Tensor1D;',
    specs: ['penalty/r1', 'penalty/r2'],
  },
  {
    name: 'R1: mean over the batch → sum',
    file: 'src/regularizers/r1-r2.ts',
    from: 'tf.mul(gamma / 2, tf.mean(squaredGradientNorms(d, t)))',
    to: 'tf.mul(gamma / 2, tf.sum(squaredGradientNorms(d, t)))',
    specs: ['penalty/r1', 'penalty/r2'],
  },
  {
    name: 'per-example gradient norm: Σ g² → mean g² (a norm scaled by 1/√d)',
    file: 'src/regularizers/critic.ts',
    from: 'const squares = axes.length ? tf.sum(tf.square(g), axes) : tf.square(g);',
    to: 'const squares = axes.length ? tf.mean(tf.square(g), axes) : tf.square(g);',
    specs: ['penalty/gradient-penalty', 'penalty/dragan'],
  },
  // In theory/neural-net-distance this swap is equivalent: 2D − 1 is exact in float32 and so is
  // 1 + (2D − 1) = 2D, leaving the correction 0. fdiv/gan's conjugate tail, log1p(−eᵗ), is where
  // it shows (0 instead of eᵗ once eᵗ < 2⁻²⁵), as a relative error only.
  {
    name: 'log1p (accurate, corrected) → log(1 + x)',
    file: 'src/numerics.ts',
    from: 'return tf.sub(tf.log(u), tf.div(e, u));',
    to: 'return tf.log(u);',
    specs: ['theory/neural-net-distance', 'fdiv/*'],
  },
  {
    name: 'divergence terms: log a − log b → log1p(a) − log1p(b)',
    file: 'src/divergences/terms.ts',
    from: 'tf.sub(tf.log(aSafe), tf.log(bSafe))',
    to: 'tf.sub(tf.log1p(aSafe), tf.log1p(bSafe))',
    specs: ['divergence/kl', 'divergence/jensen-shannon'],
  },
  {
    name: 'KL: sum over categories → mean',
    file: 'src/divergences/kl.ts',
    from: 'tf.sum(xLogXOverY(pt, qt), -1)',
    to: 'tf.mean(xLogXOverY(pt, qt), -1)',
    specs: ['divergence/kl'],
  },
];

interface SpecRow {
  spec: string;
  pass: boolean;
  invariants: { name: string; pass: boolean }[];
  errors: { name: string; pass: boolean }[];
  crossCheck?: { pass: boolean; failures: unknown[] };
  error?: string;
  problems: string[];
}

interface Outcome {
  name: string;
  file: string;
  swap: string;
  specs: string[];
  verdict: 'killed' | 'survived' | 'not applicable';
  killedBy: string[];
  seconds: number;
}

const ROOT = resolve(import.meta.dirname, '..');
const WORK = join(ROOT, 'tmp', 'op-swap');
const TREE = join(WORK, 'tree');

/** A copy of what `ganref conform` needs, with node_modules linked: mutants are written there only. */
function makeTree(): void {
  rmSync(TREE, { recursive: true, force: true });
  mkdirSync(TREE, { recursive: true });
  for (const p of ['src', 'fixtures', 'package.json', 'tsconfig.json'])
    cpSync(join(ROOT, p), join(TREE, p), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(TREE, 'node_modules'));
}

/** Runs conform in the copy on the specs; the rows of its JSON report, or the reason it gave none. */
function conform(specs: string[], runs: number, tag: string): { rows: SpecRow[] | null; output: string } {
  const json = join(WORK, `${tag}.json`);
  rmSync(json, { force: true });
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=ganref-source',
      '--import',
      'tsx',
      'src/cli.ts',
      'conform',
      '--backend',
      'cpu',
      '--runs',
      String(runs),
      ...specs.flatMap((s) => ['--spec', s]),
      '--json',
      json,
    ],
    { cwd: TREE, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 },
  );
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (!existsSync(json)) return { rows: null, output };
  return { rows: (JSON.parse(readFileSync(json, 'utf8')) as { rows: SpecRow[] }).rows, output };
}

/** What failed in a report, in words: invariant names, error inputs, the cross-check. */
function failures(rows: SpecRow[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    if (row.pass) continue;
    for (const i of row.invariants) if (!i.pass) out.push(`${row.spec}: invariant '${i.name}'`);
    for (const e of row.errors) if (!e.pass) out.push(`${row.spec}: error input '${e.name}'`);
    if (row.crossCheck && !row.crossCheck.pass)
      out.push(`${row.spec}: cross-check vs fixtures (${row.crossCheck.failures.length} failing case(s))`);
    if (row.error) out.push(`${row.spec}: ERROR ${row.error}`);
    if (out.length === 0) out.push(`${row.spec}: ${row.problems.join('; ') || 'failed'}`);
  }
  return out;
}

function markdown(outcomes: Outcome[], runs: number): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const killed = outcomes.filter((o) => o.verdict === 'killed').length;
  return [
    `# Op-swap mutants (${killed} of ${outcomes.length} killed; conform --backend cpu --runs ${runs}, fixtures)`,
    '',
    '| mutant | file | checks run | verdict | killed by |',
    '|---|---|---|---|---|',
    ...outcomes.map(
      (o) =>
        `| ${cell(o.name)} | ${o.file} | ${o.specs.join(', ')} | ${o.verdict} | ${cell(
          o.killedBy.slice(0, 4).join('; ') + (o.killedBy.length > 4 ? `; … ${o.killedBy.length - 4} more` : ''),
        )} |`,
    ),
    '',
  ].join('\n');
}

function main(): number {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string', default: '20' },
      list: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const mutants = MUTANTS.filter((m) => !values.only || m.name.includes(values.only));
  if (values.list) {
    for (const m of mutants) process.stdout.write(`${m.name}\n  ${m.file}: ${m.from} → ${m.to}\n`);
    return 0;
  }
  if (mutants.length === 0) {
    process.stderr.write(`op-swap: no mutant matches '${values.only}'\n`);
    return 2;
  }
  makeTree();
  // The unmutated copy must pass the very checks that are to kill the mutants.
  const specs = [...new Set(mutants.flatMap((m) => m.specs))];
  process.stderr.write(`op-swap: baseline, ${specs.length} specs unmutated…\n`);
  const base = conform(specs, runs, 'baseline');
  if (!base.rows || base.rows.some((r) => !r.pass)) {
    process.stderr.write(
      `op-swap: the unmutated sources fail their checks:\n${base.rows ? failures(base.rows).join('\n') : base.output}\n`,
    );
    return 2;
  }
  const outcomes: Outcome[] = [];
  for (const [i, m] of mutants.entries()) {
    const path = join(TREE, m.file);
    const original = readFileSync(path, 'utf8');
    const swap = `${m.from} → ${m.to}`;
    const occurrences = original.split(m.from).length - 1;
    if (occurrences !== 1) {
      outcomes.push({
        ...m,
        swap,
        verdict: 'not applicable',
        killedBy: [`'from' occurs ${occurrences} times`],
        seconds: 0,
      });
      continue;
    }
    const started = Date.now();
    writeFileSync(path, original.replace(m.from, m.to));
    let result: ReturnType<typeof conform>;
    try {
      result = conform(m.specs, runs, `mutant-${i}`);
    } finally {
      writeFileSync(path, original);
    }
    const killedBy = result.rows
      ? failures(result.rows)
      : [`conform gave no report: ${result.output.trim().split('\n').slice(-3).join(' / ')}`];
    const verdict = killedBy.length ? 'killed' : 'survived';
    const seconds = (Date.now() - started) / 1000;
    outcomes.push({ name: m.name, file: m.file, swap, specs: m.specs, verdict, killedBy, seconds });
    process.stderr.write(
      `op-swap: [${i + 1}/${mutants.length}] ${verdict.toUpperCase()} ${m.name} (${seconds.toFixed(0)} s)\n`,
    );
  }
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  writeFileSync(join(ROOT, 'reports', 'op-swap.json'), `${JSON.stringify({ runs, outcomes }, null, 2)}\n`);
  const md = markdown(outcomes, runs);
  writeFileSync(join(ROOT, 'reports', 'op-swap.md'), md);
  process.stdout.write(`${md}\nwritten to reports/op-swap.md and reports/op-swap.json\n`);
  if (outcomes.some((o) => o.verdict === 'not applicable')) return 2;
  return outcomes.every((o) => o.verdict === 'killed') ? 0 : 1;
}

process.exitCode = main();
