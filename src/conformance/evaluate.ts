import * as tf from '@tensorflow/tfjs-core';
import type { Case, NDArray, Spec } from '../catalog/types.js';

/** One result of evaluating a case with ganref: `o`, `grad:o:x` or `hvp:o:x`. */
export interface LocalResult {
  shape: number[];
  data: Float32Array;
}

/** The inputs a case differentiates with respect to: every input it has, when it compares gradients. */
export function wrtOf(c: Case): string[] {
  return c.grads ? Object.keys(c.inputs).sort() : [];
}

/** Seeded direction vectors in [−1, 1] for Hessian-vector products, one per input in `wrt`. */
export function directionsOf(c: Case, wrt: string[], seed: number): Record<string, NDArray> {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const next = () => {
    // mulberry32: small, seedable and good enough to pick directions.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Record<string, NDArray> = {};
  for (const name of wrt) {
    const a = c.inputs[name]!;
    out[name] = { shape: [...a.shape], data: a.data.map(() => Math.fround(2 * next() - 1)) };
  }
  return out;
}

const toTensor = (a: NDArray) => tf.tensor(a.data, a.shape, 'float32');

/**
 * Evaluates a case through the spec's public functions in float32 on the active backend: every
 * output's value; the gradient of sum(output) with respect to each input in `wrt`; and, with
 * `directions`, the Hessian-vector product ∇ₓ Σ_y ⟨∇_y sum(output), v_y⟩ (double backprop).
 * Leaves no tensors behind.
 */
export function evaluateCase(
  spec: Spec,
  c: Case,
  wrt: string[],
  directions?: Record<string, NDArray>,
): Map<string, LocalResult> {
  const inputs: Record<string, tf.Tensor> = {};
  for (const [name, a] of Object.entries(c.inputs)) inputs[name] = toTensor(a);
  const vs = directions ? Object.fromEntries(wrt.map((n) => [n, toTensor(directions[n]!)])) : undefined;
  try {
    return evaluateTensors(spec.id, (x, p) => spec.evaluate(x, p), spec.outputs, inputs, c.params, wrt, vs);
  } finally {
    tf.dispose([...Object.values(inputs), ...Object.values(vs ?? {})]);
  }
}

/**
 * The work of {@link evaluateCase} on inputs that are tensors already (a benchmark converts them
 * once, outside its timing), for any `evaluate` function of the spec's shape: the benchmark also
 * runs stock TF.js implementations through it. Reads every result back. Leaves no tensors behind
 * (the inputs stay the caller's).
 */
export function evaluateTensors(
  id: string,
  evaluate: Spec['evaluate'],
  outputNames: readonly string[],
  inputs: Record<string, tf.Tensor>,
  params: Record<string, unknown>,
  wrt: string[],
  directions?: Record<string, tf.Tensor>,
): Map<string, LocalResult> {
  const results = new Map<string, LocalResult>();
  tf.tidy(() => {
    const outputs = evaluate(inputs, params);
    for (const o of outputNames) {
      const t = outputs[o];
      if (!t) throw new Error(`${id}: evaluate() returned no output '${o}'`);
      results.set(o, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) });
    }
    if (wrt.length === 0) return;
    const xs = wrt.map((n) => inputs[n]!);
    for (const o of outputNames) {
      // sum(o) plus 0·Σ sum(x) so every input is on the tape and an unused one gets zeros.
      const objective = (...args: tf.Tensor[]) => {
        const replaced = { ...inputs };
        wrt.forEach((n, i) => (replaced[n] = args[i]!));
        const out = evaluate(replaced, params)[o]!;
        return args.reduce((acc, x) => tf.add(acc, tf.mul(0, tf.sum(x))), tf.sum(out)) as tf.Scalar;
      };
      const grads = tf.grads(objective)(xs);
      wrt.forEach((n, i) =>
        results.set(`grad:${o}:${n}`, { shape: [...grads[i]!.shape], data: Float32Array.from(grads[i]!.dataSync()) }),
      );
      if (directions) {
        const vs = wrt.map((n) => directions[n]!);
        const directional = (...args: tf.Tensor[]) => {
          const g = tf.grads(objective)(args);
          const anchor = args.reduce((acc, x) => tf.add(acc, tf.mul(0, tf.sum(x))), tf.scalar(0));
          return g.reduce((acc, gi, i) => tf.add(acc, tf.sum(tf.mul(gi, vs[i]!))), anchor) as tf.Scalar;
        };
        const hvps = tf.grads(directional)(xs);
        wrt.forEach((n, i) =>
          results.set(`hvp:${o}:${n}`, { shape: [...hvps[i]!.shape], data: Float32Array.from(hvps[i]!.dataSync()) }),
        );
      }
    }
  });
  return results;
}
