import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform } from '../../arbitraries.js';
import { coefficient, criticSample, dataValue, smoothCriticSample } from '../../arbitraries/critics.js';
import { matrix, type NetSample, unbiasedUniform } from '../../arbitraries/networks.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { SAMPLES } from '../../decls.js';
import { checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { critic64, mean64 } from '../../reference64.js';
import {
  BENCH_CRITIC_PARAMS,
  benchCritic,
  benchX,
  constantCritic,
  CRITIC_INPUTS,
  CRITIC_PARAMS,
  criticFromInputs,
  criticParams,
  duplicateRows,
  fnCritic,
  functionVsModelInvariant,
  linearCritic,
  linearSetup,
  netOf,
  norm,
  permutation,
  permuteRows,
  scaleOf,
  tanhNet,
  weightGradientInvariant,
  weightGrads,
  wellConditioned,
} from '../../templates/critic-penalty.js';
import { rows, tensorOf, toRows } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import { Random } from '../../../random.js';
import type { Mlp } from '../../../nets/mlp.js';
import type { CriticFn, LayersModelLike } from '../../../regularizers/critic.js';
import { DRAGAN_ID, draganNoise, draganPenalty } from '../../../regularizers/dragan.js';
import { r1Penalty } from '../../../regularizers/r1-r2.js';

interface DrSample {
  net: NetSample;
  x: NDArray;
  noise: NDArray;
}

function drSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<DrSample> {
  return fc
    .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }) })
    .chain(({ d, n }) =>
      fc.record({ net: critic(d), x: matrix(n, d, dataValue), noise: matrix(n, d, unbiasedUniform(-3, 3)) }),
    );
}

const drSample = drSampleOf(criticSample);

function drCase(v: DrSample, lambda: number, k: number, label?: string, grads = true): Case {
  return {
    inputs: { xReal: v.x, noise: v.noise, ...v.net.weights },
    params: { lambda, k, ...criticParams(v.net) },
    grads,
    ...(label ? { label } : {}),
  };
}

function dr(
  v: DrSample,
  o: { lambda?: number; k?: number } = {},
  critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic,
  net = netOf(v.net),
): tf.Scalar {
  return draganPenalty(critic(net), tensorOf(v.x), { noise: tensorOf(v.noise), ...o });
}

const perturbed = (v: DrSample) => toRows(v.x).map((r, i) => r.map((a, j) => a + toRows(v.noise)[i]![j]!));

const dr64 = (v: DrSample, lambda: number, k: number) =>
  lambda * mean64(perturbed(v).map((p) => (norm(critic64(v.net, p).grad) - k) ** 2));

/** Cross-checked cases keep every ‖∇D(x + δ)‖ ≥ 0.05 or exactly 0: see `wellConditioned`. */
const drCases: fc.Arbitrary<Case> = fc
  .record({ v: drSample, lambda: coefficient, k: fc.oneof(uniform(0, 3), fc.constant(1)) })
  .filter(({ v }) => wellConditioned(v.net, perturbed(v)))
  .map(({ v, lambda, k }) => drCase(v, lambda, k));

const fixedDr = (): DrSample => ({
  net: linearCritic([0.6, 0.8]),
  x: rows([
    [1, 2],
    [3, -1],
  ]),
  noise: rows([
    [0.1, -0.2],
    [0.3, 0],
  ]),
});

export const draganSpec: Spec = defineSpec({
  id: DRAGAN_ID,
  title: 'DRAGAN gradient penalty around the real data (explicit perturbations)',
  reference:
    'Kodali, Abernethy, Hays & Kira 2017, On Convergence and Stability of GANs, §5 (the DRAGAN regularizer; λ ∼ 10, k = 1, c ∼ 10)',
  section: 'regularizers',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch x [n, d]' },
    noise: { kind: SAMPLES, doc: 'the perturbations δ [n, d] (δ ~ N(0, cI) in the paper), given explicitly' },
    ...CRITIC_INPUTS,
  },
  params: {
    lambda: { doc: 'λ ≥ 0, the penalty coefficient', default: 10 },
    k: { doc: 'k ≥ 0, the target gradient norm', default: 1 },
    ...CRITIC_PARAMS,
  },
  outputs: ['penalty'],
  evaluate: (x, p) => ({
    penalty: draganPenalty(fnCritic(criticFromInputs(x, p)), x.xReal, { noise: x.noise, lambda: p.lambda, k: p.k }),
  }),
  // Error analysis (as for penalty/gradient-penalty). A gradient with respect to a critic weight is a sum over the batch of
  // per-example terms 2λ(‖g‖ − t)·∂‖g‖/∂θ, each itself the end of a double-backprop chain of ~20
  // kernels through the network twice; the per-example terms reach O(1–20) for λ ≤ 10 and
  // ‖∇D‖ ≤ 5 and cancel (wasm, seed 7: GP case 59, Σ|terms| = 1.6 for a gradient of 0.0528 off by
  // 3.9e-6; DRAGAN case 68, Σ|terms| = 20 for 0.0311 off by 1.1e-5, torch float32 itself off by
  // 5.4e-6). float32 leaves an absolute error of c·u·Σ|terms| with c ≈ 10–40 (chain depth), i.e.
  // up to ≈ 1.5e-5 whatever the result's size, above the default atol of 1e-6; Hessian-vector
  // products go through one more chain (cpu, DRAGAN seed 6 case 80: 1.4e-5 off, torch float32 7.8e-6).
  tolerance: { grad: { atol: 2e-5 }, hvp: { atol: 5e-5 } },
  sample: drCases,
  edges: [
    drCase(
      {
        net: linearCritic([0.6, 0.8], 1),
        x: rows([
          [1, 2],
          [3, -1],
        ]),
        noise: rows([
          [0.5, -2],
          [3, 0.25],
        ]),
      },
      10,
      1,
      'closed form: a linear critic with ‖w‖ = k = 1 has penalty 0',
    ),
    drCase(
      { net: linearCritic([1.5, -2]), x: rows([[1, 2]]), noise: rows([[-0.5, 1]]) },
      3,
      0.5,
      'closed form: ‖w‖ = 2.5, k = 0.5: λ(2.5 − 0.5)² = 12',
    ),
    drCase(
      {
        net: constantCritic(tanhNet),
        x: rows([
          [1, 2],
          [0, -1],
        ]),
        noise: rows([
          [0.5, 0.5],
          [-1, 2],
        ]),
      },
      10,
      1,
      'edge: a constant critic gives λk² (values only: the norm has no derivative at 0)',
      false,
    ),
    drCase(
      {
        net: tanhNet,
        x: rows([
          [1, 2],
          [0, -1],
        ]),
        noise: rows([
          [0, 0],
          [0, 0],
        ]),
      },
      10,
      1,
      'zero perturbations: the penalty at the real points',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'a linear critic with ‖w‖ = a gives λ(a − k)², and 0 when a = k',
      fc.tuple(linearSetup, uniform(0, 3), uniform(0, 3), uniform(0, 10)),
      ([s, a, k, lambda]) => {
        const w = s.w.map((c) => f32(a * c));
        const an = norm(w);
        checkClose(
          'λ(a − k)²',
          scalar(dr({ net: linearCritic(w, 0.2), x: s.xr, noise: s.noise }, { lambda, k })),
          lambda * (an - k) ** 2,
          1e-5,
          1e-6 * Math.max(1, lambda),
        );
        const zero = scalar(dr({ net: linearCritic(w), x: s.xr, noise: s.noise }, { lambda, k: f32(an) }));
        checkThat(Math.abs(zero) <= 1e-10 * Math.max(1, lambda) * Math.max(1, an * an), `penalty ${zero} ≠ 0 at a = k`);
      },
    ),
    invariant(
      'penalties are ≥ 0 and scale linearly in λ',
      fc.tuple(drSample, uniform(0, 20), uniform(0, 3)),
      ([v, lambda, k]) => {
        const one = scalar(dr(v, { lambda: 1, k }));
        checkThat(one >= 0, `negative penalty ${one}`);
        checkClose('P(λ) vs λ·P(1)', scalar(dr(v, { lambda, k })), lambda * one, 1e-6, 1e-30);
      },
    ),
    invariant(
      'per example: permuting or duplicating the examples (with their δ) does not change the penalty',
      drSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.x.shape[0]!))),
      ([v, perm]) => {
        const base = scalar(dr(v));
        checkClose(
          'permuted',
          scalar(dr({ ...v, x: permuteRows(v.x, perm), noise: permuteRows(v.noise, perm) })),
          base,
          1e-5,
          1e-5,
        );
        checkClose(
          'duplicated',
          scalar(dr({ ...v, x: duplicateRows(v.x), noise: duplicateRows(v.noise) })),
          base,
          1e-5,
          1e-5,
        );
      },
    ),
    invariant(
      'equals a float64 reference computed per example at x + δ',
      fc.tuple(drSample, uniform(0, 3)),
      ([v, k]) => {
        const want = dr64(v, 10, k);
        checkClose(
          'penalty',
          scalar(dr(v, { lambda: 10, k })),
          want,
          1e-4,
          scaleOf(
            10,
            perturbed(v).map((p) => (norm(critic64(v.net, p).grad) + k) ** 2),
          ),
        );
      },
    ),
    invariant(
      'a constant critic gives the finite penalty λk² and finite weight gradients',
      fc.tuple(drSample, uniform(0, 10), uniform(0, 3)),
      ([v, lambda, k]) => {
        const c = { ...v, net: constantCritic(v.net) };
        checkClose('λk²', scalar(dr(c, { lambda, k })), lambda * k * k, 1e-6, 0);
        checkFinite(
          '∂P/∂θ',
          weightGrads(c.net, (net) => dr(c, { lambda, k }, fnCritic, net)),
        );
      },
    ),
    invariant(
      'with k = 0 and λ = γ/2 it is R1 at the perturbed points',
      fc.tuple(drSample, uniform(0, 10)),
      ([v, gamma]) => {
        const net = netOf(v.net);
        const r1 = scalar(r1Penalty(fnCritic(net), tf.add(tensorOf(v.x), tensorOf(v.noise)), { gamma }));
        checkClose('DRAGAN(k = 0) vs R1', scalar(dr(v, { lambda: gamma / 2, k: 0 }, fnCritic, net)), r1, 1e-5, 1e-6);
      },
    ),
    // Away from ‖∇D(x + δ)‖ = 0, the cone singularity of (‖∇D‖ − k)² in the weights (see gradient-penalty).
    weightGradientInvariant(
      fc
        .tuple(drSampleOf(smoothCriticSample), uniform(0.5, 10), uniform(0, 2))
        .filter(([v]) => perturbed(v).every((p) => norm(critic64(v.net, p).grad) >= 0.2)),
      ([v, lambda, k], net) => dr(v, { lambda, k }, fnCritic, net),
    ),
    functionVsModelInvariant(drSample, (v, critic, net) => dr(v, {}, critic, net)),
    invariant(
      'seeded noise replays and has the stated scale: N(0, cI) has variance c; the authors-code scheme lies in [0, 0.5·std(x))',
      fc.tuple(fc.integer({ min: 0, max: 1e6 }), uniform(0.1, 20), drSample),
      ([seed, c, v]) => {
        const x = tf.randomUniform([500, 4], -2, 2, 'float32', seed + 1);
        const delta = values(draganNoise(x, { random: new Random(seed), c }));
        const again = values(draganNoise(x, { random: new Random(seed), c }));
        checkThat(
          delta.every((d, i) => d === again[i]),
          'generators with the same seed gave different noise',
        );
        const variance = mean64(delta.map((d) => d * d));
        checkClose('sample variance', variance, c, 0.15, 0);
        const xs = values(x);
        const mx = mean64(xs);
        const std = Math.sqrt(mean64(xs.map((a) => (a - mx) ** 2)));
        const authors = values(draganNoise(x, { seed, scheme: 'authors-code' }));
        checkThat(
          authors.every((d) => d >= 0 && d <= 0.5 * std * (1 + 1e-5)),
          'authors-code noise outside [0, 0.5·std)',
        );
        const net = netOf(v.net);
        const rng = new Random(seed);
        const bySeed = scalar(draganPenalty(fnCritic(net), tensorOf(v.x), { random: rng.clone(), c }));
        checkThat(
          bySeed ===
            scalar(
              draganPenalty(fnCritic(net), tensorOf(v.x), { noise: draganNoise(tensorOf(v.x), { random: rng, c }) }),
            ),
          'the drawn penalty differs from the explicit noise',
        );
        const next = values(draganNoise(tensorOf(v.x), { random: rng, c }));
        checkThat(
          next.some((d, i) => d !== values(draganNoise(tensorOf(v.x), { random: new Random(seed), c }))[i]),
          'the generator did not advance',
        );
      },
      30,
    ),
  ],
  errors: [
    {
      name: 'a negative λ',
      call: () => dr(fixedDr(), { lambda: -0.5 }),
      error: 'InvalidParameterError',
      argument: 'lambda',
    },
    { name: 'a negative k', call: () => dr(fixedDr(), { k: -1 }), error: 'InvalidParameterError', argument: 'k' },
    {
      name: 'noise of another shape',
      call: () =>
        dr({
          ...fixedDr(),
          noise: rows([
            [0, 0, 0],
            [1, 1, 1],
          ]),
        }),
      error: 'InvalidArgumentError',
      argument: 'noise',
    },
    {
      name: 'an infinite perturbation',
      call: () =>
        dr({
          ...fixedDr(),
          noise: rows([
            [Infinity, 0],
            [0, 0],
          ]),
        }),
      error: 'InvalidArgumentError',
      argument: 'noise',
    },
    {
      name: 'both noise and a generator',
      call: () => dr(fixedDr(), { random: new Random(1) } as never),
      error: 'InvalidParameterError',
      argument: 'random',
    },
    {
      name: 'c with explicit noise',
      call: () => dr(fixedDr(), { c: 2 } as never),
      error: 'InvalidParameterError',
      argument: 'c',
    },
    {
      name: 'c = 0 with a seed',
      call: () => draganPenalty(fnCritic(netOf(fixedDr().net)), tensorOf(fixedDr().x), { seed: 1, c: 0 }),
      error: 'InvalidParameterError',
      argument: 'c',
    },
    {
      name: "noise scheme 'gaussian'",
      call: () => draganNoise(tensorOf(fixedDr().x), { seed: 1, scheme: 'gaussian' as never }),
      error: 'InvalidParameterError',
      argument: 'scheme',
    },
    {
      name: 'a critic returning [n, 2]',
      call: () => draganPenalty((x: tf.Tensor) => tf.concat([x, x], 1), tensorOf(fixedDr().x), { seed: 1 }),
      error: 'InvalidArgumentError',
      argument: 'critic',
    },
    {
      name: 'an unknown option',
      call: () => dr(fixedDr(), { sided: 'one' } as never),
      error: 'InvalidParameterError',
      argument: 'sided',
    },
  ],
  benchmark: () =>
    benchCase(
      { xReal: benchX(1), noise: uniformArray([BENCH.batch, BENCH.features], -0.5, 0.5, 2), ...benchCritic() },
      { lambda: 10, k: 1, ...BENCH_CRITIC_PARAMS },
    ),
});
