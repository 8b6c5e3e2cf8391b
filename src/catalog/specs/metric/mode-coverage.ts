import { defineSpec, numberParam, requiredParam } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { uniform } from '../../arbitraries.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkThat, invariant, values } from '../../invariant.js';
import { matrixOf, t2 } from '../../tensors.js';
import type { Case, NDArray, Spec } from '../../types.js';
import { MODE_COVERAGE_ID, modeCoverage } from '../../../metrics/mode-coverage.js';
import { gridOfGaussians, ringOfGaussians, sampleMixture } from '../../../metrics/mixtures.js';
import { asSamples } from '../../../types.js';

// Mode coverage of samples on a toy mixture (VEEGAN's Table 1 convention).

interface Coverage {
  modes: number;
  highQuality: number;
  counts: number[];
}

const f32 = Math.fround;

function cover(samples: number[][], centres: number[][], sigma: number, minSamples = 1, within = 3): Coverage {
  const r = modeCoverage(asSamples(t2(samples)), t2(centres), { sigma, minSamples, within });
  return { modes: values(r.modes)[0]!, highQuality: values(r.highQuality)[0]!, counts: values(r.counts) };
}

/**
 * The convention in float64 on the float32 inputs: nearest centre (first on a tie), high quality
 * within `within`·σ (the squared radius rounded to float32, as the library's comparison), covered with
 * ≥ minSamples high-quality samples.
 */
function cover64(samples: number[][], centres: number[][], sigma: number, minSamples = 1, within = 3): Coverage {
  const counts = centres.map(() => 0);
  let good = 0;
  const r2 = f32((within * sigma) ** 2);
  for (const x of samples) {
    let best = 0;
    let bestD = Infinity;
    centres.forEach((c, j) => {
      const d2 = c.reduce((a, v, k) => a + (f32(x[k]!) - f32(v)) ** 2, 0);
      if (d2 < bestD) [best, bestD] = [j, d2];
    });
    if (bestD <= r2) {
      counts[best]!++;
      good++;
    }
  }
  return { modes: counts.filter((c) => c >= minSamples).length, highQuality: good / samples.length, counts };
}

/**
 * A toy case: a ring of k ∈ [1, 8] modes (radius 1 or 2) or a grid of s² (s ∈ [1, 3], spacing 1
 * or 2), σ ∈ {0.02, 0.05, 0.1} (modes ≥ 7σ apart: no sample is near a tie), and n samples each at
 * a random mode plus an offset of up to 5σ per coordinate (some inside 3σ, some outside).
 */
const toy = fc
  .record({
    ring: fc.boolean(),
    k: fc.integer({ min: 1, max: 8 }),
    side: fc.integer({ min: 1, max: 3 }),
    scale: fc.constantFrom(1, 2),
    sigma: fc.constantFrom(0.02, 0.05, 0.1),
    minSamples: fc.integer({ min: 1, max: 3 }),
    within: fc.constantFrom(1, 2, 3, 3, 3),
    n: fc.integer({ min: 1, max: 24 }),
  })
  .chain((r) => {
    const mix = r.ring ? ringOfGaussians(r.k, r.scale, r.sigma) : gridOfGaussians(r.side, r.scale, r.sigma);
    const centres = mix.centres.map((c) => c.map(f32));
    const sample = fc
      .tuple(fc.integer({ min: 0, max: centres.length - 1 }), uniform(-5, 5), uniform(-5, 5))
      .map(([j, u, v]) => [f32(centres[j]![0]! + u * r.sigma), f32(centres[j]![1]! + v * r.sigma)]);
    return fc.record({
      samples: fc.array(sample, { minLength: r.n, maxLength: r.n }),
      centres: fc.constant(centres),
      sigma: fc.constant(r.sigma),
      minSamples: fc.constant(r.minSamples),
      within: fc.constant(r.within),
    });
  });

function coverageCase(
  samples: number[][],
  centres: number[][],
  sigma: number,
  minSamples?: number,
  label?: string,
  within?: number,
): Case {
  const inputs: Record<string, NDArray> = { samples: matrixOf(samples), centres: matrixOf(centres) };
  return {
    inputs,
    params: {
      sigma,
      ...(minSamples !== undefined ? { minSamples } : {}),
      ...(within !== undefined ? { within } : {}),
    },
    // Counts of a nearest-centre assignment: piecewise constant, no gradient to compare.
    grads: false,
    ...(label ? { label } : {}),
  };
}

const sameCoverage = (a: Coverage, b: Coverage) =>
  a.modes === b.modes && Math.abs(a.highQuality - b.highQuality) <= 1e-7 && a.counts.join() === b.counts.join();

export const modeCoverageSpec: Spec = defineSpec({
  id: MODE_COVERAGE_ID,
  title: 'Mode coverage and high-quality share on a toy mixture',
  reference: 'Srivastava et al. 2017 (VEEGAN), §5.1 and Table 1; Metz et al. 2017 (Unrolled GANs), §3.1',
  section: 'metrics',
  inputs: {
    samples: { kind: 'samples', doc: 'generated samples, [n, d] (d = 2 for the ring and the grid)' },
    centres: { kind: 'samples', doc: 'the mixture’s mode centres, [k, d]' },
  },
  params: {
    sigma: requiredParam<number>('the standard deviation σ > 0 of each mode'),
    within: numberParam('a sample is high quality within this many σ of its nearest mode', 3),
    minSamples: numberParam('a mode is covered by at least this many high-quality samples', 1),
  },
  outputs: ['modes', 'highQuality', 'counts'],
  evaluate: (x, p) => {
    const r = modeCoverage(x.samples, x.centres, { sigma: p.sigma!, within: p.within, minSamples: p.minSamples });
    return { modes: r.modes, highQuality: r.highQuality, counts: r.counts };
  },
  sample: toy.map((t) => coverageCase(t.samples, t.centres, t.sigma, t.minSamples, undefined, t.within)),
  edges: [
    coverageCase(
      [
        [3, 0],
        [0, 3.0001],
        [10, 0],
      ],
      [
        [0, 0],
        [10, 0],
      ],
      1,
      undefined,
      'edge: a sample exactly at 3σ counts, one just beyond does not',
    ),
    coverageCase(
      [
        [5, 0],
        [5, 0.5],
      ],
      [
        [0, 0],
        [10, 0],
      ],
      2,
      undefined,
      'edge: a tie between two centres goes to the first',
    ),
    coverageCase(
      [
        [2, 0.01],
        [2, -0.01],
        [1.99, 0],
      ],
      ringOfGaussians().centres,
      0.02,
      undefined,
      'mode collapse: every sample at one mode of the ring of 8 gives 1 mode',
    ),
    coverageCase(
      [[100, 100]],
      gridOfGaussians().centres,
      0.05,
      undefined,
      'edge: no high-quality sample gives 0 modes',
    ),
    coverageCase(
      [
        [0, 0],
        [0, 0.1],
        [4, 4],
      ],
      gridOfGaussians().centres,
      0.05,
      2,
      'minSamples = 2: a mode with one sample is not covered',
    ),
    coverageCase(
      [
        [1, 0],
        [0, 1.5],
      ],
      [[0, 0]],
      1,
      undefined,
      'within = 1: only the sample at distance 1σ is high quality',
      1,
    ),
  ],
  secondOrder: false,
  invariants: [
    invariant('matches the convention computed in float64', toy, (t) => {
      const got = cover(t.samples, t.centres, t.sigma, t.minSamples, t.within);
      const want = cover64(t.samples, t.centres, t.sigma, t.minSamples, t.within);
      checkThat(sameCoverage(got, want), `got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }),
    invariant('counts sum to the high-quality samples; 0 ≤ modes ≤ k; share in [0, 1]', toy, (t) => {
      const got = cover(t.samples, t.centres, t.sigma, t.minSamples, t.within);
      const total = got.counts.reduce((a, b) => a + b, 0);
      checkThat(Math.abs(total - got.highQuality * t.samples.length) < 1e-4, `Σ counts ${total} ≠ share·n`);
      checkThat(got.modes >= 0 && got.modes <= t.centres.length, `modes = ${got.modes}`);
      checkThat(got.highQuality >= 0 && got.highQuality <= 1, `share = ${got.highQuality}`);
    }),
    invariant(
      'permuting the samples changes nothing',
      toy.chain((t) =>
        fc.tuple(
          fc.constant(t),
          fc.shuffledSubarray(t.samples, { minLength: t.samples.length, maxLength: t.samples.length }),
        ),
      ),
      ([t, shuffled]) => {
        checkThat(
          sameCoverage(
            cover(shuffled, t.centres, t.sigma, t.minSamples, t.within),
            cover(t.samples, t.centres, t.sigma, t.minSamples, t.within),
          ),
          'coverage changed under a permutation',
        );
      },
    ),
    invariant(
      'samples of the mixture itself: every mode of the ring of 8 and the grid of 25 covered, ≥ 95 % high quality',
      fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
      ([ring, seed]) => {
        const mix = ring ? ringOfGaussians() : gridOfGaussians();
        const x = sampleMixture(mix, 1000, seed);
        const r = modeCoverage(asSamples(x), tf.tensor2d(mix.centres), { sigma: mix.sigma });
        // Within 3σ in 2-D: P(χ²₂ ≤ 9) = 1 − e^{−4.5} = 0.9889, so the low-quality count is
        // Binomial(1000, 0.0111); the Chernoff bound exp(−1000·KL(0.05 ‖ 0.0111)) = e^{−37} puts a
        // share below 95 % at < 1e-16. A mode of the 25 gets no sample with probability
        // (24/25)^1000 = e^{−40.8}. A failure here is a bug, not bad luck.
        checkThat(values(r.modes)[0] === mix.centres.length, `modes covered: ${values(r.modes)[0]}`);
        checkThat(values(r.highQuality)[0]! >= 0.95, `high-quality share ${values(r.highQuality)[0]}`);
      },
      20,
    ),
    invariant(
      'mode collapse: samples of one mode cover exactly one mode',
      fc.tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
      ([j, seed]) => {
        const grid = gridOfGaussians();
        const x = sampleMixture({ centres: [grid.centres[j]!], sigma: grid.sigma }, 200, seed);
        const r = modeCoverage(asSamples(x), tf.tensor2d(grid.centres), { sigma: grid.sigma });
        checkThat(values(r.modes)[0] === 1 && values(r.counts)[j]! > 0, `modes ${values(r.modes)[0]}`);
      },
      20,
    ),
    invariant(
      'the ring of k: centres on the circle of radius r, neighbours 2r·sin(π/k) apart; the grid: side² centres spaced evenly',
      fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 7 }), fc.constantFrom(0.5, 1, 2, 3)),
      ([k, side, r]) => {
        const ring = ringOfGaussians(k, r, 0.02).centres;
        checkThat(ring.length === k, `${ring.length} centres`);
        for (const [i, c] of ring.entries()) {
          checkThat(Math.abs(Math.hypot(c[0]!, c[1]!) - r) < 1e-12, `centre ${i} off the circle`);
          const next = ring[(i + 1) % k]!;
          if (k > 1)
            checkThat(
              Math.abs(Math.hypot(c[0]! - next[0]!, c[1]! - next[1]!) - 2 * r * Math.sin(Math.PI / k)) < 1e-12,
              `neighbours ${i} and ${(i + 1) % k} at the wrong distance`,
            );
        }
        const grid = gridOfGaussians(side, r, 0.05).centres;
        checkThat(grid.length === side * side, `${grid.length} grid centres`);
        const mean = [0, 1].map((j) => grid.reduce((a, c) => a + c[j]!, 0) / grid.length);
        checkThat(Math.hypot(mean[0]!, mean[1]!) < 1e-12, 'grid not centred on the origin');
        const nearest = grid.map((c, i) =>
          Math.min(...grid.filter((_, j) => j !== i).map((o) => Math.hypot(c[0]! - o[0]!, c[1]! - o[1]!))),
        );
        if (side > 1)
          checkThat(
            nearest.every((v) => Math.abs(v - r) < 1e-12),
            'grid spacing differs',
          );
      },
    ),
    invariant(
      'sampleMixture: the same seed gives the same samples; every sample near some centre',
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (seed) => {
        const mix = ringOfGaussians();
        const a = values(sampleMixture(mix, 50, seed));
        const b = values(sampleMixture(mix, 50, seed));
        checkThat(a.join() === b.join(), 'two draws with one seed differ');
        for (let i = 0; i < 50; i++) {
          const d = Math.min(...mix.centres.map((c) => Math.hypot(a[2 * i]! - c[0]!, a[2 * i + 1]! - c[1]!)));
          // 8σ: a 2-D normal exceeds it with probability e^{−32} ≈ 1e-14.
          checkThat(d < 8 * mix.sigma, `sample ${i} is ${d / mix.sigma}σ from every centre`);
        }
      },
      20,
    ),
  ],
  errors: [
    {
      name: 'no sigma',
      call: () => modeCoverage(asSamples(t2([[0, 0]])), t2([[0, 0]]), {} as never),
      error: 'InvalidParameterError',
      argument: 'sigma',
    },
    {
      name: 'a non-integer minSamples',
      call: () => modeCoverage(asSamples(t2([[0, 0]])), t2([[0, 0]]), { sigma: 1, minSamples: 1.5 }),
      error: 'InvalidParameterError',
      argument: 'minSamples',
    },
    {
      name: 'centres of another dimension',
      call: () => modeCoverage(asSamples(t2([[0, 0]])), t2([[0, 0, 0]]), { sigma: 1 }),
      error: 'InvalidArgumentError',
      argument: 'centres',
    },
    {
      name: 'a NaN sample',
      call: () => modeCoverage(asSamples(t2([[NaN, 0]])), t2([[0, 0]]), { sigma: 1 }),
      error: 'InvalidArgumentError',
      argument: 'samples',
    },
    {
      name: 'rank-1 samples',
      call: () => modeCoverage(asSamples(tf.tensor1d([0, 0])), t2([[0, 0]]), { sigma: 1 }),
      error: 'InvalidArgumentError',
      argument: 'samples',
    },
  ],
  benchmark: () => ({
    ...benchCase(
      { samples: uniformArray([BENCH.batch * 4, 2], -3, 3, 1), centres: matrixOf(gridOfGaussians().centres) },
      { sigma: 0.05 },
    ),
    grads: false,
  }),
});
