import * as tf from '@tensorflow/tfjs';
import { applyModel, asLogits, nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss, r1Penalty } from 'ganref';

await tf.setBackend('cpu'); // or 'webgl' in a browser, 'wasm' with @tensorflow/tfjs-backend-wasm

// Data: a ring of 8 Gaussians in the plane.
const realBatch = (n: number) => tf.tidy(() => {
  const angle = tf.mul(tf.floor(tf.randomUniform([n], 0, 8)), Math.PI / 4);
  return tf.add(tf.mul(tf.stack([tf.cos(angle), tf.sin(angle)], 1), 2), tf.randomNormal([n, 2], 0, 0.05));
});
const mlp = (inputs: number, outputs: number) => tf.sequential({ layers: [
  tf.layers.dense({ inputShape: [inputs], units: 64, activation: 'relu' }),
  tf.layers.dense({ units: 64, activation: 'relu' }),
  tf.layers.dense({ units: outputs }), // the discriminator outputs LOGITS: no sigmoid here
] });
const generator = mlp(2, 2);
const discriminator = mlp(2, 1);
const optimizerD = tf.train.adam(1e-4, 0.5, 0.999);
const optimizerG = tf.train.adam(1e-4, 0.5, 0.999);
const logits = (x: tf.Tensor) => asLogits(applyModel(discriminator, x));
const steps = Number(process.env.STEPS ?? 2000);
let lossD = 0, lossG = 0;

for (let step = 0; step < steps; step++) {
  discriminator.trainable = true; // minimize() updates every trainable variable the loss reaches
  generator.trainable = false;
  lossD = tf.tidy(() => {
    const xReal = realBatch(64);
    const xFake = applyModel(generator, tf.randomNormal([64, 2]));
    // E[softplus(−D(x))] + E[softplus(D(G(z)))] + (γ/2)·E‖∇ₓD(x)‖² on the real batch.
    return optimizerD.minimize(() => tf.add(nonSaturatingDiscriminatorLoss(logits(xReal), logits(xFake)), r1Penalty(discriminator, xReal, { gamma: 1 })), true)!.dataSync()[0]!;
  });
  discriminator.trainable = false;
  generator.trainable = true;
  lossG = tf.tidy(() => optimizerG.minimize(() => nonSaturatingGeneratorLoss(logits(applyModel(generator, tf.randomNormal([64, 2])))), true)!.dataSync()[0]!);
}
console.log(JSON.stringify({ lossD, lossG, tensors: tf.memory().numTensors }));
