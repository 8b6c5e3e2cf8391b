import * as fc from 'fast-check';
import { vector } from '../arbitraries.js';
import { matrix, mlpWeights, type NetSample, sampleValue, unbiasedUniform } from './networks.js';
import { rows } from '../tensors.js';
import type { NDArray } from '../types.js';
import type { Activation } from '../../nets/mlp.js';

/** Arbitraries of two-player games: a small generator and discriminator on a batch. */

/**
 * Hidden activations of cross-checked games: smooth ones only (the consensus term and the unrolled
 * steps are first derivatives, their gradients second and their HVPs third derivatives; a relu
 * kink would make those one-sided). relu appears in hand-made edges away from its kink.
 */
export const SMOOTH: readonly Activation[] = ['tanh', 'softplus', 'sigmoid', 'swish', 'elu', 'linear'];

export interface GameSample {
  x: NDArray;
  z: NDArray;
  gen: NetSample;
  disc: NetSample;
}

/** A random tiny game: G with 0 or 1 hidden layer, D with 0 or 1 hidden layer. */
export const gameSample: fc.Arbitrary<GameSample> = fc
  .record({
    d: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 5 }),
    m: fc.integer({ min: 1, max: 5 }),
    gh: fc.integer({ min: 0, max: 4 }),
    dh: fc.integer({ min: 0, max: 4 }),
    act: fc.constantFrom(...SMOOTH),
    out: fc.constantFrom<Activation>('linear', 'tanh'),
  })
  .chain(({ d, k, n, m, gh, dh, act, out }) => {
    const gw = gh > 0 ? [k, gh, d] : [k, d];
    const dw = dh > 0 ? [d, dh, 1] : [d, 1];
    return fc
      .record({ x: matrix(n, d), z: matrix(m, k), gw: mlpWeights('gen', gw), dw: mlpWeights('disc', dw) })
      .map(({ x, z, gw: gWeights, dw: dWeights }): GameSample => ({
        x,
        z,
        gen: { widths: gw, weights: gWeights, activation: act, outputActivation: out, alpha: 0.2 },
        disc: { widths: dw, weights: dWeights, activation: act, outputActivation: 'linear', alpha: 0.2 },
      }));
  });

/**
 * Games for finite-difference checks (checkGrads steps of h = 2⁻⁶): C∞ activations only. elu is
 * C¹ but its second derivative jumps at 0, and the gradients checked here are second derivatives
 * of the networks, so a pre-activation within 2h of 0 would put the kink inside the stencil.
 */
export const infinitelySmoothGame: fc.Arbitrary<GameSample> = gameSample.filter((s) => s.gen.activation !== 'elu');

/**
 * The linear game on the line: G(z) = a·z + b, D(y) = w·y + c (k = d = 1). Under 'wasserstein',
 * ∇_{(a,b)} L_G = −w·(z̄, 1) and ∇_{(w,c)} L_D = (a z̄ + b − x̄, 0), so
 * L = ½((a z̄ + b − x̄)² + w²(z̄² + 1)) and ‖∇_{θ_D} V‖² = (a z̄ + b − x̄)².
 */
export function linearGame(x: number[], z: number[], a: number, b: number, w: number, c: number): GameSample {
  const lin = (p: string, W: number, B: number): NetSample => ({
    widths: [1, 1],
    weights: { [`${p}W0`]: rows([[W]]), [`${p}B0`]: vector([B]) },
    activation: 'linear',
    outputActivation: 'linear',
    alpha: 0.2,
  });
  return { x: rows(x.map((v) => [v])), z: rows(z.map((v) => [v])), gen: lin('gen', a, b), disc: lin('disc', w, c) };
}

export const linearGameArb = fc
  .record({ n: fc.integer({ min: 1, max: 5 }), m: fc.integer({ min: 1, max: 5 }) })
  .chain(({ n, m }) =>
    fc.record({
      x: fc.array(sampleValue, { minLength: n, maxLength: n }),
      z: fc.array(sampleValue, { minLength: m, maxLength: m }),
      p: fc.array(unbiasedUniform(-2, 2), { minLength: 4, maxLength: 4 }),
    }),
  )
  .map(({ x, z, p }) => linearGame(x, z, p[0]!, p[1]!, p[2]!, p[3]!));
