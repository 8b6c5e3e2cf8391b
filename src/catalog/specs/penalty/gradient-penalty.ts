import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, uniform, vector } from '../../arbitraries.js';
import { coefficient, criticSample, dataValue, epsValue, P, smoothCriticSample } from '../../arbitraries/critics.js';
import { matrix, type NetSample } from '../../arbitraries/networks.js';
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
import type { Mlp } from '../../../nets/mlp.js';
import { Random } from '../../../random.js';
import type { CriticFn, LayersModelLike } from '../../../regularizers/critic.js';
import {
  GRADIENT_PENALTY_ID,
  gradientNorms,
  gradientPenalty,
  interpolationWeights,
  type PenaltySide,
} from '../../../regularizers/gradient-penalty.js';

interface GpSample {
  net: NetSample;
  xr: NDArray;
  xf: NDArray;
  eps: number[];
}

function gpSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<GpSample> {
  return fc.record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }) }).chain(({ d, n }) =>
    fc.record({
      net: critic(d),
      xr: matrix(n, d, dataValue),
      xf: matrix(n, d, dataValue),
      eps: batch(epsValue, n, n),
    }),
  );
}

const gpSample = gpSampleOf(criticSample);

function gpCase(v: GpSample, lambda: number, sided: PenaltySide, label?: string, grads = true): Case {
  return {
    inputs: { xReal: v.xr, xFake: v.xf, epsilon: vector(v.eps), ...v.net.weights },
    params: { lambda, sided, ...criticParams(v.net) },
    grads,
    ...(label ? { label } : {}),
  };
}

function gp(
  v: GpSample,
  o: { lambda?: number; sided?: PenaltySide } = {},
  critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic,
  net = netOf(v.net),
): tf.Scalar {
  return gradientPenalty(critic(net), tensorOf(v.xr), tensorOf(v.xf), { epsilon: tf.tensor1d(v.eps), ...o });
}

/** x̂ᵢ of every example in float64. */
const interpolates = (v: GpSample, eps: number[]) =>
  toRows(v.xr).map((r, i) => r.map((a, j) => eps[i]! * a + (1 - eps[i]!) * toRows(v.xf)[i]![j]!));

function gp64(v: GpSample, lambda: number, sided: PenaltySide, eps = v.eps): number {
  return (
    lambda *
    mean64(
      interpolates(v, eps).map((p) => {
        const dev = norm(critic64(v.net, p).grad) - 1;
        return (sided === 'one' ? Math.max(0, dev) : dev) ** 2;
      }),
    )
  );
}

const gpCases: fc.Arbitrary<Case> = fc
  .record({ v: gpSample, lambda: coefficient, sided: fc.constantFrom<PenaltySide>('two', 'two', 'one') })
  .filter(({ v }) => wellConditioned(v.net, interpolates(v, v.eps)))
  .map(({ v, lambda, sided }) => gpCase(v, lambda, sided));

const fixedGp = (): GpSample => ({
  net: linearCritic([0.6, 0.8], 0.5),
  xr: rows([
    [1, 2],
    [3, -1],
  ]),
  xf: rows([
    [0, 0],
    [1, 1],
  ]),
  eps: [0.25, 0.5],
});

export const gradientPenaltySpec: Spec = defineSpec({
  id: GRADIENT_PENALTY_ID,
  title: 'WGAN-GP gradient penalty (two- and one-sided, one ε per example)',
  reference:
    'Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, Improved Training of Wasserstein GANs, eq. 3 and Algorithm 1; one-sided variant §4',
  section: 'regularizers',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch x_r [n, d]' },
    xFake: { kind: SAMPLES, doc: 'generated batch x_f [n, d] (row i pairs with row i)' },
    epsilon: { kind: 'weights', doc: 'interpolation weights ε [n] in [0, 1], one per example: x̂ = εx_r + (1 − ε)x_f' },
    ...CRITIC_INPUTS,
  },
  params: {
    lambda: { doc: 'λ ≥ 0, the penalty coefficient', default: 10 },
    sided: choice("'two': (‖∇D(x̂)‖ − 1)²; 'one': max(0, ‖∇D(x̂)‖ − 1)²", 'two', ['two', 'one']),
    ...CRITIC_PARAMS,
  },
  outputs: ['penalty'],
  evaluate: (x, p) => ({
    penalty: gradientPenalty(fnCritic(criticFromInputs(x, p)), x.xReal, x.xFake, {
      epsilon: x.epsilon,
      lambda: p.lambda,
      sided: p.sided,
    }),
  }),
  // Error analysis. A gradient with respect to a critic weight is a sum over the batch of
  // per-example terms 2λ(‖g‖ − t)·∂‖g‖/∂θ, each itself the end of a double-backprop chain of ~20
  // kernels through the network twice; the per-example terms reach O(1–20) for λ ≤ 10 and
  // ‖∇D‖ ≤ 5 and cancel (wasm, seed 7: GP case 59, Σ|terms| = 1.6 for a gradient of 0.0528 off by
  // 3.9e-6; DRAGAN case 68, Σ|terms| = 20 for 0.0311 off by 1.1e-5, torch float32 itself off by
  // 5.4e-6). float32 leaves an absolute error of c·u·Σ|terms| with c ≈ 10–40 (chain depth), i.e.
  // up to ≈ 1.5e-5 whatever the result's size, above the default atol of 1e-6; Hessian-vector
  // products go through one more chain (cpu, DRAGAN seed 6 case 80: 1.4e-5 off, torch float32 7.8e-6).
  tolerance: { grad: { atol: 2e-5 }, hvp: { atol: 5e-5 } },
  sample: gpCases,
  edges: [
    gpCase(
      {
        net: linearCritic([0.6, 0.8], 0.5),
        xr: rows([
          [1, 2],
          [3, -1],
          [0, 0],
        ]),
        xf: rows([
          [-1, 0.5],
          [2, 2],
          [4, -3],
        ]),
        eps: [0, 0.5, 1],
      },
      10,
      'two',
      'closed form: a linear critic with a unit-norm weight has penalty 0',
    ),
    gpCase(
      {
        net: linearCritic([1.5, -2], -1),
        xr: rows([
          [1, 2],
          [3, -1],
        ]),
        xf: rows([
          [-1, 0.5],
          [2, 2],
        ]),
        eps: [0.3, 0.9],
      },
      2,
      'two',
      'closed form: a linear critic with ‖w‖ = 2.5 has penalty λ(2.5 − 1)² = 4.5',
    ),
    gpCase(
      { net: linearCritic([0.3, 0.4]), xr: rows([[1, 2]]), xf: rows([[-1, 0.5]]), eps: [0.7] },
      10,
      'one',
      'closed form: one-sided penalty of a critic with ‖∇‖ = 0.5 < 1 is 0',
    ),
    gpCase(
      {
        net: constantCritic(tanhNet),
        xr: rows([
          [1, 2],
          [0, -1],
        ]),
        xf: rows([
          [-1, 0.5],
          [2, 2],
        ]),
        eps: [0.3, 0.6],
      },
      10,
      'two',
      'edge: a constant critic (zero gradient) gives λ; the norm has no derivative at 0 (values only)',
      false,
    ),
    gpCase(
      {
        net: tanhNet,
        xr: rows([
          [1, 2],
          [0, -1],
          [0.5, 0.5],
        ]),
        xf: rows([
          [-1, 0.5],
          [2, 2],
          [-0.5, 1.5],
        ]),
        eps: [0.1, 0.5, 0.95],
      },
      10,
      'two',
      'a tanh critic with three distinct ε',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'a linear critic with unit-norm weight: unit gradient norms along every interpolation line, two-sided penalty 0; with ‖w‖ = a it is λ(a − 1)² (one-sided λ·max(0, a − 1)²)',
      fc.tuple(linearSetup, uniform(0, 3), uniform(0, 10)),
      ([s, a, lambda]) => {
        const unit: GpSample = { net: linearCritic(s.w, 0.3), xr: s.xr, xf: s.xf, eps: s.eps };
        const xHat = tensorOf(rows(interpolates(unit, unit.eps)));
        values(gradientNorms(fnCritic(netOf(unit.net)), xHat)).forEach((g, i) =>
          checkClose(`‖∇D(x̂_${i})‖`, g, 1, 0, 1e-6),
        );
        const zero = scalar(gp(unit, { lambda }));
        checkThat(Math.abs(zero) <= 1e-10 * Math.max(1, lambda), `penalty ${zero} ≠ 0 for a unit-norm linear critic`);
        const w = s.w.map((x) => f32(a * x));
        const an = norm(w);
        const scaled: GpSample = { ...unit, net: linearCritic(w, -0.7) };
        checkClose(
          'two-sided',
          scalar(gp(scaled, { lambda })),
          lambda * (an - 1) ** 2,
          1e-5,
          1e-6 * Math.max(1, lambda),
        );
        checkClose(
          'one-sided',
          scalar(gp(scaled, { lambda, sided: 'one' })),
          lambda * Math.max(0, an - 1) ** 2,
          1e-5,
          1e-6 * Math.max(1, lambda),
        );
      },
    ),
    invariant(
      'penalties are ≥ 0, scale linearly in λ, and one-sided ≤ two-sided',
      fc.tuple(gpSample, uniform(0, 20)),
      ([v, lambda]) => {
        const one = scalar(gp(v, { lambda: 1 }));
        const two = scalar(gp(v, { lambda }));
        const oneSided = scalar(gp(v, { lambda, sided: 'one' }));
        checkThat(one >= 0 && two >= 0 && oneSided >= 0, `negative penalty: ${one}, ${two}, ${oneSided}`);
        checkClose('P(λ) vs λ·P(1)', two, lambda * one, 1e-6, 1e-30);
        checkThat(oneSided <= two * (1 + 1e-6), `one-sided ${oneSided} > two-sided ${two}`);
        checkThat(scalar(gp(v, { lambda: 0 })) === 0, 'λ = 0 does not give 0');
      },
    ),
    invariant(
      'per example: permuting or duplicating the examples (with their ε) does not change the penalty (no whole-batch norm)',
      gpSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.eps.length))),
      ([v, perm]) => {
        const base = scalar(gp(v));
        const permuted = scalar(
          gp({ ...v, xr: permuteRows(v.xr, perm), xf: permuteRows(v.xf, perm), eps: perm.map((i) => v.eps[i]!) }),
        );
        const doubled = scalar(
          gp({ ...v, xr: duplicateRows(v.xr), xf: duplicateRows(v.xf), eps: [...v.eps, ...v.eps] }),
        );
        checkClose('permuted', permuted, base, 1e-5, 1e-5);
        checkClose('duplicated', doubled, base, 1e-5, 1e-5);
      },
    ),
    invariant(
      'one ε per example: equals a float64 reference computed per example, not one with ε₀ for the whole batch',
      fc.tuple(gpSample, fc.constantFrom<PenaltySide>('two', 'one')),
      ([v, sided]) => {
        const got = scalar(gp(v, { lambda: 10, sided }));
        const want = gp64(v, 10, sided);
        const tol = scaleOf(
          10,
          interpolates(v, v.eps).map((p) => norm(critic64(v.net, p).grad) ** 2),
        );
        checkClose('penalty vs float64 per-example reference', got, want, 1e-4, tol);
        const shared = gp64(
          v,
          10,
          sided,
          v.eps.map(() => v.eps[0]!),
        );
        if (Math.abs(shared - want) > 100 * (tol + 1e-4 * Math.abs(want))) {
          checkThat(
            Math.abs(got - shared) > 10 * (tol + 1e-4 * Math.abs(want)),
            `the penalty ${got} matches the shared-ε value ${shared}`,
          );
        }
      },
    ),
    invariant(
      'a nonlinear critic: per-example ε differs from a single ε₀ for the whole batch',
      fc.tuple(batch(dataValue, 4, 4), batch(dataValue, 4, 4)),
      ([a, b]) => {
        const v: GpSample = {
          net: tanhNet,
          xr: rows([
            [a[0]!, a[1]!],
            [a[2]!, a[3]!],
          ]),
          xf: rows([
            [b[0]!, b[1]!],
            [b[2]!, b[3]!],
          ]),
          eps: [0.05, 0.95],
        };
        const want = gp64(v, 10, 'two');
        const shared = gp64(v, 10, 'two', [0.05, 0.05]);
        fc.pre(Math.abs(want - shared) > 1e-3 * (1 + Math.abs(want)));
        const got = scalar(gp(v));
        checkClose('per-example', got, want, 1e-4, 1e-5);
        checkThat(
          Math.abs(got - shared) > 1e-4 * (1 + Math.abs(want)),
          `penalty ${got} equals the shared-ε₀ value ${shared}`,
        );
      },
    ),
    invariant(
      'a constant critic (zero input gradient) gives the finite penalty λ (one-sided 0) and finite weight gradients, also for a critic that ignores x and for dead relu units',
      fc.tuple(gpSample, uniform(0, 10)),
      ([v, lambda]) => {
        const c = { ...v, net: constantCritic(v.net) };
        checkClose('two-sided', scalar(gp(c, { lambda })), lambda, 1e-6, 0);
        checkThat(scalar(gp(c, { lambda, sided: 'one' })) === 0, 'one-sided penalty of a constant critic ≠ 0');
        const g = weightGrads(c.net, (net) => gp(c, { lambda }, fnCritic, net));
        checkFinite('∂P/∂θ (constant critic)', g);
        const dead: NetSample = {
          ...v.net,
          activation: 'relu',
          weights: { ...v.net.weights, [`${P}B0`]: vector(v.net.weights[`${P}B0`]!.data.map(() => -100)) },
        };
        checkClose('dead relu critic', scalar(gp({ ...v, net: dead }, { lambda })), lambda, 1e-6, 0);
        checkFinite(
          '∂P/∂θ (dead relu)',
          weightGrads(dead, (net) => gp({ ...v, net: dead }, { lambda }, fnCritic, net)),
        );
        const n = v.eps.length;
        const ignoring: CriticFn = () => tf.fill([n], 3);
        checkClose(
          'a critic ignoring x',
          scalar(gradientPenalty(ignoring, tensorOf(v.xr), tensorOf(v.xf), { epsilon: tf.tensor1d(v.eps), lambda })),
          lambda,
          1e-6,
          0,
        );
      },
    ),
    // Away from ‖∇D(x̂)‖ = 0, where (‖∇D‖ − 1)² has a cone singularity in the weights, and from the
    // one-sided kink at ‖∇D‖ = 1: a finite-difference step (≈ 0.016 per weight) must not reach them.
    weightGradientInvariant(
      fc
        .tuple(gpSampleOf(smoothCriticSample), uniform(0.5, 10), fc.constantFrom<PenaltySide>('two', 'one'))
        .filter(([v, , sided]) =>
          interpolates(v, v.eps).every((p) => {
            const g = norm(critic64(v.net, p).grad);
            return g >= 0.2 && (sided === 'two' || Math.abs(g - 1) >= 0.2);
          }),
        ),
      ([v, lambda, sided], net) => gp(v, { lambda, sided }, fnCritic, net),
    ),
    functionVsModelInvariant(gpSample, (v, critic, net) => gp(v, {}, critic, net)),
    invariant(
      'drawn ε replays and advances: generators with one seed give the same penalty, equal to the explicit ε drawn from a copy; the next call draws another ε; a repeated seed continues its stream',
      fc.tuple(gpSample, fc.integer({ min: 0, max: 1e6 })),
      ([v, seed]) => {
        const net = netOf(v.net);
        const rng = new Random(seed);
        const eps = interpolationWeights(v.eps.length, rng.clone());
        const first = scalar(gradientPenalty(fnCritic(net), tensorOf(v.xr), tensorOf(v.xf), { random: rng }));
        checkThat(
          first ===
            scalar(gradientPenalty(fnCritic(net), tensorOf(v.xr), tensorOf(v.xf), { random: new Random(seed) })),
          'two generators with the same seed gave different penalties',
        );
        checkThat(
          values(eps).every((e) => e >= 0 && e <= 1),
          'drawn ε outside [0, 1]',
        );
        checkThat(
          first === scalar(gradientPenalty(fnCritic(net), tensorOf(v.xr), tensorOf(v.xf), { epsilon: eps })),
          'the drawn penalty differs from the explicit ε',
        );
        const next = values(interpolationWeights(v.eps.length, rng.clone()));
        checkThat(
          rng.draws === 1 && next.some((e, i) => e !== values(eps)[i]),
          'the generator did not advance: the next call would reuse ε',
        );
        // `seed` starts a stream: two calls with one seed draw two different ε (the second is not the first again).
        const a = values(interpolationWeights(v.eps.length, seed));
        const b = values(interpolationWeights(v.eps.length, seed));
        checkThat(
          b.some((e, i) => e !== a[i]),
          'a repeated seed drew the same ε twice',
        );
      },
    ),
  ],
  errors: [
    {
      name: 'a negative λ',
      call: () => gp(fixedGp(), { lambda: -1 }),
      error: 'InvalidParameterError',
      argument: 'lambda',
    },
    {
      name: "sided 'both'",
      call: () => gp(fixedGp(), { sided: 'both' as never }),
      error: 'InvalidParameterError',
      argument: 'sided',
    },
    {
      name: 'ε of the wrong length',
      call: () =>
        gradientPenalty(fnCritic(netOf(fixedGp().net)), tensorOf(fixedGp().xr), tensorOf(fixedGp().xf), {
          epsilon: tf.tensor1d([0.5]),
        }),
      error: 'InvalidArgumentError',
      argument: 'epsilon',
    },
    {
      name: 'ε of shape [n, 1]',
      call: () =>
        gradientPenalty(fnCritic(netOf(fixedGp().net)), tensorOf(fixedGp().xr), tensorOf(fixedGp().xf), {
          epsilon: tf.tensor2d([[0.5], [0.5]]),
        }),
      error: 'InvalidArgumentError',
      argument: 'epsilon',
    },
    {
      name: 'ε above 1',
      call: () => gp({ ...fixedGp(), eps: [0.5, 1.5] }),
      error: 'InvalidArgumentError',
      argument: 'epsilon',
    },
    {
      name: 'a negative ε',
      call: () => gp({ ...fixedGp(), eps: [-0.1, 0.5] }),
      error: 'InvalidArgumentError',
      argument: 'epsilon',
    },
    {
      name: 'both ε and a generator',
      call: () => gp(fixedGp(), { random: new Random(3) } as never),
      error: 'InvalidParameterError',
      argument: 'random',
    },
    {
      name: 'a generator that is not a Random',
      call: () =>
        gradientPenalty(fnCritic(netOf(fixedGp().net)), tensorOf(fixedGp().xr), tensorOf(fixedGp().xf), {
          random: { seed: 3 } as never,
        }),
      error: 'InvalidParameterError',
      argument: 'random',
    },
    {
      name: 'both ε and a seed',
      call: () => gp(fixedGp(), { seed: 3 } as never),
      error: 'InvalidParameterError',
      argument: 'seed',
    },
    {
      name: 'a fractional seed',
      call: () =>
        gradientPenalty(fnCritic(netOf(fixedGp().net)), tensorOf(fixedGp().xr), tensorOf(fixedGp().xf), { seed: 0.5 }),
      error: 'InvalidParameterError',
      argument: 'seed',
    },
    {
      name: 'batches of different shapes',
      call: () =>
        gradientPenalty(fnCritic(netOf(fixedGp().net)), tensorOf(fixedGp().xr), tf.zeros([3, 2]), { seed: 1 }),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    {
      name: 'a NaN sample',
      call: () =>
        gp({
          ...fixedGp(),
          xr: rows([
            [NaN, 0],
            [0, 0],
          ]),
        }),
      error: 'InvalidArgumentError',
      argument: 'xReal',
    },
    {
      name: 'a batch of rank 1',
      call: () => gradientPenalty(fnCritic(netOf(fixedGp().net)), tf.zeros([2]), tf.zeros([2]), { seed: 1 }),
      error: 'InvalidArgumentError',
      argument: 'xReal',
    },
    {
      name: 'a critic returning two scores per example',
      call: () =>
        gradientPenalty((x: tf.Tensor) => tf.concat([x, x], 1), tensorOf(fixedGp().xr), tensorOf(fixedGp().xf), {
          seed: 1,
        }),
      error: 'InvalidArgumentError',
      argument: 'critic',
    },
    {
      name: 'a critic that is not a function or model',
      call: () => gradientPenalty(42 as never, tensorOf(fixedGp().xr), tensorOf(fixedGp().xf), { seed: 1 }),
      error: 'InvalidArgumentError',
      argument: 'critic',
    },
    {
      name: 'an unknown option',
      call: () => gp(fixedGp(), { gamma: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
  ],
  benchmark: () =>
    benchCase(
      { xReal: benchX(1), xFake: benchX(2), epsilon: uniformArray([BENCH.batch], 0, 1, 3), ...benchCritic() },
      { lambda: 10, sided: 'two', ...BENCH_CRITIC_PARAMS },
    ),
});
