import * as tf from '@tensorflow/tfjs-core';
import { convGradients } from './gradients/conv.js';
import { elementwiseGradients } from './gradients/elementwise.js';
import { matMulGradients } from './gradients/matmul.js';
import { normGradients } from './gradients/norm.js';
import { reductionGradients } from './gradients/reduction.js';
import { shapeGradients } from './gradients/shape.js';
import type { GradConfig } from './util.js';

/**
 * ganref's gradient registry: second-order-correct gradient configs for the TF.js kernels a GAN
 * critic and its losses use.
 *
 * Why ganref registers its own: under Node, `@tensorflow/tfjs-core` resolves to its CJS bundle,
 * which registers no gradient at all (only the full `@tensorflow/tfjs` package does), and the
 * stock configs are not fit for double backprop anyway:
 *
 * - Saved outputs. The engine saves a tensor for the backward pass by cloning it inside the
 *   kernel call, so the clone's tape node is recorded BEFORE the node of the kernel that produced
 *   the tensor. A gradient computed from a saved output (stock Tanh, Sigmoid, Exp, Sqrt, Rsqrt,
 *   Elu, Softmax, Pow's second input…) is therefore walked too late when that gradient is itself
 *   differentiated, and the terms through the output are silently dropped. Every config here
 *   saves inputs only and recomputes what it needs.
 * - Kernels without a gradient. Stock relu/relu6/leakyRelu/prelu/maximum/minimum gradients build
 *   masks with comparison kernels (Greater, LessEqual…) many of which have no gradient config;
 *   the mask lies on a path from x to y, so the second backward pass throws "gradient function
 *   not found". Stock Elu's gradient is the EluGrad kernel, which has no gradient either. Here
 *   every comparison gets a zero gradient and every derivative is written with differentiable ops.
 *
 * Call `ensureGradients()` at each public entry point that differentiates: it is a cheap identity
 * check, and re-registers whatever another library (for example the full `@tensorflow/tfjs`
 * bundle, which registers the stock configs when it is imported) has replaced.
 */

/** Every config ganref registers, in registration order. */
export const GRADIENT_CONFIGS: readonly GradConfig[] = [
  ...elementwiseGradients,
  ...reductionGradients,
  ...shapeGradients,
  ...matMulGradients,
  ...convGradients,
  ...normGradients,
];

/** The kernel names ganref covers, sorted. */
export const COVERED_KERNELS: readonly string[] = GRADIENT_CONFIGS.map((c) => c.kernelName).sort();

{
  const seen = new Set<string>();
  for (const c of GRADIENT_CONFIGS) {
    if (seen.has(c.kernelName)) throw new Error(`ganref autodiff: duplicate gradient config for ${c.kernelName}`);
    seen.add(c.kernelName);
  }
}

/** Whether the registry currently holds ganref's config (the same object) for `kernelName`. */
export function isOurs(kernelName: string): boolean {
  const config = GRADIENT_CONFIGS.find((c) => c.kernelName === kernelName);
  return config !== undefined && tf.getGradient(kernelName) === config;
}

/**
 * Registers every ganref gradient config that is not already registered (by identity). Returns
 * the names of the kernels (re)registered, empty when nothing changed, so it is idempotent.
 * (`tf.registerGradient` warns about overriding only when the `DEBUG` flag is on; a user who turns
 * DEBUG on sees which stock configs ganref replaces, which is what DEBUG is for.)
 */
export function registerGradients(): string[] {
  const changed: string[] = [];
  for (const config of GRADIENT_CONFIGS) {
    if (tf.getGradient(config.kernelName) !== config) {
      tf.registerGradient(config);
      changed.push(config.kernelName);
    }
  }
  return changed;
}

/**
 * Makes sure ganref's configs are the registered ones; cheap (one map lookup per kernel) and safe
 * to call at every public entry point. Re-registers those another library replaced.
 */
export function ensureGradients(): void {
  for (const config of GRADIENT_CONFIGS) {
    if (tf.getGradient(config.kernelName) !== config) {
      registerGradients();
      return;
    }
  }
}

export {
  checkGrads,
  type CheckGradsOptions,
  type CheckGradsReport,
  type GradCheckEntry,
  GradCheckError,
} from './check-grads.js';
export { fusedConv2d, fusedDense, logSoftmax } from './ops.js';
