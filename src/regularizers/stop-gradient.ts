import * as tf from '@tensorflow/tfjs-core';

/**
 * The identity with a zero gradient (TensorFlow's `stop_gradient`, PyTorch's `detach`): the value
 * is used as a constant by autodiff, first and second order. The zero gradient is a fresh tensor,
 * not an op on `dy`, so differentiating the backward pass again finds nothing to differentiate.
 */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zeros(dy.shape, 'float32'),
})) as never) as (x: tf.Tensor) => tf.Tensor;
