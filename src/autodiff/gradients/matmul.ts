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

function matMulGrads(a: T, b: T, dc: T, transposeA: boolean, transposeB: boolean): { da: T; db: T } {
  let da: T;
  let db: T;
  if (!transposeA && !transposeB) {
    da = tf.matMul(dc, b, false, true);
    db = tf.matMul(a, dc, true, false);
  } else if (!transposeA && transposeB) {
    da = tf.matMul(dc, b, false, false);
    db = tf.matMul(dc, a, true, false);
  } else if (transposeA && !transposeB) {
    da = tf.matMul(b, dc, false, true);
    db = tf.matMul(a, dc, false, false);
  } else {
    da = tf.matMul(b, dc, true, true);
    db = tf.matMul(dc, a, true, true);
  }
  return { da: reduceToShape(da, a.shape), db: reduceToShape(db, b.shape) };
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
        a: () => matMulGrads(a, b, dy as T, tA, tB).da,
        b: () => matMulGrads(a, b, dy as T, tA, tB).db,
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
     */
    kernelName: '_FusedMatMul',
    inputsToSave: optionalInputs('a', 'b', 'bias', 'preluActivationWeights'),
    gradFunc: (dy, saved, attrs) => {
      const tA = Boolean(attrs.transposeA);
      const tB = Boolean(attrs.transposeB);
      const act = attrs.activation as FusedActivation;
      const [a, b, bias, prelu] = splitOptional(saved, act);
      const alpha = (attrs.leakyreluAlpha as number | undefined) ?? 0.2;
      const parts = () => {
        let z = tf.matMul(a, b, tA, tB);
        if (bias != null) z = tf.add(z, bias);
        const { dz, dPrelu } = activationVjp(z, tf.reshape(dy as T, z.shape), act, prelu, alpha);
        return { dz, dPrelu };
      };
      const out: Record<string, () => T> = {
        a: () => matMulGrads(a, b, parts().dz, tA, tB).da,
        b: () => matMulGrads(a, b, parts().dz, tA, tB).db,
      };
      if (bias != null) out.bias = () => reduceToShape(parts().dz, bias.shape);
      if (prelu != null) out.preluActivationWeights = () => reduceToShape(parts().dPrelu as T, prelu.shape);
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

