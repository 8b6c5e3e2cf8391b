import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, vector } from '../../arbitraries.js';
import { unbiasedUniform } from '../../arbitraries/networks.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { NETWORK_WEIGHTS } from '../../decls.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { rows, tensorOf } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import {
  HISTORICAL_AVERAGING_ID,
  HistoricalAverage,
  historicalAveragingPenalty,
} from '../../../regularizers/historical-averaging.js';

const paramValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: unbiasedUniform(-3, 3) },
  { weight: 1, arbitrary: unbiasedUniform(-1e3, 1e3) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) },
);

const shapeArb: fc.Arbitrary<number[]> = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

function tensorArb(shape: number[], of: fc.Arbitrary<number> = paramValue): fc.Arbitrary<NDArray> {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(of, { minLength: size, maxLength: size }).map((data) => ({ shape, data: data.map(f32) }));
}

const haPair = shapeArb.chain((shape) => fc.tuple(tensorArb(shape), tensorArb(shape)));

function haCase(theta: NDArray, average: NDArray, label?: string): Case {
  return { inputs: { theta, average }, params: {}, grads: true, ...(label ? { label } : {}) };
}

const ha = (a: NDArray, b: NDArray) => scalar(historicalAveragingPenalty(tensorOf(a), tensorOf(b)));

export const historicalAveraging: Spec = defineSpec({
  id: HISTORICAL_AVERAGING_ID,
  title: 'Historical averaging (‖θ − (1/t) Σ θ[i]‖²)',
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training GANs, §3.3',
  section: 'regularizers',
  inputs: {
    theta: { kind: NETWORK_WEIGHTS, doc: 'the current parameters θ, any shape' },
    average: { kind: NETWORK_WEIGHTS, doc: 'the historical average (1/t) Σ θ[i], the shape of theta' },
  },
  params: {},
  outputs: ['penalty'],
  evaluate: (x) => ({ penalty: historicalAveragingPenalty(x.theta, x.average) }),
  sample: haPair.map(([a, b]) => haCase(a, b)),
  edges: [
    haCase(vector([1, 2, 3]), vector([0, 2, 5]), 'closed form: ‖(1, 0, −2)‖² = 5'),
    haCase(
      rows([
        [0.5, -1],
        [2, 3],
      ]),
      rows([
        [0.5, -1],
        [2, 3],
      ]),
      'closed form: 0 at the average',
    ),
    haCase(
      { shape: [2, 1, 2], data: [1e3, -1e3, 250, 0] },
      { shape: [2, 1, 2], data: [-1e3, 1e3, 0, 0.5] },
      'edge: parameters of magnitude 1e3 (penalty ≈ 8.6e6)',
    ),
    haCase({ shape: [1], data: [f32(0.1)] }, { shape: [1], data: [f32(-0.2)] }, 'one scalar parameter'),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'the penalty is 0 at the average',
      shapeArb.chain((s) => tensorArb(s)),
      (a) => {
        checkThat(ha(a, a) === 0, `penalty ${ha(a, a)} at θ = θ̄`);
      },
    ),
    invariant('the penalty is ≥ 0 and equals Σ(θ − θ̄)² in float64', haPair, ([a, b]) => {
      const want = a.data.reduce((acc, v, i) => acc + (v - b.data[i]!) ** 2, 0);
      const got = ha(a, b);
      checkThat(got >= 0, `penalty ${got} < 0`);
      checkClose('penalty', got, want, 1e-5, 1e-6);
    }),
    invariant(
      'the penalty scales quadratically: P(cθ, cθ̄) = c²P(θ, θ̄) (c a power of 2, exact in float32)',
      fc.tuple(haPair, fc.integer({ min: -6, max: 6 })),
      ([[a, b], e]) => {
        const c = 2 ** e;
        const scale = (t: NDArray) => ({ shape: t.shape, data: t.data.map((v) => v * c) });
        checkClose('P(cθ, cθ̄)', ha(scale(a), scale(b)), c * c * ha(a, b), 1e-6, 0);
      },
    ),
    invariant('gradients: 2(θ − θ̄) with respect to θ and −2(θ − θ̄) with respect to θ̄', haPair, ([a, b]) => {
      const [gt, ga] = tf.grads((t: tf.Tensor, v: tf.Tensor) => historicalAveragingPenalty(t, v))([
        tensorOf(a),
        tensorOf(b),
      ]);
      const d = a.data.map((v, i) => f32(v - b.data[i]!));
      checkAllClose(
        '∂/∂θ',
        values(gt!),
        d.map((v) => 2 * v),
        1e-6,
        1e-6,
      );
      checkAllClose(
        '∂/∂θ̄',
        values(ga!),
        d.map((v) => -2 * v),
        1e-6,
        1e-6,
      );
    }),
    invariant(
      'a list of tensors gives the sum of the per-tensor penalties',
      fc.array(haPair, { minLength: 1, maxLength: 4 }),
      (pairs) => {
        const list = scalar(
          historicalAveragingPenalty(
            pairs.map(([a]) => tensorOf(a)),
            pairs.map(([, b]) => tensorOf(b)),
          ),
        );
        const parts = pairs.map(([a, b]) => ha(a, b));
        checkClose(
          'list',
          list,
          parts.reduce((x, y) => x + y, 0),
          1e-5,
          1e-6,
        );
      },
    ),
    invariant(
      'HistoricalAverage: after t updates the average is the mean of the t values (float64), and its penalty is the pure one',
      shapeArb.chain((s) => fc.tuple(fc.array(tensorArb(s), { minLength: 1, maxLength: 20 }), tensorArb(s))),
      ([history, current]) => {
        const h = new HistoricalAverage();
        try {
          for (const v of history) tf.tidy(() => h.update([tensorOf(v)]));
          checkThat(h.count === history.length, `count ${h.count}, expected ${history.length}`);
          const got = values(h.average![0]!);
          const scale = Math.max(1, ...history.flatMap((v) => v.data.map(Math.abs)));
          const want = current.data.map((_, j) => history.reduce((acc, v) => acc + v.data[j]!, 0) / history.length);
          checkAllClose('θ̄', got, want, 1e-5, 1e-6 * scale);
          checkThat(
            scalar(h.penalty(tensorOf(current))) ===
              scalar(historicalAveragingPenalty(tensorOf(current), h.average![0]!)),
            'class penalty differs from the pure penalty',
          );
        } finally {
          h.dispose();
        }
      },
    ),
    invariant(
      'HistoricalAverage keeps copies: changing a Variable after update does not change the history',
      tensorArb([3]),
      (a) => {
        const v = tf.variable(tensorOf(a));
        const h = new HistoricalAverage();
        try {
          h.update([v]);
          v.assign(tf.add(v, 1));
          checkAllClose('θ̄', values(h.average![0]!), a.data, 0, 0);
          checkThat(scalar(h.penalty([v])) > 0, 'the moved Variable has zero penalty');
        } finally {
          h.dispose();
          v.dispose();
        }
      },
      20,
    ),
  ],
  errors: [
    {
      name: 'a plain array',
      call: () => historicalAveragingPenalty([1, 2] as unknown as tf.Tensor, tf.zeros([2])),
      error: 'InvalidArgumentError',
      argument: 'theta[0]',
    },
    {
      name: 'an average of another shape',
      call: () => historicalAveragingPenalty(tf.zeros([2]), tf.zeros([3])),
      error: 'InvalidArgumentError',
      argument: 'average',
    },
    {
      name: 'a NaN parameter',
      call: () => historicalAveragingPenalty(tf.tensor1d([0, NaN]), tf.zeros([2])),
      error: 'InvalidArgumentError',
      argument: 'theta',
    },
    {
      name: 'an infinite average',
      call: () => historicalAveragingPenalty(tf.zeros([1]), tf.tensor1d([Infinity])),
      error: 'InvalidArgumentError',
      argument: 'average',
    },
    {
      name: 'an int32 tensor',
      call: () => historicalAveragingPenalty(tf.zeros([1], 'int32'), tf.zeros([1])),
      error: 'InvalidArgumentError',
      argument: 'theta',
    },
    {
      name: 'lists of different lengths',
      call: () => historicalAveragingPenalty([tf.zeros([1]), tf.zeros([2])], [tf.zeros([1])]),
      error: 'InvalidArgumentError',
      argument: 'average',
    },
    {
      name: 'an empty list',
      call: () => historicalAveragingPenalty([], []),
      error: 'InvalidArgumentError',
      argument: 'theta',
    },
    {
      name: 'an update with another structure than the first',
      call: () => {
        const h = new HistoricalAverage();
        try {
          h.update([tf.zeros([2])]);
          h.update([tf.zeros([3])]);
        } finally {
          h.dispose();
        }
      },
      error: 'InvalidArgumentError',
      argument: 'params[0]',
    },
  ],
  benchmark: () =>
    benchCase({
      theta: uniformArray([BENCH.features, BENCH.hidden], -1, 1, 1),
      average: uniformArray([BENCH.features, BENCH.hidden], -1, 1, 2),
    }),
});
