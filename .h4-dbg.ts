import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { convCriticSpec } from './src/catalog/entries/networks.js';
import { checkGrads } from './src/autodiff/index.js';
await tf.setBackend('cpu');
const c = convCriticSpec.edges.find((e) => e.label === "coverage: activation 'leaky-relu'")!;
console.log(JSON.stringify(c.params), Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, v.shape])));
const names = Object.keys(c.inputs).sort();
const ts = names.map((n) => tf.tensor(c.inputs[n]!.data, c.inputs[n]!.shape));
for (const n of ['convB0', 'x', 'convW0', 'denseW0']) {
  const i = names.indexOf(n);
  const f = (t: tf.Tensor) => convCriticSpec.evaluate(Object.fromEntries(names.map((m, j) => [m, j === i ? t : ts[j]!])), c.params).gradientPenalty!;
  const r = checkGrads(f, [ts[i]!], { order: 1, eps: 2 ** -12, throwOnMismatch: false, directions: 2 });
  console.log(n, r.ok, r.worst.map((e) => [e.analytic, e.numeric]));
}
