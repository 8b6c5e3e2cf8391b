import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { distribution, f32 } from '../arbitraries.js';
import type { Case, ErrorCase, NDArray } from '../types.js';
import { asDistributions } from '../../types.js';

/** Specs on a pair of distributions (p, q): cases and error inputs. */

export const P = (xs: number[] | number[][]) => asDistributions(tf.tensor(xs));

/**
 * Cases for a pair of distributions `names` over k categories, as one vector each or as a batch
 * [b, k]. Pairs with zero masses are compared by value only: the divergence is not
 * differentiable on the boundary of the simplex.
 */
export function distributionPairCases(names: [string, string]): fc.Arbitrary<Case> {
  const batchOf = (zeros: boolean) =>
    fc
      .record({ b: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 10 }), rank: fc.constantFrom(1, 2) })
      .chain(({ b, k, rank }) => {
        const rows = rank === 1 ? 1 : b;
        return fc
          .tuple(
            fc.array(distribution(k, zeros), { minLength: rows, maxLength: rows }),
            fc.array(distribution(k, zeros), { minLength: rows, maxLength: rows }),
          )
          .map(([ps, qs]): Case => {
            const shape = rank === 1 ? [k] : [rows, k];
            return {
              inputs: { [names[0]]: { shape, data: ps.flat() }, [names[1]]: { shape, data: qs.flat() } },
              params: {},
              grads: !zeros,
            };
          });
      });
  return fc.oneof({ weight: 3, arbitrary: batchOf(false) }, { weight: 1, arbitrary: batchOf(true) });
}

export function pairCase(names: [string, string], p: number[], q: number[], label: string, grads = true): Case {
  const v = (xs: number[]): NDArray => ({ shape: [xs.length], data: xs.map(f32) });
  return { inputs: { [names[0]]: v(p), [names[1]]: v(q) }, params: {}, grads, label };
}

/** Error inputs every pair-of-distributions function must refuse. */
export function distributionPairErrors(
  names: [string, string],
  f: (a: tf.Tensor, b: tf.Tensor) => unknown,
): ErrorCase[] {
  const ok = () => tf.tensor1d([0.5, 0.5]);
  return [
    {
      name: 'shapes differ',
      call: () => f(ok(), tf.tensor1d([0.2, 0.3, 0.5])),
      error: 'InvalidArgumentError',
      argument: names[1],
    },
    {
      name: 'a negative mass',
      call: () => f(tf.tensor1d([1.5, -0.5]), ok()),
      error: 'InvalidArgumentError',
      argument: names[0],
    },
    {
      name: 'masses not summing to 1',
      call: () => f(ok(), tf.tensor1d([0.5, 0.6])),
      error: 'InvalidArgumentError',
      argument: names[1],
    },
    {
      name: 'a NaN mass',
      call: () => f(tf.tensor1d([NaN, 1]), ok()),
      error: 'InvalidArgumentError',
      argument: names[0],
    },
    { name: 'a scalar', call: () => f(tf.scalar(1), tf.scalar(1)), error: 'InvalidArgumentError', argument: names[0] },
    {
      name: 'an int32 tensor',
      call: () => f(ok(), tf.tensor1d([0, 1], 'int32')),
      error: 'InvalidArgumentError',
      argument: names[1],
    },
  ];
}

export const PQ: [string, string] = ['p', 'q'];
