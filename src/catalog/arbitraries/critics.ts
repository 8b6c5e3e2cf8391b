import * as fc from 'fast-check';
import { uniform } from '../arbitraries.js';
import { activation, leakyAlpha, mlpWeights, type NetSample, unbiasedUniform } from './networks.js';
import type { Activation } from '../../nets/mlp.js';

/** Arbitraries of the gradient penalties: data, interpolation weights, coefficients and small MLP critics. */

export const P = 'critic';

/** Data and noise: unbiased uniform in ±2 (see `unbiasedUniform`: no exact cancellations at relu kinks). */
export const dataValue = unbiasedUniform(-2, 2);

/** Interpolation weights: unbiased uniform in [0, 1], with the end points 0 and 1 on purpose. */
export const epsValue: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: unbiasedUniform(0, 1) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1) },
);

/** λ and γ: mostly in [0, 10] (the papers' 10), with exact 0 and 1. */
export const coefficient: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: uniform(0, 10) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 10) },
);

/** A critic d → h₁ (→ h₂) → 1; its output activation is linear two times in three. */
export function criticSample(d: number): fc.Arbitrary<NetSample> {
  return fc
    .record({
      hs: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }),
      activation,
      out: fc.oneof({ weight: 2, arbitrary: fc.constant<Activation>('linear') }, { weight: 1, arbitrary: activation }),
      alpha: leakyAlpha,
    })
    .chain(({ hs, activation, out, alpha }) => {
      const widths = [d, ...hs, 1];
      return mlpWeights(P, widths).map((weights): NetSample => ({
        widths,
        weights,
        activation,
        outputActivation: out,
        alpha,
      }));
    });
}

/** The same, with smooth activations only (finite-difference checks must not straddle a kink). */
export const SMOOTH: Activation[] = ['linear', 'tanh', 'sigmoid', 'softplus', 'swish', 'silu'];

export function smoothCriticSample(d: number): fc.Arbitrary<NetSample> {
  return fc
    .tuple(criticSample(d), fc.constantFrom(...SMOOTH), fc.constantFrom<Activation>('linear', 'tanh', 'softplus'))
    .map(([s, a, o]) => ({ ...s, activation: a, outputActivation: o }));
}
