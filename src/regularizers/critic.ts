import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';

/**
 * Critics that regularizers differentiate through. A critic is either a function of TF.js ops
 * (x [n, ...] ↦ scores [n] or [n, 1]) or anything with a Layers-style `apply` (a
 * `tf.LayersModel` or a `tf.Sequential`), so penalties work with plain functions and with
 * models alike. Examples must not interact inside the critic (no batch statistics) for the
 * per-example gradients below to be per-example.
 */
export type CriticFn = (x: tf.Tensor) => tf.Tensor;

/** The part of `tf.LayersModel` a penalty needs. */
export interface LayersModelLike {
  /** The model's forward pass (`tf.LayersModel.apply`). */
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): unknown;
}

/** A critic a penalty differentiates through: a function of tensors or a `tf.LayersModel`. */
export type Critic = CriticFn | LayersModelLike;

/** The name `applyModel`'s errors give as their spec. */
export const APPLY_MODEL_ID = 'applyModel';

/**
 * Runs a `tf.LayersModel` (or anything with a Layers-style `apply`) on one tensor and returns its
 * one output as a `tf.Tensor`. `model.apply` is typed to return a tensor, a list of tensors or a
 * symbolic tensor, so calling it directly needs an `as tf.Tensor` cast in strict TypeScript; this
 * checks at run time instead, with a `GanrefError` for a model with several outputs or a
 * symbolic one.
 *
 * @example
 * const score = (x: tf.Tensor) => asCriticScores(applyModel(critic, x));
 * @param model the model (`tf.Sequential`, `tf.LayersModel`, …)
 * @param x its input, a concrete tensor
 * @param kwargs passed on to `apply` (e.g. `{ training: true }`)
 * @returns the model's output tensor
 */
export function applyModel(model: LayersModelLike, x: tf.Tensor, kwargs?: Record<string, unknown>): tf.Tensor {
  if (!model || typeof (model as Partial<LayersModelLike>).apply !== 'function')
    throw new InvalidArgumentError(
      APPLY_MODEL_ID,
      'model',
      'a model with an apply method (a tf.LayersModel)',
      typeof model,
    );
  if (!(x instanceof tf.Tensor)) throw new InvalidArgumentError(APPLY_MODEL_ID, 'x', 'a tensor', typeof x);
  const out = kwargs === undefined ? model.apply(x) : model.apply(x, kwargs);
  if (!(out instanceof tf.Tensor)) {
    if (Array.isArray(out)) tf.dispose(out.filter((t): t is tf.Tensor => t instanceof tf.Tensor && t !== x));
    throw new InvalidArgumentError(
      APPLY_MODEL_ID,
      'model',
      'a model with one output tensor',
      Array.isArray(out) ? `a model with ${out.length} outputs` : 'a symbolic output',
    );
  }
  return out;
}

/** The critic as a function x ↦ scores of shape [n]. */
export function criticFn(spec: string, argument: string, critic: unknown): CriticFn {
  if (typeof critic === 'function') return (x) => flatScores(spec, argument, (critic as CriticFn)(x), x);
  if (critic && typeof (critic as LayersModelLike).apply === 'function') {
    const model = critic as LayersModelLike;
    return (x) => {
      const out = model.apply(x, { training: true });
      if (!(out instanceof tf.Tensor))
        throw new InvalidArgumentError(
          spec,
          argument,
          'a model with one output tensor',
          'a model with several outputs',
        );
      return flatScores(spec, argument, out, x);
    };
  }
  throw new InvalidArgumentError(spec, argument, 'a critic: a function of tensors or a tf.LayersModel', typeof critic);
}

function flatScores(spec: string, argument: string, out: unknown, x: tf.Tensor): tf.Tensor {
  if (!(out instanceof tf.Tensor))
    throw new InvalidArgumentError(spec, argument, 'a critic returning a tensor', typeof out);
  const n = x.shape[0]!;
  if (out.shape[0] !== n || out.size !== n) {
    throw new InvalidArgumentError(
      spec,
      argument,
      `a critic returning one score per example ([${n}] or [${n}, 1])`,
      `a tensor of shape [${out.shape.join(', ')}]`,
    );
  }
  return out.rank === 1 ? out : tf.reshape(out, [n]);
}

/**
 * ∇ₓ c(x) for every example at once: the gradient of Σᵢ c(xᵢ), which is per example because
 * examples do not interact. Recorded on the tape, so a loss built from it can be differentiated
 * again (double backprop). Call inside `tf.tidy`.
 */
export function inputGradients(critic: CriticFn, x: tf.Tensor): tf.Tensor {
  return tf.grad((z: tf.Tensor) => tf.sum(critic(z)))(x);
}

/**
 * Per-example Euclidean norms over every axis but the first, safe at zero: ‖0‖ = 0 with
 * derivative 0 (the subgradient PyTorch's `norm` also returns) instead of the NaN of
 * 0·(1/(2√0)). Call inside `tf.tidy`.
 */
export function perExampleNorm(g: tf.Tensor): tf.Tensor {
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  const squares = axes.length ? tf.sum(tf.square(g), axes) : tf.square(g);
  const positive = tf.greater(squares, 0);
  const safe = tf.where(positive, squares, tf.onesLike(squares));
  return tf.where(positive, tf.sqrt(safe), tf.zerosLike(squares));
}
