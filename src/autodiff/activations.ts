import * as tf from '@tensorflow/tfjs-core';
import { positiveMask } from './util.js';

/**
 * Derivatives of the activations, as functions of the activation's INPUT `x` (never of its saved
 * output), written with differentiable ops only. Recomputing from the input is what makes the
 * second derivative right: the tape links a saved input back to its producer before the kernel
 * that consumed it, while a saved output is linked after, so the engine walks it too late and the
 * terms through it are lost (see `index.ts`).
 *
 * Conventions at the kinks follow PyTorch (the oracle): relu'(0) = 0, relu6'(0) = relu6'(6) = 0,
 * leaky_relu'(0) = alpha, elu'(0) = 1 · exp(0) = 1 (alpha = 1), selu'(0) = scale · alpha.
 */

/** SELU constants (Klambauer et al. 2017), as in TF.js and PyTorch. */
export const SELU_ALPHA = 1.6732632423543772; // 1.6732632423543772848170429916717 to float64
export const SELU_SCALE = 1.0507009873554805; // 1.0507009873554804934193349852946 to float64

/** relu'(x) = [x > 0]. */
export function reluDeriv(x: tf.Tensor): tf.Tensor {
  return positiveMask(x);
}

/** relu6'(x) = [0 < x < 6]. */
export function relu6Deriv(x: tf.Tensor): tf.Tensor {
  return tf.mul(positiveMask(x), positiveMask(tf.sub(6, x)));
}

/** leaky_relu'(x) = 1 for x > 0, alpha otherwise. `alpha` may be a tensor (prelu). */
export function leakyDeriv(x: tf.Tensor, alpha: number | tf.Tensor): tf.Tensor {
  const m = positiveMask(x);
  return tf.add(m, tf.mul(tf.sub(1, m), alpha));
}

/**
 * exp(min(x, 0)): equals exp(x) where x ≤ 0 and stays finite for large x, so the unused branch
 * contributes 0 instead of 0 · ∞ = NaN to higher derivatives.
 */
function expNeg(x: tf.Tensor): tf.Tensor {
  return tf.exp(tf.minimum(x, 0));
}

/** elu'(x) = 1 for x > 0, exp(x) otherwise (TF.js's elu has alpha = 1). */
export function eluDeriv(x: tf.Tensor): tf.Tensor {
  const m = positiveMask(x);
  return tf.add(m, tf.mul(tf.sub(1, m), expNeg(x)));
}

/** selu'(x) = scale for x > 0, scale · alpha · exp(x) otherwise. */
export function seluDeriv(x: tf.Tensor): tf.Tensor {
  const m = positiveMask(x);
  return tf.mul(SELU_SCALE, tf.add(m, tf.mul(tf.sub(1, m), tf.mul(SELU_ALPHA, expNeg(x)))));
}

/** sigmoid'(x) = s (1 − s), s = sigmoid(x). */
export function sigmoidDeriv(x: tf.Tensor): tf.Tensor {
  // σ(x)·σ(−x), not σ·(1 − σ): once σ(x) rounds near 1 (x ≳ 9 in float32) 1 − σ(x) keeps no
  // correct digits (at x = 17: 5.96e-8 against 4.1e-8), and softplus'' = σ' inherits the error.
  return tf.mul(tf.sigmoid(x), tf.sigmoid(tf.neg(x)));
}

/** tanh'(x) = 1 − tanh(x)² = 4·σ(2x)·σ(−2x), the second form free of cancellation as |x| grows. */
export function tanhDeriv(x: tf.Tensor): tf.Tensor {
  const twoX = tf.mul(2, x);
  return tf.mul(4, tf.mul(tf.sigmoid(twoX), tf.sigmoid(tf.neg(twoX))));
}

/** softplus'(x) = sigmoid(x). */
export function softplusDeriv(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(x);
}

/** The activations of TF.js's fused ops (`tf.fused.matMul`, `tf.fused.conv2d`). */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'prelu' | 'leakyrelu' | 'sigmoid';

/** Applies a fused activation with ordinary (differentiable) ops. */
export function applyActivation(
  z: tf.Tensor,
  activation: FusedActivation | undefined,
  preluWeights?: tf.Tensor,
  leakyAlpha = 0.2,
): tf.Tensor {
  switch (activation ?? 'linear') {
    case 'linear':
      return z;
    case 'relu':
      return tf.relu(z);
    case 'relu6':
      return tf.relu6(z);
    case 'elu':
      return tf.elu(z);
    case 'prelu':
      return tf.prelu(z, preluWeights as tf.Tensor);
    case 'leakyrelu':
      return tf.leakyRelu(z, leakyAlpha);
    case 'sigmoid':
      return tf.sigmoid(z);
    default:
      throw new Error(`ganref autodiff: unknown fused activation '${String(activation)}'`);
  }
}

/**
 * Vector-Jacobian product of a fused activation at pre-activation `z`: returns dL/dz for
 * dL/dy = `dy`, and for prelu also dL/d(weights) before reduction to the weights' shape.
 */
export function activationVjp(
  z: tf.Tensor,
  dy: tf.Tensor,
  activation: FusedActivation | undefined,
  preluWeights?: tf.Tensor,
  leakyAlpha = 0.2,
): { dz: tf.Tensor; dPrelu?: tf.Tensor } {
  switch (activation ?? 'linear') {
    case 'linear':
      return { dz: dy };
    case 'relu':
      return { dz: tf.mul(dy, reluDeriv(z)) };
    case 'relu6':
      return { dz: tf.mul(dy, relu6Deriv(z)) };
    case 'elu':
      return { dz: tf.mul(dy, eluDeriv(z)) };
    case 'leakyrelu':
      return { dz: tf.mul(dy, leakyDeriv(z, leakyAlpha)) };
    case 'sigmoid':
      return { dz: tf.mul(dy, sigmoidDeriv(z)) };
    case 'prelu': {
      const w = preluWeights as tf.Tensor;
      const m = positiveMask(z);
      return { dz: tf.mul(dy, leakyDeriv(z, w)), dPrelu: tf.mul(dy, tf.mul(tf.sub(1, m), z)) };
    }
    default:
      throw new Error(`ganref autodiff: unknown fused activation '${String(activation)}'`);
  }
}
