/**
 * `ganref lab <experiment> [options]` and `ganref lab --list`: the command line of the lab.
 */
import { parseArgs } from 'node:util';
import { useBackend } from 'ganref/backends';
import { EXPERIMENTS, experimentNamed, runExperiment } from './index.js';

export const LAB_USAGE = `usage: ganref lab <experiment> [options]
       ganref lab --list

  --out DIR          where to write result.json and the SVG plots (default lab-results/<experiment>)
  --seeds N          seeds (starting points, training runs) per method (each experiment has a default)
  --steps N          the budget in steps (trajectory or generator steps; each has a default)
  --backend NAME     cpu or wasm (default wasm: the fastest for these small networks)
`;

/** The progress reporter the command line passes in. */
export interface Progress {
  update: (done: number, total: number, what: string) => void;
  end: () => void;
}

function listing(): string {
  const width = Math.max(...EXPERIMENTS.map((e) => e.name.length));
  return EXPERIMENTS.map(
    (e) => `${e.name.padEnd(width)}  ${e.summary} (defaults: --seeds ${e.defaults.seeds} --steps ${e.defaults.steps})`,
  ).join('\n');
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be an integer ≥ 1, got '${value}'`);
  return n;
}

/** Runs `ganref lab` with its arguments; returns the exit code. */
export async function runLabCommand(argv: string[], progress: Progress): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      list: { type: 'boolean' },
      out: { type: 'string' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(LAB_USAGE);
    return 0;
  }
  if (values.list) {
    process.stdout.write(`${listing()}\n`);
    return 0;
  }
  const name = positionals[0];
  const experiment = name === undefined ? undefined : experimentNamed(name);
  if (!experiment || positionals.length > 1) {
    process.stderr.write(
      `ganref lab: ${name === undefined ? 'which experiment?' : `unknown experiment '${positionals.join(' ')}'`}\n${LAB_USAGE}\nexperiments:\n${listing()}\n`,
    );
    return 2;
  }
  const backend = values.backend!;
  if (backend !== 'cpu' && backend !== 'wasm') throw new RangeError(`--backend must be cpu or wasm, got '${backend}'`);
  await useBackend(backend);
  const seeds = count(values.seeds, 'seeds');
  const steps = count(values.steps, 'steps');
  const out = values.out ?? `lab-results/${experiment.name}`;
  const command = ['ganref lab', experiment.name, ...argv.filter((a) => a !== experiment.name)].join(' ');
  process.stderr.write(`lab: ${experiment.name} on ${backend}, writing to ${out}\n`);
  const started = Date.now();
  let written: string[];
  try {
    ({ files: written } = await runExperiment(experiment, out, {
      ...(seeds ? { seeds } : {}),
      ...(steps ? { steps } : {}),
      onProgress: progress.update,
      meta: { command, backend },
    }));
  } finally {
    progress.end();
  }
  process.stdout.write(`${written.join('\n')}\n`);
  process.stderr.write(`lab: ${experiment.name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}
