import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform } from '../../arbitraries.js';
import { flat } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkThat, invariant, values } from '../../invariant.js';
import { gradsOf, nd, sizeOf, t1, tensorOf } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import { clipVariables, clipWeights, WEIGHT_CLIPPING_ID } from '../../../regularizers/weight-clipping.js';

interface ClipDraw {
  shape: number[];
  w: number[];
  c: number;
}

/** Weights of rank 1–3 around ±c (a third inside, the rest outside up to 3c), never exactly at ±c. */
const clipDraws: fc.Arbitrary<ClipDraw> = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    c: fc.oneof(fc.constant(f32(0.01)), uniform(0.01, 2)),
  })
  .chain(({ shape, c }) =>
    flat(fc.oneof(uniform(-3 * c, 3 * c), uniform(-1e4, 1e4), fc.constantFrom(0, -0)), sizeOf(shape)).map((w) => ({
      shape,
      c,
      w: w.map(f32),
    })),
  )
  .filter((d) => d.w.every((v) => Math.abs(v) !== d.c));

const clip64 = (w: number[], c: number) => w.map((v) => Math.min(Math.max(v, -c), c));

function clipCase(shape: number[], w: number[], c: number, label?: string, grads = true): Case {
  return { inputs: { weights: nd(shape, w) }, params: { c }, grads, ...(label ? { label } : {}) };
}

export const weightClipping: Spec = defineSpec({
  id: WEIGHT_CLIPPING_ID,
  title: 'Weight clipping (WGAN)',
  reference: 'Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, Algorithm 1 (line 7: w ← clip(w, −c, c))',
  section: 'regularizers',
  inputs: { weights: { kind: 'network-weights', doc: 'critic weights w, any shape' } },
  params: { c: { doc: 'the clipping bound c > 0', default: 0.01 } },
  outputs: ['clipped'],
  evaluate: (x, p) => ({ clipped: clipWeights(x.weights, { c: p.c }) }),
  sample: clipDraws.map((d) => clipCase(d.shape, d.w, d.c)),
  edges: [
    clipCase([6], [-1, -0.25, 0, 0.3, 0.49, 2], 0.5, 'closed form: c = ½ gives [−½, −¼, 0, 0.3, 0.49, ½]'),
    clipCase([2, 2], [1e4, -1e4, 0.005, -0.005], 0.01, 'edge: ±1e4 and c = 0.01 (the paper)'),
    clipCase([4], [0.5, -0.5, 0.25, 1], 0.5, 'edge: weights exactly at ±c (kink: gradient not compared)', false),
  ],
  secondOrder: true,
  invariants: [
    invariant('clipped values lie in [−c, c] and equal min(max(w, −c), c) exactly', clipDraws, (d) => {
      const got = values(clipWeights(tensorOf(nd(d.shape, d.w)), { c: d.c }));
      checkThat(
        got.every((v) => v >= -d.c && v <= d.c),
        `a value outside [−${d.c}, ${d.c}]`,
      );
      checkAllClose('clipped', got, clip64(d.w, d.c), 0, 0);
    }),
    invariant('idempotent: clipping twice equals clipping once', clipDraws, (d) => {
      const once = clipWeights(tensorOf(nd(d.shape, d.w)), { c: d.c });
      checkAllClose('clip(clip(w))', values(clipWeights(once, { c: d.c })), values(once), 0, 0);
    }),
    invariant('weights already inside [−c, c] are unchanged', clipDraws, (d) => {
      const inside = d.w.map((v) => f32(Math.max(-d.c, Math.min(d.c, v)) * 0.999));
      checkAllClose('clip(w)', values(clipWeights(tensorOf(nd(d.shape, inside)), { c: d.c })), inside, 0, 0);
    }),
    invariant('gradient: 1 strictly inside (−c, c), 0 strictly outside', clipDraws, (d) => {
      const [g] = gradsOf((w) => clipWeights(w!, { c: d.c }), [tensorOf(nd(d.shape, d.w))]);
      checkAllClose(
        'd clipped / d w',
        g!,
        d.w.map((v) => (Math.abs(v) < d.c ? 1 : 0)),
        0,
        0,
      );
    }),
    invariant('clipVariables clips tf.Variables in place, returns nothing and leaves no tensor', clipDraws, (d) => {
      const vars = [tf.variable(tensorOf(nd(d.shape, d.w))), tf.variable(t1([3 * d.c, -0.5 * d.c]))];
      const before = tf.memory().numTensors;
      const ret = clipVariables(vars, { c: d.c }) as unknown;
      checkThat(ret === undefined, 'clipVariables returned something');
      checkThat(tf.memory().numTensors === before, `clipVariables left ${tf.memory().numTensors - before} tensor(s)`);
      checkAllClose('variable 0', values(vars[0]!), clip64(d.w, d.c), 0, 0);
      checkAllClose('variable 1', values(vars[1]!), [d.c, f32(-0.5 * d.c)], 0, 0);
      vars.forEach((v) => v.dispose());
    }),
  ],
  errors: [
    { name: 'c = 0', call: () => clipWeights(t1([1]), { c: 0 }), error: 'InvalidParameterError', argument: 'c' },
    { name: 'c < 0', call: () => clipWeights(t1([1]), { c: -0.01 }), error: 'InvalidParameterError', argument: 'c' },
    { name: 'c = NaN', call: () => clipWeights(t1([1]), { c: NaN }), error: 'InvalidParameterError', argument: 'c' },
    {
      name: 'an unknown option',
      call: () => clipWeights(t1([1]), { clip: 1 } as never),
      error: 'InvalidParameterError',
      argument: 'clip',
    },
    {
      name: 'a plain array',
      call: () => clipWeights([1, 2] as never),
      error: 'InvalidArgumentError',
      argument: 'weights',
    },
    {
      name: 'an int32 tensor',
      call: () => clipWeights(tf.tensor1d([1], 'int32')),
      error: 'InvalidArgumentError',
      argument: 'weights',
    },
    { name: 'a NaN weight', call: () => clipWeights(t1([0, NaN])), error: 'InvalidArgumentError', argument: 'weights' },
    {
      name: 'clipVariables with a plain tensor',
      call: () => clipVariables([t1([1]) as never]),
      error: 'InvalidArgumentError',
      argument: 'variables[0]',
    },
    {
      name: 'clipVariables with c ≤ 0',
      call: () => clipVariables([], { c: 0 }),
      error: 'InvalidParameterError',
      argument: 'c',
    },
  ],
  benchmark: () => benchCase({ weights: uniformArray([BENCH.features, BENCH.hidden], -0.05, 0.05, 1) }, { c: 0.01 }),
});
