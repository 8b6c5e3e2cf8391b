import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Features } from '../types.js';
import { checkTensor } from '../validate.js';
import { stopGradient } from './stop-gradient.js';

/** The catalog id of this spec, `penalty/pulling-away`; errors from these functions name it. */
export const PULLING_AWAY_ID = 'penalty/pulling-away';

/**
 * The pulling-away term of EBGAN (Zhao, Mathieu & LeCun 2017, "Energy-based Generative
 * Adversarial Network", §2.4, eq. 6), a repelling regularizer on a batch of N ≥ 2 representations
 * S (the encoder outputs of the generated batch):
 *
 *   f_PT(S) = 1/(N(N−1)) Σ_i Σ_{j≠i} ( S_iᵀS_j / (‖S_i‖ ‖S_j‖) )²
 *
 * the mean squared cosine similarity over ordered pairs of distinct rows. It lies in [0, 1]: 0 for
 * mutually orthogonal rows, 1 when all rows are collinear; it is invariant to rescaling any row
 * (by any nonzero factor, negative included) and to permuting the rows.
 * Conventions: rows of rank > 2 inputs are flattened ([N, ...] → [N, d]). A zero row has no
 * direction; it is taken to be orthogonal to every row (its cosines are 0, so it contributes 0 and
 * still counts in N), and its gradient is 0. The function is discontinuous there, so gradients at
 * a zero row are a convention only. Each row is first divided by its largest |entry|, a constant
 * for autodiff (the term does not depend on a row's scale), so squares neither overflow nor
 * underflow in float32 at any magnitude.
 *
 * @param representations S, shape [N, ...] with N ≥ 2, finite
 * @returns a scalar in [0, 1]
 */
export function pullingAwayTerm(representations: Features): tf.Tensor {
  ensureGradients();
  const spec = PULLING_AWAY_ID;
  const s = checkTensor(spec, 'representations', representations, { minRank: 2, finite: true });
  const n = s.shape[0]!;
  if (n < 2)
    throw new InvalidArgumentError(
      spec,
      'representations',
      'a batch of N ≥ 2 rows (pairs of distinct rows)',
      `shape [${s.shape.join(', ')}]`,
    );
  return tf.tidy(() => {
    const rows = tf.reshape(s, [n, -1]);
    // Per-row scale max|S_i| (1 for a zero row), held constant: f_PT(S) = f_PT(S_i / a_i).
    const peak = stopGradient(tf.max(tf.abs(rows), 1, true));
    const scaled = tf.div(rows, tf.where(tf.greater(peak, 0), peak, tf.onesLike(peak)));
    const squares = tf.sum(tf.square(scaled), 1, true);
    const nonzero = tf.greater(squares, 0);
    // Double where: no 1/√0 reaches a backward pass at a zero row.
    const norms = tf.sqrt(tf.where(nonzero, squares, tf.onesLike(squares)));
    const unit = tf.where(tf.tile(nonzero, [1, scaled.shape[1]!]), tf.div(scaled, norms), tf.zerosLike(scaled));
    const cosines = tf.matMul(unit, unit, false, true);
    const offDiagonal = tf.sub(1, tf.eye(n));
    return tf.div(tf.sum(tf.mul(tf.square(cosines), offDiagonal)), n * (n - 1));
  });
}
