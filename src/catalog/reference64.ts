import { SELU_ALPHA, SELU_SCALE } from '../autodiff/activations.js';
import type { Activation } from '../nets/index.js';

/**
 * Float64 references in plain JavaScript, written from the definitions and independent of
 * TF.js, for invariants that compare ganref's float32 results with the exact value.
 */

/** An activation in float64, with PyTorch's conventions (leaky-relu slope `alpha`, elu α = 1, selu constants). */
export function act64(z: number, a: Activation, alpha: number): number {
  switch (a) {
    case 'linear':
      return z;
    case 'relu':
      return Math.max(z, 0);
    case 'leaky-relu':
      return z > 0 ? z : alpha * z;
    case 'elu':
      return z > 0 ? z : Math.expm1(z);
    case 'selu':
      return SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z));
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    case 'softplus':
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    case 'swish':
    case 'silu':
      return z * act64(z, 'sigmoid', alpha);
  }
}
