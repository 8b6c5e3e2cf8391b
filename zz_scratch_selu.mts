import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './src/backend.js'; await useBackend('cpu' as never);
import { ensureGradients } from './src/autodiff/index.js';
ensureGradients();
const xs = [-1.5, -0.3, 0.4, 2];
for (const name of ['selu', 'elu', 'tanh', 'sigmoid', 'softplus', 'leakyRelu'] as const) {
  const f = (x: tf.Tensor) => (name === 'leakyRelu' ? tf.leakyRelu(x, 0.2) : (tf as any)[name](x));
  const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(f(y)))(x)));
  const g1 = tf.grad((y: tf.Tensor) => tf.sum(f(y)));
  console.log(name, Array.from(g1(tf.tensor1d(xs)).dataSync()).map((v) => v.toFixed(5)).join(' '), '|', Array.from(g2(tf.tensor1d(xs)).dataSync()).map((v) => v.toFixed(5)).join(' '));
}
// composite: selu(w*x) second derivative wrt w
const w = tf.scalar(0.7);
const h = (w: tf.Tensor) => tf.sum(tf.selu(tf.mul(w, tf.tensor1d(xs))));
console.log('d2 selu(wx)/dw2', tf.grad((w: tf.Tensor) => tf.grad(h)(w))(w).dataSync()[0], 'expected', xs.reduce((a, x) => a + (w.dataSync()[0]! * x < 0 ? 1.0507009873554805 * 1.6732632423543772 * Math.exp(0.7 * x) * x * x : 0), 0));
