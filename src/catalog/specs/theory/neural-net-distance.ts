import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as fc from 'fast-check';
import { criticScore, f32, uniform } from '../../arbitraries.js';
import { rowsOf } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../../invariant.js';
import { mean64 } from '../../reference64.js';
import { maxAbs } from '../../templates/features.js';
import { gradsOf, matrixOf, t1, t2 } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import {
  type MeasuringFunction,
  NEURAL_NET_DISTANCE_ID,
  neuralNetDistance,
  neuralNetDistanceMembers,
} from '../../../theory/neural-net-distance.js';
import { asCriticScores, asProbabilities } from '../../../types.js';

/** Member scores in float64, from the definition: E_μ[φ(D)] + E_ν[φ(1 − D)] − 2φ(½). */
function members64(dr: number[][], df: number[][], phi: MeasuringFunction): number[] {
  const p = phi === 'log' ? Math.log : (t: number) => t;
  return dr.map(
    (row, k) => mean64(row.map(p)) + mean64(df[k]!.map((v) => (phi === 'log' ? Math.log1p(-v) : 1 - v))) - 2 * p(0.5),
  );
}

/** Probabilities on a dyadic grid k/2²⁰, so that 1 − D is exact in float32 (and 1 − (1 − D) = D). */
const dyadicProbability: fc.Arbitrary<number> = fc.integer({ min: 1, max: 2 ** 20 - 1 }).map((k) => k / 2 ** 20);

const probabilityValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(0.001, 0.999) },
  { weight: 2, arbitrary: dyadicProbability },
  { weight: 1, arbitrary: fc.constantFrom(f32(1e-6), f32(1 - 2 ** -24), 0.5, 0.25, 0.75) },
);

interface NndDraw {
  dr: number[][];
  df: number[][];
}

function nndDraws(of: fc.Arbitrary<number>, maxK = 6, maxN = 10): fc.Arbitrary<NndDraw> {
  return fc
    .record({
      k: fc.integer({ min: 1, max: maxK }),
      n: fc.integer({ min: 1, max: maxN }),
      m: fc.integer({ min: 1, max: maxN }),
    })
    .chain(({ k, n, m }) => fc.record({ dr: rowsOf(of, k, n), df: rowsOf(of, k, m) }));
}

/** The best member is ahead of the second by more than float32 can blur (so the gradient goes to it alone). */
function uniqueArgmax(dr: number[][], df: number[][], phi: MeasuringFunction): boolean {
  const s = [...members64(dr, df, phi)].sort((a, b) => b - a);
  const scale = phi === 'log' ? 1 + Math.abs(s[0]!) : maxAbs(...dr, ...df);
  return s.length < 2 || s[0]! - s[1]! > 1e-4 * scale;
}

function nndCase(dr: number[][], df: number[][], phi: MeasuringFunction, label?: string, grads = true): Case {
  return { inputs: { dReal: matrixOf(dr), dFake: matrixOf(df) }, params: { phi }, grads, ...(label ? { label } : {}) };
}

const nnd = (dr: number[][], df: number[][], phi: MeasuringFunction = 'log') =>
  scalar(
    phi === 'log'
      ? neuralNetDistance(asProbabilities(t2(dr)), asProbabilities(t2(df)))
      : neuralNetDistance(asCriticScores(t2(dr)), asCriticScores(t2(df)), { phi: 'identity' }),
  );

const complement = (rows: number[][]) => rows.map((r) => r.map((v) => 1 - v));

export const neuralNetDistanceSpec: Spec = defineSpec({
  id: NEURAL_NET_DISTANCE_ID,
  title: 'Neural-net distance (F-distance over a finite family)',
  reference:
    'Arora, Ge, Liang, Ma & Zhang 2017, Generalization and Equilibrium in Generative Adversarial Nets (GANs), §3, definition of the F-distance d_{F,φ}',
  section: 'theory',
  inputs: {
    dReal: {
      kind: 'probabilities',
      doc: 'D_k(x) on the samples of μ, [K, n]: in (0, 1) for φ = log, any finite value (critic scores) for φ = identity',
    },
    dFake: { kind: 'probabilities', doc: 'D_k(x) on the samples of ν, [K, m]' },
  },
  params: {
    phi: choice("φ: 'log' (the GAN / JS-like case) or 'identity' (the Wasserstein-like case)", 'log', [
      'log',
      'identity',
    ]),
  },
  outputs: ['value', 'members'],
  evaluate: (x, p) => {
    const o = { phi: p.phi };
    return { value: neuralNetDistance(x.dReal, x.dFake, o), members: neuralNetDistanceMembers(x.dReal, x.dFake, o) };
  },
  sample: fc.constantFrom<MeasuringFunction>('log', 'identity').chain((phi) =>
    nndDraws(phi === 'log' ? probabilityValue : criticScore)
      .filter((c) => uniqueArgmax(c.dr, c.df, phi))
      .map((c) => nndCase(c.dr, c.df, phi)),
  ),
  edges: [
    nndCase(
      [
        [0.5, 0.5],
        [0.75, 0.75],
      ],
      [[0.5], [0.25]],
      'log',
      'closed form: members (0, 2 log 1.5), value 2 log 1.5',
    ),
    nndCase(
      [
        [0.3, 0.6],
        [0.3, 0.6],
      ],
      [[0.2], [0.2]],
      'log',
      'edge: two identical members (a tie: no gradient)',
      false,
    ),
    nndCase(
      [[f32(1e-6), f32(1 - 2 ** -24), 0.5]],
      [[f32(1 - 2 ** -24), f32(1e-6)]],
      'log',
      'edge: probabilities 1e-6 and 1 − 2⁻²⁴',
    ),
    nndCase(
      [
        [1, 2, 3],
        [0, 0, 0],
      ],
      [
        [0, 0],
        [1, 1],
      ],
      'identity',
      'closed form (identity): members (2, −1), value 2',
    ),
    nndCase(
      [
        [1e4, -1e4],
        [0.5, 0.25],
      ],
      [[-1e4], [0.125]],
      'identity',
      'edge: critic scores at ±1e4',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'members are E_μ[φ(D)] + E_ν[φ(1 − D)] − 2φ(½) in float64, and the value is their max',
      fc
        .constantFrom<MeasuringFunction>('log', 'identity')
        .chain((phi) => fc.tuple(fc.constant(phi), nndDraws(phi === 'log' ? probabilityValue : criticScore))),
      ([phi, c]) => {
        const expected = members64(c.dr, c.df, phi);
        const got = values(neuralNetDistanceMembers(asProbabilities(t2(c.dr)), asProbabilities(t2(c.df)), { phi }));
        const atol = phi === 'log' ? 1e-6 * (1 + Math.max(...expected.map(Math.abs))) : 1e-6 * maxAbs(...c.dr, ...c.df);
        checkAllClose('members', got, expected, 1e-5, atol);
        checkThat(nnd(c.dr, c.df, phi) === Math.max(...got), 'value is not the max of the members');
      },
    ),
    invariant(
      'φ = log: a family containing D ≡ ½ has d ≥ 0 (the constant member scores exactly 0)',
      nndDraws(probabilityValue),
      (c) => {
        const half = [c.dr[0]!.map(() => 0.5), ...c.dr];
        const halfFake = [c.df[0]!.map(() => 0.5), ...c.df];
        checkThat(
          values(neuralNetDistanceMembers(asProbabilities(t2(half)), asProbabilities(t2(halfFake))))[0] === 0,
          'the constant ½ member does not score 0',
        );
        checkThat(nnd(half, halfFake) >= 0, `d = ${nnd(half, halfFake)} < 0`);
      },
    ),
    invariant(
      'adding a member never decreases the distance',
      fc.constantFrom<MeasuringFunction>('log', 'identity').chain((phi) =>
        fc.tuple(
          fc.constant(phi),
          nndDraws(phi === 'log' ? probabilityValue : criticScore).chain((c) =>
            fc.tuple(
              fc.constant(c),
              rowsOf(phi === 'log' ? probabilityValue : criticScore, 1, c.dr[0]!.length),
              rowsOf(phi === 'log' ? probabilityValue : criticScore, 1, c.df[0]!.length),
            ),
          ),
        ),
      ),
      ([phi, [c, extraR, extraF]]) => {
        const before = nnd(c.dr, c.df, phi);
        const after = nnd([...c.dr, ...extraR], [...c.df, ...extraF], phi);
        checkThat(after >= before, `adding a member lowered d from ${before} to ${after}`);
      },
    ),
    invariant(
      'identical samples (μ = ν): φ = log gives d ≤ 0 (E[log 4D(1 − D)] ≤ 0), = 0 with D ≡ ½ in F; φ = identity gives 0',
      nndDraws(probabilityValue),
      (c) => {
        const d = nnd(c.dr, c.dr);
        checkThat(d <= 1e-7, `d = ${d} > 0 on identical samples`);
        const expected = Math.max(...c.dr.map((row) => mean64(row.map((v) => Math.log(4 * v * (1 - v))))));
        checkClose('d', d, expected, 1e-5, 1e-6 * (1 + Math.abs(expected)));
        const withHalf = [c.dr[0]!.map(() => 0.5), ...c.dr];
        checkClose('d with D ≡ ½', nnd(withHalf, withHalf), 0, 0, 1e-7);
        checkThat(nnd(c.dr, c.dr, 'identity') === 0, 'φ = identity on identical samples is not 0');
      },
    ),
    invariant(
      'φ = identity: d = max_k E_μ[D_k] − E_ν[D_k]; with F closed under D ↦ 1 − D it is max_k |E_μ D_k − E_ν D_k| ≥ 0',
      nndDraws(fc.oneof(dyadicProbability, uniform(-10, 10))),
      (c) => {
        const direct = Math.max(...c.dr.map((r, k) => mean64(r) - mean64(c.df[k]!)));
        const scale = maxAbs(...c.dr, ...c.df);
        checkClose('d', nnd(c.dr, c.df, 'identity'), direct, 1e-5, 1e-6 * scale);
        const closedR = [...c.dr, ...complement(c.dr)];
        const closedF = [...c.df, ...complement(c.df)];
        const d = nnd(closedR, closedF, 'identity');
        checkThat(d >= 0, `d = ${d} < 0 for a family closed under complements`);
        checkClose(
          'd (closed family)',
          d,
          Math.max(...c.dr.map((r, k) => Math.abs(mean64(r) - mean64(c.df[k]!)))),
          1e-5,
          1e-6 * scale,
        );
      },
    ),
    invariant(
      'φ = log, F closed under D ↦ 1 − D: d(μ, ν) = d(ν, μ) (exact on a dyadic grid)',
      nndDraws(dyadicProbability),
      (c) => {
        const r = [...c.dr, ...complement(c.dr)];
        const f = [...c.df, ...complement(c.df)];
        checkThat(nnd(r, f) === nnd(f, r), `d(μ, ν) = ${nnd(r, f)} ≠ d(ν, μ) = ${nnd(f, r)}`);
      },
    ),
    invariant(
      "gradient goes to the best member only: φ'(D)/n on μ's samples and −φ'(1 − D)/m on ν's",
      fc.constantFrom<MeasuringFunction>('log', 'identity').chain((phi) =>
        fc.tuple(
          fc.constant(phi),
          nndDraws(phi === 'log' ? probabilityValue : criticScore).filter((c) => uniqueArgmax(c.dr, c.df, phi)),
        ),
      ),
      ([phi, c]) => {
        const scores = members64(c.dr, c.df, phi);
        const best = scores.indexOf(Math.max(...scores));
        const [gr, gf] = gradsOf(
          (a, b) => neuralNetDistance(asProbabilities(a!), asProbabilities(b!), { phi }),
          [t2(c.dr), t2(c.df)],
        );
        const n = c.dr[0]!.length;
        const m = c.df[0]!.length;
        const expR = c.dr.flatMap((row, k) => row.map((v) => (k !== best ? 0 : phi === 'log' ? 1 / (n * v) : 1 / n)));
        const expF = c.df.flatMap((row, k) =>
          row.map((v) => (k !== best ? 0 : phi === 'log' ? -1 / (m * (1 - v)) : -1 / m)),
        );
        checkAllClose('d/dD on μ', gr!, expR, 1e-5, 1e-6);
        checkAllClose('d/dD on ν', gf!, expF, 1e-5, 1e-6);
      },
    ),
    invariant('φ = log: finite value and gradients for D from 1e-6 to 1 − 2⁻²⁴', nndDraws(probabilityValue), (c) => {
      checkFinite('value', [nnd(c.dr, c.df)]);
      for (const g of gradsOf(
        (a, b) => neuralNetDistance(asProbabilities(a!), asProbabilities(b!)),
        [t2(c.dr), t2(c.df)],
      ))
        checkFinite('gradient', g);
    }),
  ],
  errors: [
    {
      name: 'a plain array',
      call: () => neuralNetDistance([[0.5]] as never, asProbabilities(t2([[0.5]]))),
      error: 'InvalidArgumentError',
      argument: 'dReal',
    },
    {
      name: 'rank-1 discriminator values',
      call: () => neuralNetDistance(asProbabilities(t2([[0.5]])), asProbabilities(t1([0.5]))),
      error: 'InvalidArgumentError',
      argument: 'dFake',
    },
    {
      name: 'families of different sizes',
      call: () => neuralNetDistance(asProbabilities(t2([[0.5], [0.5]])), asProbabilities(t2([[0.5]]))),
      error: 'InvalidArgumentError',
      argument: 'dFake',
    },
    {
      name: "D = 0 under φ = 'log'",
      call: () => neuralNetDistance(asProbabilities(t2([[0, 0.5]])), asProbabilities(t2([[0.5]]))),
      error: 'InvalidArgumentError',
      argument: 'dReal',
    },
    {
      name: "D = 1 under φ = 'log'",
      call: () => neuralNetDistance(asProbabilities(t2([[0.5]])), asProbabilities(t2([[1]]))),
      error: 'InvalidArgumentError',
      argument: 'dFake',
    },
    {
      name: 'a NaN value',
      call: () =>
        neuralNetDistanceMembers(asCriticScores(t2([[NaN]])), asCriticScores(t2([[0.5]])), { phi: 'identity' }),
      error: 'InvalidArgumentError',
      argument: 'dReal',
    },
    {
      name: 'an infinite critic value under identity',
      call: () => neuralNetDistance(asCriticScores(t2([[1]])), asCriticScores(t2([[-Infinity]])), { phi: 'identity' }),
      error: 'InvalidArgumentError',
      argument: 'dFake',
    },
    {
      name: "φ = 'sqrt'",
      call: () =>
        neuralNetDistance(asProbabilities(t2([[0.5]])), asProbabilities(t2([[0.5]])), { phi: 'sqrt' as never }),
      error: 'InvalidParameterError',
      argument: 'phi',
    },
    {
      name: 'an unknown option',
      call: () =>
        neuralNetDistance(asProbabilities(t2([[0.5]])), asProbabilities(t2([[0.5]])), { measure: 'log' } as never),
      error: 'InvalidParameterError',
      argument: 'measure',
    },
  ],
  benchmark: () =>
    benchCase(
      { dReal: uniformArray([8, BENCH.batch], 0.02, 0.98, 1), dFake: uniformArray([8, BENCH.batch], 0.02, 0.98, 2) },
      { phi: 'log' },
    ),
});
