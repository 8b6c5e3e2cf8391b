import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkSameShape, checkTensor } from '../validate.js';

/** The catalog id of this spec, `penalty/historical-averaging`; errors from these functions name it. */
export const HISTORICAL_AVERAGING_ID = 'penalty/historical-averaging';

/** One tensor or a list of tensors (a network's parameters). */
export type TensorList = tf.Tensor | readonly tf.Tensor[];

function listOf(argument: string, t: unknown): tf.Tensor[] {
  const list = Array.isArray(t) ? (t as unknown[]) : [t];
  if (list.length === 0)
    throw new InvalidArgumentError(
      HISTORICAL_AVERAGING_ID,
      argument,
      'a tensor or a non-empty list of tensors',
      'an empty list',
    );
  return list.map((x, i) =>
    checkTensor(HISTORICAL_AVERAGING_ID, Array.isArray(t) ? `${argument}[${i}]` : argument, x, { finite: true }),
  );
}

/**
 * The historical-averaging penalty (Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016,
 * "Improved Techniques for Training GANs", §3.3):
 *
 *   penalty = ‖θ − (1/t) Σ_{i=1..t} θ[i]‖²  = Σ_k Σ_j (θ_k,j − θ̄_k,j)²
 *
 * the squared Euclidean distance between a player's current parameters θ (one tensor or a list,
 * e.g. every weight and bias of a network) and the average θ̄ of their past values θ[1..t],
 * summed over every tensor of the list. The paper adds it to each player's cost (with weight 1;
 * scale it for another weight). `HistoricalAverage` keeps θ̄ and t across training steps.
 *
 * Gradients: 2(θ − θ̄) with respect to θ and −2(θ − θ̄) with respect to θ̄ (a training loop
 * holds θ̄ constant).
 *
 * @param theta the current parameters: a tensor or a list of tensors (finite float32)
 * @param average the historical average, with the same structure and shapes as `theta`
 * @returns a scalar ≥ 0
 */
export function historicalAveragingPenalty(theta: TensorList, average: TensorList): tf.Scalar {
  ensureGradients();
  const th = listOf('theta', theta);
  const av = listOf('average', average);
  if (th.length !== av.length) {
    throw new InvalidArgumentError(
      HISTORICAL_AVERAGING_ID,
      'average',
      `a list of ${th.length} tensors like 'theta'`,
      `${Array.isArray(average) ? `a list of ${av.length}` : 'one tensor'}`,
    );
  }
  th.forEach((t, i) =>
    checkSameShape(
      HISTORICAL_AVERAGING_ID,
      [Array.isArray(theta) ? `theta[${i}]` : 'theta', t],
      [Array.isArray(average) ? `average[${i}]` : 'average', av[i]!],
    ),
  );
  return tf.tidy(
    () =>
      th.reduce((acc: tf.Tensor, t, i) => tf.add(acc, tf.sum(tf.square(tf.sub(t, av[i]!)))), tf.scalar(0)) as tf.Scalar,
  );
}

/**
 * The running average θ̄ = (1/t) Σ_{i=1..t} θ[i] of a list of parameter tensors (or
 * `tf.Variable`s), for the historical-averaging penalty of Salimans et al. 2016, §3.3.
 *
 * `update(params)` records the current values (copies, so later changes to a Variable do not
 * reach the history) with the incremental mean θ̄ₜ = θ̄ₜ₋₁ + (θₜ − θ̄ₜ₋₁)/t, which is exact in
 * exact arithmetic and keeps float32 rounding at the level of one update per step instead of a
 * growing sum. `penalty(params)` is ‖θ − θ̄‖² with θ̄ held constant (no gradient flows into
 * the history). The averages are kept (not freed by `tf.tidy`); call `dispose()` when done.
 *
 * Typical use: the penalty is added to a player's loss at each step, then `update` is called
 * with the new parameters once the step has been taken.
 */
export class HistoricalAverage {
  private averages: tf.Tensor[] | null = null;
  private t = 0;

  /** The number of values recorded so far. */
  get count(): number {
    return this.t;
  }

  /** The current averages (owned by this object: do not dispose them), or null before the first update. */
  get average(): readonly tf.Tensor[] | null {
    return this.averages;
  }

  /** Records the current values of `params` (the same structure at every call). */
  update(params: TensorList): void {
    const ps = listOf('params', params);
    if (this.averages) {
      const avg = this.averages;
      if (ps.length !== avg.length)
        throw new InvalidArgumentError(
          HISTORICAL_AVERAGING_ID,
          'params',
          `a list of ${avg.length} tensors, as at the first update`,
          `${ps.length} tensors`,
        );
      ps.forEach((p, i) =>
        checkSameShape(
          HISTORICAL_AVERAGING_ID,
          ['average', avg[i]!],
          [Array.isArray(params) ? `params[${i}]` : 'params', p],
        ),
      );
    }
    const t = this.t + 1;
    const next = tf.tidy(() =>
      ps.map((p, i) => {
        const value = tf.clone(tf.cast(p, 'float32'));
        if (!this.averages) return value;
        const prev = this.averages[i]!;
        return tf.add(prev, tf.div(tf.sub(value, prev), t));
      }),
    );
    if (this.averages) tf.dispose(this.averages);
    this.averages = next.map((a) => tf.keep(a));
    this.t = t;
  }

  /** ‖θ − θ̄‖² summed over the list; 0 before the first update (no history yet). */
  penalty(params: TensorList): tf.Scalar {
    if (!this.averages) {
      listOf('params', params);
      return tf.scalar(0);
    }
    const avg = this.averages;
    return historicalAveragingPenalty(Array.isArray(params) ? (params as tf.Tensor[]) : [params as tf.Tensor], avg);
  }

  /** Frees the averages and forgets the history. */
  dispose(): void {
    if (this.averages) tf.dispose(this.averages);
    this.averages = null;
    this.t = 0;
  }
}
