import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, vector, weight } from '../arbitraries.js';
import type { Case, ErrorCase, NDArray, ParamDecl } from '../types.js';
import type { Reduction } from '../../types.js';

export const REDUCTION_PARAM: ParamDecl = {
  doc: "'mean' (Σ wℓ / Σ w), 'sum' (Σ wℓ) or 'none' (per example wℓ)",
  default: 'mean',
  choices: ['mean', 'sum', 'none'],
};

/** A float32 tensor from an NDArray. */
export function tensorOf(a: NDArray): tf.Tensor {
  return tf.tensor(a.data, a.shape, 'float32');
}

/**
 * Cases for a two-batch loss: real and fake batches of scores, a reduction, and optional weights;
 * with reduction 'none' both batches have the same length.
 */
export function twoBatchCases(names: [string, string], score: fc.Arbitrary<number>): fc.Arbitrary<Case> {
  return fc
    .record({
      reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
      n: fc.integer({ min: 1, max: 16 }),
      m: fc.integer({ min: 1, max: 16 }),
      weighted: fc.boolean(),
    })
    .chain(({ reduction, n, m, weighted }) => {
      const fakeLength = reduction === 'none' ? n : m;
      return fc
        .record({
          real: batch(score, n, n),
          fake: batch(score, fakeLength, fakeLength),
          weightsReal: batch(weight, n, n),
          weightsFake: batch(weight, fakeLength, fakeLength),
        })
        .map(({ real, fake, weightsReal, weightsFake }): Case => {
          const inputs: Record<string, NDArray> = { [names[0]]: vector(real), [names[1]]: vector(fake) };
          if (weighted) {
            inputs.weightsReal = vector(weightsReal);
            inputs.weightsFake = vector(weightsFake);
          }
          return { inputs, params: { reduction }, grads: true };
        });
    });
}

/** A case of two plain batches with the default reduction. */
export function twoBatchCase(names: [string, string], real: number[], fake: number[], label: string, reduction: Reduction = 'mean'): Case {
  return { inputs: { [names[0]]: vector(real), [names[1]]: vector(fake) }, params: { reduction }, grads: true, label };
}

/**
 * The error inputs every two-batch loss must refuse: a non-tensor, an int32 tensor, a scalar, a
 * NaN, an unknown reduction, an unknown option, negative weights, mismatched weights, all-zero
 * weights under 'mean', and unequal batches under 'none'.
 */
export function twoBatchErrors(
  names: [string, string],
  discriminator: (real: tf.Tensor, fake: tf.Tensor, options?: Record<string, unknown>) => unknown,
  generator: (fake: tf.Tensor, options?: Record<string, unknown>) => unknown,
): ErrorCase[] {
  const [r, f] = names;
  const ok = () => tf.tensor1d([0.5, -1]);
  return [
    { name: 'a plain array', call: () => discriminator([1, 2] as unknown as tf.Tensor, ok()), error: 'InvalidArgumentError', argument: r },
    { name: 'an int32 tensor', call: () => discriminator(ok(), tf.tensor1d([1, 2], 'int32')), error: 'InvalidArgumentError', argument: f },
    { name: 'a scalar batch', call: () => generator(tf.scalar(1)), error: 'InvalidArgumentError', argument: f },
    { name: 'a NaN score', call: () => discriminator(tf.tensor1d([0, NaN]), ok()), error: 'InvalidArgumentError', argument: r },
    { name: 'an infinite score', call: () => generator(tf.tensor1d([Infinity])), error: 'InvalidArgumentError', argument: f },
    { name: "reduction 'avg'", call: () => discriminator(ok(), ok(), { reduction: 'avg' }), error: 'InvalidParameterError', argument: 'reduction' },
    { name: 'an unknown option', call: () => generator(ok(), { reduce: 'sum' }), error: 'InvalidParameterError', argument: 'reduce' },
    { name: 'negative weights', call: () => discriminator(ok(), ok(), { weightsReal: tf.tensor1d([1, -1]) }), error: 'InvalidArgumentError', argument: 'weightsReal' },
    { name: 'weights of another shape', call: () => generator(ok(), { weightsFake: tf.tensor1d([1, 1, 1]) }), error: 'InvalidArgumentError', argument: 'weightsFake' },
    { name: "all-zero weights under 'mean'", call: () => generator(ok(), { weightsFake: tf.tensor1d([0, 0]) }), error: 'InvalidArgumentError', argument: 'weightsFake' },
    { name: "batches of unequal length under 'none'", call: () => discriminator(ok(), tf.tensor1d([1, 2, 3]), { reduction: 'none' }), error: 'InvalidArgumentError', argument: f },
  ];
}

/** Splits a two-batch case's tensors into the options object of the public API. */
export function lossOptions(x: Record<string, tf.Tensor>, p: Record<string, unknown>) {
  return { reduction: p.reduction as Reduction, weightsReal: x.weightsReal as never, weightsFake: x.weightsFake as never };
}

/** Gradient of sum(f(x)) with respect to x, as numbers. */
export function gradValues(f: (x: tf.Tensor) => tf.Tensor, x: number[]): number[] {
  return tf.tidy(() => Array.from(tf.grad((t: tf.Tensor) => tf.sum(f(t)))(tf.tensor1d(x)).dataSync()));
}
