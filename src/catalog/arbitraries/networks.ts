import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { batch, f32, uniform, vector } from '../arbitraries.js';
import type { NDArray } from '../types.js';
import { type Activation, ACTIVATIONS, layersFromInputs, type Mlp } from '../../nets/mlp.js';

/** Arbitraries of networks as data: unbiased weights and samples, MLP weights, activations. */

/**
 * Uniform on [lo, hi] on a grid of 2·10⁶ steps, rounded to float32, WITHOUT fast-check's bias
 * toward the ends of the range. `uniform` (biased) draws the same extreme values again and again,
 * and in a network equal weights of opposite sign cancel exactly: a pre-activation lands exactly
 * on the kink of relu/selu/leaky-relu (or a residual exactly on 0 for the 'l2'/'l1' distances),
 * where no derivative exists and float32 and float64 may even fall on different sides.
 */
export function unbiasedUniform(lo: number, hi: number): fc.Arbitrary<number> {
  return fc.noBias(fc.integer({ min: 0, max: 2_000_000 })).map((i) => f32(lo + ((hi - lo) * i) / 2_000_000));
}

/** Network weights and biases: uniform in ±1.2 (so activations stay in their interesting range). */
export const netWeight: fc.Arbitrary<number> = unbiasedUniform(-1.2, 1.2);

/** Data and noise values: mostly uniform in ±2, with exact 0 and ±1 mixed in. */
export const sampleValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: unbiasedUniform(-2, 2) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, -1) },
);

/**
 * Data values for the non-smooth distances ('l2' energy, 'l1' reconstruction): no exact 0, so a
 * relu output of exactly 0 never reproduces a sample exactly (a zero residual is a kink).
 */
export const smoothSampleValue: fc.Arbitrary<number> = unbiasedUniform(-2, 2);

/** A [rows, cols] NDArray of values. */
export function matrix(rows: number, cols: number, of: fc.Arbitrary<number> = sampleValue): fc.Arbitrary<NDArray> {
  return fc
    .array(of, { minLength: rows * cols, maxLength: rows * cols })
    .map((data) => ({ shape: [rows, cols], data: data.map(f32) }));
}

/** The weights of an MLP with the given layer widths [d₀, d₁, …, d_L], named `${prefix}W${l}`, `${prefix}B${l}`. */
export function mlpWeights(
  prefix: string,
  widths: number[],
  of: fc.Arbitrary<number> = netWeight,
): fc.Arbitrary<Record<string, NDArray>> {
  const parts: Record<string, fc.Arbitrary<NDArray>> = {};
  for (let l = 0; l + 1 < widths.length; l++) {
    parts[`${prefix}W${l}`] = matrix(widths[l]!, widths[l + 1]!, of);
    parts[`${prefix}B${l}`] = batch(of, widths[l + 1]!, widths[l + 1]!).map(vector);
  }
  return fc.record(parts);
}

/** A hidden or output activation name. */
export const activation: fc.Arbitrary<Activation> = fc.constantFrom(...ACTIVATIONS);

/** The negative slope of leaky-relu. */
export const leakyAlpha: fc.Arbitrary<number> = fc.oneof(uniform(0, 0.5), fc.constant(f32(0.2)));

/** A small MLP as data: widths [d, h₁, …, out], weights, activations. */
export interface NetSample {
  widths: number[];
  weights: Record<string, NDArray>;
  activation: Activation;
  outputActivation: Activation;
  alpha: number;
}

/** A random small MLP with input width d, `hidden` hidden layers of width ≤ 5, and output width `out`. */
export function smallMlp(
  prefix: string,
  d: number,
  out: number,
  hidden: { min: number; max: number } = { min: 1, max: 2 },
): fc.Arbitrary<NetSample> {
  return fc
    .record({
      hs: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: hidden.min, maxLength: hidden.max }),
      activation,
      outputActivation: activation,
      alpha: leakyAlpha,
    })
    .chain(({ hs, activation, outputActivation, alpha }) => {
      const widths = [d, ...hs, out];
      return mlpWeights(prefix, widths).map((weights): NetSample => ({
        widths,
        weights,
        activation,
        outputActivation,
        alpha,
      }));
    });
}

/** An `Mlp` from a NetSample's arrays (tensors made here; call inside tf.tidy). */
export function netOf(s: NetSample, prefix: string): Mlp {
  const t = Object.fromEntries(Object.entries(s.weights).map(([k, a]) => [k, tf.tensor(a.data, a.shape, 'float32')]));
  return {
    layers: layersFromInputs(t, prefix),
    activation: s.activation,
    outputActivation: s.outputActivation,
    alpha: s.alpha,
  };
}
