import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import type { Samples } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { stopGradient } from '../regularizers/stop-gradient.js';
import { checkKnownOptions, checkNumber, checkTensor, describeValue } from '../validate.js';

/** The catalog id of this spec, `metric/parzen-log-likelihood`; errors from these functions name it. */
export const PARZEN_LOG_LIKELIHOOD_ID = 'metric/parzen-log-likelihood';

/** Options of {@link parzenLogLikelihood}. */
export interface ParzenOptions {
  /**
   * The kernel bandwidth σ > 0 (the standard deviation of each Gaussian). Required: no value
   * suits every data scale; choose it with {@link selectParzenBandwidth}.
   */
  sigma: number;
}

function checkPair(test: unknown, samples: unknown, testName = 'test'): [tf.Tensor, tf.Tensor] {
  const spec = PARZEN_LOG_LIKELIHOOD_ID;
  const rule = { rank: 2, finite: true, domain: 'finite' };
  const t = checkTensor(spec, testName, test, rule);
  const s = checkTensor(spec, 'samples', samples, rule);
  if (t.shape[1] !== s.shape[1])
    throw new InvalidArgumentError(
      spec,
      'samples',
      `[n, ${t.shape[1]}] (the dimension of '${testName}')`,
      `shape [${s.shape.join(', ')}]`,
    );
  return [t, s];
}

/**
 * Per test point log p̂(xⱼ), shape [m]: the log-density of an isotropic Gaussian kernel density
 * estimate on the samples, by logsumexp. Call inside `tf.tidy`.
 */
function logDensities(t: tf.Tensor, s: tf.Tensor, sigma: number): tf.Tensor {
  const [n, d] = s.shape as [number, number];
  // a_{ji} = −‖xⱼ − sᵢ‖² / (2σ²), from the differences (no ‖x‖² + ‖s‖² − 2x·s cancellation).
  const diff = tf.sub(tf.expandDims(t, 1), tf.expandDims(s, 0));
  const a = tf.div(tf.sum(tf.square(diff), 2), -2 * sigma * sigma);
  // logsumexp with the row maximum as a constant shift: exact for any shift, and the max itself
  // is not differentiated (its gradient would only cancel).
  const shift = stopGradient(tf.max(a, 1, true));
  const lse = tf.add(tf.reshape(shift, [-1]), tf.log(tf.sum(tf.exp(tf.sub(a, shift)), 1)));
  const logNorm = Math.log(n) + (d / 2) * Math.log(2 * Math.PI * sigma * sigma);
  return tf.sub(lse, logNorm);
}

/**
 * The mean log-likelihood of test points under a Gaussian Parzen window (kernel density
 * estimate) fitted to generated samples:
 *
 *   L = (1/m) Σⱼ log p̂(xⱼ),   p̂(x) = (1/n) Σᵢ N(x; sᵢ, σ²I)
 *     = (1/m) Σⱼ [ logsumexp_i(−‖xⱼ − sᵢ‖² / (2σ²)) − log n − (d/2) log(2πσ²) ]
 *
 * Goodfellow et al. 2014, Generative Adversarial Nets, §5 and Table 1 (after Breuleux, Bengio &
 * Vincent 2011), with σ chosen on a validation set ({@link selectParzenBandwidth}). In nats; for
 * the mean log-likelihood of a [0, 1]-scaled image data set as Table 1 reports it, pass the test
 * images flattened. A known weak estimator in high dimension (Theis, van den Oord & Bethge 2016);
 * it is here to reproduce that table and for toy problems.
 *
 * Numerics: the squared distances come from the differences xⱼ − sᵢ (memory O(m·n·d); evaluate
 * large test sets in chunks and average), the logsumexp is shifted by its row maximum, so every
 * finite input gives a finite result however far the test points are from the samples.
 * Gradients (any order) with respect to both the test points and the samples; σ is a parameter.
 *
 * @param test the test points, a finite float32 tensor [m, d]
 * @param samples the generated samples the density is fitted to, a finite float32 tensor [n, d]
 * @param options `sigma`, the bandwidth σ > 0 (required)
 * @returns the mean log-likelihood as a scalar tensor
 */
export function parzenLogLikelihood(test: Samples, samples: Samples, options: ParzenOptions): tf.Scalar {
  ensureGradients();
  checkKnownOptions(PARZEN_LOG_LIKELIHOOD_ID, options, ['sigma']);
  const sigma = checkNumber(PARZEN_LOG_LIKELIHOOD_ID, 'sigma', options?.sigma, { min: 0, minExclusive: true });
  const [t, s] = checkPair(test, samples);
  return tf.tidy(() => tf.mean(logDensities(t, s, sigma)) as tf.Scalar);
}

/** Goodfellow et al.'s grid of bandwidths (`parzen_ll.py`: `numpy.logspace(-1, 0, 10)`), 0.1 to 1. */
export const PARZEN_SIGMA_GRID: readonly number[] = Array.from({ length: 10 }, (_, i) => 10 ** (-1 + i / 9));

/** The outcome of {@link selectParzenBandwidth}. */
export interface ParzenBandwidth {
  /** The σ of the grid with the largest validation log-likelihood (the first one on a tie). */
  sigma: number;
  /** The grid searched, in the order given. */
  sigmas: number[];
  /** The mean validation log-likelihood at each σ of the grid. */
  logLikelihoods: number[];
}

/**
 * Chooses the Parzen bandwidth as Goodfellow et al. 2014 (§5) do: the σ of a grid that maximises
 * the mean log-likelihood of a validation set under the kernel density on the samples. Then
 * report {@link parzenLogLikelihood} on the test set with that σ.
 *
 * @param validation the validation points, a finite float32 tensor [v, d]
 * @param samples the generated samples, a finite float32 tensor [n, d]
 * @param sigmas the candidate bandwidths, each > 0 (default {@link PARZEN_SIGMA_GRID})
 * @returns the chosen σ, and the validation log-likelihood at every σ of the grid
 */
export function selectParzenBandwidth(
  validation: Samples,
  samples: Samples,
  sigmas: readonly number[] = PARZEN_SIGMA_GRID,
): ParzenBandwidth {
  const spec = PARZEN_LOG_LIKELIHOOD_ID;
  if (!Array.isArray(sigmas) || sigmas.length === 0)
    throw new InvalidParameterError(spec, 'sigmas', 'a non-empty array of bandwidths > 0', describeValue(sigmas));
  sigmas.forEach((v, i) => checkNumber(spec, `sigmas[${i}]`, v, { min: 0, minExclusive: true }));
  const [t, s] = checkPair(validation, samples, 'validation');
  const logLikelihoods = sigmas.map((sigma) => tf.tidy(() => tf.mean(logDensities(t, s, sigma)).dataSync()[0]!));
  let best = 0;
  logLikelihoods.forEach((l, i) => {
    if (l > logLikelihoods[best]!) best = i;
  });
  return { sigma: sigmas[best]!, sigmas: [...sigmas], logLikelihoods };
}
