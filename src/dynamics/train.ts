import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import { checkMlp, forward, type CheckedMlp, type Mlp } from '../nets/mlp.js';
import { hingeDiscriminatorLoss, hingeGeneratorLoss } from '../objectives/hinge.js';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss } from '../objectives/minimax.js';
import { nonSaturatingGeneratorLoss } from '../objectives/non-saturating.js';
import { wassersteinCriticLoss, wassersteinGeneratorLoss } from '../objectives/wasserstein.js';
import { Random } from '../random.js';
import { gradientPenalty } from '../regularizers/gradient-penalty.js';
import { addInstanceNoise, type InstanceNoiseSchedule } from '../regularizers/instance-noise.js';
import { r1Penalty, r2Penalty } from '../regularizers/r1-r2.js';
import { unrolledSurrogate, type UnrolledOptions } from '../regularizers/unrolled.js';
import { asCriticScores, asLogits } from '../types.js';
import { checkChoice, checkKnownOptions, checkNumber, describeValue } from '../validate.js';

/** The name errors of {@link trainToyGan} carry. */
export const TRAIN_TOY_GAN_ID = 'trainToyGan';

/** The objectives {@link trainToyGan} trains with (catalog section B). */
export type ToyObjective = 'minimax' | 'non-saturating' | 'wasserstein' | 'hinge';
/** Every objective of {@link trainToyGan}. */
export const TOY_OBJECTIVES: readonly ToyObjective[] = ['minimax', 'non-saturating', 'wasserstein', 'hinge'];
/** The regularizers of {@link trainToyGan} (catalog section C). */
export type ToyRegularizer = 'none' | 'r1' | 'r2' | 'gradient-penalty' | 'instance-noise';
/** Every regularizer of {@link trainToyGan}. */
export const TOY_REGULARIZERS: readonly ToyRegularizer[] = ['none', 'r1', 'r2', 'gradient-penalty', 'instance-noise'];

/** Options of {@link trainToyGan}. */
export interface ToyTrainingOptions {
  /** The generator's initial network (noise [m, noiseDim] → samples [m, d]); its tensors are copied, not changed. */
  generator: Mlp;
  /** The discriminator's initial network (samples [·, d] → [·, 1] logits or critic scores); copied. */
  discriminator: Mlp;
  /** Draws a batch of n real samples [n, d] from `random` (seeded by the run). */
  sampleReal: (n: number, random: Random) => tf.Tensor;
  /** The generator's optimizer, e.g. `tf.train.adam(1e-3)`. */
  generatorOptimizer: tf.Optimizer;
  /** The discriminator's optimizer. */
  discriminatorOptimizer: tf.Optimizer;
  /** The number of generator steps, an integer ≥ 0. */
  steps: number;
  /** The objective. Default 'non-saturating'. */
  objective?: ToyObjective;
  /** The discriminator's regularizer. Default 'none'. */
  regularizer?: ToyRegularizer;
  /** γ of 'r1' and 'r2' (≥ 0). Default 10, as `r1Penalty`. */
  gamma?: number;
  /** λ of 'gradient-penalty' (≥ 0). Default 10, as `gradientPenalty`. */
  lambda?: number;
  /** The schedule of 'instance-noise' (σ₀, annealing), as `addInstanceNoise`; its step is the generator step. */
  instanceNoise?: InstanceNoiseSchedule;
  /** k, discriminator steps per generator step, an integer ≥ 1. Default 1. */
  criticSteps?: number;
  /** The batch size (real, noise), an integer ≥ 1. Default 64. */
  batchSize?: number;
  /** The seed of every draw (real batches, noise, interpolation weights, instance noise). Default 0. */
  seed?: number;
  /**
   * Unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein 2017): the generator descends its loss at the
   * discriminator after K unrolled steps, differentiated through them (`unrolledSurrogate`, whose
   * options these are; `objective` is this run's, which must then be 'minimax', 'non-saturating'
   * or 'wasserstein'). The unrolled steps see a fresh real batch and the generator step's noise,
   * and the plain discriminator loss (no regularizer). Default: no unrolling.
   */
  unroll?: Omit<UnrolledOptions, 'objective'>;
  /**
   * Called after every generator step with its record and the live networks (their tensors are
   * the run's variables: read them, e.g. to sample or to measure, but do not keep or dispose them).
   */
  onStep?: (log: ToyStepLog, nets: { generator: Mlp; discriminator: Mlp }) => void;
}

/** One generator step's record (the discriminator's numbers are those of its last step before it). */
export interface ToyStepLog {
  /** The generator step, from 0. */
  step: number;
  /** The discriminator's loss, regularizer included. */
  discriminatorLoss: number;
  /** The generator's loss. */
  generatorLoss: number;
  /** Mean D(x) on the real batch: sigmoid of the logit for 'minimax'/'non-saturating', the critic score otherwise. */
  meanDReal: number;
  /** Mean D(G(z)) on the generated batch, likewise. */
  meanDFake: number;
  /** ‖∇_θD L_D‖ over every discriminator weight. */
  discriminatorGradNorm: number;
  /** ‖∇_θG L_G‖ over every generator weight. */
  generatorGradNorm: number;
}

/** What {@link trainToyGan} returns: the log and the trained networks (their tensors are the caller's to dispose). */
export interface ToyTrainingResult {
  log: ToyStepLog[];
  generator: Mlp;
  discriminator: Mlp;
}

function checkInteger(name: string, value: unknown, min: number): number {
  const v = checkNumber(TRAIN_TOY_GAN_ID, name, value, { min });
  if (!Number.isInteger(v))
    throw new InvalidParameterError(TRAIN_TOY_GAN_ID, name, `an integer ≥ ${min}`, describeValue(value));
  return v;
}

function checkOptimizer(name: string, o: unknown): tf.Optimizer {
  if (!(o instanceof tf.Optimizer))
    throw new InvalidArgumentError(
      TRAIN_TOY_GAN_ID,
      name,
      'a tf.Optimizer (e.g. tf.train.adam(1e-3))',
      describeValue(o),
    );
  return o;
}

/** Variables holding copies of a network's tensors, and the network made of them. */
function variablesOf(net: CheckedMlp): { vars: tf.Variable[]; net: CheckedMlp } {
  const vars: tf.Variable[] = [];
  const layers = net.layers.map((l) => {
    const weight = tf.variable(l.weight, true);
    vars.push(weight);
    if (!l.bias) return { weight: weight as tf.Tensor2D };
    const bias = tf.variable(l.bias, true);
    vars.push(bias);
    return { weight: weight as tf.Tensor2D, bias: bias as tf.Tensor1D };
  });
  return { vars, net: { ...net, layers } };
}

/** The network's current weights as fresh tensors (an `Mlp` the caller owns). */
function snapshot(net: CheckedMlp): Mlp {
  return {
    layers: net.layers.map((l) =>
      l.bias ? { weight: l.weight.clone(), bias: l.bias.clone() } : { weight: l.weight.clone() },
    ),
    activation: net.activation,
    outputActivation: net.outputActivation,
    alpha: net.alpha,
  };
}

const norm = (gs: Record<string, tf.Tensor>) =>
  tf.tidy(() => Math.sqrt(Object.values(gs).reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0]!, 0)));

/** Validated options of {@link trainToyGan}. */
interface ToyConfig {
  gen0: CheckedMlp;
  disc0: CheckedMlp;
  sampleReal: ToyTrainingOptions['sampleReal'];
  gOpt: tf.Optimizer;
  dOpt: tf.Optimizer;
  steps: number;
  k: number;
  batch: number;
  seed: number;
  objective: ToyObjective;
  regularizer: ToyRegularizer;
  gamma: number;
  lambda: number;
  schedule: InstanceNoiseSchedule;
  unroll: Omit<UnrolledOptions, 'objective'> | undefined;
  onStep: ToyTrainingOptions['onStep'];
}

const KNOWN_OPTIONS = [
  'generator',
  'discriminator',
  'sampleReal',
  'generatorOptimizer',
  'discriminatorOptimizer',
  'steps',
  'objective',
  'regularizer',
  'gamma',
  'lambda',
  'instanceNoise',
  'criticSteps',
  'batchSize',
  'seed',
  'unroll',
  'onStep',
];

function checkToyOptions(o: ToyTrainingOptions): ToyConfig {
  const id = TRAIN_TOY_GAN_ID;
  checkKnownOptions(id, o, KNOWN_OPTIONS);
  const gen0 = checkMlp(id, 'generator', o.generator);
  const disc0 = checkMlp(id, 'discriminator', o.discriminator);
  if (disc0.outputWidth !== 1)
    throw new InvalidArgumentError(
      id,
      'discriminator',
      'a network with one output',
      `output width ${disc0.outputWidth}`,
    );
  if (gen0.outputWidth !== disc0.inputWidth)
    throw new InvalidArgumentError(
      id,
      'generator',
      `a network with ${disc0.inputWidth} outputs (the discriminator's input width)`,
      `output width ${gen0.outputWidth}`,
    );
  if (o.onStep !== undefined && typeof o.onStep !== 'function')
    throw new InvalidArgumentError(id, 'onStep', 'a function (log, nets) => void', describeValue(o.onStep));
  if (o.unroll !== undefined && (o.unroll === null || typeof o.unroll !== 'object'))
    throw new InvalidArgumentError(
      id,
      'unroll',
      "the options of 'unrolledSurrogate' (an object)",
      describeValue(o.unroll),
    );
  if (typeof o.sampleReal !== 'function')
    throw new InvalidArgumentError(
      id,
      'sampleReal',
      'a function (n, random) => samples [n, d]',
      describeValue(o.sampleReal),
    );
  const objective = checkChoice(id, 'objective', o.objective ?? 'non-saturating', TOY_OBJECTIVES);
  if (o.unroll !== undefined && objective === 'hinge')
    throw new InvalidParameterError(
      id,
      'objective',
      "'minimax', 'non-saturating' or 'wasserstein' with 'unroll'",
      "'hinge'",
    );
  return {
    gen0,
    disc0,
    sampleReal: o.sampleReal,
    gOpt: checkOptimizer('generatorOptimizer', o.generatorOptimizer),
    dOpt: checkOptimizer('discriminatorOptimizer', o.discriminatorOptimizer),
    steps: checkInteger('steps', o.steps, 0),
    k: checkInteger('criticSteps', o.criticSteps ?? 1, 1),
    batch: checkInteger('batchSize', o.batchSize ?? 64, 1),
    seed: checkInteger('seed', o.seed ?? 0, 0),
    objective,
    regularizer: checkChoice(id, 'regularizer', o.regularizer ?? 'none', TOY_REGULARIZERS),
    gamma: checkNumber(id, 'gamma', o.gamma ?? 10, { min: 0 }),
    lambda: checkNumber(id, 'lambda', o.lambda ?? 10, { min: 0 }),
    schedule: o.instanceNoise ?? {},
    unroll: o.unroll,
    onStep: o.onStep,
  };
}

/** A real batch from the caller's sampler, its shape checked. */
function realBatch(c: ToyConfig, random: Random): tf.Tensor2D {
  const x = tf.tidy(() => c.sampleReal(c.batch, random));
  if (x.rank !== 2 || x.shape[0] !== c.batch || x.shape[1] !== c.disc0.inputWidth) {
    const shape = `shape [${x.shape.join(', ')}]`;
    x.dispose();
    throw new InvalidArgumentError(
      TRAIN_TOY_GAN_ID,
      'sampleReal',
      `samples of shape [${c.batch}, ${c.disc0.inputWidth}]`,
      shape,
    );
  }
  return x as tf.Tensor2D;
}

interface Nets {
  G: { vars: tf.Variable[]; net: CheckedMlp };
  D: { vars: tf.Variable[]; net: CheckedMlp };
}

/** One discriminator step on a real batch x: its loss, mean D on both batches, gradient norm. */
function discriminatorStep(c: ToyConfig, { G, D }: Nets, random: Random, t: number, x: tf.Tensor2D) {
  return tf.tidy(() => {
    const z = random.normal<tf.Rank.R2>([c.batch, c.gen0.inputWidth]);
    let real: tf.Tensor = x;
    let fake: tf.Tensor = forward(G.net, z);
    if (c.regularizer === 'instance-noise') {
      real = addInstanceNoise(real, t, { ...c.schedule, random });
      fake = addInstanceNoise(fake, t, { ...c.schedule, random });
    }
    const epsilon = c.regularizer === 'gradient-penalty' ? random.uniform<tf.Rank.R1>([c.batch]) : undefined;
    const critic = (s: tf.Tensor) => tf.reshape(forward(D.net, s), [-1]);
    const logits = c.objective === 'minimax' || c.objective === 'non-saturating';
    const dMean = (l: tf.Tensor) => tf.mean(logits ? tf.sigmoid(l) : l).dataSync()[0]!;
    const meanReal = dMean(critic(real));
    const meanFake = dMean(critic(fake));
    const { value, grads } = tf.variableGrads(() => {
      const lr = critic(real);
      const lf = critic(fake);
      let loss: tf.Scalar;
      if (c.objective === 'wasserstein') loss = wassersteinCriticLoss(asCriticScores(lr), asCriticScores(lf));
      else if (c.objective === 'hinge') loss = hingeDiscriminatorLoss(asCriticScores(lr), asCriticScores(lf));
      else loss = minimaxDiscriminatorLoss(asLogits(lr), asLogits(lf));
      if (c.regularizer === 'r1') loss = tf.add(loss, r1Penalty(critic, real, { gamma: c.gamma })) as tf.Scalar;
      else if (c.regularizer === 'r2') loss = tf.add(loss, r2Penalty(critic, fake, { gamma: c.gamma })) as tf.Scalar;
      else if (c.regularizer === 'gradient-penalty')
        loss = tf.add(loss, gradientPenalty(critic, real, fake, { lambda: c.lambda, epsilon })) as tf.Scalar;
      return loss;
    }, D.vars);
    const out = { loss: value.dataSync()[0]!, meanReal, meanFake, norm: norm(grads) };
    c.dOpt.applyGradients(grads);
    return out;
  });
}

/** A checked network as the public `Mlp` (the same tensors, without the checked widths). */
const asMlp = ({ layers, activation, outputActivation, alpha }: CheckedMlp): Mlp => ({
  layers,
  activation,
  outputActivation,
  alpha,
});

/** The generator's loss at the discriminator unrolled K steps on a real batch x (`unrolledSurrogate`). */
function unrolledLoss(c: ToyConfig, { G, D }: Nets, x: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  const game = { generator: asMlp(G.net), discriminator: asMlp(D.net) };
  // checkToyOptions refuses 'hinge' with 'unroll'.
  const objective = c.objective as Exclude<ToyObjective, 'hinge'>;
  return unrolledSurrogate(game, x, z, { ...c.unroll, objective }).generator;
}

/** One generator step: its loss and gradient norm (x: a real batch, for unrolling). */
function generatorStep(c: ToyConfig, { G, D }: Nets, random: Random, t: number, x?: tf.Tensor2D) {
  return tf.tidy(() => {
    const z = random.normal<tf.Rank.R2>([c.batch, c.gen0.inputWidth]);
    const { value, grads } = tf.variableGrads(() => {
      if (x) return unrolledLoss(c, { G, D }, x, z);
      let fake: tf.Tensor = forward(G.net, z);
      if (c.regularizer === 'instance-noise') fake = addInstanceNoise(fake, t, { ...c.schedule, random });
      const lf = tf.reshape(forward(D.net, fake), [-1]);
      if (c.objective === 'wasserstein') return wassersteinGeneratorLoss(asCriticScores(lf));
      if (c.objective === 'hinge') return hingeGeneratorLoss(asCriticScores(lf));
      return c.objective === 'minimax' ? minimaxGeneratorLoss(asLogits(lf)) : nonSaturatingGeneratorLoss(asLogits(lf));
    }, G.vars);
    const out = { loss: value.dataSync()[0]!, norm: norm(grads) };
    c.gOpt.applyGradients(grads);
    return out;
  });
}

/**
 * A small, honest GAN training loop for toy problems (2-D mixtures, 1-D Gaussians), on whichever
 * TF.js backend is registered: per generator step, k discriminator steps then one generator step
 * (Goodfellow et al. 2014, Algorithm 1), each with its own tfjs optimizer, on fresh seeded
 * batches. The losses are the library's (`minimaxDiscriminatorLoss`, `wassersteinCriticLoss`, …),
 * the discriminator's regularizer is added to its loss (`r1Penalty`, `r2Penalty`,
 * `gradientPenalty` with ε drawn from the run's generator) or applied to both batches
 * (`addInstanceNoise`, annealed over the generator steps), and double backprop through the
 * penalties is ganref's. With `unroll`, the generator descends its loss at the discriminator
 * unrolled K steps (Metz et al. 2017, through `unrolledSurrogate`). The log records every generator step: both losses, mean D(x) and
 * D(G(z)), and both gradient norms. Deterministic for a seed on a backend (the initial networks
 * are the caller's data). Leaves `tf.memory()` as it found it, but for the returned networks and
 * the optimizers' own state (Adam's moments: `optimizer.dispose()` frees them).
 *
 * @param options networks, data, optimizers, objective, regularizer, k, batch size, seed
 * @returns the per-step log and the trained networks
 */
export function trainToyGan(options: ToyTrainingOptions): ToyTrainingResult {
  ensureGradients();
  const c = checkToyOptions(options);
  const random = new Random(c.seed);
  const nets: Nets = { G: variablesOf(c.gen0), D: variablesOf(c.disc0) };
  const log: ToyStepLog[] = [];
  try {
    for (let t = 0; t < c.steps; t++) {
      let d = { loss: 0, meanReal: 0, meanFake: 0, norm: 0 };
      for (let j = 0; j < c.k; j++) {
        const x = realBatch(c, random);
        try {
          d = discriminatorStep(c, nets, random, t, x);
        } finally {
          x.dispose();
        }
      }
      const x = c.unroll ? realBatch(c, random) : undefined;
      let g: { loss: number; norm: number };
      try {
        g = generatorStep(c, nets, random, t, x);
      } finally {
        x?.dispose();
      }
      const entry: ToyStepLog = {
        step: t,
        discriminatorLoss: d.loss,
        generatorLoss: g.loss,
        meanDReal: d.meanReal,
        meanDFake: d.meanFake,
        discriminatorGradNorm: d.norm,
        generatorGradNorm: g.norm,
      };
      log.push(entry);
      c.onStep?.(entry, { generator: asMlp(nets.G.net), discriminator: asMlp(nets.D.net) });
    }
    return { log, generator: snapshot(nets.G.net), discriminator: snapshot(nets.D.net) };
  } finally {
    tf.dispose([...nets.G.vars, ...nets.D.vars]);
  }
}
