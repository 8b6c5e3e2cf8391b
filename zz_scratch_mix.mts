import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './src/backend.js';
await useBackend('cpu' as never);
import { mixGanLosses } from './src/objectives/mix-gan.js';
import { logSoftmax } from './src/autodiff/index.js';
const P = tf.tensor2d([[-0.6022850275039673,1.707895040512085,-2.0873849391937256,454.0039978027344],[-4.999949932098389,-920.97802734375,-999.9929809570312,2.4897348880767822]]);
const ad = tf.tensor1d([4.999945163726807,-4.058320045471191,-4.999905109405518,4.999929904937744]);
const ag = tf.tensor1d([0.4075399935245514,-5298.990234375]);
for (const beta of [0, 8e-6, 1]) {
  const g = tf.grad((a: tf.Tensor) => mixGanLosses(P, a, ad, { beta }).generator as tf.Scalar)(ag);
  console.log(beta, g.dataSync());
}
console.log('R grad', tf.grad((a: tf.Tensor) => tf.neg(tf.mean(logSoftmax(a))) as tf.Scalar)(ag).dataSync());
console.log('lse grad', tf.grad((a: tf.Tensor) => tf.logSumExp(a) as tf.Scalar)(ag).dataSync());
