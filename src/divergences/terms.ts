import * as tf from '@tensorflow/tfjs-core';

/**
 * Elementwise a·log(a/b) with the conventions of information theory: 0·log(0/b) = 0 for every b,
 * and a > 0 = b gives +∞. Written so that gradients are exact wherever a > 0: the masked-out
 * branch is computed on safe stand-ins (1 instead of 0), never on log 0, so `where` cannot
 * multiply a zero cotangent by an infinite derivative and produce NaN.
 * Call inside `tf.tidy`.
 */
export function xLogXOverY(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const positive = tf.greater(a, 0);
  const one = tf.onesLike(a);
  const aSafe = tf.where(positive, a, one);
  const bSafe = tf.where(positive, b, one);
  const terms = tf.mul(a, tf.sub(tf.log(aSafe), tf.log(bSafe)));
  return tf.where(positive, terms, tf.zerosLike(terms));
}
