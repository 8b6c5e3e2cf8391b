import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gradientPenalty, r1Penalty } from 'ganref';
import { TEST_BACKENDS, useBackend } from './helpers.js';

// Penalties accept a real tf.LayersModel (from @tensorflow/tfjs-layers, a dev dependency here) as
// the critic: the penalty and its gradient wrt the model's weights (double backprop through the
// layers' own ops, fused dense included) equal those of the same network written as a function,
// and match finite differences.
describe.each(TEST_BACKENDS)('%s backend: a tf.LayersModel critic', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    // tfjs-layers' fused dense on wasm trips the engine's per-kernel data-id audit that the IS_TEST
    // flag (set in spec/setup.ts only to quiet a console hint) turns on; the audit is a TF.js
    // development aid, not part of what this test checks.
    tf.env().set('IS_TEST', false);
  });
  afterAll(() => {
    tf.env().set('IS_TEST', true);
  });

  for (const activation of ['tanh', 'relu', 'elu', 'sigmoid', 'softplus', 'selu'] as const) {
    test(`${activation}: gradient penalty and R1 equal the function critic's, and their weight gradients match finite differences`, () => {
      const model = tfl.sequential({
        layers: [tfl.layers.dense({ inputShape: [3], units: 4, activation, kernelInitializer: 'glorotUniform', biasInitializer: 'randomNormal' }), tfl.layers.dense({ units: 1 })],
      });
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const [w0, b0, w1, b1] = vars;
      const act = (z: tf.Tensor) => ({ tanh: tf.tanh, relu: tf.relu, elu: tf.elu, sigmoid: tf.sigmoid, softplus: tf.softplus, selu: tf.selu })[activation](z);
      const fnCritic = (x: tf.Tensor) => tf.add(tf.matMul(act(tf.add(tf.matMul(x, w0!), b0!)), w1!), b1!);
      const xReal = tf.tensor2d([[0.3, -1.2, 0.8], [1.1, 0.4, -0.7], [-0.5, 0.9, 0.2]]);
      const xFake = tf.tensor2d([[-0.9, 0.1, 0.6], [0.2, -0.4, 1.3], [0.7, 0.75, -1.1]]);
      const epsilon = tf.tensor1d([0.25, 0.6, 0.9]);
      const penalties = (critic: unknown) => () => tf.add(gradientPenalty(critic as never, xReal as never, xFake as never, { epsilon: epsilon as never, lambda: 10 }), r1Penalty(critic as never, xReal as never, { gamma: 10 }));
      const viaModel = tf.variableGrads(penalties(model) as () => tf.Scalar, vars);
      const viaFn = tf.variableGrads(penalties(fnCritic) as () => tf.Scalar, vars);
      expect(viaModel.value.dataSync()[0]).toBeCloseTo(viaFn.value.dataSync()[0]!, 5);
      // variableGrads keys its result by variable name and leaves out a variable with no path to
      // the result: the output bias, which shifts the critic but not its input gradient.
      expect(Object.keys(viaModel.grads)).toEqual(vars.slice(0, 3).map((v) => v.name));
      expect(Object.keys(viaFn.grads)).toEqual(vars.slice(0, 3).map((v) => v.name));
      for (const v of vars.slice(0, 3)) {
        const a = viaModel.grads[v.name]!.dataSync();
        const b = viaFn.grads[v.name]!.dataSync();
        a.forEach((x, i) => expect(Math.abs(x - b[i]!), `${v.name}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i]!))));
      }
      if (activation !== 'relu' && activation !== 'selu') {
        // Smooth activations: the weight gradient (a second derivative of the critic) against a
        // central difference of the penalty along a fixed direction of all the weights.
        const h = 1e-2;
        const dirs = vars.map((v, k) => tf.tidy(() => tf.sin(tf.add(tf.reshape(tf.range(0, v.size), v.shape as number[]), k + 1))));
        const original = vars.map((v) => v.clone());
        const at = (t: number) => {
          vars.forEach((v, k) => v.assign(tf.tidy(() => tf.add(original[k]!, tf.mul(t, dirs[k]!)))));
          return tf.tidy(() => (penalties(model)() as tf.Tensor).dataSync()[0]!);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        vars.forEach((v, k) => v.assign(original[k]!));
        const analytic = vars.slice(0, 3).reduce((acc, v, k) => acc + tf.tidy(() => tf.sum(tf.mul(viaModel.grads[v.name]!, dirs[k]!)).dataSync()[0]!), 0);
        expect(Math.abs(fd - analytic), `finite difference ${fd} vs ${analytic}`).toBeLessThanOrEqual(5e-3 * (1 + Math.abs(analytic)));
        tf.dispose([...dirs, ...original]);
      }
      tf.dispose([viaModel.value, ...Object.values(viaModel.grads), viaFn.value, ...Object.values(viaFn.grads), xReal, xFake, epsilon]);
      model.dispose();
    });
  }
});
