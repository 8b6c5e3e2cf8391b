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
  // a > 0 = b is +∞ by its own mask, not through log 0 = −∞: shader log(0) is not −∞ everywhere
  // (GLSL leaves it undefined; WebGL on SwiftShader gives −87.34, the log of FLT_MIN). Adding a
  // constant (0, or +∞ there) changes no value elsewhere and no gradient anywhere.
  const infinite = tf.where(tf.logicalAnd(positive, tf.equal(b, 0)), tf.fill(a.shape, Infinity), tf.zeros(a.shape));
  return tf.where(positive, tf.add(terms, infinite), tf.zerosLike(terms));
}
