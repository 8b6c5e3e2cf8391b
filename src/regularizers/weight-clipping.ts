import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkKnownOptions, checkNumber, checkTensor } from '../validate.js';

/** The catalog id of this spec, `constraint/weight-clipping`; errors from these functions name it. */
export const WEIGHT_CLIPPING_ID = 'constraint/weight-clipping';

/** Options of weight clipping. */
export interface WeightClippingOptions {
  /** The clipping bound c > 0 (default 0.01, the value of Arjovsky et al. 2017, Algorithm 1). */
  c?: number;
}

function bound(options: WeightClippingOptions | undefined): number {
  checkKnownOptions(WEIGHT_CLIPPING_ID, options, ['c']);
  return checkNumber(WEIGHT_CLIPPING_ID, 'c', options?.c ?? 0.01, { min: 0, minExclusive: true });
}

/**
 * Weight clipping of the WGAN critic (Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN",
 * Algorithm 1, line 7: w ← clip(w, −c, c), c = 0.01 in the paper):
 *
 *   clipped = min(max(w, −c), c)      elementwise, any shape
 *
 * The constraint keeps the critic in a compact set of parameters, so the family of critics is
 * K-Lipschitz for some K (the paper's argument for the Wasserstein estimate). The value is
 * idempotent and leaves weights inside [−c, c] unchanged. Gradient: 1 strictly inside, 0 strictly
 * outside; at exactly ±c the function has a kink and the gradient returned is 1 (the convention of
 * both `tf.clipByValue` and `torch.clamp`, whose masks are inclusive). Same as
 * `torch.clamp(w, -c, c)` / `p.data.clamp_(-c, c)` of the reference implementation.
 *
 * @param weights a float32 tensor of any rank (finite)
 * @param options `c > 0`
 * @returns a new tensor of the same shape
 */
export function clipWeights(weights: tf.Tensor, options?: WeightClippingOptions): tf.Tensor {
  ensureGradients();
  const c = bound(options);
  const w = checkTensor(WEIGHT_CLIPPING_ID, 'weights', weights, { finite: true });
  return tf.tidy(() => tf.clipByValue(w, -c, c));
}

/**
 * In-place weight clipping for a training loop (Arjovsky et al. 2017, Algorithm 1, line 7): after
 * every critic update, each variable is assigned its clipped value. Returns nothing and leaves no
 * tensor behind.
 *
 * @param variables the critic's `tf.Variable`s (float32)
 * @param options `c > 0`
 */
export function clipVariables(variables: readonly tf.Variable[], options?: WeightClippingOptions): void {
  const c = bound(options);
  if (!Array.isArray(variables)) {
    throw new InvalidArgumentError(WEIGHT_CLIPPING_ID, 'variables', 'an array of tf.Variable', typeof variables);
  }
  variables.forEach((v, i) => {
    if (!(v instanceof tf.Variable)) {
      throw new InvalidArgumentError(
        WEIGHT_CLIPPING_ID,
        `variables[${i}]`,
        'a tf.Variable',
        v === null ? 'null' : typeof v,
      );
    }
    checkTensor(WEIGHT_CLIPPING_ID, `variables[${i}]`, v, { finite: true });
  });
  tf.tidy(() => {
    for (const v of variables) v.assign(tf.clipByValue(v, -c, c));
  });
}
