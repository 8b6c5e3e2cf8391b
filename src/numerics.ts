import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;

/**
 * log(1 + x), accurate on every backend: the wasm backend's Log1p kernel computes log(1 + x)
 * (relative error 1e-3 at x = 1e-5, 20 % at 1e-7). With u = fl(1 + x), the rounding error of u
 * is e = (u − 1) − x, exact in float32 for |x| < 1, and log1p(x) = log(u) − e/u to first order
 * in e (Goldberg 1991, "What every computer scientist should know about floating-point
 * arithmetic", Theorem 4, in its correction form). Its autodiff is exact too: de/dx = 1 − 1 = 0.
 */
export function log1p(x: T): T {
  const u = tf.add(1, x);
  const e = tf.sub(tf.sub(u, 1), x);
  return tf.sub(tf.log(u), tf.div(e, u));
}
