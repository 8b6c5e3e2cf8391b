import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform } from '../../arbitraries.js';
import { flat } from '../../arbitraries/arrays.js';
import { benchCase } from '../../bench.js';
import { checkAllClose, checkClose, checkThat, invariant, values } from '../../invariant.js';
import { benchFeatures } from '../../templates/layers.js';
import { gradsOf, nd, sizeOf, t1, tensorOf } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { Random } from '../../../random.js';
import {
  addInstanceNoise,
  INSTANCE_NOISE_ID,
  instanceNoise,
  instanceNoisePair,
  instanceNoiseSigma,
  type NoiseSchedule,
} from '../../../regularizers/instance-noise.js';

interface NoiseDraw {
  shape: number[];
  x: number[];
  noise: number[];
  schedule: NoiseSchedule;
  sigma0: number;
  steps: number;
  step: number;
}

const noiseDraws: fc.Arbitrary<NoiseDraw> = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    schedule: fc.constantFrom<NoiseSchedule>('linear', 'exponential'),
    sigma0: fc.oneof(uniform(0, 2), fc.constantFrom(0, 0.1, 1)),
    steps: fc.integer({ min: 1, max: 1000 }),
    step: fc.integer({ min: 0, max: 1500 }),
  })
  .chain((r) =>
    fc
      .record({ x: flat(uniform(-5, 5), sizeOf(r.shape)), noise: flat(uniform(-3, 3), sizeOf(r.shape)) })
      .map((t) => ({ ...r, ...t })),
  );

function noiseCase(d: NoiseDraw, label?: string): Case {
  return {
    inputs: { x: nd(d.shape, d.x), noise: nd(d.shape, d.noise) },
    params: { schedule: d.schedule, sigma0: d.sigma0, steps: d.steps, step: d.step },
    grads: true,
    ...(label ? { label } : {}),
  };
}

const sched = (d: Pick<NoiseDraw, 'schedule' | 'sigma0' | 'steps'>) => ({
  schedule: d.schedule,
  sigma0: d.sigma0,
  steps: d.steps,
});

const sigma64 = (d: Pick<NoiseDraw, 'schedule' | 'sigma0' | 'steps'>, t: number) =>
  d.schedule === 'linear' ? d.sigma0 * Math.max(0, 1 - t / d.steps) : d.sigma0 * Math.exp(-t / d.steps);

export const instanceNoiseSpec: Spec = defineSpec({
  id: INSTANCE_NOISE_ID,
  title: 'Instance noise (annealed)',
  reference:
    'Sønderby, Caballero, Theis, Shi & Huszár 2017, Amortised MAP Inference for Image Super-resolution, §3.1 (instance noise); Arjovsky & Bottou 2017, Towards Principled Methods for Training GANs, §3.1',
  section: 'regularizers',
  inputs: {
    x: { kind: 'samples', doc: 'real or generated samples, [n, ...]' },
    noise: { kind: 'samples', doc: 'ε ~ N(0, I), the shape of x (explicit, so results replay)' },
  },
  params: {
    schedule: choice("'linear' σ₀·max(0, 1 − t/T) or 'exponential' σ₀·exp(−t/T)", 'linear', ['linear', 'exponential']),
    sigma0: { doc: 'σ(0) = σ₀ ≥ 0', default: 0.1 },
    steps: { doc: 'T > 0: the length (linear) or time constant (exponential) of the annealing', default: 10000 },
    step: { doc: 'the training step t ≥ 0', default: 0 },
  },
  outputs: ['noised', 'sigma'],
  evaluate: (x, p) => {
    const s = { schedule: p.schedule, sigma0: p.sigma0, steps: p.steps };
    return { noised: instanceNoise(x.x, x.noise, p.step, s), sigma: tf.scalar(instanceNoiseSigma(p.step, s)) };
  },
  sample: noiseDraws.map((d) => noiseCase(d)),
  edges: [
    noiseCase(
      {
        shape: [2, 2],
        x: [1, -2, 0.5, 3],
        noise: [1, 1, -2, 0.5],
        schedule: 'linear',
        sigma0: 0.5,
        steps: 100,
        step: 0,
      },
      'closed form: t = 0 gives σ = σ₀ = ½',
    ),
    noiseCase(
      {
        shape: [2, 2],
        x: [1, -2, 0.5, 3],
        noise: [1, 1, -2, 0.5],
        schedule: 'linear',
        sigma0: 0.5,
        steps: 100,
        step: 50,
      },
      'closed form: half-way gives σ = ¼',
    ),
    noiseCase(
      { shape: [3], x: [1, -2, 0.5], noise: [1, 1, -2], schedule: 'linear', sigma0: 1, steps: 100, step: 250 },
      'edge: after the end of the linear schedule σ = 0 and x is unchanged',
    ),
    noiseCase(
      { shape: [3], x: [1, -2, 0.5], noise: [1, 1, -2], schedule: 'exponential', sigma0: 2, steps: 10, step: 10 },
      'closed form: exponential at t = T gives σ₀/e',
    ),
    noiseCase(
      { shape: [1, 3], x: [1e4, -1e4, 0], noise: [3, -3, 1], schedule: 'exponential', sigma0: 0, steps: 5, step: 0 },
      'edge: σ₀ = 0 and samples at ±1e4',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'σ(0) = σ₀; σ is non-increasing in t; linear σ(t) = 0 for t ≥ T; exponential σ > 0 when σ₀ > 0',
      fc.tuple(noiseDraws, fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })),
      ([d, a, b]) => {
        const s = sched(d);
        checkClose('σ(0)', instanceNoiseSigma(0, s), d.sigma0, 0, 0);
        const [t1_, t2_] = a <= b ? [a, b] : [b, a];
        checkThat(instanceNoiseSigma(t2_, s) <= instanceNoiseSigma(t1_, s), `σ(${t2_}) > σ(${t1_})`);
        checkClose(`σ(${t1_})`, instanceNoiseSigma(t1_, s), sigma64(d, t1_), 1e-15, 0);
        if (d.schedule === 'linear')
          checkThat(instanceNoiseSigma(d.steps + a, s) === 0, 'σ ≠ 0 after the end of the linear schedule');
        else if (d.sigma0 > 0 && a / d.steps < 600) checkThat(instanceNoiseSigma(a, s) > 0, 'exponential σ reached 0'); // (e^−745 underflows float64)
      },
    ),
    invariant('noised = x + σ(t)·ε in float64', noiseDraws, (d) => {
      const sigma = sigma64(d, d.step);
      checkAllClose(
        'noised',
        values(instanceNoise(tensorOf(nd(d.shape, d.x)), tensorOf(nd(d.shape, d.noise)), d.step, sched(d))),
        d.x.map((v, i) => f32(v) + sigma * f32(d.noise[i]!)),
        1e-6,
        1e-6,
      );
    }),
    invariant('the gradient wrt x is the identity, wrt ε it is σ(t)', noiseDraws, (d) => {
      const [gx, ge] = gradsOf(
        (x, e) => instanceNoise(x!, e!, d.step, sched(d)),
        [tensorOf(nd(d.shape, d.x)), tensorOf(nd(d.shape, d.noise))],
      );
      checkAllClose(
        '∂/∂x',
        gx!,
        d.x.map(() => 1),
        0,
        0,
      );
      checkAllClose(
        '∂/∂ε',
        ge!,
        d.x.map(() => f32(sigma64(d, d.step))),
        1e-6,
        0,
      );
    }),
    invariant(
      'generators with one seed give the same noise and advance; real and fake get independent noise with the same σ',
      fc.tuple(noiseDraws, fc.oneof(fc.constant(0), fc.integer({ min: -1e6, max: 1e6 }))),
      ([d, seed]) => {
        const o = { ...sched(d), sigma0: 1 };
        const x = tensorOf(nd(d.shape, d.x));
        const rng = new Random(seed);
        const a = values(addInstanceNoise(x, 0, { ...o, random: rng }));
        checkAllClose('same seed', values(addInstanceNoise(x, 0, { ...o, random: new Random(seed) })), a, 0, 0);
        const second = values(addInstanceNoise(x, 0, { ...o, random: rng }));
        const pair = instanceNoisePair(x, x, 0, { ...o, random: new Random(seed) });
        checkAllClose('pair.real (first draw)', values(pair.real), a, 0, 0);
        checkAllClose('pair.fake (second draw)', values(pair.fake), second, 0, 0);
        const eps = values(tf.sub(pair.fake, x));
        checkThat(
          d.x.length < 2 || eps.some((v, i) => v !== a[i]! - f32(d.x[i]!)),
          'real and fake received the same noise',
        );
      },
    ),
  ],
  errors: [
    {
      name: "schedule 'cosine'",
      call: () => instanceNoise(t1([1]), t1([1]), 0, { schedule: 'cosine' as never }),
      error: 'InvalidParameterError',
      argument: 'schedule',
    },
    {
      name: 'σ₀ < 0',
      call: () => instanceNoise(t1([1]), t1([1]), 0, { sigma0: -1 }),
      error: 'InvalidParameterError',
      argument: 'sigma0',
    },
    {
      name: 'steps = 0',
      call: () => instanceNoise(t1([1]), t1([1]), 0, { steps: 0 }),
      error: 'InvalidParameterError',
      argument: 'steps',
    },
    {
      name: 'a negative step',
      call: () => instanceNoise(t1([1]), t1([1]), -1),
      error: 'InvalidParameterError',
      argument: 'step',
    },
    {
      name: 'an unknown option',
      call: () => instanceNoise(t1([1]), t1([1]), 0, { sigma: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'sigma',
    },
    {
      name: 'noise of another shape',
      call: () => instanceNoise(t1([1, 2]), t1([1]), 0),
      error: 'InvalidArgumentError',
      argument: 'noise',
    },
    {
      name: 'a NaN sample',
      call: () => instanceNoise(t1([NaN]), t1([1]), 0),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'a scalar sample',
      call: () => instanceNoise(tf.scalar(1), tf.scalar(1), 0),
      error: 'InvalidArgumentError',
      argument: 'x',
    },
    {
      name: 'addInstanceNoise with a fractional seed',
      call: () => addInstanceNoise(t1([1]), 0, { seed: 0.5 }),
      error: 'InvalidParameterError',
      argument: 'seed',
    },
    {
      name: 'addInstanceNoise with both a generator and a seed',
      call: () => addInstanceNoise(t1([1]), 0, { random: new Random(1), seed: 1 }),
      error: 'InvalidParameterError',
      argument: 'seed',
    },
  ],
  benchmark: () =>
    benchCase(
      { x: benchFeatures(1), noise: benchFeatures(2) },
      { schedule: 'linear', sigma0: 0.5, steps: 100, step: 10 },
    ),
});
