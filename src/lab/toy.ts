/**
 * The toy networks and runs the mixture experiments share: small MLPs initialised from a seed,
 * one training run of `trainToyGan` with its optimizers, and sampling from a trained generator.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  asSamples,
  mlp,
  modeCoverage,
  Random,
  sampleMixture,
  trainToyGan,
  type GaussianMixture,
  type Mlp,
  type ToyStepLog,
  type ToyTrainingOptions,
} from 'ganref';

/** An MLP of the given widths (ReLU between layers), He-initialised from `random`, zero biases. */
export function initMlp(random: Random, widths: readonly number[]): Mlp {
  return {
    layers: widths.slice(1).map((n, i) => ({
      weight: random.normal([widths[i]!, n], 0, Math.sqrt(2 / widths[i]!)),
      bias: tf.zeros([n]),
    })),
    activation: 'relu',
  };
}

/** Every tensor of a network. */
export function tensorsOf(net: Mlp): tf.Tensor[] {
  return net.layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
}

/** `n` samples of a generator (noise N(0, I) drawn from `seed`), as rows. */
export function samplesOf(generator: Mlp, n: number, seed: number): number[][] {
  const noiseWidth = generator.layers[0]!.weight.shape[0]!;
  const data = tf.tidy(() => {
    const z = new Random(seed).normal<tf.Rank.R2>([n, noiseWidth]);
    return mlp(generator, z).dataSync();
  });
  return Array.from({ length: n }, (_, i) => [data[2 * i]!, data[2 * i + 1]!]);
}

/** Modes covered and the high-quality share of rows of samples (`modeCoverage`, 3σ). */
export function coverageOf(samples: number[][], mixture: GaussianMixture): { modes: number; highQuality: number } {
  return tf.tidy(() => {
    const c = modeCoverage(asSamples(tf.tensor2d(samples)), tf.tensor2d(mixture.centres), { sigma: mixture.sigma });
    return { modes: c.modes.dataSync()[0]!, highQuality: c.highQuality.dataSync()[0]! };
  });
}

/** The options of one mixture run (networks and optimizers are made from these). */
export interface ToyRun {
  mixture: GaussianMixture;
  seed: number;
  steps: number;
  noiseWidth: number;
  hidden: number;
  batchSize: number;
  learningRate: number;
  /** The method's options for `trainToyGan` (objective, regularizer, k, unroll…). */
  method: Omit<
    ToyTrainingOptions,
    'generator' | 'discriminator' | 'sampleReal' | 'generatorOptimizer' | 'discriminatorOptimizer' | 'steps'
  >;
  onStep?: ToyTrainingOptions['onStep'];
}

/** Trains one GAN on a mixture; returns its log and the trained generator (the caller disposes it). */
export function trainOnMixture(r: ToyRun): { log: ToyStepLog[]; generator: Mlp } {
  const init = new Random(r.seed);
  const generator = initMlp(init, [r.noiseWidth, r.hidden, r.hidden, 2]);
  const discriminator = initMlp(init, [2, r.hidden, r.hidden, 1]);
  const gOpt = tf.train.adam(r.learningRate, 0.5, 0.9);
  const dOpt = tf.train.adam(r.learningRate, 0.5, 0.9);
  try {
    const out = trainToyGan({
      generator,
      discriminator,
      sampleReal: (n, random) => sampleMixture(r.mixture, n, random),
      generatorOptimizer: gOpt,
      discriminatorOptimizer: dOpt,
      steps: r.steps,
      batchSize: r.batchSize,
      ...r.method,
      seed: r.seed,
      ...(r.onStep ? { onStep: r.onStep } : {}),
    });
    tf.dispose(tensorsOf(out.discriminator));
    return { log: out.log, generator: out.generator };
  } finally {
    gOpt.dispose();
    dOpt.dispose();
    tf.dispose([...tensorsOf(generator), ...tensorsOf(discriminator)]);
  }
}
