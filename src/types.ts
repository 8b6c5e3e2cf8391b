import type * as tf from '@tensorflow/tfjs-core';

declare const kindBrand: unique symbol;

/**
 * A tensor tagged with the kind of quantity it holds. The tag exists only for the compiler:
 * at run time the value is the same `tf.Tensor`, so branding costs nothing.
 */
export type Branded<K extends string, R extends tf.Rank = tf.Rank> = tf.Tensor<R> & {
  readonly [kindBrand]: K;
};

/** Discriminator logits l ∈ ℝ, with D = sigmoid(l). Losses taking logits are stable for any finite l. */
export type Logits<R extends tf.Rank = tf.Rank> = Branded<'logits', R>;
/** Discriminator probabilities D ∈ [0, 1] (a sigmoid already applied). */
export type Probabilities<R extends tf.Rank = tf.Rank> = Branded<'probabilities', R>;
/** Critic scores c ∈ ℝ of a Wasserstein critic (not probabilities, no sigmoid). */
export type CriticScores<R extends tf.Rank = tf.Rank> = Branded<'critic-scores', R>;
/** Energies e ≥ 0 of an energy-based discriminator. */
export type Energies<R extends tf.Rank = tf.Rank> = Branded<'energies', R>;
/** Discrete probability distributions: non-negative masses along the last axis, summing to 1. */
export type Distributions<R extends tf.Rank = tf.Rank> = Branded<'distributions', R>;
/** Non-negative densities or masses evaluated pointwise, p(x) ≥ 0. */
export type Densities<R extends tf.Rank = tf.Rank> = Branded<'densities', R>;
/** Per-example loss weights w ≥ 0. */
export type Weights<R extends tf.Rank = tf.Rank> = Branded<'weights', R>;

/** Tags a tensor as discriminator logits. Returns the same tensor object. */
export function asLogits<R extends tf.Rank>(t: tf.Tensor<R>): Logits<R> {
  return t as Logits<R>;
}
/** Tags a tensor as discriminator probabilities. Returns the same tensor object. */
export function asProbabilities<R extends tf.Rank>(t: tf.Tensor<R>): Probabilities<R> {
  return t as Probabilities<R>;
}
/** Tags a tensor as critic scores. Returns the same tensor object. */
export function asCriticScores<R extends tf.Rank>(t: tf.Tensor<R>): CriticScores<R> {
  return t as CriticScores<R>;
}
/** Tags a tensor as energies. Returns the same tensor object. */
export function asEnergies<R extends tf.Rank>(t: tf.Tensor<R>): Energies<R> {
  return t as Energies<R>;
}
/** Tags a tensor as discrete distributions (last axis). Returns the same tensor object. */
export function asDistributions<R extends tf.Rank>(t: tf.Tensor<R>): Distributions<R> {
  return t as Distributions<R>;
}
/** Tags a tensor as pointwise densities or masses. Returns the same tensor object. */
export function asDensities<R extends tf.Rank>(t: tf.Tensor<R>): Densities<R> {
  return t as Densities<R>;
}
/** Tags a tensor as per-example loss weights. Returns the same tensor object. */
export function asWeights<R extends tf.Rank>(t: tf.Tensor<R>): Weights<R> {
  return t as Weights<R>;
}

/** How a per-example loss is reduced over the batch. */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * A reduction as ganref's strings or TF.js's enum: `tf.Reduction.MEAN`, `SUM` and `NONE` are
 * `'mean'`, `'sum'` and `'none'`; `tf.Reduction.SUM_BY_NONZERO_WEIGHTS` (the default of
 * `tf.losses.*`) is accepted without weights, where it is the plain mean.
 */
export type ReductionLike = Reduction | tf.Reduction;

/** The reductions that give one number (a `tf.Scalar`): everything but `'none'`. */
export type ScalarReduction =
  'mean' | 'sum' | tf.Reduction.MEAN | tf.Reduction.SUM | tf.Reduction.SUM_BY_NONZERO_WEIGHTS;

/** Options shared by every loss. */
export interface LossOptions {
  /**
   * `'mean'` (default): Σ wᵢℓᵢ / Σ wᵢ (the plain batch mean without weights); `'sum'`: Σ wᵢℓᵢ;
   * `'none'`: the per-example tensor wᵢℓᵢ. TF.js's `tf.Reduction` values are accepted too
   * (`tf.Reduction.MEAN` is the same weighted mean). A loss reduced to one number is typed
   * `tf.Scalar`, so `optimizer.minimize(() => loss(…))` compiles.
   */
  reduction?: ReductionLike;
}

/**
 * The options of a loss call whose result is one number: `reduction` absent or anything but
 * `'none'`. Loss functions are overloaded on it: these options give a `tf.Scalar`, any other
 * (`'none'`, or a reduction only known at run time) a `tf.Tensor`.
 */
export type Reduced<O> = O & { reduction?: ScalarReduction };

/**
 * Per-sample losses L_θ(x) ∈ ℝ of a loss-sensitive GAN's loss network (Qi 2017): one real number
 * per sample, lower for samples the loss judges real. Not probabilities and not logits.
 */
export type SampleLosses<R extends tf.Rank = tf.Rank> = Branded<'sample-losses', R>;
/** Data or generated samples x, shape [n, ...]: the first axis indexes examples. */
export type Samples<R extends tf.Rank = tf.Rank> = Branded<'samples', R>;
/** Intermediate discriminator activations f(x), shape [n, ...]: the first axis indexes examples. */
export type Features<R extends tf.Rank = tf.Rank> = Branded<'features', R>;

/** Tags a tensor as per-sample losses of a loss-sensitive GAN. Returns the same tensor object. */
export function asSampleLosses<R extends tf.Rank>(t: tf.Tensor<R>): SampleLosses<R> {
  return t as SampleLosses<R>;
}
/** Tags a tensor as samples (examples along the first axis). Returns the same tensor object. */
export function asSamples<R extends tf.Rank>(t: tf.Tensor<R>): Samples<R> {
  return t as Samples<R>;
}
/** Tags a tensor as discriminator features (examples along the first axis). Returns the same tensor object. */
export function asFeatures<R extends tf.Rank>(t: tf.Tensor<R>): Features<R> {
  return t as Features<R>;
}
