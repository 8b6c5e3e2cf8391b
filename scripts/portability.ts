/**
 * `npm run test:portability [-- <vitest filters…>]`: runs the suite (or the given files) four
 * times — the default seed, two other seeds, and the default seed with vitest's shuffled order —
 * and reports every test whose verdict is not the same in all runs. A verdict that depends on the
 * seed or on the order is not a test; exit code 1 when one is found (or when a run failed to
 * report).
 *
 *   GANREF_PORTABILITY_SEEDS=1,2   the two other seeds (default 1 and -1793089957)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TEST_SEED } from '../spec/seed.js';

const filters = process.argv.slice(2);
const others = (process.env.GANREF_PORTABILITY_SEEDS ?? '1,-1793089957').split(',').map(Number);
const runs: { name: string; seed: number; shuffle: boolean }[] = [
  { name: `seed ${DEFAULT_TEST_SEED} (default)`, seed: DEFAULT_TEST_SEED, shuffle: false },
  ...others.map((seed) => ({ name: `seed ${seed}`, seed, shuffle: false })),
  { name: `seed ${DEFAULT_TEST_SEED}, shuffled order`, seed: DEFAULT_TEST_SEED, shuffle: true },
];

const dir = join('reports', 'portability');
mkdirSync(dir, { recursive: true });
const verdicts = new Map<string, Map<string, string>>();
let broken = false;
for (const [i, run] of runs.entries()) {
  const out = join(dir, `run-${i}.json`);
  // vitest.config.ts's JSON reporter writes reports/vitest.json; each run's copy is kept.
  const json = join('reports', 'vitest.json');
  rmSync(json, { force: true });
  const args = [
    'vitest',
    'run',
    ...filters,
    ...(run.shuffle ? ['--sequence.shuffle', `--sequence.seed=${run.seed}`] : []),
  ];
  process.stderr.write(`portability: ${run.name}: GANREF_SEED=${run.seed} npx ${args.join(' ')}\n`);
  spawnSync('npx', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GANREF_SEED: String(run.seed) },
  });
  if (existsSync(json)) copyFileSync(json, out);
  let report: { testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[] };
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    process.stderr.write(`portability: ${run.name} wrote no report\n`);
    broken = true;
    continue;
  }
  for (const file of report.testResults) {
    for (const t of file.assertionResults) {
      const key = `${file.name.replace(process.cwd() + '/', '')} > ${t.fullName}`;
      if (!verdicts.has(key)) verdicts.set(key, new Map());
      verdicts.get(key)!.set(run.name, t.status);
    }
  }
}

const changed = [...verdicts].filter(([, v]) => new Set(runs.map((r) => v.get(r.name) ?? 'absent')).size > 1);
const failedEverywhere = [...verdicts].filter(([, v]) => runs.every((r) => v.get(r.name) === 'failed'));
process.stdout.write(
  `\nportability: ${verdicts.size} tests over ${runs.length} runs (${runs.map((r) => r.name).join('; ')})\n`,
);
process.stdout.write(`portability: ${changed.length} test(s) whose verdict changes between runs\n`);
for (const [name, v] of changed)
  process.stdout.write(`  ${name}: ${runs.map((r) => `${r.name}: ${v.get(r.name) ?? 'absent'}`).join(', ')}\n`);
if (failedEverywhere.length) {
  process.stdout.write(
    `portability: ${failedEverywhere.length} test(s) failing in every run (not a portability question, but a failure)\n`,
  );
  for (const [name] of failedEverywhere) process.stdout.write(`  ${name}\n`);
}
process.exit(changed.length || broken || failedEverywhere.length ? 1 : 0);
