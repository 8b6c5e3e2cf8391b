import * as tf from '@tensorflow/tfjs';
import { applyModel, asCriticScores, gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from 'ganref';

await tf.setBackend('cpu'); // or 'webgl' in a browser, 'wasm' with @tensorflow/tfjs-backend-wasm

// Data: a ring of 8 Gaussians in the plane.
const realBatch = (n: number) => tf.tidy(() => {
  const angle = tf.mul(tf.floor(tf.randomUniform([n], 0, 8)), Math.PI / 4);
  return tf.add(tf.mul(tf.stack([tf.cos(angle), tf.sin(angle)], 1), 2), tf.randomNormal([n, 2], 0, 0.05));
});
const mlp = (inputs: number, outputs: number) => tf.sequential({ layers: [
  tf.layers.dense({ inputShape: [inputs], units: 64, activation: 'relu' }),
  tf.layers.dense({ units: 64, activation: 'relu' }),
  tf.layers.dense({ units: outputs }), // the critic's output is a raw score: no activation
] });
const generator = mlp(2, 2);
const critic = mlp(2, 1);
const optimizerC = tf.train.adam(1e-4, 0.5, 0.9);
const optimizerG = tf.train.adam(1e-4, 0.5, 0.9);
const score = (x: tf.Tensor) => asCriticScores(applyModel(critic, x));
const steps = Number(process.env.STEPS ?? 2000);
let lossC = 0, lossG = 0;

for (let step = 0; step < steps; step++) {
  critic.trainable = true; // minimize() updates every trainable variable the loss reaches
  generator.trainable = false;
  for (let k = 0; k < 5; k++) { // five critic steps per generator step (Algorithm 1)
    lossC = tf.tidy(() => {
      const xReal = realBatch(64);
      const xFake = applyModel(generator, tf.randomNormal([64, 2]));
      // A fresh ε per example at every call; pass { seed } or { random } to replay a run.
      return optimizerC.minimize(() => tf.add(wassersteinCriticLoss(score(xReal), score(xFake)), gradientPenalty(critic, xReal, xFake, { lambda: 10 })), true)!.dataSync()[0]!;
    });
  }
  critic.trainable = false;
  generator.trainable = true;
  lossG = tf.tidy(() => optimizerG.minimize(() => wassersteinGeneratorLoss(score(applyModel(generator, tf.randomNormal([64, 2])))), true)!.dataSync()[0]!);
}
console.log(JSON.stringify({ lossC, lossG, tensors: tf.memory().numTensors }));
