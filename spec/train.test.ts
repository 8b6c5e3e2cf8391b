import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { GanrefError, mlp, trainToyGan, type Mlp, type ToyTrainingOptions } from '../src/index.js';
import { TEST_BACKENDS, useBackend } from './helpers.js';

// The toy training loop (src/dynamics/train.ts) on a 1-D problem, real data N(2, 0.5²), with a
// linear generator G(z) = wz + b (z ~ N(0, 1), starting at w = 1, b = 0) and a small tanh
// discriminator with fixed weights: qualitative claims on fixed seeds, never timings.

const disc = (): Mlp => ({
  layers: [
    {
      weight: tf.tensor2d([Array.from({ length: 8 }, (_, i) => Math.sin(i + 1))], [1, 8]),
      bias: tf.tensor1d(Array.from({ length: 8 }, (_, i) => 0.1 * Math.cos(i))),
    },
    {
      weight: tf.tensor2d(
        Array.from({ length: 8 }, (_, i) => [0.3 * Math.sin(3 * i + 2)]),
        [8, 1],
      ),
      bias: tf.zeros([1]),
    },
  ],
  activation: 'tanh',
});
const linear = (w: number, b: number): Mlp => ({ layers: [{ weight: tf.tensor2d([[w]]), bias: tf.tensor1d([b]) }] });
const tensorsOf = (n: Mlp) => n.layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));

type Run = Omit<
  ToyTrainingOptions,
  'generator' | 'discriminator' | 'generatorOptimizer' | 'discriminatorOptimizer' | 'sampleReal'
>;

/** One training run; disposes everything it made and returns the log, the final w, b and the optimizers' step counts. */
function run(o: Run, nets: { gen?: () => Mlp; disc?: () => Mlp; dLearningRate?: number } = {}) {
  const g = (nets.gen ?? (() => linear(1, 0)))();
  const d = (nets.disc ?? disc)();
  const gOpt = tf.train.adam(0.02, 0.5, 0.9);
  const dOpt = nets.dLearningRate === 0 ? tf.train.sgd(0) : tf.train.adam(0.02, 0.5, 0.9);
  try {
    const r = trainToyGan({
      generator: g,
      discriminator: d,
      sampleReal: (n, random) => random.normal([n, 1], 2, 0.5),
      generatorOptimizer: gOpt,
      discriminatorOptimizer: dOpt,
      ...o,
    });
    const [w, b] = [r.generator.layers[0]!.weight.dataSync()[0]!, r.generator.layers[0]!.bias!.dataSync()[0]!];
    tf.dispose([...tensorsOf(r.generator), ...tensorsOf(r.discriminator)]);
    return { log: r.log, w, b, dSteps: dOpt.iterations, gSteps: gOpt.iterations };
  } finally {
    gOpt.dispose();
    dOpt.dispose();
    tf.dispose([...tensorsOf(g), ...tensorsOf(d)]);
  }
}

const lastMean = (xs: number[], n = 50) => xs.slice(-n).reduce((a, b) => a + b, 0) / n;

describe.each(TEST_BACKENDS)('%s backend', (backend) => {
  beforeAll(async () => {
    expect(await useBackend(backend)).toBe(backend);
  });

  test('non-saturating GAN with R1 and k = 2 critic steps learns N(2, 0.5²); D(x) and D(G(z)) end near ½', () => {
    const before = tf.memory().numTensors;
    const r = run({ steps: 300, criticSteps: 2, objective: 'non-saturating', regularizer: 'r1', gamma: 1, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.log).toHaveLength(300);
    expect(r.dSteps).toBe(600);
    expect(r.gSteps).toBe(300);
    for (const l of r.log) for (const v of Object.values(l)) expect(Number.isFinite(v)).toBe(true);
    // The generator's mean b and scale |w| (the sign of w is free: N(b, w²) either way).
    expect(Math.abs(r.b - 2)).toBeLessThan(0.2);
    expect(Math.abs(Math.abs(r.w) - 0.5)).toBeLessThan(0.25);
    // At the start D separates the two (its outputs differ); at the end it cannot: both ≈ ½.
    expect(r.log[0]!.meanDReal - r.log[0]!.meanDFake).toBeGreaterThan(0.05);
    expect(Math.abs(lastMean(r.log.map((l) => l.meanDReal)) - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(lastMean(r.log.map((l) => l.meanDFake)) - 0.5)).toBeLessThan(0.05);
  });

  test('a seed replays the run exactly; another seed gives another run', () => {
    const o: Run = { steps: 15, objective: 'wasserstein', regularizer: 'gradient-penalty', lambda: 1, seed: 5 };
    const a = run(o);
    const b = run(o);
    expect(b.log).toEqual(a.log);
    expect(run({ ...o, seed: 6 }).log).not.toEqual(a.log);
  });

  test('the seeds’ saturation: against a confident discriminator the minimax generator’s gradient vanishes, the non-saturating one’s does not', () => {
    // D(x) = 5x − 5: real data (near 2) gets logits ≈ 5, the generator's samples (near 0) ≈ −5,
    // so D(G(z)) ≈ σ(−5) ≈ 0.007. Then ∂L_G/∂l_f is −σ(l_f) ≈ −0.007 under minimax and
    // −(1 − σ(l_f)) ≈ −0.99 under the non-saturating loss (Goodfellow et al. 2014, §3).
    const confident = () => linear(5, -5);
    const at = (objective: 'minimax' | 'non-saturating') =>
      run({ steps: 1, objective, seed: 2 }, { disc: confident, gen: () => linear(0.2, 0), dLearningRate: 0 }).log[0]!;
    const mm = at('minimax');
    const ns = at('non-saturating');
    expect(mm.meanDFake).toBeLessThan(0.02);
    expect(mm.generatorGradNorm).toBeLessThan(ns.generatorGradNorm / 20);
  });

  test('unroll: the generator descends through K unrolled discriminator steps; onStep sees every step and the live generator', () => {
    const before = tf.memory().numTensors;
    const seen: { step: number; out: number }[] = [];
    const o: Run = { steps: 4, objective: 'non-saturating', seed: 3, batchSize: 16 };
    const unrolled = run({
      ...o,
      unroll: { steps: 3, optimizer: 'sgd', learningRate: 0.5 },
      onStep: (log, nets) =>
        seen.push({ step: log.step, out: tf.tidy(() => mlp(nets.generator, tf.ones([1, 1])).dataSync()[0]!) }),
    });
    const flat = run({ ...o, unroll: { steps: 0 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen.map((s) => s.step)).toEqual([0, 1, 2, 3]);
    // The live generator moves step by step (w·1 + b changes).
    expect(new Set(seen.map((s) => s.out)).size).toBe(4);
    for (const l of unrolled.log) for (const v of Object.values(l)) expect(Number.isFinite(v)).toBe(true);
    // Same batches and noise (K = 0 draws the same extra real batch): unrolling changes the generator's gradient.
    expect(unrolled.log[0]!.discriminatorLoss).toBe(flat.log[0]!.discriminatorLoss);
    expect(unrolled.log[0]!.generatorGradNorm).not.toBe(flat.log[0]!.generatorGradNorm);
    let thrown: unknown;
    try {
      run({ steps: 1, objective: 'hinge', unroll: { steps: 1 } });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as GanrefError).argument).toBe('objective');
  });

  test('bad options are refused with GanrefErrors naming the option', () => {
    const cases: [Run, string][] = [
      [{ steps: 2, criticSteps: 0 }, 'criticSteps'],
      [{ steps: 1.5 }, 'steps'],
      [{ steps: 1, objective: 'least-squares' as never }, 'objective'],
      [{ steps: 1, regularizer: 'dragan' as never }, 'regularizer'],
      [{ steps: 1, gamma: -1 }, 'gamma'],
    ];
    const before = tf.memory().numTensors;
    for (const [o, argument] of cases) {
      let thrown: unknown;
      try {
        run(o);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, argument).toBeInstanceOf(GanrefError);
      expect((thrown as GanrefError).argument).toBe(argument);
    }
    let thrown: unknown;
    try {
      run({ steps: 1, batchSize: 4 }, { gen: () => ({ layers: [{ weight: tf.ones([1, 2]) }] }) });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as GanrefError).argument).toBe('generator');
    expect(tf.memory().numTensors).toBe(before);
  });
});
