import * as tf from '@tensorflow/tfjs-core';
import { type GradConfig, optionalInputs, reduceToShape } from '../util.js';

/**
 * Gradient of FusedBatchNorm (what `tf.batchNorm` runs): y = (x − μ) · r · γ + β with
 * r = (σ² + ε)^(−1/2), all of μ, σ², γ, β broadcasting against x. Partials:
 *   ∂x = dy r γ,  ∂μ = −dy r γ,  ∂σ² = −½ dy (x − μ) γ r³,  ∂γ = dy (x − μ) r,  ∂β = dy,
 * each summed back to its input's shape. Everything is recomputed from the saved inputs.
 *
 * Scale and offset are optional inputs of the kernel; the engine cannot save an absent input, so
 * absent ones are dropped from `saved` (see `optionalInputs`). With exactly one of them given the
 * saved list is ambiguous, and the gradient throws: pass both (ones / zeros) or neither.
 */

type T = tf.Tensor;

export const normGradients: GradConfig[] = [
  {
    kernelName: 'FusedBatchNorm',
    inputsToSave: optionalInputs('x', 'mean', 'variance', 'scale', 'offset'),
    gradFunc: (dy, saved, attrs) => {
      if (saved.length === 4) {
        throw new Error(
          'ganref autodiff: the gradient of tf.batchNorm needs both scale and offset or neither ' +
            '(pass tf.onesLike / tf.zerosLike for the missing one)',
        );
      }
      const [x, mean, variance, scale, offset] = saved;
      const eps = attrs.varianceEpsilon as number;
      const d = dy as T;
      const r = () => tf.rsqrt(tf.add(variance, eps));
      const g = () => (scale != null ? tf.mul(r(), scale) : r());
      const out: Record<string, () => T> = {
        x: () => reduceToShape(tf.mul(d, g()), x.shape),
        mean: () => reduceToShape(tf.neg(tf.mul(d, g())), mean.shape),
        variance: () => {
          const rr = r();
          const core = tf.mul(tf.mul(d, tf.sub(x, mean)), tf.mul(-0.5, tf.mul(rr, tf.square(rr))));
          return reduceToShape(scale != null ? tf.mul(core, scale) : core, variance.shape);
        },
      };
      if (scale != null) out.scale = () => reduceToShape(tf.mul(tf.mul(d, tf.sub(x, mean)), r()), scale.shape);
      if (offset != null) out.offset = () => reduceToShape(d, offset.shape);
      return out;
    },
  },
];
