import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { LossOptions, Reduction, SampleLosses, Samples, Weights, Reduced } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkReduction, checkWeights, reduceLoss } from '../reduce.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor } from '../validate.js';
import { generatorLoss, type GeneratorLossOptions } from './common.js';

/** The catalog id of this spec, `objective/loss-sensitive`; errors from these functions name it. */
export const LOSS_SENSITIVE_ID = 'objective/loss-sensitive';

/** The margin Δ(x_r, x_f) of the loss-sensitive GAN: the ℓ1 or the ℓ2 distance between paired samples. */
export type LossSensitiveMargin = 'l1' | 'l2';
/** The margins Δ(x_r, x_f) of the loss-sensitive GAN. */
export const LOSS_SENSITIVE_MARGINS: readonly LossSensitiveMargin[] = ['l1', 'l2'];

/** Options of the loss-sensitive discriminator (loss-function) objective. */
export interface LossSensitiveOptions extends LossOptions {
  /** λ ≥ 0, the weight of the margin (hinge) term. Default 1. */
  lambda?: number;
  /** Δ: `'l1'` (default) Σⱼ|x_r − x_f|, or `'l2'` √(Σⱼ(x_r − x_f)²), over all non-batch axes. */
  margin?: LossSensitiveMargin;
  /** Per-pair weights w ≥ 0, shape [n]: pair i is (x_r[i], x_f[i]). */
  weights?: Weights;
}

/**
 * The per-example margin Δ(x_r[i], x_f[i]) over all non-batch axes, for [n, ...] inputs.
 * ℓ2 is √(Σ d²) with the zero-distance rows masked: there the value is 0 and the (sub)gradient
 * 0, never 0·∞ = NaN; a `where` on a safe stand-in (1) keeps the square root away from 0 in both
 * passes. Finite while Σ d² stays below float32's 3.4e38 (|x| up to ~1e18). Call inside `tf.tidy`.
 */
export function pairwiseMargin(xReal: tf.Tensor, xFake: tf.Tensor, margin: LossSensitiveMargin): tf.Tensor {
  const n = xReal.shape[0]!;
  const diff = tf.reshape(tf.sub(xReal, xFake), [n, -1]);
  if (margin === 'l1') return tf.sum(tf.abs(diff), 1);
  const squares = tf.sum(tf.square(diff), 1);
  const positive = tf.greater(squares, 0);
  const safe = tf.where(positive, squares, tf.onesLike(squares));
  return tf.where(positive, tf.sqrt(safe), tf.zerosLike(squares));
}

/**
 * Loss-sensitive GAN objective of the loss function L_θ (Qi 2017, "Loss-Sensitive Generative
 * Adversarial Networks on Lipschitz Densities", §3, the objective S(θ, φ*) minimised over θ):
 *
 *   S = E[L(x_r)] + λ·E[(Δ(x_r, x_f) + L(x_r) − L(x_f))₊],     (a)₊ = max(0, a)
 *
 * The loss L_θ should give a real sample a loss smaller than a generated one by at least the
 * margin Δ(x_r, x_f), a distance between the two samples: the hinge is 0 once
 * L(x_f) ≥ L(x_r) + Δ. Conventions: the expectation over the pair (x, z) is taken over paired
 * rows i of the two batches (n = m), as in the paper's minibatch algorithm; Δ is the unnormalised
 * ℓ1 (default) or ℓ2 distance summed over all non-batch axes (divide the samples by a constant
 * to scale the margin; a per-pixel mean is Δ/d). Qi's analysis takes L_θ ≥ 0 (so E[L(x_r)] is
 * bounded below); ganref accepts any finite L and leaves the output layer to the caller. Neither
 * TF-GAN nor PyTorch ships this loss. The loss network L is an input here as its per-sample
 * values, so gradients flow to L(x_r), L(x_f) and (through Δ) to both samples.
 *
 * @param lossReal L_θ(x_r), shape [n]
 * @param lossFake L_θ(G(z)), shape [n]
 * @param xReal real samples, shape [n, ...]
 * @param xFake generated samples, the same shape as xReal
 * @param options λ (default 1), margin ('l1' default, 'l2'), reduction ('mean' default, 'sum',
 *   'none' gives the per-pair L(x_r) + λ(Δ + L(x_r) − L(x_f))₊) and per-pair weights
 */
export function lossSensitiveDiscriminatorLoss(
  lossReal: SampleLosses,
  lossFake: SampleLosses,
  xReal: Samples,
  xFake: Samples,
  options?: Reduced<LossSensitiveOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function lossSensitiveDiscriminatorLoss(
  lossReal: SampleLosses,
  lossFake: SampleLosses,
  xReal: Samples,
  xFake: Samples,
  options: LossSensitiveOptions,
): tf.Tensor;
export function lossSensitiveDiscriminatorLoss(
  lossReal: SampleLosses,
  lossFake: SampleLosses,
  xReal: Samples,
  xFake: Samples,
  options?: LossSensitiveOptions,
): tf.Tensor {
  ensureGradients();
  const spec = LOSS_SENSITIVE_ID;
  checkKnownOptions(spec, options, ['lambda', 'margin', 'reduction', 'weights']);
  const lambda = checkNumber(spec, 'lambda', options?.lambda ?? 1, { min: 0 });
  const margin = checkChoice(spec, 'margin', options?.margin ?? 'l1', LOSS_SENSITIVE_MARGINS);
  const reduction: Reduction = checkReduction(spec, options?.reduction, options?.weights !== undefined);
  const lr = checkTensor(spec, 'lossReal', lossReal, { rank: 1, finite: true });
  const lf = checkTensor(spec, 'lossFake', lossFake, { rank: 1, finite: true });
  checkSameShape(spec, ['lossReal', lr], ['lossFake', lf]);
  const xr = checkTensor(spec, 'xReal', xReal, { minRank: 2, finite: true });
  const xf = checkTensor(spec, 'xFake', xFake, { minRank: 2, finite: true });
  if (xr.shape[0] !== lr.shape[0]) {
    throw new InvalidArgumentError(
      spec,
      'xReal',
      `one sample per loss value (shape [${lr.shape[0]}, ...])`,
      `shape [${xr.shape.join(', ')}]`,
    );
  }
  checkSameShape(spec, ['xReal', xr], ['xFake', xf]);
  const w = checkWeights(spec, 'weights', options?.weights, ['lossReal', lr], reduction);
  return tf.tidy(() => {
    const hinge = tf.relu(tf.sub(tf.add(pairwiseMargin(xr, xf, margin), lr), lf));
    return reduceLoss(tf.add(lr, tf.mul(lambda, hinge)), w, reduction);
  });
}

/**
 * Loss-sensitive GAN generator objective (Qi 2017, §3, the objective T(θ*, φ) minimised over φ):
 *
 *   T = E[L(G(z))]
 *
 * the generator lowers the loss of its samples; its gradient in L(x_f) is 1/m for every sample.
 *
 * @param lossFake L_θ(G(z)), shape [m]
 * @param options reduction and per-example weights `weightsFake`
 */
export function lossSensitiveGeneratorLoss(lossFake: SampleLosses, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function lossSensitiveGeneratorLoss(lossFake: SampleLosses, options: GeneratorLossOptions): tf.Tensor;
export function lossSensitiveGeneratorLoss(lossFake: SampleLosses, options?: GeneratorLossOptions): tf.Tensor {
  return generatorLoss(LOSS_SENSITIVE_ID, 'lossFake', lossFake, options, (l) => tf.clone(l));
}
