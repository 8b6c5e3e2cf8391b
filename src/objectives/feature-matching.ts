import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { Features, Weights } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkKnownOptions, checkTensor, valuesChecked } from '../validate.js';

/** The catalog id of this spec, `objective/feature-matching`; errors from these functions name it. */
export const FEATURE_MATCHING_ID = 'objective/feature-matching';

/** Options of the feature-matching loss: optional per-example weights of the two batch means. */
export interface FeatureMatchingOptions {
  /** Weights w ≥ 0 of the real examples, shape [n], with Σ w > 0: μ_r = Σ wᵢ f(xᵢ) / Σ wᵢ. */
  weightsReal?: Weights;
  /** Weights of the generated examples, shape [m], with Σ w > 0. */
  weightsFake?: Weights;
}

function checkMeanWeights(spec: string, name: string, weights: unknown, rows: number): tf.Tensor | undefined {
  if (weights === undefined) return undefined;
  const w = checkTensor(spec, name, weights, { rank: 1, finite: true, min: 0, domain: 'finite and ≥ 0' });
  if (w.shape[0] !== rows)
    throw new InvalidArgumentError(
      spec,
      name,
      `one weight per example (shape [${rows}])`,
      `shape [${w.shape.join(', ')}]`,
    );
  if (valuesChecked()) {
    const data = w.dataSync();
    let total = 0;
    for (let i = 0; i < data.length; i++) total += data[i]!;
    if (!(total > 0))
      throw new InvalidArgumentError(
        spec,
        name,
        'weights with a positive sum (the weighted mean divides by Σ w)',
        `Σ w = ${total}`,
      );
  }
  return w;
}

/** Σᵢ wᵢ fᵢ / Σᵢ wᵢ (or the plain mean) over the first axis of [n, d]. Call inside `tf.tidy`. */
function batchMean(f: tf.Tensor, w: tf.Tensor | undefined): tf.Tensor {
  if (!w) return tf.mean(f, 0);
  return tf.div(tf.sum(tf.mul(f, tf.reshape(w, [-1, 1])), 0), tf.sum(w));
}

/**
 * Feature-matching generator loss (Salimans et al. 2016, "Improved Techniques for Training
 * GANs", §3.1):
 *
 *   L_G = ‖E_{x∼p_data} f(x) − E_{z∼p_z} f(G(z))‖₂²
 *
 * where f(x) are the activations of an intermediate layer of the discriminator: the generator
 * matches the expected features of the data instead of maximising the discriminator's output.
 * The discriminator is trained as usual, so this objective has no discriminator loss.
 * Conventions: the squared Euclidean norm SUMS over the d features (all non-batch axes,
 * flattened), as written in the paper; implementations that average the squares over features
 * give this value / d. The two expectations are batch means (weighted means with weights), so
 * n and m may differ. The loss is ≥ 0, 0 exactly when the means agree, invariant to a common
 * translation of both feature sets, and its gradient in the fake features is
 * −2(μ_r − μ_f)/m for every row. TF-GAN and PyTorch ship no such loss.
 *
 * @param featuresReal f(x) on real data, shape [n, ...]
 * @param featuresFake f(G(z)) on generated data, shape [m, ...] with the same feature shape
 * @param options per-example weights of the two means
 * @returns a scalar
 */
export function featureMatchingLoss(
  featuresReal: Features,
  featuresFake: Features,
  options?: FeatureMatchingOptions,
): tf.Scalar {
  ensureGradients();
  const spec = FEATURE_MATCHING_ID;
  checkKnownOptions(spec, options, ['weightsReal', 'weightsFake']);
  const fr = checkTensor(spec, 'featuresReal', featuresReal, { minRank: 2, finite: true });
  const ff = checkTensor(spec, 'featuresFake', featuresFake, { minRank: 2, finite: true });
  if (!tf.util.arraysEqual(fr.shape.slice(1), ff.shape.slice(1))) {
    throw new InvalidArgumentError(
      spec,
      'featuresFake',
      `features of the same shape as 'featuresReal' ([m, ${fr.shape.slice(1).join(', ')}])`,
      `shape [${ff.shape.join(', ')}]`,
    );
  }
  const wr = checkMeanWeights(spec, 'weightsReal', options?.weightsReal, fr.shape[0]!);
  const wf = checkMeanWeights(spec, 'weightsFake', options?.weightsFake, ff.shape[0]!);
  return tf.tidy(() => {
    const d = tf.sub(
      batchMean(tf.reshape(fr, [fr.shape[0]!, -1]), wr),
      batchMean(tf.reshape(ff, [ff.shape[0]!, -1]), wf),
    );
    return tf.sum(tf.square(d));
  });
}
