/**
 * `ganref lab saturation`: the seeds' saturation claim (Goodfellow et al. 2014, §3; Arjovsky &
 * Bottou 2017, §2.2): as the discriminator gets better, the generator's gradient under the
 * minimax loss log(1 − D(G(z))) vanishes, while under the non-saturating loss −log D(G(z)) it does
 * not. A 1-D toy: real data N(2, 0.5²), a fixed linear generator G(z) = 0.5z − 1, a small MLP
 * discriminator trained for more and more steps (`trainToyGan` with the generator's learning rate
 * 0, so that both losses see the very same discriminators); at each step, ‖∇_θG L_G‖ under both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random, trainToyGan, type Mlp, type ToyStepLog } from 'ganref';
import { countOption, type Experiment, meanStd, round } from './common.js';
import { initMlp, tensorsOf } from './toy.js';

/** The result of `ganref lab saturation`. */
export interface SaturationResult {
  experiment: 'saturation';
  steps: number;
  seeds: number[];
  /** Per discriminator step (checkpoints): mean over seeds of both gradient norms and of D(G(z)). */
  checkpoints: { step: number; minimax: number; nonSaturating: number; meanDFake: number }[];
  /** minimax / non-saturating norm at the first and at the last step, per seed. */
  initialRatio: number[];
  finalRatio: number[];
  /** Both runs of a seed trained the same discriminator (their D(G(z)) logs are equal). */
  sameDiscriminator: boolean;
}

const linearGenerator = (): Mlp => ({ layers: [{ weight: tf.tensor2d([[0.5]]), bias: tf.tensor1d([-1]) }] });

/** One run: a discriminator trained `steps` steps against the fixed generator, under one generator loss. */
function runOne(objective: 'minimax' | 'non-saturating', seed: number, steps: number): ToyStepLog[] {
  const generator = linearGenerator();
  const discriminator = initMlp(new Random(seed), [1, 16, 16, 1]);
  const gOpt = tf.train.sgd(0);
  const dOpt = tf.train.adam(0.01, 0.5, 0.9);
  try {
    const out = trainToyGan({
      generator,
      discriminator,
      sampleReal: (n, random) => random.normal([n, 1], 2, 0.5),
      generatorOptimizer: gOpt,
      discriminatorOptimizer: dOpt,
      steps,
      objective,
      batchSize: 128,
      seed,
    });
    tf.dispose([...tensorsOf(out.generator), ...tensorsOf(out.discriminator)]);
    return out.log;
  } finally {
    gOpt.dispose();
    dOpt.dispose();
    tf.dispose([...tensorsOf(generator), ...tensorsOf(discriminator)]);
  }
}

/** Runs the experiment. */
async function run(options: Parameters<Experiment['run']>[0]) {
  const nSeeds = countOption('seeds', options.seeds, saturationExperiment.defaults.seeds);
  const steps = countOption('steps', options.steps, saturationExperiment.defaults.steps);
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  const runs: { seed: number; mm: ToyStepLog[]; ns: ToyStepLog[] }[] = [];
  for (const [i, seed] of seeds.entries()) {
    options.onProgress?.(2 * i, 2 * nSeeds, `minimax, seed ${seed}`);
    const mm = runOne('minimax', seed, steps);
    options.onProgress?.(2 * i + 1, 2 * nSeeds, `non-saturating, seed ${seed}`);
    runs.push({ seed, mm, ns: runOne('non-saturating', seed, steps) });
  }
  options.onProgress?.(2 * nSeeds, 2 * nSeeds, 'plots');
  const sameDiscriminator = runs.every((r) => r.mm.every((l, t) => l.meanDFake === r.ns[t]!.meanDFake));
  const marks = new Set<number>([0, steps - 1]);
  for (let t = 1; t < steps; t = Math.ceil(t * 1.25)) marks.add(t);
  const checkpoints = [...marks]
    .sort((a, b) => a - b)
    .map((step) => ({
      step,
      minimax: round(meanStd(runs.map((r) => r.mm[step]!.generatorGradNorm)).mean),
      nonSaturating: round(meanStd(runs.map((r) => r.ns[step]!.generatorGradNorm)).mean),
      meanDFake: round(meanStd(runs.map((r) => r.mm[step]!.meanDFake)).mean),
    }));
  const ratio = (r: (typeof runs)[number], t: number) => round(r.mm[t]!.generatorGradNorm / r.ns[t]!.generatorGradNorm);
  const result: SaturationResult = {
    experiment: 'saturation',
    steps,
    seeds,
    checkpoints,
    initialRatio: runs.map((r) => ratio(r, 0)),
    finalRatio: runs.map((r) => ratio(r, steps - 1)),
    sameDiscriminator,
  };
  const values = runs.flatMap((r) =>
    [...marks].flatMap((step) => [
      { step: step + 1, seed: r.seed, loss: 'minimax log(1 − D(G(z)))', norm: r.mm[step]!.generatorGradNorm },
      { step: step + 1, seed: r.seed, loss: 'non-saturating −log D(G(z))', norm: r.ns[step]!.generatorGradNorm },
      { step: step + 1, seed: r.seed, loss: 'mean D(G(z))', norm: r.mm[step]!.meanDFake },
    ]),
  );
  return { result, plots: { saturation: saturationPlot(values) } };
}

function saturationPlot(values: Record<string, unknown>[]) {
  const x = { field: 'step', type: 'quantitative', title: 'discriminator steps (log scale)', scale: { type: 'log' } };
  return {
    title: 'Saturation: the generator’s gradient norm as the discriminator improves (fixed generator)',
    data: { values },
    vconcat: [
      {
        width: 480,
        height: 260,
        transform: [{ filter: "datum.loss !== 'mean D(G(z))'" }],
        mark: { type: 'line' },
        encoding: {
          x,
          y: { field: 'norm', type: 'quantitative', title: '‖∇θG L_G‖ (log scale)', scale: { type: 'log' } },
          color: {
            field: 'loss',
            type: 'nominal',
            title: 'generator loss',
            legend: { labelLimit: 320, orient: 'bottom' },
          },
          detail: { field: 'seed', type: 'nominal' },
        },
      },
      {
        width: 480,
        height: 120,
        transform: [{ filter: "datum.loss === 'mean D(G(z))'" }],
        mark: { type: 'line', color: '#888' },
        encoding: {
          x,
          y: { field: 'norm', type: 'quantitative', title: 'mean D(G(z))', scale: { type: 'log' } },
          detail: { field: 'seed', type: 'nominal' },
        },
      },
    ],
  };
}

/** The experiment `saturation`. */
export const saturationExperiment: Experiment<SaturationResult> = {
  name: 'saturation',
  summary: "the generator's gradient norm under the minimax vs the non-saturating loss as D improves",
  defaults: { seeds: 3, steps: 400 },
  run,
};
