import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform } from '../../arbitraries.js';
import { flat, rowsOf } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, values } from '../../invariant.js';
import { benchFeatures, permutation } from '../../templates/layers.js';
import { gradsOf, matrixOf, nd, t1, t2, tensorOf } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import {
  MINIBATCH_DISCRIMINATION_ID,
  minibatchDiscrimination,
} from '../../../regularizers/minibatch-discrimination.js';
import { asFeatures } from '../../../types.js';

/** o(x_i)_b = Σ_j exp(−Σ_c |M_ibc − M_jbc|) and [f, o] in float64, from the definition. */
function minibatch64(f: number[][], t: number[], b: number, c: number): number[][] {
  const m = f.map((row) =>
    Array.from({ length: b * c }, (_, k) => row.reduce((s, v, i) => s + v * t[i * b * c + k]!, 0)),
  );
  return f.map((row, i) => [
    ...row,
    ...Array.from({ length: b }, (_, bb) =>
      f.reduce((s, _r, j) => {
        let l1 = 0;
        for (let cc = 0; cc < c; cc++) l1 += Math.abs(m[i]![bb * c + cc]! - m[j]![bb * c + cc]!);
        return s + Math.exp(-l1);
      }, 0),
    ),
  ]);
}

interface MbdDraw {
  f: number[][];
  t: number[];
  a: number;
  b: number;
  c: number;
}

function mbdDraws(value: fc.Arbitrary<number>, maxN = 6): fc.Arbitrary<MbdDraw> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: maxN }),
      a: fc.integer({ min: 1, max: 4 }),
      b: fc.integer({ min: 1, max: 3 }),
      c: fc.integer({ min: 1, max: 3 }),
    })
    .chain(({ n, a, b, c }) =>
      fc.record({
        f: rowsOf(value, n, a),
        t: flat(uniform(-1, 1), a * b * c),
        a: fc.constant(a),
        b: fc.constant(b),
        c: fc.constant(c),
      }),
    );
}

function mbdCase(d: MbdDraw, label?: string, grads = true): Case {
  return {
    inputs: { features: matrixOf(d.f), tensor: nd([d.a, d.b, d.c], d.t) },
    params: {},
    grads,
    ...(label ? { label } : {}),
  };
}

const mbd = (d: MbdDraw) => minibatchDiscrimination(asFeatures(t2(d.f)), tensorOf(nd([d.a, d.b, d.c], d.t)));

export const minibatchDiscriminationSpec: Spec = defineSpec({
  id: MINIBATCH_DISCRIMINATION_ID,
  title: 'Minibatch discrimination',
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training GANs, §3.2',
  section: 'regularizers',
  inputs: {
    features: { kind: 'features', doc: 'f(x_i), the features of an intermediate layer, [n, A]' },
    tensor: { kind: 'network-weights', doc: 'the learned tensor T, [A, B, C]' },
  },
  params: {},
  outputs: ['output'],
  evaluate: (x) => ({ output: minibatchDiscrimination(x.features, x.tensor) }),
  sample: mbdDraws(uniform(-2, 2)).map((d) => mbdCase(d)),
  edges: [
    mbdCase({ f: [[1], [2]], t: [1], a: 1, b: 1, c: 1 }, 'closed form: M = (1, 2), o = 1 + e⁻¹ for both'),
    mbdCase(
      {
        f: [
          [1, -1],
          [0.5, 2],
          [3, 0],
        ],
        t: [1, 0, -1, 0.5, 2, 1, 0.25, -0.5],
        a: 2,
        b: 2,
        c: 2,
      },
      'closed form: three examples, B = C = 2',
    ),
    mbdCase(
      {
        f: [
          [1, 2],
          [1, 2],
          [1, 2],
        ],
        t: [1, -1, 0.5, 2],
        a: 2,
        b: 2,
        c: 1,
      },
      'edge: identical rows give o = n (kink of |·|: gradients not compared)',
      false,
    ),
    mbdCase(
      {
        f: [
          [1e3, 0],
          [-1e3, 5],
          [0, 1e3],
        ],
        t: [1, 2, -1, 0.5],
        a: 2,
        b: 1,
        c: 2,
      },
      'edge: examples far apart give o = 1 (exp underflows, gradient 0)',
    ),
    mbdCase(
      { f: [[0.5, -0.25, 1]], t: [1, 2, 3, 4, 5, 6], a: 3, b: 2, c: 1 },
      'edge: n = 1 gives o = 1 (only the example itself)',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant('equals [f, Σ_j exp(−‖M_i,b − M_j,b‖₁)] in float64', mbdDraws(uniform(-2, 2)), (d) => {
      checkAllClose('output', values(mbd(d)), minibatch64(d.f, d.t, d.b, d.c).flat(), 1e-4, 1e-5);
    }),
    invariant(
      'permutation-equivariant: permuting the batch permutes the output rows',
      mbdDraws(uniform(-2, 2)).chain((d) => fc.tuple(fc.constant(d), permutation(d.f.length))),
      ([d, p]) => {
        const out = mbd(d).arraySync() as number[][];
        const permuted = mbd({ ...d, f: p.map((i) => d.f[i]!) }).arraySync() as number[][];
        checkAllClose(
          'permuted output',
          permuted.flat(),
          p.flatMap((i) => out[i]!),
          1e-5,
          1e-6,
        );
      },
    ),
    invariant(
      'the first A columns are f exactly; each o(x_i)_b lies in [1, n]',
      mbdDraws(fc.oneof(uniform(-2, 2), uniform(-1e3, 1e3))),
      (d) => {
        const out = mbd(d).arraySync() as number[][];
        const n = d.f.length;
        out.forEach((row, i) => {
          checkAllClose(`f[${i}]`, row.slice(0, d.a), d.f[i]!.map(f32), 0, 0);
          row
            .slice(d.a)
            .forEach((o, b) => checkThat(o >= 1 && o <= n * (1 + 1e-6), `o(x_${i})_${b} = ${o} outside [1, ${n}]`));
        });
      },
    ),
    invariant('identical rows give o = n exactly, with finite gradients', mbdDraws(uniform(-2, 2)), (d) => {
      const same = d.f.map(() => d.f[0]!);
      const n = same.length;
      const out = mbd({ ...d, f: same }).arraySync() as number[][];
      out.forEach((row) => row.slice(d.a).forEach((o) => checkClose('o', o, n, 0, 0)));
      for (const g of gradsOf(
        (f, t) => minibatchDiscrimination(asFeatures(f!), t!),
        [t2(same), tensorOf(nd([d.a, d.b, d.c], d.t))],
      ))
        checkFinite('gradient', g);
    }),
    invariant(
      'the j = i term has zero gradient: with n = 1 the gradient is 1 in f and 0 in T',
      mbdDraws(uniform(-5, 5), 1),
      (d) => {
        const [gf, gt] = gradsOf(
          (f, t) => minibatchDiscrimination(asFeatures(f!), t!),
          [t2(d.f), tensorOf(nd([d.a, d.b, d.c], d.t))],
        );
        checkAllClose(
          '∂/∂f',
          gf!,
          d.f.flat().map(() => 1),
          0,
          0,
        );
        checkThat(
          gt!.every((g) => g === 0),
          'a nonzero gradient in T from the example itself',
        );
      },
    ),
  ],
  errors: [
    {
      name: 'a plain array',
      call: () => minibatchDiscrimination([[1]] as never, tf.ones([1, 1, 1])),
      error: 'InvalidArgumentError',
      argument: 'features',
    },
    {
      name: 'rank-1 features',
      call: () => minibatchDiscrimination(asFeatures(t1([1, 2])), tf.ones([2, 1, 1])),
      error: 'InvalidArgumentError',
      argument: 'features',
    },
    {
      name: 'a rank-2 tensor',
      call: () => minibatchDiscrimination(asFeatures(t2([[1, 2]])), tf.ones([2, 2])),
      error: 'InvalidArgumentError',
      argument: 'tensor',
    },
    {
      name: 'a tensor whose first axis is not A',
      call: () => minibatchDiscrimination(asFeatures(t2([[1, 2]])), tf.ones([3, 2, 2])),
      error: 'InvalidArgumentError',
      argument: 'tensor',
    },
    {
      name: 'a NaN feature',
      call: () => minibatchDiscrimination(asFeatures(t2([[1, NaN]])), tf.ones([2, 1, 1])),
      error: 'InvalidArgumentError',
      argument: 'features',
    },
    {
      name: 'an infinite tensor entry',
      call: () => minibatchDiscrimination(asFeatures(t2([[1]])), tf.fill([1, 1, 1], Infinity)),
      error: 'InvalidArgumentError',
      argument: 'tensor',
    },
  ],
  benchmark: () =>
    benchCase({ features: benchFeatures(1), tensor: uniformArray([BENCH.features, 16, 4], -0.1, 0.1, 2) }),
});
