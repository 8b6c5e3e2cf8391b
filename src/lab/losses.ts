/**
 * `ganref lab losses`: the seeds' claim that a GAN's losses do not tell how its training goes. A
 * non-saturating GAN on the ring of 8 (the mixtures experiment's networks): both losses over the
 * generator steps, and beside them the modes the generator covers, measured every few steps. With
 * the default seeds the generator's loss climbs (the discriminator seems to win) while coverage
 * improves, and the coverage jumps from one check to the next while the losses barely move: the
 * result records, per seed, the correlation of the generator's loss with the modes covered.
 */
import { ringOfGaussians, type ToyTrainingOptions } from 'ganref';
import * as tf from '@tensorflow/tfjs-core';
import { countOption, type Experiment, meanStd, round, thin } from './common.js';
import { MIXTURE_SETTINGS } from './mixtures.js';
import { coverageOf, samplesOf, tensorsOf, trainOnMixture } from './toy.js';

/** The result of `ganref lab losses`. */
export interface LossesResult {
  experiment: 'losses';
  steps: number;
  seeds: number[];
  /** Every `every`-th step of each seed's log: both losses. */
  losses: { seed: number; step: number; discriminator: number; generator: number }[];
  /** Modes covered and high-quality share every `every` steps. */
  coverage: { seed: number; step: number; modes: number; highQuality: number }[];
  every: number;
  /** Per seed, over the second half of the run: the losses' mean and spread, and the range of modes covered. */
  secondHalf: {
    seed: number;
    discriminator: { mean: number; std: number };
    generator: { mean: number; std: number };
    modes: [number, number];
  }[];
  /** Per seed, Pearson's correlation of the generator's loss with the modes covered, over the checks. */
  correlation: { seed: number; generatorLossVsModes: number }[];
}

/** Pearson's correlation of two series of the same length (0 when one is constant). */
export function pearson(a: readonly number[], b: readonly number[]): number {
  const ma = meanStd(a).mean;
  const mb = meanStd(b).mean;
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Runs the experiment. */
async function run(options: Parameters<Experiment['run']>[0]) {
  const nSeeds = countOption('seeds', options.seeds, lossesExperiment.defaults.seeds);
  const steps = countOption('steps', options.steps, lossesExperiment.defaults.steps);
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  const every = Math.max(1, Math.round(steps / 60));
  const mixture = ringOfGaussians(8, 2, 0.02);
  const result: LossesResult = {
    experiment: 'losses',
    steps,
    seeds,
    losses: [],
    coverage: [],
    every,
    secondHalf: [],
    correlation: [],
  };
  for (const [i, seed] of seeds.entries()) {
    const coverage: LossesResult['coverage'] = [];
    const onStep: ToyTrainingOptions['onStep'] = (log, nets) => {
      if (log.step % 25 === 0) options.onProgress?.(i * steps + log.step, nSeeds * steps, `seed ${seed}`);
      if (log.step % every !== 0 && log.step !== steps - 1) return;
      const c = coverageOf(samplesOf(nets.generator, 1000, MIXTURE_SETTINGS.evalSeed), mixture);
      coverage.push({ seed, step: log.step, modes: c.modes, highQuality: round(c.highQuality) });
    };
    const { log, generator } = trainOnMixture({
      mixture,
      seed,
      steps,
      ...MIXTURE_SETTINGS,
      method: { objective: 'non-saturating' },
      onStep,
    });
    tf.dispose(tensorsOf(generator));
    const second = log.slice(Math.floor(steps / 2));
    const modes = coverage.filter((c) => c.step >= steps / 2).map((c) => c.modes);
    const d = meanStd(second.map((l) => l.discriminatorLoss));
    const g = meanStd(second.map((l) => l.generatorLoss));
    result.secondHalf.push({
      seed,
      discriminator: { mean: round(d.mean), std: round(d.std) },
      generator: { mean: round(g.mean), std: round(g.std) },
      modes: [Math.min(...modes), Math.max(...modes)],
    });
    result.coverage.push(...coverage);
    const r = pearson(
      coverage.map((c) => log[c.step]!.generatorLoss),
      coverage.map((c) => c.modes),
    );
    result.correlation.push({ seed, generatorLossVsModes: round(r, 3) });
    for (const l of thin(log, 600))
      result.losses.push({
        seed,
        step: l.step,
        discriminator: round(l.discriminatorLoss),
        generator: round(l.generatorLoss),
      });
  }
  options.onProgress?.(nSeeds * steps, nSeeds * steps, 'plots');
  return { result, plots: { losses: lossesPlot(result) } };
}

function lossesPlot(r: LossesResult) {
  const x = { field: 'step', type: 'quantitative', title: 'generator step' };
  const losses = r.losses.flatMap((l) => [
    { seed: l.seed, step: l.step, loss: 'discriminator', value: l.discriminator },
    { seed: l.seed, step: l.step, loss: 'generator', value: l.generator },
  ]);
  return {
    title: 'Non-saturating GAN on the ring of 8: the losses against the modes actually covered',
    vconcat: [
      {
        width: 520,
        height: 220,
        data: { values: losses },
        layer: [
          {
            mark: { type: 'line', strokeWidth: 1 },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', title: 'loss' },
              color: { field: 'loss', type: 'nominal', title: 'loss' },
              strokeDash: { field: 'seed', type: 'nominal', title: 'seed' },
            },
          },
          {
            data: { values: [{}] },
            mark: { type: 'rule', color: '#999', strokeDash: [4, 4] },
            encoding: { y: { datum: 2 * Math.LN2 } },
          },
        ],
      },
      {
        width: 520,
        height: 140,
        data: { values: r.coverage },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'modes', type: 'quantitative', title: 'modes covered (of 8)', scale: { domain: [0, 8] } },
          strokeDash: { field: 'seed', type: 'nominal', title: 'seed' },
        },
      },
    ],
  };
}

/** The experiment `losses`. */
export const lossesExperiment: Experiment<LossesResult> = {
  name: 'losses',
  summary: 'losses over steps against the modes covered: the losses do not tell how training goes',
  defaults: { seeds: 2, steps: 1500 },
  run,
};
