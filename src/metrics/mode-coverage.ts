import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import type { Samples } from '../types.js';
import { checkKnownOptions, checkNumber, checkTensor } from '../validate.js';

/** The catalog id of this spec, `metric/mode-coverage`; errors from these functions name it. */
export const MODE_COVERAGE_ID = 'metric/mode-coverage';

/** Options of {@link modeCoverage}. */
export interface ModeCoverageOptions {
  /** The standard deviation σ > 0 of each mixture component (required: the data's own σ). */
  sigma: number;
  /** A sample is high quality within this many σ of its nearest mode, default 3. */
  within?: number;
  /** A mode counts as covered with at least this many high-quality samples assigned to it, default 1 (an integer ≥ 1). */
  minSamples?: number;
}

/** The outcome of {@link modeCoverage}, as tensors. */
export interface ModeCoverage {
  /** How many modes are covered (a float32 scalar holding an integer in [0, k]). */
  modes: tf.Scalar;
  /** The share of high-quality samples, in [0, 1]. */
  highQuality: tf.Scalar;
  /** The number of high-quality samples assigned to each mode, [k]. */
  counts: tf.Tensor1D;
}

/**
 * Mode coverage of samples from a generator trained on a mixture of Gaussians with known centres
 * (the ring of 8 and the grid of 25, see {@link ringOfGaussians} and {@link gridOfGaussians}),
 * by the convention of Srivastava, Valkov, Russell, Gutmann & Sutton 2017 (VEEGAN, §5.1 and
 * Table 1), also used to score Metz, Poole, Pfau & Sohl-Dickstein 2017 (Unrolled GANs) there:
 *
 * - each sample is assigned to its nearest centre (Euclidean; the first one on a tie);
 * - a sample is *high quality* when it lies within `within`·σ (3σ) of that centre:
 *   ‖x − c‖² ≤ (within·σ)²;
 * - a mode is *covered* when at least `minSamples` (1) high-quality samples are assigned to it.
 *
 * Returns the number of covered modes, the share of high-quality samples, and the high-quality
 * count per mode, the two numbers VEEGAN's Table 1 reports ("modes", "% high quality samples").
 * Papers that count a mode only above some number of samples are matched with `minSamples`.
 * (within·σ)² is rounded to float32 before the comparison, the squared distances are float32.
 *
 * Not differentiable (counts of a nearest-neighbour assignment): use it to measure, never in a
 * loss. Works for samples of any dimension d, not only 2-D.
 *
 * @param samples generated samples, a finite float32 tensor [n, d]
 * @param centres the mode centres, a finite float32 tensor [k, d]
 * @param options `sigma` (required), `within` (default 3), `minSamples` (default 1)
 * @returns the covered modes, the high-quality share and the per-mode counts, as tensors
 */
export function modeCoverage(samples: Samples, centres: tf.Tensor, options: ModeCoverageOptions): ModeCoverage {
  const spec = MODE_COVERAGE_ID;
  // Not differentiable itself, but as every public entry point it leaves ganref's gradient configs
  // registered (the catalog's registry-repair invariant holds for every spec).
  ensureGradients();
  checkKnownOptions(spec, options, ['sigma', 'within', 'minSamples']);
  const sigma = checkNumber(spec, 'sigma', options?.sigma, { min: 0, minExclusive: true });
  const within = checkNumber(spec, 'within', options?.within ?? 3, { min: 0, minExclusive: true });
  const minSamples = checkNumber(spec, 'minSamples', options?.minSamples ?? 1, { min: 1 });
  if (!Number.isInteger(minSamples))
    throw new InvalidParameterError(spec, 'minSamples', 'an integer ≥ 1', String(minSamples));
  const rule = { rank: 2, finite: true, domain: 'finite' };
  const x = checkTensor(spec, 'samples', samples, rule);
  const c = checkTensor(spec, 'centres', centres, rule);
  if (x.shape[1] !== c.shape[1])
    throw new InvalidArgumentError(
      spec,
      'centres',
      `[k, ${x.shape[1]}] (the dimension of 'samples')`,
      `shape [${c.shape.join(', ')}]`,
    );
  const k = c.shape[0]!;
  return tf.tidy(() => {
    const d2 = tf.sum(tf.square(tf.sub(tf.expandDims(x, 1), tf.expandDims(c, 0))), 2);
    const nearest = tf.argMin(d2, 1);
    const radius = within * sigma;
    const good = tf.cast(tf.lessEqual(tf.min(d2, 1), radius * radius), 'float32');
    // One-hot rows of the assignment by comparison with 0 … k − 1 (tf.oneHot refuses k = 1).
    const assigned = tf.cast(tf.equal(tf.expandDims(nearest, 1), tf.range(0, k, 1, 'int32')), 'float32');
    const counts = tf.sum(tf.mul(assigned, tf.expandDims(good, 1)), 0) as tf.Tensor1D;
    const modes = tf.sum(tf.cast(tf.greaterEqual(counts, minSamples), 'float32')) as tf.Scalar;
    return { modes, highQuality: tf.mean(good) as tf.Scalar, counts };
  });
}
