import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkTensor } from '../validate.js';
import { checkState, fieldOf, type Game, gradientOf, stateSize } from './game.js';

/**
 * The Jacobian v′(s) of a game's field at a state, J_ij = ∂v_i/∂s_j, by ganref's autodiff: v is
 * itself a gradient, so this is a second derivative of the losses (a third for consensus), and it
 * stays on the tape (differentiable with respect to the state). At an equilibrium x̄ (v(x̄) = 0)
 * its eigenvalues decide local convergence (Mescheder, Nowozin & Geiger 2017, §2; Nagarajan &
 * Kolter 2017): every real part < 0 gives it for small enough η.
 *
 * @param game the game
 * @param state s, a finite 1-D tensor of length n = p + q
 * @returns J [n, n]
 */
export function jacobian(game: Game, state: tf.Tensor): tf.Tensor2D {
  ensureGradients();
  const s = checkState(game, state);
  return tf.tidy(() => jacobianAt(game, s));
}

/** {@link jacobian} on a validated state. Call inside `tf.tidy`. */
export function jacobianAt(game: Game, s: tf.Tensor1D): tf.Tensor2D {
  const n = stateSize(game);
  const rows: tf.Tensor1D[] = [];
  for (let i = 0; i < n; i++)
    rows.push(gradientOf((x) => tf.reshape(tf.slice(fieldOf(game, x), i, 1), []) as tf.Scalar, s));
  return tf.stack(rows) as tf.Tensor2D;
}

/** The public name `eigenvalues2x2` errors carry. */
export const EIGENVALUES_ID = 'eigenvalues2x2';

/**
 * The eigenvalues of a real 2×2 matrix J in closed form, as rows (re, im):
 *
 *   h = tr J / 2,  Δ = h² − det J;
 *   Δ ≥ 0: λ = h ± √Δ  (rows (h + √Δ, 0), (h − √Δ, 0));
 *   Δ < 0: λ = h ± i√−Δ (rows (h, √−Δ), (h, −√−Δ)).
 *
 * The order is fixed (the larger real part first; of a complex pair, positive imaginary part
 * first). Differentiable except where Δ = 0 (a repeated eigenvalue, where √ has an infinite
 * slope). Numerics: Δ loses relative accuracy as the two eigenvalues approach each other (their
 * distance is 2√|Δ|); the mean h is always accurate.
 *
 * @param matrix J [2, 2], finite
 * @returns a `[2, 2]` tensor whose row k is (Re λ_k, Im λ_k)
 */
export function eigenvalues2x2(matrix: tf.Tensor): tf.Tensor2D {
  const m = checkTensor(EIGENVALUES_ID, 'matrix', matrix, { rank: 2, finite: true });
  if (m.shape[0] !== 2 || m.shape[1] !== 2)
    throw new InvalidArgumentError(
      EIGENVALUES_ID,
      'matrix',
      'a 2×2 matrix, shape [2, 2]',
      `shape [${m.shape.join(', ')}]`,
    );
  return tf.tidy(() => eigenvaluesOf(m as tf.Tensor2D));
}

/** {@link eigenvalues2x2} without validation. Call inside `tf.tidy`. */
export function eigenvaluesOf(m: tf.Tensor2D): tf.Tensor2D {
  const [a, b, c, d] = tf.unstack(tf.reshape(m, [4])) as [tf.Scalar, tf.Scalar, tf.Scalar, tf.Scalar];
  const h = tf.mul(0.5, tf.add(a, d));
  const det = tf.sub(tf.mul(a, d), tf.mul(b, c));
  const delta = tf.sub(tf.square(h), det);
  const real = tf.greaterEqual(delta, 0);
  // √|Δ| through a where() that keeps the unused branch's argument positive (finite gradients).
  const root = tf.sqrt(tf.where(tf.equal(delta, 0), tf.onesLike(delta), tf.abs(delta)));
  const r = tf.where(tf.equal(delta, 0), tf.zerosLike(delta), root);
  const zero = tf.zerosLike(h);
  const re1 = tf.where(real, tf.add(h, r), h);
  const re2 = tf.where(real, tf.sub(h, r), h);
  const im1 = tf.where(real, zero, r);
  const im2 = tf.where(real, zero, tf.neg(r));
  return tf.reshape(tf.stack([re1, im1, re2, im2]), [2, 2]) as tf.Tensor2D;
}
