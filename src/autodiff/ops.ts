import * as tf from '@tensorflow/tfjs-core';
import type { FusedActivation } from './activations.js';

/**
 * Fused layers that keep their fused kernel under a gradient tape. TF.js's `tf.fused.matMul` and
 * `tf.fused.conv2d` switch to unfused ops whenever a gradient is being recorded (except for the
 * linear activation, which goes through a customGrad); these call the fused kernels directly, so
 * ganref's `_FusedMatMul` / `FusedConv2D` gradient configs apply, to any order.
 */

/** act(x · w + bias) for x [n, k], w [k, m], bias broadcastable to [n, m]. */
export function fusedDense(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  bias?: tf.Tensor,
  activation: FusedActivation = 'linear',
  preluWeights?: tf.Tensor,
  leakyreluAlpha = 0.2,
): tf.Tensor2D {
  return tf.tidy(() => {
    const a = tf.reshape(x, [1, ...x.shape]);
    const b = tf.reshape(w, [1, ...w.shape]);
    const inputs: Record<string, tf.Tensor> = { a, b };
    if (bias != null) inputs.bias = bias;
    if (activation === 'prelu' && preluWeights != null) inputs.preluActivationWeights = preluWeights;
    const y = tf.engine().runKernel('_FusedMatMul', inputs as tf.NamedTensorMap, {
      transposeA: false,
      transposeB: false,
      activation,
      leakyreluAlpha,
    }) as tf.Tensor;
    return tf.reshape(y, [x.shape[0], w.shape[1]]);
  });
}

/** act(conv2d(x, filter) + bias), NHWC, dilation 1. */
export function fusedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: 'valid' | 'same',
  bias?: tf.Tensor,
  activation: FusedActivation = 'linear',
  preluWeights?: tf.Tensor,
  leakyreluAlpha = 0.2,
): tf.Tensor4D {
  const inputs: Record<string, tf.Tensor> = { x, filter };
  if (bias != null) inputs.bias = bias;
  if (activation === 'prelu' && preluWeights != null) inputs.preluActivationWeights = preluWeights;
  return tf.engine().runKernel(
    'FusedConv2D',
    inputs as tf.NamedTensorMap,
    {
      strides,
      pad,
      dataFormat: 'NHWC',
      dilations: 1,
      dimRoundingMode: undefined,
      activation,
      leakyreluAlpha,
    } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}

/**
 * log softmax along `axis`: x − logsumexp(x). TF.js's `tf.logSoftmax` is a customGrad whose
 * gradient reads its saved output, so it cannot be differentiated twice (the second pass throws
 * "Cannot compute gradient"); this one is made of registered kernels only.
 */
export function logSoftmax(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.sub(x, tf.logSumExp(x, axis, true));
}
