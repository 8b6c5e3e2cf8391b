import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, logit, uniform, vector } from '../../arbitraries.js';
import { matrix } from '../../arbitraries/networks.js';
import { benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar } from '../../invariant.js';
import { mean64, sum64 } from '../../reference64.js';
import { gradValues, rows, tensorOf } from '../../tensors.js';
import type { Case, InputKind, NDArray, Spec } from '../../types.js';
import { MIX_GAN_ID, mixGanLosses, type MixtureRegularizer } from '../../../objectives/mix-gan.js';

const PAYOFFS: InputKind = 'payoffs';

const MIXTURE_LOGITS: InputKind = 'logits';

/** Payoffs V(D_j, G_i) of a base GAN: mostly O(1), sometimes up to ±1e3 (a critic's scores), exact values mixed in. */
const payoffValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(-5, 5) },
  { weight: 1, arbitrary: uniform(-1e3, 1e3) },
  { weight: 1, arbitrary: fc.constantFrom(0, f32(-Math.log(4)), 1) },
);

const mixtureLogit: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: uniform(-5, 5) },
  { weight: 1, arbitrary: logit },
);

function mixInputsOf(payoff: fc.Arbitrary<number>) {
  return fc
    .record({ kg: fc.integer({ min: 1, max: 5 }), kd: fc.integer({ min: 1, max: 5 }) })
    .chain(({ kg, kd }) =>
      fc.record({ p: matrix(kg, kd, payoff), ag: batch(mixtureLogit, kg, kg), ad: batch(mixtureLogit, kd, kd) }),
    );
}

const mixInputs = mixInputsOf(payoffValue);

const mixCases: fc.Arbitrary<Case> = fc
  .record({
    v: mixInputs,
    beta: fc.oneof(uniform(0, 2), fc.constantFrom(0, f32(0.1))),
    regularizer: fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy'),
  })
  .map(({ v, beta, regularizer }) => ({
    inputs: { payoff: v.p, generatorLogits: vector(v.ag), discriminatorLogits: vector(v.ad) },
    params: { beta, regularizer },
    grads: true,
  }));

function mixCase(
  p: number[][],
  ag: number[],
  ad: number[],
  params: { beta: number; regularizer: MixtureRegularizer },
  label: string,
): Case {
  return {
    inputs: { payoff: rows(p), generatorLogits: vector(ag), discriminatorLogits: vector(ad) },
    params,
    grads: true,
    label,
  };
}

function mix(v: { p: NDArray; ag: number[]; ad: number[] }, o?: { beta?: number; regularizer?: MixtureRegularizer }) {
  return mixGanLosses(tensorOf(v.p), tf.tensor1d(v.ag), tf.tensor1d(v.ad), o);
}

const softmax64 = (a: number[]) => {
  const mx = Math.max(...a);
  const e = a.map((x) => Math.exp(x - mx));
  const s = sum64(e);
  return e.map((x) => x / s);
};

export const mixGan: Spec = defineSpec({
  id: MIX_GAN_ID,
  title: 'MIX+GAN (mixtures of generators and discriminators with learned weights)',
  reference:
    'Arora, Ge, Liang, Ma & Zhang 2017, Generalization and Equilibrium in Generative Adversarial Nets (GANs), §5 MIX+GANs',
  section: 'objectives',
  inputs: {
    payoff: { kind: PAYOFFS, doc: 'P [k_G, k_D], P[i][j] = V(D_j, G_i) of any base GAN' },
    generatorLogits: { kind: MIXTURE_LOGITS, doc: "the generators' mixture logits a_G [k_G], u = softmax(a_G)" },
    discriminatorLogits: {
      kind: MIXTURE_LOGITS,
      doc: "the discriminators' mixture logits a_D [k_D], v = softmax(a_D)",
    },
  },
  params: {
    beta: { doc: 'β ≥ 0, weight of the mixture-weight regularizer (0.1 in the authors’ code)', default: 0.1 },
    regularizer: choice(
      "'cross-entropy': −(1/k)Σ log w (the authors' code); 'entropy': Σ w log w = −H(w)",
      'cross-entropy',
      ['cross-entropy', 'entropy'],
    ),
  },
  outputs: ['discriminator', 'generator', 'payoff'],
  evaluate: (x, p) => {
    const r = mixGanLosses(x.payoff, x.generatorLogits, x.discriminatorLogits, {
      beta: p.beta,
      regularizer: p.regularizer,
    });
    return { discriminator: r.discriminator, generator: r.generator, payoff: r.payoff };
  },
  sample: mixCases,
  edges: [
    mixCase(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [0.5, 0.5],
      [-1, -1, -1],
      { beta: 0.1, regularizer: 'cross-entropy' },
      'closed form: equal logits give the mean payoff 3.5 and R = log k',
    ),
    mixCase(
      [
        [1, -2],
        [3, 7],
      ],
      [1e4, -1e4],
      [-1e4, 1e4],
      { beta: 1, regularizer: 'entropy' },
      'edge: logits ±1e4 put all weight on G₀ and D₁: payoff = P[0][1] = −2',
    ),
    mixCase(
      [
        [1, -2],
        [3, 7],
      ],
      [1e4, -1e4],
      [88.7, -104],
      { beta: 0.5, regularizer: 'cross-entropy' },
      'edge: collapsed mixtures under the cross-entropy regularizer (large but finite)',
    ),
    mixCase(
      [[-Math.log(4)]],
      [3],
      [-2],
      { beta: 2, regularizer: 'entropy' },
      'edge: one generator and one discriminator (k = 1): payoff = P, R = 0',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'with equal mixture logits the payoff is the mean of P, and R is log k (cross-entropy) or −log k (entropy)',
      fc.tuple(mixInputs, uniform(-50, 50), uniform(-50, 50), uniform(0, 2)),
      ([v, cg, cd, beta]) => {
        const flat = v.p.data;
        const [kg, kd] = v.p.shape as [number, number];
        const ce = mix({ p: v.p, ag: new Array<number>(kg).fill(cg), ad: new Array<number>(kd).fill(cd) }, { beta });
        const en = mix(
          { p: v.p, ag: new Array<number>(kg).fill(cg), ad: new Array<number>(kd).fill(cd) },
          { beta, regularizer: 'entropy' },
        );
        const scale = Math.max(1, ...flat.map(Math.abs));
        checkClose('payoff', scalar(ce.payoff), mean64(flat), 1e-5, 1e-6 * scale);
        checkClose(
          'generator (cross-entropy)',
          scalar(ce.generator),
          mean64(flat) + beta * Math.log(kg),
          1e-5,
          1e-6 * scale,
        );
        checkClose(
          'discriminator (entropy)',
          scalar(en.discriminator),
          -mean64(flat) - beta * Math.log(kd),
          1e-5,
          1e-6 * scale,
        );
      },
    ),
    invariant(
      'the losses are invariant to adding a constant to either mixture logit vector',
      fc.tuple(
        mixInputs,
        uniform(-100, 100),
        uniform(-100, 100),
        fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy'),
      ),
      ([v, cg, cd, regularizer]) => {
        const small = {
          ...v,
          ag: v.ag.map((a) => f32(Math.max(-20, Math.min(20, a)))),
          ad: v.ad.map((a) => f32(Math.max(-20, Math.min(20, a)))),
        };
        const base = mix(small, { beta: 1, regularizer });
        const shifted = mix(
          { ...small, ag: small.ag.map((a) => f32(a + cg)), ad: small.ad.map((a) => f32(a + cd)) },
          { beta: 1, regularizer },
        );
        // Rounding a + c to float32 moves each logit by up to 2⁻²⁴·120, i.e. the weights by ~1e-5 relatively.
        const scale = Math.max(1, ...v.p.data.map(Math.abs));
        for (const k of ['discriminator', 'generator', 'payoff'] as const)
          checkClose(k, scalar(shifted[k]), scalar(base[k]), 1e-4, 5e-5 * scale);
      },
    ),
    invariant(
      'the regularizer is smallest at the uniform mixture: R(softmax(a)) ≥ R(uniform), for both regularizers',
      fc.tuple(batch(mixtureLogit, 1, 6), fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy')),
      ([a, regularizer]) => {
        const k = a.length;
        const p = { shape: [k, 1], data: new Array<number>(k).fill(0) };
        const at = (ag: number[]) => scalar(mix({ p, ag, ad: [0] }, { beta: 1, regularizer }).generator);
        const uniformValue = at(new Array<number>(k).fill(0));
        checkClose(
          'R(uniform)',
          uniformValue,
          regularizer === 'cross-entropy' ? Math.log(k) : -Math.log(k),
          1e-6,
          1e-6,
        );
        checkThat(at(a) >= uniformValue - 1e-6, `R(softmax(${a})) = ${at(a)} < R(uniform) = ${uniformValue}`);
      },
    ),
    invariant(
      'with one dominant component anywhere in either mixture, ∂(uᵀPv)/∂a_G and ∂(uᵀPv)/∂a_D keep relative accuracy (no cancellation against ⟨Pv, u⟩ or ⟨Pᵀu, v⟩)',
      fc
        .tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 }))
        .chain(([kg, kd]) =>
          fc.tuple(
            fc.array(fc.array(uniform(-2, 2), { minLength: kd, maxLength: kd }), { minLength: kg, maxLength: kg }),
            fc.integer({ min: 0, max: kg - 1 }),
            fc.integer({ min: 0, max: kd - 1 }),
            fc.array(uniform(-1, 1), { minLength: kg, maxLength: kg }),
            fc.array(uniform(-1, 1), { minLength: kd, maxLength: kd }),
          ),
        ),
      ([payoff, dg, dd, ag, ad]) => {
        const a = ag.map((x, i) => f32(i === dg ? x + 12 : x));
        const b = ad.map((x, j) => f32(j === dd ? x + 12 : x));
        const P = payoff.map((row) => row.map(f32));
        const [gotA, gotB] = tf
          .grads((x: tf.Tensor, y: tf.Tensor) => mixGanLosses(tensorOf(rows(P)), x, y, { beta: 0 }).payoff)([
            tf.tensor1d(a),
            tf.tensor1d(b),
          ])
          .map((t) => Array.from(t.dataSync()));
        // float64: u = softmax(a), v = softmax(b); ∂/∂a_i = u_i Σ_j u_j (g_i − g_j) with g = Pv,
        // and ∂/∂b_j = v_j Σ_i v_i (h_j − h_i) with h = Pᵀu: no cancellation in float64 either.
        const soft = (x: number[]) => {
          const m = Math.max(...x);
          const e = x.map((y) => Math.exp(y - m));
          const t = e.reduce((acc, y) => acc + y, 0);
          return e.map((y) => y / t);
        };
        const u = soft(a);
        const v = soft(b);
        const g = P.map((row) => row.reduce((acc, x, j) => acc + x * v[j]!, 0));
        const h = v.map((_, j) => P.reduce((acc, row, i) => acc + row[j]! * u[i]!, 0));
        const wantA = u.map((ui, i) => ui * g.reduce((acc, gj, j) => acc + u[j]! * (g[i]! - gj), 0));
        const wantB = v.map((vj, j) => vj * h.reduce((acc, hi, i) => acc + v[i]! * (h[j]! - hi), 0));
        wantA.forEach((w, i) => checkClose(`∂/∂a_G[${i}] (dominant ${dg}, ${dd})`, gotA![i]!, w, 2e-3, 1e-30));
        wantB.forEach((w, j) => checkClose(`∂/∂a_D[${j}] (dominant ${dg}, ${dd})`, gotB![j]!, w, 2e-3, 1e-30));
      },
    ),
    invariant('the payoff uᵀPv equals its float64 value and lies between min P and max P', mixInputs, (v) => {
      const u = softmax64(v.ag);
      const w = softmax64(v.ad);
      const [kg, kd] = v.p.shape as [number, number];
      let want = 0;
      for (let i = 0; i < kg; i++) for (let j = 0; j < kd; j++) want += u[i]! * w[j]! * v.p.data[i * kd + j]!;
      const got = scalar(mix(v).payoff);
      const scale = Math.max(1, ...v.p.data.map(Math.abs));
      checkClose('payoff', got, want, 1e-5, 1e-6 * scale);
      checkThat(
        got >= Math.min(...v.p.data) - 1e-6 * scale && got <= Math.max(...v.p.data) + 1e-6 * scale,
        `payoff ${got} outside [min P, max P]`,
      );
    }),
    invariant('∂L_G/∂P = u vᵀ and ∂L_D/∂P = −u vᵀ; with β = 0 the game is zero-sum (L_D = −L_G)', mixInputs, (v) => {
      const u = softmax64(v.ag);
      const w = softmax64(v.ad);
      const outer = u.flatMap((ui) => w.map((wj) => ui * wj));
      const grad = (k: 'generator' | 'discriminator') =>
        tf.tidy(() =>
          Array.from(
            tf
              .grad((p: tf.Tensor) => mixGanLosses(p, tf.tensor1d(v.ag), tf.tensor1d(v.ad))[k] as tf.Scalar)(
                tensorOf(v.p),
              )
              .dataSync(),
          ),
        );
      checkAllClose('∂L_G/∂P', grad('generator'), outer, 1e-5, 1e-7);
      checkAllClose(
        '∂L_D/∂P',
        grad('discriminator'),
        outer.map((x) => -x),
        1e-5,
        1e-7,
      );
      const r = mix(v, { beta: 0 });
      checkThat(scalar(r.discriminator) === -scalar(r.generator), 'not zero-sum at β = 0');
    }),
    invariant(
      'losses and gradients are finite for mixture logits up to ±1e4 and payoffs up to ±1e3',
      fc.tuple(mixInputs, fc.constantFrom<MixtureRegularizer>('cross-entropy', 'entropy')),
      ([v, regularizer]) => {
        const r = mix(v, { beta: 1, regularizer });
        checkFinite('losses', [scalar(r.discriminator), scalar(r.generator), scalar(r.payoff)]);
        checkFinite(
          '∂L_G/∂a_G',
          gradValues(
            (t) => mixGanLosses(tensorOf(v.p), t, tf.tensor1d(v.ad), { beta: 1, regularizer }).generator,
            v.ag,
          ),
        );
        checkFinite(
          '∂L_D/∂a_D',
          gradValues(
            (t) => mixGanLosses(tensorOf(v.p), tf.tensor1d(v.ag), t, { beta: 1, regularizer }).discriminator,
            v.ad,
          ),
        );
      },
    ),
  ],
  errors: [
    {
      name: 'a negative β',
      call: () => mixGanLosses(tf.zeros([2, 2]), tf.zeros([2]), tf.zeros([2]), { beta: -0.1 }),
      error: 'InvalidParameterError',
      argument: 'beta',
    },
    {
      name: "regularizer 'kl'",
      call: () => mixGanLosses(tf.zeros([2, 2]), tf.zeros([2]), tf.zeros([2]), { regularizer: 'kl' as never }),
      error: 'InvalidParameterError',
      argument: 'regularizer',
    },
    {
      name: 'a payoff vector instead of a matrix',
      call: () => mixGanLosses(tf.zeros([2]), tf.zeros([2]), tf.zeros([1])),
      error: 'InvalidArgumentError',
      argument: 'payoff',
    },
    {
      name: 'generator logits of the wrong length',
      call: () => mixGanLosses(tf.zeros([2, 3]), tf.zeros([3]), tf.zeros([3])),
      error: 'InvalidArgumentError',
      argument: 'generatorLogits',
    },
    {
      name: 'discriminator logits of the wrong length',
      call: () => mixGanLosses(tf.zeros([2, 3]), tf.zeros([2]), tf.zeros([2])),
      error: 'InvalidArgumentError',
      argument: 'discriminatorLogits',
    },
    {
      name: 'a NaN payoff',
      call: () => mixGanLosses(tf.tensor2d([[0, NaN]]), tf.zeros([1]), tf.zeros([2])),
      error: 'InvalidArgumentError',
      argument: 'payoff',
    },
    {
      name: 'an infinite mixture logit',
      call: () => mixGanLosses(tf.zeros([1, 1]), tf.tensor1d([Infinity]), tf.zeros([1])),
      error: 'InvalidArgumentError',
      argument: 'generatorLogits',
    },
    {
      name: 'a NaN discriminator mixture logit',
      call: () => mixGanLosses(tf.zeros([1, 2]), tf.zeros([1]), tf.tensor1d([0, NaN])),
      error: 'InvalidArgumentError',
      argument: 'discriminatorLogits',
    },
    {
      name: 'discriminator mixture logits of rank 2',
      call: () => mixGanLosses(tf.zeros([1, 2]), tf.zeros([1]), tf.zeros([2, 1])),
      error: 'InvalidArgumentError',
      argument: 'discriminatorLogits',
    },
    {
      name: 'an unknown option',
      call: () => mixGanLosses(tf.zeros([1, 1]), tf.zeros([1]), tf.zeros([1]), { entropy: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'entropy',
    },
  ],
  benchmark: () =>
    benchCase(
      {
        payoff: uniformArray([8, 8], -2, 2, 1),
        generatorLogits: uniformArray([8], -1, 1, 2),
        discriminatorLogits: uniformArray([8], -1, 1, 3),
      },
      { beta: 0.1, regularizer: 'cross-entropy' },
    ),
});
