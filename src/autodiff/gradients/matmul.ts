import * as tf from '@tensorflow/tfjs-core';
import { activationVjp, type FusedActivation } from '../activations.js';
import { type GradConfig, optionalInputs, reduceToShape } from '../util.js';

/**
 * Gradients of matrix products. For C = op(A) op(B) with op = transpose or not:
 *   no  / no : dA = dC Bᵀ,    dB = Aᵀ dC
 *   no  / yes: dA = dC B,     dB = dCᵀ A
 *   yes / no : dA = B dCᵀ,    dB = A dC
 *   yes / yes: dA = Bᵀ dCᵀ,   dB = dCᵀ Aᵀ
 * Batch dimensions broadcast, so each result is summed back to its input's shape. Both results
 * are matMuls (linear in dC and in the other factor), so higher orders reuse this same config.
 */

type T = tf.Tensor;

/**
 * dA alone (one matMul): a gradient thunk computes only the product its input needs, so every
 * backward matMul runs once (computing both in each thunk ran each product twice).
 */
function matMulGradA(a: T, b: T, dc: T, transposeA: boolean, transposeB: boolean): T {
  let da: T;
  if (!transposeA && !transposeB) da = tf.matMul(dc, b, false, true);
  else if (!transposeA && transposeB) da = tf.matMul(dc, b, false, false);
  else if (transposeA && !transposeB) da = tf.matMul(b, dc, false, true);
  else da = tf.matMul(b, dc, true, true);
  return reduceToShape(da, a.shape, true);
}

/** dB alone (one matMul); see `matMulGradA`. */
function matMulGradB(a: T, b: T, dc: T, transposeA: boolean, transposeB: boolean): T {
  let db: T;
  if (!transposeA && !transposeB) db = tf.matMul(a, dc, true, false);
  else if (!transposeA && transposeB) db = tf.matMul(dc, a, true, false);
  else if (transposeA && !transposeB) db = tf.matMul(a, dc, false, false);
  else db = tf.matMul(dc, a, true, true);
  return reduceToShape(db, b.shape, true);
}

export const matMulGradients: GradConfig[] = [
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const tA = Boolean(attrs.transposeA);
      const tB = Boolean(attrs.transposeB);
      return {
        a: () => matMulGradA(a, b, dy as T, tA, tB),
        b: () => matMulGradB(a, b, dy as T, tA, tB),
      };
    },
  },
  {
    /**
     * The fused dense kernel y = act(op(a) op(b) + bias) (with prelu weights for 'prelu'). The
     * pre-activation is recomputed from the saved inputs and the activation's derivative taken
     * at it, never at the saved output. TF.js's `tf.fused.matMul` only reaches this kernel with a
     * recorded tape when called through `runKernel` (see `fusedDense` in `../ops.ts`); its own
     * op falls back to unfused ops under a gradient, except for the linear activation.
     *
     * dL/dz is needed by every input's gradient, so it is computed once, when the gradient
     * function runs (not in each thunk): the engine runs this inside its backward-pass scope,
     * which disposes it at the end of the pass. Each thunk then adds only its own product.
     */
    kernelName: '_FusedMatMul',
    inputsToSave: optionalInputs('a', 'b', 'bias', 'preluActivationWeights'),
    gradFunc: (dy, saved, attrs) => {
      const tA = Boolean(attrs.transposeA);
      const tB = Boolean(attrs.transposeB);
      const act = attrs.activation as FusedActivation;
      const [a, b, bias, prelu] = splitOptional(saved, act);
      const alpha = (attrs.leakyreluAlpha as number | undefined) ?? 0.2;
      let dz: T;
      let dPrelu: T | undefined;
      if ((act ?? 'linear') === 'linear') {
        dz = dy as T;
      } else {
        let z = tf.matMul(a, b, tA, tB);
        if (bias != null) z = tf.add(z, bias);
        ({ dz, dPrelu } = activationVjp(z, tf.reshape(dy as T, z.shape), act, prelu, alpha));
      }
      const out: Record<string, () => T> = {
        a: () => matMulGradA(a, b, dz, tA, tB),
        b: () => matMulGradB(a, b, dz, tA, tB),
      };
      if (bias != null) out.bias = () => reduceToShape(dz, bias.shape);
      if (prelu != null) out.preluActivationWeights = () => reduceToShape(dPrelu as T, prelu.shape);
      return out;
    },
  },
];

/**
 * Splits the saved inputs of a fused kernel, `[x, w, bias?, prelu?]` with absent ones dropped
 * (see `optionalInputs`). Prelu weights are taken to be present exactly when the activation is
 * 'prelu' (passing them with another activation and no bias is ambiguous and unsupported).
 */
export function splitOptional(saved: T[], act: FusedActivation | undefined): [T, T, T | undefined, T | undefined] {
  const [x, w, ...rest] = saved;
  if (act === 'prelu') {
    const prelu = rest[rest.length - 1];
    return [x, w, rest.length > 1 ? rest[0] : undefined, prelu];
  }
  return [x, w, rest[0], undefined];
}
