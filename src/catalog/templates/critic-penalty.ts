import { choice } from '../define.js';
import { defineSpec } from '../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { checkGrads } from '../../autodiff/check-grads.js';
import { batch, f32, uniform, vector } from '../arbitraries.js';
import { coefficient, criticSample, dataValue, epsValue, P, smoothCriticSample } from '../arbitraries/critics.js';
import { matrix, type NetSample, unbiasedUniform } from '../arbitraries/networks.js';
import { BENCH, mlpArrays, uniformArray } from '../bench.js';
import { ACTIVATION_DOC, NETWORK_WEIGHTS, SAMPLES } from '../decls.js';
import { checkClose, checkThat, invariant, scalar } from '../invariant.js';
import { critic64, mean64 } from '../reference64.js';
import { rows, tensorOf, toRows } from '../tensors.js';
import type { Case, InputDecl, NDArray, ParamDecl, ParamsOf, Spec, Invariant } from '../types.js';
import { ACTIVATIONS, layersFromInputs, mlp, type Mlp } from '../../nets/mlp.js';
import type { CriticFn, LayersModelLike } from '../../regularizers/critic.js';
import { R1_ID, r1Penalty, R2_ID, r2Penalty } from '../../regularizers/r1-r2.js';

/** The gradient penalties on a critic (gradient penalty, DRAGAN, R1/R2, noise-induced): critics, references, invariants. */

export const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));

/** The critic's layer tensors, in the order W0, B0, W1, B1, … (made here: call inside tf.tidy). */
export function weightTensors(s: NetSample): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (let l = 0; l + 1 < s.widths.length; l++)
    out.push(tensorOf(s.weights[`${P}W${l}`]!), tensorOf(s.weights[`${P}B${l}`]!));
  return out;
}

/** An `Mlp` from a NetSample and its layer tensors (default: fresh tensors of its weights). */
export function netOf(s: NetSample, ws: tf.Tensor[] = weightTensors(s)): Mlp {
  const layers = [];
  for (let l = 0; 2 * l < ws.length; l++) layers.push({ weight: ws[2 * l]!, bias: ws[2 * l + 1]! });
  return { layers, activation: s.activation, outputActivation: s.outputActivation, alpha: s.alpha };
}

/** The critic as a function of TF.js ops. */
export const fnCritic =
  (net: Mlp): CriticFn =>
  (x) =>
    mlp(net, x);

/** The critic as a Layers-style object (what `tf.LayersModel.apply` offers), built here without tfjs-layers; `spec/layers-model.test.ts` checks a real `tf.LayersModel` (tfjs-layers, a dev dependency). */
export const modelCritic = (net: Mlp): LayersModelLike => ({ apply: (x) => mlp(net, x as tf.Tensor) });

/** A linear critic x ↦ x·w + b as a NetSample with two linear layers (W0 = I). */
export function linearCritic(w: number[], b = 0): NetSample {
  const d = w.length;
  return {
    widths: [d, d, 1],
    weights: {
      [`${P}W0`]: {
        shape: [d, d],
        data: Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0)),
      },
      [`${P}B0`]: vector(new Array<number>(d).fill(0)),
      [`${P}W1`]: rows(w.map((v) => [v])),
      [`${P}B1`]: vector([b]),
    },
    activation: 'linear',
    outputActivation: 'linear',
    alpha: 0.2,
  };
}

/** A critic whose input gradient is exactly 0 everywhere: its last layer's weights are 0. */
export function constantCritic(s: NetSample, bias = 0.75): NetSample {
  const L = s.widths.length - 1;
  const W = s.weights[`${P}W${L - 1}`]!;
  return {
    ...s,
    weights: {
      ...s.weights,
      [`${P}W${L - 1}`]: { shape: W.shape, data: W.data.map(() => 0) },
      [`${P}B${L - 1}`]: vector([bias]),
    },
  };
}

/** A unit vector in float32 (normalised in float64, then rounded). */
export const unitVector = (d: number) =>
  batch(unbiasedUniform(-1, 1), d, d)
    .filter((v) => norm(v) > 0.1)
    .map((v) => v.map((x) => f32(x / norm(v))));

/** A unit direction w [d], two batches [n, d] and [m, d], noise [n, d] and ε [n], for closed forms with linear critics. */
export const linearSetup = fc
  .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }) })
  .chain(({ d, n, m }) =>
    fc.record({
      w: unitVector(d),
      xr: matrix(n, d, dataValue),
      xf: matrix(n, d, dataValue),
      xm: matrix(m, d, dataValue),
      noise: matrix(n, d, unbiasedUniform(-3, 3)),
      eps: batch(epsValue, n, n),
    }),
  );

export const CRITIC_PARAMS = {
  activation: choice(`hidden activation of the critic: ${ACTIVATION_DOC}`, 'relu', ACTIVATIONS),
  outputActivation: choice(
    `output activation of the critic (its score or logit): ${ACTIVATION_DOC}`,
    'linear',
    ACTIVATIONS,
  ),
  alpha: { doc: "negative slope of 'leaky-relu', ≥ 0", default: 0.2 },
} satisfies Record<string, ParamDecl>;

export const CRITIC_INPUTS: Record<string, InputDecl> = {
  [`${P}W0`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 0 weight [d, h₁]' },
  [`${P}B0`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 0 bias [h₁]' },
  [`${P}W1`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 1 weight [h₁, 1] (or [h₁, h₂] with a third layer)' },
  [`${P}B1`]: { kind: NETWORK_WEIGHTS, doc: 'critic layer 1 bias' },
  [`${P}W2`]: { kind: NETWORK_WEIGHTS, optional: true, doc: 'critic layer 2 weight [h₂, 1]' },
  [`${P}B2`]: { kind: NETWORK_WEIGHTS, optional: true, doc: 'critic layer 2 bias [1]' },
};

export const criticParams = (s: NetSample) => ({
  activation: s.activation,
  outputActivation: s.outputActivation,
  alpha: s.alpha,
});

/** The critic of a case's inputs and params (for `evaluate`). */
export function criticFromInputs(x: Record<string, tf.Tensor>, p: ParamsOf<typeof CRITIC_PARAMS>): Mlp {
  return {
    layers: layersFromInputs(x, P),
    activation: p.activation,
    outputActivation: p.outputActivation,
    alpha: p.alpha,
  };
}

export function permutation(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.nat(), { minLength: n, maxLength: n }).map((keys) =>
    keys
      .map((k, i) => [k, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => i),
  );
}

export const permuteRows = (a: NDArray, perm: number[]): NDArray => rows(perm.map((i) => toRows(a)[i]!));

export const duplicateRows = (a: NDArray): NDArray => rows([...toRows(a), ...toRows(a)]);

/** Gradients of a scalar function of the critic's layer tensors, as plain numbers. */
export function weightGrads(s: NetSample, penalty: (net: Mlp) => tf.Scalar): number[] {
  const ws = weightTensors(s);
  // 0·Σ w keeps every weight on the tape (a bias the penalty does not depend on gets 0).
  const f = (...args: tf.Tensor[]) =>
    args.reduce((acc: tf.Tensor, w) => tf.add(acc, tf.mul(0, tf.sum(w))), penalty(netOf(s, args))) as tf.Scalar;
  return tf
    .grads(f)(ws)
    .flatMap((g) => Array.from(g.dataSync()));
}

/** First-order check of a penalty's gradient wrt the critic weights against finite differences. */
export function checkWeightGrads(s: NetSample, penalty: (net: Mlp) => tf.Scalar): void {
  checkGrads((...ws: tf.Tensor[]) => penalty(netOf(s, ws)), weightTensors(s), { order: 1, seed: 7, directions: 2 });
}

/** How a penalty's invariants build its critic: as a function or as a LayersModel-like object. */
export type CriticOf = (net: Mlp) => CriticFn | LayersModelLike;

/**
 * The penalty of a sample with the critic built by `critic` from `net` (default: the sample's own
 * network): the shape every penalty of this family gives its invariant templates.
 */
export type PenaltyOf<S> = (v: S, critic: CriticOf, net?: Mlp) => tf.Scalar;

/** Invariant template: the critic as a function and as a LayersModel-like object agree exactly (value and weight gradients). */
export function functionVsModelInvariant<S extends { net: NetSample }>(
  samples: fc.Arbitrary<S>,
  penalty: PenaltyOf<S>,
): Invariant {
  return invariant(
    'the critic as a function and as a LayersModel-like object give the same penalty and weight gradients',
    samples,
    (v) => {
      checkThat(scalar(penalty(v, fnCritic)) === scalar(penalty(v, modelCritic)), 'values differ');
      const a = weightGrads(v.net, (net) => penalty(v, fnCritic, net));
      const b = weightGrads(v.net, (net) => penalty(v, modelCritic, net));
      checkThat(
        a.every((g, i) => g === b[i]),
        'weight gradients differ',
      );
    },
  );
}

/**
 * Invariant template: the penalty's gradient wrt the critic weights (double backprop) matches
 * central finite differences, on draws of a sample and the penalty's options (25 runs: each is a
 * full finite-difference check).
 */
export function weightGradientInvariant<T extends [{ net: NetSample }, ...unknown[]]>(
  draws: fc.Arbitrary<T>,
  penalty: (draw: T, net: Mlp) => tf.Scalar,
): Invariant {
  return invariant(
    'the gradient wrt the critic weights (double backprop) matches central finite differences',
    draws,
    (draw) => {
      checkWeightGrads(draw[0].net, (net) => penalty(draw, net));
    },
    25,
  );
}

/** The float64 scale of a penalty value, for absolute tolerances. */
export const scaleOf = (coef: number, terms: number[]) => 1e-5 * (1 + coef * Math.max(1, ...terms.map(Math.abs)));

/**
 * Whether every per-example ‖∇D‖ (float64) is exactly 0 or at least 0.05. Error analysis: the
 * Hessian of ‖g‖ in g is (I − ĝĝᵀ)/‖g‖, so second derivatives of (‖g‖ − 1)² in the weights carry
 * terms 2λ(‖g‖ − 1)·(I − ĝĝᵀ)/‖g‖ formed in float32 as differences of O(λ/‖g‖) numbers: their
 * rounding noise grows like u·λ/‖g‖ (wasm, seed 4, case 18: ‖g‖ = 4e-4 gave an HVP off by 5e-4
 * relative, where torch's own float32 was off by 1e-4). At ‖g‖ = 0 no derivative exists at all (a
 * cone). Cross-checked cases keep the norms ≥ 0.05 or exactly 0 (dead relu units: locally
 * constant, derivatives exactly 0); the invariants still cover norms near 0 (constant critics,
 * dead units, finite gradients).
 */
export const wellConditioned = (net: NetSample, points: number[][]) =>
  points.every((p) => {
    const g = norm(critic64(net, p).grad);
    return g === 0 || g >= 0.05;
  });

export const tanhNet: NetSample = {
  widths: [2, 3, 1],
  weights: {
    criticW0: rows([
      [0.9, -0.4, 0.3],
      [0.2, 1.1, -0.7],
    ]),
    criticB0: vector([0.1, -0.3, 0.2]),
    criticW1: rows([[1.2], [-0.8], [0.5]]),
    criticB1: vector([0.05]),
  },
  activation: 'tanh',
  outputActivation: 'linear',
  alpha: 0.2,
};

// penalty/r1 and penalty/r2

export interface RSample {
  net: NetSample;
  x: NDArray;
}

export function rSampleOf(critic: (d: number) => fc.Arbitrary<NetSample>): fc.Arbitrary<RSample> {
  return fc
    .record({ d: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 6 }) })
    .chain(({ d, n }) => fc.record({ net: critic(d), x: matrix(n, d, dataValue) }));
}

export const rSample = rSampleOf(criticSample);

export const r64 = (v: RSample, gamma: number) =>
  (gamma / 2) * mean64(toRows(v.x).map((p) => norm(critic64(v.net, p).grad) ** 2));

export function zeroCenteredSpec(which: 'r1' | 'r2'): Spec {
  const id = which === 'r1' ? R1_ID : R2_ID;
  const name = which === 'r1' ? 'xReal' : 'xFake';
  const fn = which === 'r1' ? r1Penalty : r2Penalty;
  const pen = (
    v: RSample,
    gamma?: number,
    critic: (net: Mlp) => CriticFn | LayersModelLike = fnCritic,
    net = netOf(v.net),
  ) => fn(critic(net), tensorOf(v.x), gamma === undefined ? {} : { gamma });
  const rCase = (v: RSample, gamma: number, label?: string): Case => ({
    inputs: { [name]: v.x, ...v.net.weights },
    params: { gamma, ...criticParams(v.net) },
    grads: true,
    ...(label ? { label } : {}),
  });
  const fixed = (): RSample => ({
    net: linearCritic([0.6, 0.8]),
    x: rows([
      [1, 2],
      [3, -1],
    ]),
  });
  return defineSpec({
    id,
    title:
      which === 'r1'
        ? 'R1 zero-centred gradient penalty on real data'
        : 'R2 zero-centred gradient penalty on generated data',
    reference: `Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?, eq. ${which === 'r1' ? 9 : 10}`,
    section: 'regularizers',
    inputs: {
      [name]: { kind: SAMPLES, doc: `${which === 'r1' ? 'real' : 'generated'} batch [n, d]` },
      ...CRITIC_INPUTS,
    },
    params: { gamma: { doc: 'γ ≥ 0; the penalty is γ/2·E[‖∇D(x)‖²]', default: 10 }, ...CRITIC_PARAMS },
    outputs: ['penalty'],
    evaluate: (x, p) => ({ penalty: fn(fnCritic(criticFromInputs(x, p)), x[name]!, { gamma: p.gamma }) }),
    sample: fc.record({ v: rSample, gamma: coefficient }).map(({ v, gamma }) => rCase(v, gamma)),
    edges: [
      rCase(
        {
          net: linearCritic([1.5, -2], 0.5),
          x: rows([
            [1, 2],
            [3, -1],
            [0, 0],
          ]),
        },
        10,
        'closed form: a linear critic with ‖w‖ = 2.5 gives γ/2·6.25 = 31.25',
      ),
      rCase(
        {
          net: constantCritic(tanhNet),
          x: rows([
            [1, 2],
            [0, -1],
          ]),
        },
        10,
        'closed form: a constant critic gives 0 (smooth: gradients compared)',
      ),
      rCase(
        {
          net: tanhNet,
          x: rows([
            [1, 2],
            [0, -1],
            [0.5, -0.5],
          ]),
        },
        1,
        'a tanh critic',
      ),
    ],
    secondOrder: true,
    invariants: [
      invariant(
        'a constant critic gives exactly 0, with zero weight gradients',
        fc.tuple(rSample, uniform(0, 10)),
        ([v, gamma]) => {
          const c = { ...v, net: constantCritic(v.net) };
          checkThat(scalar(pen(c, gamma)) === 0, `penalty ${scalar(pen(c, gamma))} ≠ 0`);
          checkThat(
            weightGrads(c.net, (net) => pen(c, gamma, fnCritic, net)).every((g) => g === 0),
            'nonzero weight gradient for a constant critic',
          );
          const n = v.x.shape[0]!;
          checkThat(
            scalar(fn(() => tf.fill([n, 1], -2), tensorOf(v.x), { gamma })) === 0,
            'a critic ignoring x does not give 0',
          );
        },
      ),
      invariant('penalties are ≥ 0 and scale linearly in γ', fc.tuple(rSample, uniform(0, 20)), ([v, gamma]) => {
        const one = scalar(pen(v, 1));
        checkThat(one >= 0, `negative penalty ${one}`);
        checkClose('P(γ) vs γ·P(1)', scalar(pen(v, gamma)), gamma * one, 1e-6, 1e-30);
      }),
      invariant(
        'a linear critic x·w + b gives γ/2·‖w‖² for every batch',
        fc.tuple(linearSetup, uniform(0, 3), uniform(0, 10)),
        ([s, a, gamma]) => {
          const w = s.w.map((c) => f32(a * c));
          checkClose(
            'γ/2‖w‖²',
            scalar(pen({ net: linearCritic(w, -1), x: s.xr }, gamma)),
            (gamma / 2) * norm(w) ** 2,
            1e-5,
            1e-6,
          );
        },
      ),
      invariant('equals a float64 reference computed per example', rSample, (v) => {
        checkClose(
          'penalty',
          scalar(pen(v, 10)),
          r64(v, 10),
          1e-4,
          scaleOf(
            10,
            toRows(v.x).map((p) => norm(critic64(v.net, p).grad) ** 2),
          ),
        );
      }),
      invariant(
        'per example: permuting or duplicating the examples does not change the penalty',
        rSample.chain((v) => fc.tuple(fc.constant(v), permutation(v.x.shape[0]!))),
        ([v, perm]) => {
          const base = scalar(pen(v));
          checkClose('permuted', scalar(pen({ ...v, x: permuteRows(v.x, perm) })), base, 1e-5, 1e-5);
          checkClose('duplicated', scalar(pen({ ...v, x: duplicateRows(v.x) })), base, 1e-5, 1e-5);
        },
      ),
      invariant(
        which === 'r1' ? 'R1 and R2 are the same function of their batch' : 'R2 on a batch equals R1 on the same batch',
        rSample,
        (v) => {
          const net = netOf(v.net);
          checkThat(
            scalar(r1Penalty(fnCritic(net), tensorOf(v.x), { gamma: 3 })) ===
              scalar(r2Penalty(fnCritic(net), tensorOf(v.x), { gamma: 3 })),
            'R1 ≠ R2 on the same batch',
          );
        },
      ),
      weightGradientInvariant(fc.tuple(rSampleOf(smoothCriticSample), uniform(0.5, 10)), ([v, gamma], net) =>
        pen(v, gamma, fnCritic, net),
      ),
      functionVsModelInvariant(rSample, (v, critic, net) => pen(v, 10, critic, net)),
    ],
    errors: [
      { name: 'a negative γ', call: () => pen(fixed(), -1), error: 'InvalidParameterError', argument: 'gamma' },
      { name: 'an infinite γ', call: () => pen(fixed(), Infinity), error: 'InvalidParameterError', argument: 'gamma' },
      {
        name: 'a NaN sample',
        call: () => pen({ ...fixed(), x: rows([[0, NaN]]) }),
        error: 'InvalidArgumentError',
        argument: name,
      },
      {
        name: 'a batch of rank 1',
        call: () => fn(fnCritic(netOf(fixed().net)), tf.zeros([3])),
        error: 'InvalidArgumentError',
        argument: name,
      },
      {
        name: 'a critic returning a scalar',
        call: () => fn(() => tf.scalar(1), tensorOf(fixed().x)),
        error: 'InvalidArgumentError',
        argument: 'critic',
      },
      {
        name: 'an unknown option',
        call: () => fn(fnCritic(netOf(fixed().net)), tensorOf(fixed().x), { lambda: 1 } as never),
        error: 'InvalidParameterError',
        argument: 'lambda',
      },
    ],
  });
}

/** The catalog's MLP critic at benchmark size: 512 → 512 → 512 → 1, leaky-relu. */
export const benchCritic = () => mlpArrays('critic', [BENCH.features, BENCH.hidden, BENCH.hidden, 1], 100);

export const BENCH_CRITIC_PARAMS = { activation: 'leaky-relu', outputActivation: 'linear', alpha: 0.2 };

export const benchX = (seed: number) => uniformArray([BENCH.batch, BENCH.features], -1, 1, seed);
