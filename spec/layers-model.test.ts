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

  // The finite difference below steps every weight by ±h along `direction`; for an activation that
  // is not C² (elu: its second derivative jumps at 0) the difference is only valid when no
  // pre-activation the penalties evaluate changes sign between the two points.
  const h = 1e-2;
  const direction = (size: number, k: number) => Array.from({ length: size }, (_, i) => Math.sin(i + k + 1));
  const points = [
    [
      [0.3, -1.2, 0.8],
      [1.1, 0.4, -0.7],
      [-0.5, 0.9, 0.2],
    ],
    [
      [-0.9, 0.1, 0.6],
      [0.2, -0.4, 1.3],
      [0.7, 0.75, -1.1],
    ],
  ];
  const eps = [0.25, 0.6, 0.9];
  // Every point the critic sees: the reals (R1) and the interpolates either way round (the penalty's).
  const seen = [
    ...points[0]!,
    ...points[1]!,
    ...points[0]!.flatMap((r, i) => [
      r.map((x, j) => eps[i]! * x + (1 - eps[i]!) * points[1]![i]![j]!),
      r.map((x, j) => (1 - eps[i]!) * x + eps[i]! * points[1]![i]![j]!),
    ]),
  ];
  const straddlesAKink = (w0: ArrayLike<number>, b0: ArrayLike<number>, units: number) => {
    const d0 = direction(w0.length, 0);
    const db = direction(b0.length, 1);
    return seen.some((x) =>
      Array.from({ length: units }, (_, u) => u).some((u) => {
        const z = (t: number) =>
          x.reduce((acc, xi, i) => acc + xi * (w0[i * units + u]! + t * d0[i * units + u]!), b0[u]! + t * db[u]!);
        return Math.sign(z(-h)) !== Math.sign(z(h));
      }),
    );
  };

  test('the kink check sees a pre-activation crossing 0 within the step, and only then', () => {
    // Zero weights and biases: every pre-activation is t·(direction), which changes sign at t = 0.
    expect(straddlesAKink(new Array(12).fill(0), new Array(4).fill(0), 4)).toBe(true);
    // Biases of 10 keep every pre-activation positive.
    expect(straddlesAKink(new Array(12).fill(0), new Array(4).fill(10), 4)).toBe(false);
  });

  for (const activation of ['tanh', 'relu', 'elu', 'sigmoid', 'softplus', 'selu'] as const) {
    test(`${activation}: gradient penalty and R1 equal the function critic's, and their weight gradients match finite differences`, () => {
      // Seeded initializers (the same weights on every run); the first seed whose weights put no
      // pre-activation on a kink within the finite-difference step.
      let model!: tfl.Sequential;
      for (let seed = 1; ; seed++) {
        model = tfl.sequential({
          layers: [
            tfl.layers.dense({
              inputShape: [3],
              units: 4,
              activation,
              kernelInitializer: tfl.initializers.glorotUniform({ seed }),
              biasInitializer: tfl.initializers.randomNormal({ seed: seed + 1000 }),
            }),
            tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2000 }) }),
          ],
        });
        const [k0, c0] = model.trainableWeights.map((w) => w.read().dataSync());
        if (!straddlesAKink(k0!, c0!, 4)) break;
        expect(seed, 'no seed under 50 keeps the pre-activations off the kinks').toBeLessThan(50);
        model.dispose();
      }
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const [w0, b0, w1, b1] = vars;
      const act = (z: tf.Tensor) =>
        ({ tanh: tf.tanh, relu: tf.relu, elu: tf.elu, sigmoid: tf.sigmoid, softplus: tf.softplus, selu: tf.selu })[
          activation
        ](z);
      const fnCritic = (x: tf.Tensor) => tf.add(tf.matMul(act(tf.add(tf.matMul(x, w0!), b0!)), w1!), b1!);
      const xReal = tf.tensor2d(points[0]!);
      const xFake = tf.tensor2d(points[1]!);
      const epsilon = tf.tensor1d(eps);
      const penalties = (critic: unknown) => () =>
        tf.add(
          gradientPenalty(critic as never, xReal as never, xFake as never, { epsilon: epsilon as never, lambda: 10 }),
          r1Penalty(critic as never, xReal as never, { gamma: 10 }),
        );
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
        a.forEach((x, i) =>
          expect(Math.abs(x - b[i]!), `${v.name}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i]!))),
        );
      }
      if (activation !== 'relu' && activation !== 'selu') {
        // Smooth activations: the weight gradient (a second derivative of the critic) against a
        // central difference of the penalty along a fixed direction of all the weights.
        const dirs = vars.map((v, k) => tf.tensor(direction(v.size, k), v.shape as number[], 'float32'));
        const original = vars.map((v) => v.clone());
        const at = (t: number) => {
          vars.forEach((v, k) => v.assign(tf.tidy(() => tf.add(original[k]!, tf.mul(t, dirs[k]!)))));
          return tf.tidy(() => (penalties(model)() as tf.Tensor).dataSync()[0]!);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        vars.forEach((v, k) => v.assign(original[k]!));
        const analytic = vars
          .slice(0, 3)
          .reduce(
            (acc, v, k) => acc + tf.tidy(() => tf.sum(tf.mul(viaModel.grads[v.name]!, dirs[k]!)).dataSync()[0]!),
            0,
          );
        expect(Math.abs(fd - analytic), `finite difference ${fd} vs ${analytic}`).toBeLessThanOrEqual(
          5e-3 * (1 + Math.abs(analytic)),
        );
        tf.dispose([...dirs, ...original]);
      }
      tf.dispose([
        viaModel.value,
        ...Object.values(viaModel.grads),
        viaFn.value,
        ...Object.values(viaFn.grads),
        xReal,
        xFake,
        epsilon,
      ]);
      model.dispose();
    });
  }
});
