import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Features } from '../types.js';
import { checkTensor } from '../validate.js';

/** The catalog id of this spec, `layer/minibatch-discrimination`; errors from these functions name it. */
export const MINIBATCH_DISCRIMINATION_ID = 'layer/minibatch-discrimination';

/**
 * Minibatch discrimination (Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, "Improved
 * Techniques for Training GANs", §3.2): a layer that lets the discriminator look at the whole
 * batch. With features f(x_i) ∈ ℝ^A and a learned tensor T ∈ ℝ^{A×B×C}:
 *
 *   M_i = f(x_i)·T ∈ ℝ^{B×C}
 *   c_b(x_i, x_j) = exp(−‖M_{i,b} − M_{j,b}‖_{L1})
 *   o(x_i)_b = Σ_{j=1}^{n} c_b(x_i, x_j)
 *   output_i = [f(x_i), o(x_i)] ∈ ℝ^{A+B}
 *
 * The sum runs over every j = 1..n, the example itself included, as the paper writes it (and as
 * the authors' code does), so each o(x_i)_b lies in [1, n]: 1 when every other example is far,
 * n when all examples coincide. Implementations that exclude j = i (some PyTorch ports) give
 * o − 1. The j = i term is the constant exp(0) = 1 and is added as such, so it has exactly zero
 * gradient (the L1 norm is not differentiable at a zero difference; off the diagonal, where two
 * examples share a coordinate of M exactly, the gradient taken is |·|'s subgradient 0, as in
 * `tf.abs` and `torch.abs`). The layer is permutation-equivariant in the batch. The paper computes
 * o over real and generated examples separately; pass each batch in its own call to do so.
 *
 * @param features f(x), shape [n, A], finite
 * @param tensor T, shape [A, B, C], finite
 * @returns [n, A + B]
 */
export function minibatchDiscrimination(features: Features, tensor: tf.Tensor): tf.Tensor {
  ensureGradients();
  const spec = MINIBATCH_DISCRIMINATION_ID;
  const f = checkTensor(spec, 'features', features, { rank: 2, finite: true });
  const t = checkTensor(spec, 'tensor', tensor, { rank: 3, finite: true });
  const [n, a] = f.shape as [number, number];
  const [ta, b, c] = t.shape as [number, number, number];
  if (ta !== a)
    throw new InvalidArgumentError(
      spec,
      'tensor',
      `shape [${a}, B, C] (its first axis the feature size A of 'features')`,
      `shape [${t.shape.join(', ')}]`,
    );
  return tf.tidy(() => {
    const m = tf.reshape(tf.matMul(f, tf.reshape(t, [a, b * c])), [n, b, c]);
    const l1 = tf.sum(tf.abs(tf.sub(tf.expandDims(m, 1), tf.expandDims(m, 0))), 3); // [n, n, B]
    const others = tf.reshape(tf.sub(1, tf.eye(n)), [n, n, 1]);
    const o = tf.add(1, tf.sum(tf.mul(tf.exp(tf.neg(l1)), others), 1));
    return tf.concat([f, o], 1);
  });
}
