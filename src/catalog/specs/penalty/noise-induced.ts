import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform } from '../../arbitraries.js';
import { coefficient, criticSample, dataValue, P, smoothCriticSample } from '../../arbitraries/critics.js';
import { matrix, type NetSample } from '../../arbitraries/networks.js';
import { benchCase } from '../../bench.js';
import { SAMPLES } from '../../decls.js';
import { checkClose, checkFinite, checkThat, invariant, scalar } from '../../invariant.js';
import { critic64, mean64, sigmoid64 } from '../../reference64.js';
import {
  BENCH_CRITIC_PARAMS,
  benchCritic,
  benchX,
  constantCritic,
  CRITIC_INPUTS,
  CRITIC_PARAMS,
  criticFromInputs,
  criticParams,
  fnCritic,
  functionVsModelInvariant,
  linearCritic,
  linearSetup,
  netOf,
  norm,
  permutation,
  permuteRows,
  tanhNet,
  weightGradientInvariant,
  weightGrads,
} from '../../templates/critic-penalty.js';
import { rows, tensorOf, toRows } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import type { Activation, Mlp } from '../../../nets/mlp.js';
import type { CriticFn, LayersModelLike } from '../../../regularizers/critic.js';
import {
  NOISE_INDUCED_DIVERGENCES,
  NOISE_INDUCED_ID,
  type NoiseInducedDivergence,
  noiseInducedPenalty,
} from '../../../regularizers/noise-induced.js';
import { r2Penalty } from '../../../regularizers/r1-r2.js';

interface NiSample {
  net: NetSample;
  xr: NDArray;
  xf: NDArray;
}

function niSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<NiSample> {
  return fc
    .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }) })
    .chain(({ d, n, m }) => fc.record({ net: critic(d), xr: matrix(n, d, dataValue), xf: matrix(m, d, dataValue) }));
}

const niSample = niSampleOf(criticSample);

function ni(
  v: NiSample,
  o: { gamma?: number; f?: NoiseInducedDivergence } = {},
  critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic,
  net = netOf(v.net),
): tf.Scalar {
  return noiseInducedPenalty(critic(net), tensorOf(v.xr), tensorOf(v.xf), o);
}

function ni64(v: NiSample, gamma: number, f: NoiseInducedDivergence): number {
  const term = (x: NDArray, weight: (psi: number) => number) =>
    mean64(
      toRows(x).map((p) => {
        const { value, grad } = critic64(v.net, p);
        return weight(value) * norm(grad) ** 2;
      }),
    );
  const omega =
    f === 'gan'
      ? term(v.xr, (psi) => sigmoid64(-psi) ** 2) + term(v.xf, (psi) => sigmoid64(psi) ** 2)
      : f === 'kl'
        ? term(v.xf, (psi) => Math.exp(psi - 1))
        : term(v.xf, () => 0.5);
  return (gamma / 2) * omega;
}

function niCase(v: NiSample, gamma: number, f: NoiseInducedDivergence, label?: string): Case {
  return {
    inputs: { xReal: v.xr, xFake: v.xf, ...v.net.weights },
    params: { gamma, f, ...criticParams(v.net) },
    grads: true,
    ...(label ? { label } : {}),
  };
}

const niCases: fc.Arbitrary<Case> = fc
  .record({
    v: niSample,
    gamma: coefficient,
    f: fc.constantFrom<NoiseInducedDivergence>('gan', 'gan', 'kl', 'pearson-chi2'),
  })
  .map(({ v, gamma, f }) => niCase(v, gamma, f));

const fixedNi = (): NiSample => ({
  net: linearCritic([0.6, 0.8]),
  xr: rows([
    [1, 2],
    [3, -1],
  ]),
  xf: rows([[0, 1]]),
});

/** The critic with its output negated (last layer's weights and bias), for a linear output. */
function negated(s: NetSample): NetSample {
  const L = s.widths.length - 1;
  const neg = (a: NDArray): NDArray => ({ shape: a.shape, data: a.data.map((x) => -x) });
  return {
    ...s,
    weights: {
      ...s.weights,
      [`${P}W${L - 1}`]: neg(s.weights[`${P}W${L - 1}`]!),
      [`${P}B${L - 1}`]: neg(s.weights[`${P}B${L - 1}`]!),
    },
  };
}

export const noiseInducedSpec: Spec = defineSpec({
  id: NOISE_INDUCED_ID,
  title: 'Noise-induced (JS) regularizer of Roth et al.',
  reference:
    'Roth, Lucchi, Nowozin & Hofmann 2017, Stabilizing Training of Generative Adversarial Networks through Regularization, §3: Ω_f = E_Q[(f*″∘ψ)‖∇ψ‖²] and the JS-regularizer Ω_JS; F_γ = F − (γ/2)Ω',
  section: 'regularizers',
  inputs: {
    xReal: { kind: SAMPLES, doc: 'real batch [n, d] (P)' },
    xFake: { kind: SAMPLES, doc: 'generated batch [m, d] (Q)' },
    ...CRITIC_INPUTS,
  },
  params: {
    gamma: { doc: 'γ ≥ 0; the returned term is (γ/2)·Ω, to add to a discriminator loss that is minimised', default: 2 },
    f: choice(
      "'gan': Ω = E_P[(1 − σ(ψ))²‖∇ψ‖²] + E_Q[σ(ψ)²‖∇ψ‖²]; 'kl': E_Q[e^{ψ−1}‖∇ψ‖²]; 'pearson-chi2': E_Q[½‖∇ψ‖²]",
      'gan',
      NOISE_INDUCED_DIVERGENCES,
    ),
    ...CRITIC_PARAMS,
  },
  outputs: ['penalty'],
  evaluate: (x, p) => ({
    penalty: noiseInducedPenalty(fnCritic(criticFromInputs(x, p)), x.xReal, x.xFake, { gamma: p.gamma, f: p.f }),
  }),
  sample: niCases,
  edges: [
    niCase(
      {
        net: linearCritic([0.6, 0.8], 0),
        xr: rows([[0, 0]]),
        xf: rows([
          [0, 0],
          [0, 0],
        ]),
      },
      2,
      'gan',
      'closed form: ψ = 0 everywhere (D = ½) with ‖w‖ = 1: Ω = ¼ + ¼',
    ),
    niCase(
      {
        net: linearCritic([0.6, 0.8], 1e4),
        xr: rows([
          [1, 2],
          [0, -1],
        ]),
        xf: rows([[0.5, 0.5]]),
      },
      2,
      'gan',
      'edge: logits ≈ +1e4 (D = 1): the real term vanishes, the fake term is ‖w‖² = 1',
    ),
    niCase(
      {
        net: linearCritic([0.6, 0.8], -1e4),
        xr: rows([[1, 2]]),
        xf: rows([
          [0.5, 0.5],
          [-1, 1],
        ]),
      },
      2,
      'gan',
      'edge: logits ≈ −1e4 (D = 0): Ω = ‖w‖² = 1 from the real term',
    ),
    niCase(
      {
        net: tanhNet,
        xr: rows([
          [1, 2],
          [0, -1],
        ]),
        xf: rows([
          [0.5, -0.5],
          [-1, 1],
          [2, 0],
        ]),
      },
      2,
      'kl',
      "'kl' with a tanh critic",
    ),
    niCase(
      { net: constantCritic(tanhNet, 3), xr: rows([[1, 2]]), xf: rows([[0.5, -0.5]]) },
      2,
      'gan',
      'closed form: a constant critic gives 0',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'penalties are ≥ 0 and scale linearly in γ',
      fc.tuple(niSample, uniform(0, 20), fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)),
      ([v, gamma, f]) => {
        const one = scalar(ni(v, { gamma: 1, f }));
        checkThat(one >= 0, `negative penalty ${one}`);
        checkClose('P(γ) vs γ·P(1)', scalar(ni(v, { gamma, f })), gamma * one, 1e-6, 1e-30);
      },
    ),
    invariant(
      'equals a float64 reference computed per example (gan, kl, pearson-chi2)',
      fc.tuple(niSample, fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)),
      ([v, f]) => {
        const want = ni64(v, 2, f);
        checkClose('penalty', scalar(ni(v, { gamma: 2, f })), want, 1e-4, 1e-5 * (1 + Math.abs(want)));
      },
    ),
    invariant(
      'a linear critic ψ = x·w + b: Ω_gan = ‖w‖²·(E_P[σ(−ψ)²] + E_Q[σ(ψ)²])',
      fc.tuple(linearSetup, uniform(0, 3), uniform(-5, 5)),
      ([s, a, b]) => {
        const w = s.w.map((c) => f32(a * c));
        const psi = (row: number[]) => row.reduce((acc, x, j) => acc + x * w[j]!, f32(b));
        const want =
          norm(w) ** 2 *
          (mean64(toRows(s.xr).map((r) => sigmoid64(-psi(r)) ** 2)) +
            mean64(toRows(s.xm).map((r) => sigmoid64(psi(r)) ** 2)));
        checkClose(
          'Ω_gan',
          scalar(ni({ net: linearCritic(w, b), xr: s.xr, xf: s.xm }, { gamma: 2 })),
          want,
          1e-4,
          1e-6 * (1 + want),
        );
      },
    ),
    invariant(
      'a constant critic gives 0 with zero weight gradients, for every f',
      fc.tuple(niSample, fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)),
      ([v, f]) => {
        const c = { ...v, net: constantCritic(v.net, 2) };
        checkThat(scalar(ni(c, { f })) === 0, 'a constant critic does not give 0');
        checkThat(
          weightGrads(c.net, (net) => ni(c, { f }, fnCritic, net)).every((g) => g === 0),
          'nonzero weight gradient',
        );
      },
    ),
    invariant(
      'finite value and weight gradients for saturated logits up to |ψ| = 1e4 (D = σ(ψ) from logits, no log or clamp)',
      fc.tuple(linearSetup, fc.constantFrom(1e4, -1e4, 200, -200)),
      ([s, b]) => {
        const v: NiSample = { net: linearCritic(s.w, b), xr: s.xr, xf: s.xm };
        const got = scalar(ni(v, { gamma: 2 }));
        checkFinite('penalty', [got]);
        // D = 1 on every fake (b > 0: Ω = E_Q[‖w‖²]) or D = 0 on every real (b < 0: Ω = E_P[‖w‖²]), ‖w‖ = 1.
        checkClose('Ω at saturation', got, 1, 1e-5, 1e-6);
        checkFinite(
          '∂P/∂θ',
          weightGrads(v.net, (net) => ni(v, { gamma: 2 }, fnCritic, net)),
        );
      },
    ),
    invariant('symmetry of the JS-regularizer: Ω(P, Q; ψ) = Ω(Q, P; −ψ)', niSample, (v) => {
      const lin = { ...v.net, outputActivation: 'linear' as Activation };
      const a = scalar(ni({ ...v, net: lin }));
      const b = scalar(ni({ net: negated(lin), xr: v.xf, xf: v.xr }));
      checkClose('swapped', b, a, 1e-5, 1e-6);
    }),
    invariant(
      "'pearson-chi2' is R2 with γ/2, and permuting either batch changes nothing",
      niSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.xr.shape[0]!), permutation(v.xf.shape[0]!))),
      ([v, pr, pf]) => {
        const net = netOf(v.net);
        checkClose(
          'pearson vs R2',
          scalar(ni(v, { gamma: 3, f: 'pearson-chi2' }, fnCritic, net)),
          scalar(r2Penalty(fnCritic(net), tensorOf(v.xf), { gamma: 1.5 })),
          1e-6,
          1e-7,
        );
        checkClose(
          'permuted',
          scalar(ni({ ...v, xr: permuteRows(v.xr, pr), xf: permuteRows(v.xf, pf) })),
          scalar(ni(v)),
          1e-5,
          1e-6,
        );
      },
    ),
    weightGradientInvariant(
      fc.tuple(niSampleOf(smoothCriticSample), uniform(0.5, 10), fc.constantFrom(...NOISE_INDUCED_DIVERGENCES)),
      ([v, gamma, f], net) => ni(v, { gamma, f }, fnCritic, net),
    ),
    functionVsModelInvariant(niSample, (v, critic, net) => ni(v, {}, critic, net)),
  ],
  errors: [
    {
      name: 'a negative γ',
      call: () => ni(fixedNi(), { gamma: -2 }),
      error: 'InvalidParameterError',
      argument: 'gamma',
    },
    {
      name: "f 'wasserstein' (no f*″)",
      call: () => ni(fixedNi(), { f: 'wasserstein' as never }),
      error: 'InvalidParameterError',
      argument: 'f',
    },
    {
      name: 'batches of different widths',
      call: () => noiseInducedPenalty(fnCritic(netOf(fixedNi().net)), tensorOf(fixedNi().xr), tf.zeros([2, 3])),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    {
      name: 'a NaN sample',
      call: () => ni({ ...fixedNi(), xf: rows([[NaN, 1]]) }),
      error: 'InvalidArgumentError',
      argument: 'xFake',
    },
    {
      name: 'a critic returning [n, 2]',
      call: () =>
        noiseInducedPenalty((x: tf.Tensor) => tf.concat([x, x], 1), tensorOf(fixedNi().xr), tensorOf(fixedNi().xf)),
      error: 'InvalidArgumentError',
      argument: 'critic',
    },
    {
      name: 'an unknown option',
      call: () => ni(fixedNi(), { divergence: 'gan' } as never),
      error: 'InvalidParameterError',
      argument: 'divergence',
    },
  ],
  benchmark: () =>
    benchCase({ xReal: benchX(1), xFake: benchX(2), ...benchCritic() }, { gamma: 2, f: 'gan', ...BENCH_CRITIC_PARAMS }),
});
