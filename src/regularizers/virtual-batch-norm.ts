import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Features } from '../types.js';
import { checkKnownOptions, checkNumber, checkTensor } from '../validate.js';

/** The catalog id of this spec, `layer/virtual-batch-norm`; errors from these functions name it. */
export const VIRTUAL_BATCH_NORM_ID = 'layer/virtual-batch-norm';

/** Options of virtual batch normalization. */
export interface VirtualBatchNormOptions {
  /** ε > 0 added to the variance (default 1e-5, as in the authors' code; TF-GAN's default is 1e-3). */
  epsilon?: number;
}

function checkArgs(
  spec: string,
  x: unknown,
  xName: string,
  reference: unknown,
  gamma: unknown,
  beta: unknown,
  options: VirtualBatchNormOptions | undefined,
) {
  checkKnownOptions(spec, options, ['epsilon']);
  const epsilon = checkNumber(spec, 'epsilon', options?.epsilon ?? 1e-5, { min: 0, minExclusive: true });
  const r = checkTensor(spec, 'reference', reference, { rank: 2, finite: true });
  const d = r.shape[1]!;
  const xs = xName === 'reference' ? r : checkTensor(spec, xName, x, { rank: 2, finite: true });
  if (xs.shape[1] !== d)
    throw new InvalidArgumentError(
      spec,
      xName,
      `shape [n, ${d}] (the features of 'reference')`,
      `shape [${xs.shape.join(', ')}]`,
    );
  const g = checkTensor(spec, 'gamma', gamma, { rank: 1, finite: true });
  if (g.shape[0] !== d) throw new InvalidArgumentError(spec, 'gamma', `shape [${d}]`, `shape [${g.shape.join(', ')}]`);
  const b = checkTensor(spec, 'beta', beta, { rank: 1, finite: true });
  if (b.shape[0] !== d) throw new InvalidArgumentError(spec, 'beta', `shape [${d}]`, `shape [${b.shape.join(', ')}]`);
  return { xs, r, g, b, epsilon };
}

/**
 * Virtual batch normalization (Salimans et al. 2016, "Improved Techniques for Training GANs",
 * §3.5): "each example x is normalized based on the statistics collected on a reference batch of
 * examples that are chosen once and fixed at the start of training, and on x itself". As in the
 * authors' code and TF-GAN's `VBN`, x joins the N reference examples with weight 1/(N+1):
 *
 *   μ_x = (x + N·μ_ref)/(N+1),   σ²_x = E_{N+1}[y²] − μ_x²  (biased moments of ref ∪ {x})
 *       = N/(N+1)·σ²_ref + N/(N+1)²·(x − μ_ref)²
 *   VBN(x) = γ·(x − μ_x)/√(σ²_x + ε) + β,   x − μ_x = N/(N+1)·(x − μ_ref)
 *
 * per feature (statistics over the reference rows; each example of x uses only itself and the
 * reference, so its output does not depend on the other rows of its batch). The second form of σ²
 * (pooled variance) is the one computed: it has no E[y²] − μ² cancellation. The reference batch is
 * an input, so gradients flow into it too (the paper forwards it at every step). For features of
 * rank > 2 (conv maps), flatten the axes sharing statistics into the batch axis first.
 *
 * @param x examples [n, d], finite
 * @param reference the fixed reference batch [N, d], N ≥ 1, finite
 * @param gamma scale γ [d]
 * @param beta shift β [d]
 * @param options ε > 0
 * @returns [n, d]
 */
export function virtualBatchNorm(
  x: Features,
  reference: Features,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options?: VirtualBatchNormOptions,
): tf.Tensor {
  ensureGradients();
  const { xs, r, g, b, epsilon } = checkArgs(VIRTUAL_BATCH_NORM_ID, x, 'x', reference, gamma, beta, options);
  const n = r.shape[0]!;
  const w = 1 / (n + 1);
  return tf.tidy(() => {
    const mu = tf.mean(r, 0);
    const varRef = tf.mean(tf.square(tf.sub(r, mu)), 0);
    const delta = tf.sub(xs, mu);
    const variance = tf.add(tf.mul(1 - w, varRef), tf.mul(w * (1 - w), tf.square(delta)));
    const centred = tf.mul(1 - w, delta);
    return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, epsilon))), g), b);
  });
}

/**
 * The reference batch normalised with its own statistics (Salimans et al. 2016, §3.5; TF-GAN's
 * `VBN.reference_batch_normalization`): γ·(r − μ_ref)/√(σ²_ref + ε) + β, plain batch
 * normalization with biased variance. With γ = 1, β = 0 every feature then has mean 0 and
 * variance σ²_ref/(σ²_ref + ε).
 *
 * @param reference [N, d], finite
 * @param gamma [d]
 * @param beta [d]
 * @param options ε > 0
 */
export function referenceBatchNorm(
  reference: Features,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options?: VirtualBatchNormOptions,
): tf.Tensor {
  ensureGradients();
  const { r, g, b, epsilon } = checkArgs(
    VIRTUAL_BATCH_NORM_ID,
    reference,
    'reference',
    reference,
    gamma,
    beta,
    options,
  );
  return tf.tidy(() => {
    const centred = tf.sub(r, tf.mean(r, 0));
    const variance = tf.mean(tf.square(centred), 0);
    return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, epsilon))), g), b);
  });
}
