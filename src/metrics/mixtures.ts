import * as tf from '@tensorflow/tfjs-core';
import { InvalidParameterError } from '../errors.js';
import { checkSeed, Random } from '../random.js';
import { checkNumber, describeValue } from '../validate.js';

/** A mixture of equally weighted isotropic Gaussians: its centres (rows) and the common σ. */
export interface GaussianMixture {
  centres: number[][];
  sigma: number;
}

const MIXTURES = 'metrics/mixtures';

function positiveInteger(name: string, v: unknown): number {
  const x = checkNumber(MIXTURES, name, v, { min: 1 });
  if (!Number.isInteger(x)) throw new InvalidParameterError(MIXTURES, name, 'an integer ≥ 1', describeValue(v));
  return x;
}

/**
 * The ring of Gaussians of Metz, Poole, Pfau & Sohl-Dickstein 2017 (Unrolled GANs, §3.1, Fig. 2):
 * `modes` centres (r·cos 2πj/modes, r·sin 2πj/modes), j = 0 … modes − 1, each with standard
 * deviation σ. Defaults: 8 modes, radius 2, σ = 0.02 (theirs).
 */
export function ringOfGaussians(modes = 8, radius = 2, sigma = 0.02): GaussianMixture {
  const k = positiveInteger('modes', modes);
  checkNumber(MIXTURES, 'radius', radius, { min: 0, minExclusive: true });
  checkNumber(MIXTURES, 'sigma', sigma, { min: 0, minExclusive: true });
  const centres = Array.from({ length: k }, (_, j) => [
    radius * Math.cos((2 * Math.PI * j) / k),
    radius * Math.sin((2 * Math.PI * j) / k),
  ]);
  return { centres, sigma };
}

/**
 * The grid of Gaussians of Srivastava et al. 2017 (VEEGAN, §5.1): side² centres on a square grid
 * with the given spacing, centred on the origin ((i − (side − 1)/2)·spacing, (j − (side − 1)/2)·spacing),
 * row by row, each with standard deviation σ. Defaults: 5 × 5 = 25 modes on {−4, −2, 0, 2, 4}²,
 * σ = 0.05 (set σ to the value of the paper you compare with).
 */
export function gridOfGaussians(side = 5, spacing = 2, sigma = 0.05): GaussianMixture {
  const s = positiveInteger('side', side);
  checkNumber(MIXTURES, 'spacing', spacing, { min: 0, minExclusive: true });
  checkNumber(MIXTURES, 'sigma', sigma, { min: 0, minExclusive: true });
  const at = (i: number) => (i - (s - 1) / 2) * spacing;
  const centres: number[][] = [];
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) centres.push([at(i), at(j)]);
  return { centres, sigma };
}

/**
 * n samples of a mixture, seeded: each picks a component uniformly (a U[0, 1) draw, ⌊u·k⌋) and adds
 * N(0, σ²I) noise. With `random` a {@link Random} (which advances) or an integer seed (a fresh
 * `new Random(seed)`: the same seed gives the same samples), on every backend alike.
 *
 * @param mixture the centres and σ, e.g. `ringOfGaussians()`
 * @param n the number of samples, an integer ≥ 1
 * @param random a `Random` or an integer seed
 * @returns a float32 tensor [n, d]
 */
export function sampleMixture(mixture: GaussianMixture, n: number, random: Random | number): tf.Tensor2D {
  const count = positiveInteger('n', n);
  const { centres, sigma } = mixture;
  checkNumber(MIXTURES, 'sigma', sigma, { min: 0, minExclusive: true });
  if (!Array.isArray(centres) || centres.length === 0 || !Array.isArray(centres[0]))
    throw new InvalidParameterError(MIXTURES, 'centres', 'a non-empty array of rows', describeValue(centres));
  const d = centres[0].length;
  if (centres.some((c) => !Array.isArray(c) || c.length !== d || c.some((v) => !Number.isFinite(v))))
    throw new InvalidParameterError(MIXTURES, 'centres', `rows of ${d} finite numbers`, 'rows that differ');
  const rng = random instanceof Random ? random : new Random(checkSeed(MIXTURES, random, 'random'));
  const u = rng.uniform<tf.Rank.R1>([count]);
  const picks = u.dataSync();
  u.dispose();
  const k = centres.length;
  const means = new Float32Array(count * d);
  for (let i = 0; i < count; i++) {
    const c = centres[Math.min(k - 1, Math.floor(picks[i]! * k))]!;
    for (let j = 0; j < d; j++) means[i * d + j] = c[j]!;
  }
  return tf.tidy(() => tf.add(tf.tensor2d(means, [count, d]), rng.normal<tf.Rank.R2>([count, d], 0, sigma)));
}
