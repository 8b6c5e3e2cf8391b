import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { checkGrads } from '../../../autodiff/check-grads.js';
import { f32 } from '../../arbitraries.js';
import { gameSample, type GameSample, infinitelySmoothGame, linearGame } from '../../arbitraries/games.js';
import { type NetSample, unbiasedUniform } from '../../arbitraries/networks.js';
import { benchCase } from '../../bench.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64, sigmoid64, softplus64 } from '../../reference64.js';
import {
  BENCH_GAME_PARAMS,
  benchGame,
  fixedGame,
  GAME_INPUTS,
  GAME_PARAMS,
  gameCase,
  gameErrors,
  gameFromInputs,
  gameOf,
  objective,
  plainLosses,
  rebuilt,
  reluGame,
  staticGame,
  weightList,
} from '../../templates/game.js';
import { tensorOf } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { mlp } from '../../../nets/mlp.js';
import { minimaxGeneratorLoss } from '../../../objectives/minimax.js';
import { nonSaturatingGeneratorLoss } from '../../../objectives/non-saturating.js';
import { wassersteinGeneratorLoss } from '../../../objectives/wasserstein.js';
import type { GameObjective } from '../../../regularizers/consensus.js';
import {
  UNROLLED_ID,
  UNROLLED_OPTIMIZERS,
  type UnrolledOptimizer,
  type UnrolledOptions,
  unrolledSurrogate,
} from '../../../regularizers/unrolled.js';
import { asCriticScores, asLogits } from '../../../types.js';

interface UnrollParams {
  steps: number;
  optimizer: UnrolledOptimizer;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Cross-checked unrolls: K ≤ 3, Adam with ε ≥ 0.01. Differentiating through Adam forms
 * ε/(|g| + ε)² as a difference of two terms of size 1/|g| (see unrolled.ts), whose float32 error
 * relative to the result is about 2⁻²⁴·|g|/ε: with ε ≥ 0.01 and |g| ≲ 10 that stays ≲ 1e-4. The
 * invariants below cover Adam's default ε = 1e-8 for values.
 */
const unrollArb: fc.Arbitrary<UnrollParams> = fc.record({
  steps: fc.integer({ min: 0, max: 3 }),
  optimizer: fc.constantFrom(...UNROLLED_OPTIMIZERS),
  learningRate: fc.oneof(unbiasedUniform(0, 0.5), fc.constant(f32(0.1))),
  beta1: fc.oneof(unbiasedUniform(0, 0.95), fc.constant(f32(0.9))),
  beta2: fc.oneof(unbiasedUniform(0.5, 0.999), fc.constant(f32(0.999))),
  epsilon: fc.oneof(unbiasedUniform(0.01, 0.5), fc.constant(f32(0.1))),
});

function unroll(s: GameSample, options: UnrolledOptions) {
  const { game, x, z } = gameOf(s);
  return unrolledSurrogate(game, x, z, options);
}

/**
 * The linear logistic game on the line, by hand in float64: G(z) = a·z + b, D(y) = w·y + c,
 * K steps of SGD or Adam on L_D with its analytic gradient, then (f_K, L_G at θ_D^K).
 */
function unrolled64(
  x: number[],
  z: number[],
  g: { a: number; b: number },
  d: { w: number; c: number },
  obj: GameObjective,
  o: UnrollParams,
): { surrogate: number; generator: number; w: number; c: number } {
  const fake = z.map((v) => g.a * v + g.b);
  const lossesAt = (w: number, c: number) => {
    const lr = x.map((v) => w * v + c);
    const lf = fake.map((v) => w * v + c);
    if (obj === 'wasserstein') return { ld: mean64(lf) - mean64(lr), lg: -mean64(lf) };
    return {
      ld: mean64(lr.map((l) => softplus64(-l))) + mean64(lf.map(softplus64)),
      lg: obj === 'minimax' ? -mean64(lf.map(softplus64)) : mean64(lf.map((l) => softplus64(-l))),
    };
  };
  const gradD = (w: number, c: number): [number, number] => {
    if (obj === 'wasserstein') return [mean64(fake) - mean64(x), 0];
    // ∂/∂l softplus(−l) = −σ(−l), ∂/∂l softplus(l) = σ(l).
    const sr = x.map((v) => -sigmoid64(-(w * v + c)));
    const sf = fake.map((v) => sigmoid64(w * v + c));
    return [mean64(sr.map((s, i) => s * x[i]!)) + mean64(sf.map((s, i) => s * fake[i]!)), mean64(sr) + mean64(sf)];
  };
  let [w, c] = [d.w, d.c];
  const m = [0, 0];
  const v = [0, 0];
  for (let t = 1; t <= o.steps; t++) {
    const gr = gradD(w, c);
    if (o.optimizer === 'sgd') {
      [w, c] = [w - o.learningRate * gr[0], c - o.learningRate * gr[1]];
    } else {
      const step = gr.map((gi, i) => {
        m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
        v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
        return (o.learningRate * (m[i]! / (1 - o.beta1 ** t))) / (Math.sqrt(v[i]! / (1 - o.beta2 ** t)) + o.epsilon);
      });
      [w, c] = [w - step[0]!, c - step[1]!];
    }
  }
  const l = lossesAt(w, c);
  return { surrogate: -l.ld, generator: l.lg, w, c };
}

const linearUnrollArb = fc.record({
  x: fc.array(unbiasedUniform(-2, 2), { minLength: 1, maxLength: 5 }),
  z: fc.array(unbiasedUniform(-2, 2), { minLength: 1, maxLength: 5 }),
  p: fc.array(unbiasedUniform(-1.5, 1.5), { minLength: 4, maxLength: 4 }),
  objective,
  o: unrollArb,
});

const unrolledCases: fc.Arbitrary<Case> = fc
  .record({ s: gameSample, objective, o: unrollArb })
  .map(({ s, objective: obj, o }) => gameCase(s, obj, { ...o }));

const UNROLL_DEFAULTS: UnrollParams = {
  steps: 1,
  optimizer: 'sgd',
  learningRate: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

export const unrolled: Spec = defineSpec({
  id: UNROLLED_ID,
  title: 'Unrolled GAN surrogate (generator loss through K differentiated discriminator steps)',
  reference: 'Metz, Poole, Pfau & Sohl-Dickstein 2017, Unrolled Generative Adversarial Networks, §2.2, eq. 4–6',
  section: 'regularizers',
  inputs: GAME_INPUTS,
  params: {
    steps: { doc: 'K, the number of unrolled discriminator steps (an integer in [0, 100])', default: 5 },
    optimizer: choice("'sgd' or 'adam' (state from zero, bias-corrected)", 'adam', UNROLLED_OPTIMIZERS),
    learningRate: { doc: 'η ≥ 0, the step size', default: 1e-3 },
    beta1: { doc: "Adam's β₁ ∈ [0, 1)", default: 0.9 },
    beta2: { doc: "Adam's β₂ ∈ [0, 1)", default: 0.999 },
    epsilon: { doc: "Adam's ε > 0", default: 1e-8 },
    ...GAME_PARAMS,
  },
  outputs: ['surrogate', 'generator'],
  evaluate: (x, p) => {
    const r = unrolledSurrogate(gameFromInputs(x, p), x.x, x.z, {
      steps: p.steps,
      optimizer: p.optimizer,
      learningRate: p.learningRate,
      beta1: p.beta1,
      beta2: p.beta2,
      epsilon: p.epsilon,
      objective: p.objective,
    });
    tf.dispose(r.discriminator.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight])));
    return { surrogate: r.surrogate, generator: r.generator };
  },
  sample: unrolledCases,
  edges: [
    gameCase(fixedGame('tanh'), 'non-saturating', { ...UNROLL_DEFAULTS, steps: 0 }, 'K = 0: the plain losses'),
    gameCase(
      linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1),
      'non-saturating',
      { ...UNROLL_DEFAULTS, steps: 1, learningRate: 0.5 },
      'one SGD step on the linear logistic game',
    ),
    gameCase(
      linearGame([1, -0.5, 2], [0.3, -1.2], 1.5, -0.25, 0.8, 0.1),
      'wasserstein',
      { ...UNROLL_DEFAULTS, steps: 3, learningRate: 0.2 },
      'three SGD steps on the linear Wasserstein game (θ_D^K affine in θ_G)',
    ),
    gameCase(
      fixedGame('tanh'),
      'minimax',
      { ...UNROLL_DEFAULTS, steps: 3, optimizer: 'adam', learningRate: 0.05, epsilon: 0.01 },
      'three Adam steps, two-layer tanh networks, minimax',
    ),
    gameCase(
      fixedGame('softplus', 1, 'tanh'),
      'non-saturating',
      { ...UNROLL_DEFAULTS, steps: 2, optimizer: 'adam', learningRate: 0.1, beta1: 0.5, epsilon: 0.05 },
      'two Adam steps (β₁ = 0.5), softplus networks',
    ),
    gameCase(
      reluGame(),
      'non-saturating',
      { ...UNROLL_DEFAULTS, steps: 2, learningRate: 0.05 },
      'relu networks away from the kink, two SGD steps',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'K = 0 gives the plain losses: surrogate = −L_D and generator = L_G, values and gradients in θ_G',
      fc.tuple(gameSample, objective, fc.constantFrom(...UNROLLED_OPTIMIZERS)),
      ([s, obj, optimizer]) => {
        const r = unroll(s, { steps: 0, optimizer, objective: obj });
        const plain = plainLosses(s, obj);
        checkClose('surrogate', scalar(r.surrogate), -plain.ld, 1e-6, 1e-7);
        checkClose('generator', scalar(r.generator), plain.lg, 1e-6, 1e-7);
        const { names, tensors } = weightList(s, 'gen');
        const gradOf = (f: (g: ReturnType<typeof rebuilt>) => tf.Tensor) =>
          tf
            .grads((...ts: tf.Tensor[]) => f(rebuilt(s, 'gen', names, ts)) as tf.Scalar)(tensors)
            .flatMap((g) => values(g));
        const unrolledGrad = gradOf((g) => unrolledSurrogate(g.game, g.x, g.z, { steps: 0, objective: obj }).generator);
        const plainGrad = gradOf((g) => {
          const lf = tf.reshape(mlp(g.game.discriminator, mlp(g.game.generator, g.z)), [-1]);
          return obj === 'wasserstein'
            ? wassersteinGeneratorLoss(asCriticScores(lf))
            : obj === 'minimax'
              ? minimaxGeneratorLoss(asLogits(lf))
              : nonSaturatingGeneratorLoss(asLogits(lf));
        });
        checkAllClose('∂L_G/∂θ_G', unrolledGrad, plainGrad, 1e-6, 1e-7);
      },
      30,
    ),
    invariant(
      'K steps (SGD or Adam) match a float64 by-hand unroll of the linear logistic game',
      linearUnrollArb,
      ({ x, z, p, objective: obj, o }) => {
        const s = linearGame(x, z, p[0]!, p[1]!, p[2]!, p[3]!);
        const want = unrolled64(
          x.map(f32),
          z.map(f32),
          { a: f32(p[0]!), b: f32(p[1]!) },
          { w: f32(p[2]!), c: f32(p[3]!) },
          obj,
          o,
        );
        const r = unroll(s, { ...o, objective: obj });
        const [w, c] = [scalar(r.discriminator[0]!.weight), scalar(r.discriminator[0]!.bias!)];
        checkClose('w^K', w, want.w, 1e-4, 1e-5);
        checkClose('c^K', c, want.c, 1e-4, 1e-5);
        checkClose('surrogate', scalar(r.surrogate), want.surrogate, 1e-4, 1e-5);
        checkClose('generator', scalar(r.generator), want.generator, 1e-4, 1e-5);
      },
    ),
    invariant(
      'the generator gradient includes ∂θ_D^K/∂θ_G: it matches float64 finite differences of the by-hand unroll (SGD)',
      linearUnrollArb.filter(({ o }) => o.steps > 0),
      ({ x, z, p, objective: obj, o }) => {
        const sgd = { ...o, optimizer: 'sgd' as const };
        const xs = x.map(f32);
        const zs = z.map(f32);
        const [a, b, w, c] = p.map(f32) as [number, number, number, number];
        const f = (aa: number, bb: number) => unrolled64(xs, zs, { a: aa, b: bb }, { w, c }, obj, sgd).surrogate;
        const h = 1e-6;
        const want = [(f(a + h, b) - f(a - h, b)) / (2 * h), (f(a, b + h) - f(a, b - h)) / (2 * h)];
        const s = linearGame(x, z, a, b, w, c);
        const got = tf
          .grads((ga: tf.Tensor, gb: tf.Tensor) => {
            const g = rebuilt(s, 'gen', ['genB0', 'genW0'], [gb, ga]);
            return unrolledSurrogate(g.game, g.x, g.z, { ...sgd, objective: obj }).surrogate;
          })([tensorOf(s.gen.weights.genW0!), tensorOf(s.gen.weights.genB0!)])
          .map((t) => scalar(t));
        checkAllClose('∂f_K/∂(a, b)', got, want, 1e-3, 1e-5);
      },
    ),
    invariant(
      'the surrogate’s gradient with respect to G’s weights matches finite differences (checkGrads)',
      fc.tuple(infinitelySmoothGame, objective, unrollArb),
      ([s, obj, o]) => {
        const { names, tensors } = weightList(s, 'gen');
        // Adam's first step divides g by √v̂ + ε = |g| + ε: the surrogate is C¹ but not C² where
        // a component of the discriminator's first gradient g(θ_G) crosses 0, and a central
        // difference across that kink has no O(h⁴) error (seed -1793089957: wasserstein, Adam with
        // ε = 0.1, error 1.106e-2 at its tolerance). g = θ_D − θ_D¹ after one SGD step of rate 1
        // is the switching function: directions whose points straddle a sign change are skipped.
        const switches = (...ts: tf.Tensor[]) => {
          const g = rebuilt(s, 'gen', names, ts);
          const r = unrolledSurrogate(g.game, g.x, g.z, {
            steps: 1,
            optimizer: 'sgd',
            learningRate: 1,
            objective: obj,
          });
          const before = g.game.discriminator.layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
          const after = r.discriminator.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
          return tf.concat(before.map((w, i) => tf.reshape(tf.sub(w, after[i]!), [-1])));
        };
        const report = checkGrads(
          (...ts: tf.Tensor[]) => {
            const g = rebuilt(s, 'gen', names, ts);
            const r = unrolledSurrogate(g.game, g.x, g.z, { ...o, objective: obj });
            return tf.add(r.surrogate, r.generator);
          },
          tensors,
          { seed: 7, ...(o.optimizer === 'adam' && o.steps > 0 ? { switches } : {}) },
        );
        // Every direction skipped would check nothing: such an input is discarded and redrawn.
        fc.pre(report.skipped < report.directions);
      },
      15,
    ),
    invariant(
      "Adam's first step moves every coordinate by ≈ learningRate (ε = 1e-8, |g| ≥ 1e-3)",
      fc.tuple(gameSample, unbiasedUniform(1e-3, 0.1)),
      ([s, lr]) => {
        const r = unroll(s, { steps: 1, optimizer: 'adam', learningRate: lr, objective: 'non-saturating' });
        const { names, tensors } = weightList(s, 'disc');
        const grads = tf.grads((...ts: tf.Tensor[]) => {
          const gg = rebuilt(s, 'disc', names, ts);
          return unrolledSurrogate(gg.game, gg.x, gg.z, { steps: 0, objective: 'non-saturating' }).surrogate;
        })(tensors);
        // θ_D^1 in layer order W0, B0, W1, B1; names sorted: discB0, discB1, discW0, discW1.
        const after: Record<string, number[]> = {};
        r.discriminator.forEach((l, i) => {
          after[`discW${i}`] = values(l.weight);
          after[`discB${i}`] = values(l.bias!);
        });
        names.forEach((n, i) => {
          const before = s.disc.weights[n]!.data;
          const gv = values(grads[i]!);
          after[n]!.forEach((v, j) => {
            if (Math.abs(gv[j]!) < 1e-3) return;
            const moved = Math.abs(v - before[j]!);
            checkThat(
              Math.abs(moved - lr) <= 1e-3 * lr + 2 ** -22 * Math.max(1, Math.abs(before[j]!)),
              `${n}[${j}] moved by ${moved}, learning rate ${lr}`,
            );
          });
        });
      },
      40,
    ),
    invariant(
      'learningRate 0 leaves the discriminator where it is (K ≥ 1): the K = 0 values',
      fc.tuple(gameSample, objective, fc.integer({ min: 1, max: 3 }), fc.constantFrom(...UNROLLED_OPTIMIZERS)),
      ([s, obj, steps, optimizer]) => {
        const r = unroll(s, { steps, optimizer, learningRate: 0, objective: obj });
        const r0 = unroll(s, { steps: 0, objective: obj });
        checkThat(
          scalar(r.surrogate) === scalar(r0.surrogate) && scalar(r.generator) === scalar(r0.generator),
          'η = 0 moved the discriminator',
        );
      },
      30,
    ),
    invariant(
      'values are finite for saturated networks (weights ×50) after 3 Adam steps with ε = 1e-8',
      fc.tuple(gameSample, objective),
      ([s, obj]) => {
        const big = (n: NetSample): NetSample => ({
          ...n,
          weights: Object.fromEntries(
            Object.entries(n.weights).map(([k, a]) => [k, { shape: a.shape, data: a.data.map((v) => f32(v * 50)) }]),
          ),
        });
        const r = unroll(
          { ...s, gen: big(s.gen), disc: big(s.disc) },
          { steps: 3, optimizer: 'adam', learningRate: 0.01, objective: obj },
        );
        checkFinite('outputs', [scalar(r.surrogate), scalar(r.generator)]);
      },
      20,
    ),
  ],
  errors: [
    ...gameErrors((g, x, z, o) => unrolledSurrogate(g, x, z, o as never)),
    {
      name: 'K = 1.5',
      call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { steps: 1.5 }),
      error: 'InvalidParameterError',
      argument: 'steps',
    },
    {
      name: 'K = −1',
      call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { steps: -1 }),
      error: 'InvalidParameterError',
      argument: 'steps',
    },
    {
      name: "optimizer 'rmsprop'",
      call: () =>
        unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { optimizer: 'rmsprop' as never }),
      error: 'InvalidParameterError',
      argument: 'optimizer',
    },
    {
      name: 'a negative learning rate',
      call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { learningRate: -0.1 }),
      error: 'InvalidParameterError',
      argument: 'learningRate',
    },
    {
      name: 'β₁ = 1',
      call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { beta1: 1 }),
      error: 'InvalidParameterError',
      argument: 'beta1',
    },
    {
      name: 'a negative β₂',
      call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { beta2: -0.5 }),
      error: 'InvalidParameterError',
      argument: 'beta2',
    },
    {
      name: 'ε = 0',
      call: () => unrolledSurrogate(staticGame().game, staticGame().x, staticGame().z, { epsilon: 0 }),
      error: 'InvalidParameterError',
      argument: 'epsilon',
    },
  ],
  benchmark: () =>
    benchCase(benchGame(), {
      ...BENCH_GAME_PARAMS,
      steps: 5,
      optimizer: 'adam',
      learningRate: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    }),
});
