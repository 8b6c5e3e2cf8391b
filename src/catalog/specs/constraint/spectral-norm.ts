import { choice } from '../../define.js';
import { defineSpec } from '../../define.js';
import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { f32, uniform, vector } from '../../arbitraries.js';
import { flat } from '../../arbitraries/arrays.js';
import { BENCH, benchCase, uniformArray } from '../../bench.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar, values } from '../../invariant.js';
import { maxAbs } from '../../templates/layers.js';
import { gradsOf, nd, sizeOf, t1, t2, tensorOf } from '../../tensors.js';
import type { Case, Spec } from '../../types.js';
import {
  type OutAxis,
  SPECTRAL_NORM_ID,
  SpectralNorm,
  spectralNormalize,
} from '../../../regularizers/spectral-norm.js';

/** Eigenvalues of a symmetric matrix in float64 (cyclic Jacobi rotations to convergence). */
function symmetricEigenvalues(a: number[][]): number[] {
  const n = a.length;
  const m = a.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (apq === 0) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return m.map((r, i) => r[i]!).sort((x, y) => y - x);
}

/** The weight as the [out, rest] matrix (float64 numbers), for either layout. */
function asMatrix64(shape: number[], data: number[], outAxis: OutAxis): number[][] {
  if (outAxis === 'first') {
    const rest = data.length / shape[0]!;
    return Array.from({ length: shape[0]! }, (_, i) => data.slice(i * rest, (i + 1) * rest));
  }
  const out = shape[shape.length - 1]!;
  const rest = data.length / out;
  return Array.from({ length: out }, (_, o) => Array.from({ length: rest }, (_, r) => data[r * out + o]!));
}

/** Singular values of a matrix (float64), largest first, from the eigenvalues of the smaller Gram matrix. */
function singularValues(m: number[][]): number[] {
  const rows = m.length;
  const cols = m[0]!.length;
  const gram =
    rows <= cols
      ? m.map((a) => m.map((b) => a.reduce((s, v, k) => s + v * b[k]!, 0)))
      : Array.from({ length: cols }, (_, i) =>
          Array.from({ length: cols }, (_, j) => m.reduce((s, r) => s + r[i]! * r[j]!, 0)),
        );
  return symmetricEigenvalues(gram).map((l) => Math.sqrt(Math.max(0, l)));
}

interface SnDraw {
  shape: number[];
  w: number[];
  u: number[];
  iterations: number;
  outAxis: OutAxis;
}

function snDraws(value: fc.Arbitrary<number>): fc.Arbitrary<SnDraw> {
  return fc
    .record({
      shape: fc.oneof(
        {
          weight: 3,
          arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).map(([a, b]) => [a, b]),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.integer({ min: 1, max: 3 }),
              fc.integer({ min: 1, max: 3 }),
              fc.integer({ min: 1, max: 2 }),
              fc.integer({ min: 1, max: 3 }),
            )
            .map((s) => [...s]),
        },
      ),
      iterations: fc.integer({ min: 1, max: 5 }),
      outAxis: fc.constantFrom<OutAxis>('first', 'last'),
    })
    .chain(({ shape, iterations, outAxis }) => {
      const out = outAxis === 'first' ? shape[0]! : shape[shape.length - 1]!;
      return fc.record({
        shape: fc.constant(shape),
        w: flat(value, sizeOf(shape)),
        u: flat(uniform(-1, 1), out),
        iterations: fc.constant(iterations),
        outAxis: fc.constant(outAxis),
      });
    })
    .filter((d) => {
      // Keep u well inside the domain: |Wᵀu| not tiny relative to |W||u| (else σ ≈ 0 and the
      // power iteration's first step is ill-conditioned in float32 and float64 alike).
      const m = asMatrix64(d.shape, d.w, d.outAxis);
      const wtu = m[0]!.map((_, j) => m.reduce((s, r, i) => s + r[j]! * d.u[i]!, 0));
      const nw = Math.sqrt(d.w.reduce((s, v) => s + v * v, 0));
      const nu = Math.sqrt(d.u.reduce((s, v) => s + v * v, 0));
      return nw > 0 && nu > 0 && Math.sqrt(wtu.reduce((s, v) => s + v * v, 0)) > 0.05 * nw * nu;
    });
}

function snCase(d: SnDraw, label?: string): Case {
  return {
    inputs: { weight: nd(d.shape, d.w), u: vector(d.u) },
    params: { iterations: d.iterations, outAxis: d.outAxis },
    grads: true,
    ...(label ? { label } : {}),
  };
}

const sn = (d: Pick<SnDraw, 'shape' | 'w' | 'u' | 'outAxis'>, iterations: number) =>
  spectralNormalize(tensorOf(nd(d.shape, d.w)), t1(d.u), { iterations, outAxis: d.outAxis });

/** Draws whose two largest singular values are separated (σ₂/σ₁ ≤ 0.8), so 60 iterations converge. */
const snGapped = snDraws(uniform(-2, 2)).filter((d) => {
  const s = singularValues(asMatrix64(d.shape, d.w, d.outAxis));
  return s[0]! > 1e-3 && (s.length < 2 || s[1]! <= 0.8 * s[0]!);
});

export const spectralNorm: Spec = defineSpec({
  id: SPECTRAL_NORM_ID,
  title: 'Spectral normalization',
  reference:
    'Miyato, Kataoka, Koyama & Yoshida 2018, Spectral Normalization for GANs, eq. 8 and Algorithm 1 (persistent power iteration)',
  section: 'regularizers',
  inputs: {
    weight: {
      kind: 'network-weights',
      doc: "W, [out, in] or a conv kernel ([out, in, kh, kw] with outAxis 'first'; [kh, kw, in, out] with 'last'), viewed as [out, rest]",
    },
    u: { kind: 'network-weights', doc: 'the persistent left singular vector estimate ũ, [out]' },
  },
  params: {
    iterations: { doc: 'power iterations per call, an integer ≥ 1 (the oracle takes at most 1000)', default: 1 },
    outAxis: choice("'first' (PyTorch layout) or 'last' (TF.js layout): the axis of output units", 'first', [
      'first',
      'last',
    ]),
  },
  outputs: ['normalized', 'sigma', 'u'],
  evaluate: (x, p) => {
    const r = spectralNormalize(x.weight, x.u, { iterations: p.iterations, outAxis: p.outAxis });
    return { normalized: r.normalized, sigma: r.sigma, u: r.u };
  },
  sample: snDraws(fc.oneof({ weight: 4, arbitrary: uniform(-2, 2) }, { weight: 1, arbitrary: uniform(-100, 100) })).map(
    (d) => snCase(d),
  ),
  edges: [
    snCase(
      { shape: [2, 2], w: [3, 0, 0, 1], u: [1, 1], iterations: 1, outAxis: 'first' },
      'closed form: diag(3, 1), u = (1, 1): ṽ ∝ (3, 1), ũ ∝ (9, 1), σ = ‖Wṽ‖ = √8.2',
    ),
    snCase(
      { shape: [3, 2], w: [1, 2, 2, 4, -1, -2], u: [0.3, -0.2, 0.9], iterations: 1, outAxis: 'first' },
      'closed form: rank one a·bᵀ, σ = ‖a‖‖b‖ = √6·√5 after one step',
    ),
    snCase(
      {
        shape: [2, 2, 3, 4],
        w: Array.from({ length: 48 }, (_, i) => Math.sin(i + 1)),
        u: [0.5, -0.5, 0.25, 1],
        iterations: 3,
        outAxis: 'last',
      },
      "edge: TF.js conv kernel [kh, kw, in, out], outAxis 'last'",
    ),
    snCase(
      {
        shape: [3, 2, 2, 2],
        w: Array.from({ length: 24 }, (_, i) => Math.cos(2 * i)),
        u: [1, 0.5, -1],
        iterations: 2,
        outAxis: 'first',
      },
      "edge: PyTorch conv kernel [out, in, kh, kw], outAxis 'first'",
    ),
    snCase(
      { shape: [2, 3], w: [1e3, -2e3, 5e2, 3e3, 1e3, -1e3], u: [1e-3, 2e-3], iterations: 4, outAxis: 'first' },
      'edge: weights ~1e3, u ~1e-3 (only directions matter)',
    ),
    snCase(
      { shape: [1, 4], w: [1, -2, 3, 0.5], u: [-2], iterations: 1, outAxis: 'first' },
      'edge: one output unit: σ = ‖w‖, ũ = sign',
    ),
  ],
  secondOrder: true,
  invariants: [
    invariant(
      'σ converges to the largest singular value (float64 Jacobi SVD) with enough iterations',
      snGapped,
      (d) => {
        const sigma = scalar(sn(d, 60).sigma);
        checkClose('σ after 60 iterations', sigma, singularValues(asMatrix64(d.shape, d.w, d.outAxis))[0]!, 2e-5, 1e-6);
      },
    ),
    invariant('the normalized weight has spectral norm 1: σ(W/σ(W)) ≈ 1', snGapped, (d) => {
      const r = sn(d, 60);
      checkClose(
        'σ(W/σ(W))',
        scalar(spectralNormalize(r.normalized, r.u, { iterations: 60, outAxis: d.outAxis }).sigma),
        1,
        2e-5,
        0,
      );
      checkClose(
        'σ₁(W/σ(W)) in float64',
        singularValues(asMatrix64(d.shape, values(r.normalized), d.outAxis))[0]!,
        1,
        2e-5,
        0,
      );
    }),
    invariant(
      'scaling W by s > 0 leaves the normalized weight and ũ unchanged',
      fc.tuple(snDraws(uniform(-2, 2)), fc.oneof(uniform(1e-3, 1), uniform(1, 1e3))),
      ([d, s]) => {
        const a = sn(d, d.iterations);
        const b = sn({ ...d, w: d.w.map((v) => f32(v * s)) }, d.iterations);
        checkAllClose('W/σ(W)', values(b.normalized), values(a.normalized), 1e-4, 1e-5 * maxAbs(values(a.normalized)));
        checkAllClose('ũ', values(b.u), values(a.u), 1e-4, 1e-5);
        checkClose('σ(sW)', scalar(b.sigma), s * scalar(a.sigma), 1e-4, 0);
      },
    ),
    invariant(
      '0 < σ ≤ σ₁(W) ≤ ‖W‖_F for any number of iterations, and ũ has unit norm',
      snDraws(uniform(-2, 2)),
      (d) => {
        const r = sn(d, d.iterations);
        const sigma = scalar(r.sigma);
        const s1 = singularValues(asMatrix64(d.shape, d.w, d.outAxis))[0]!;
        const frob = Math.sqrt(d.w.reduce((a, v) => a + v * v, 0));
        checkThat(
          sigma > 0 && sigma <= s1 * (1 + 1e-5) && s1 <= frob * (1 + 1e-12),
          `σ = ${sigma}, σ₁ = ${s1}, ‖W‖_F = ${frob}`,
        );
        checkClose('‖ũ‖', Math.hypot(...values(r.u)), 1, 1e-5, 0);
      },
    ),
    invariant(
      'ũ, ṽ are constants for autodiff (as torch detaches them): ‖∂σ/∂W‖_F = ‖ũṽᵀ‖ = 1 and ∂/∂u = 0',
      snDraws(uniform(-2, 2)),
      (d) => {
        const [gw, gu] = gradsOf(
          (w, u) => spectralNormalize(w!, u!, { iterations: d.iterations, outAxis: d.outAxis }).sigma,
          [tensorOf(nd(d.shape, d.w)), t1(d.u)],
        );
        checkClose('‖∂σ/∂W‖_F', Math.hypot(...gw!), 1, 1e-5, 0);
        checkThat(
          gu!.every((g) => g === 0),
          'a nonzero gradient wrt u',
        );
        const [gu2] = gradsOf(
          (u) =>
            spectralNormalize(tensorOf(nd(d.shape, d.w)), u!, { iterations: d.iterations, outAxis: d.outAxis })
              .normalized,
          [t1(d.u)],
        );
        checkThat(
          gu2!.every((g) => g === 0),
          'a nonzero gradient of W/σ wrt u',
        );
      },
    ),
    invariant(
      "outAxis 'last' on Wᵀ equals 'first' on W (same σ and ũ, transposed result)",
      snDraws(uniform(-2, 2)).filter((d) => d.shape.length === 2 && d.outAxis === 'first'),
      (d) => {
        const a = sn(d, d.iterations);
        const wt = tf.transpose(tensorOf(nd(d.shape, d.w)));
        const b = spectralNormalize(wt, t1(d.u), { iterations: d.iterations, outAxis: 'last' });
        checkClose('σ', scalar(b.sigma), scalar(a.sigma), 1e-6, 0);
        checkAllClose('ũ', values(b.u), values(a.u), 1e-6, 1e-7);
        checkAllClose('normalized', values(tf.transpose(b.normalized)), values(a.normalized), 1e-6, 1e-7);
      },
    ),
    invariant(
      'SpectralNorm keeps ũ across calls: k calls of one iteration equal one call of k iterations',
      fc.tuple(snDraws(uniform(-2, 2)), fc.integer({ min: 1, max: 4 })),
      ([d, k]) => {
        const layer = new SpectralNorm(d.shape, { outAxis: d.outAxis, seed: 3 });
        const u0 = values(layer.u);
        const w = tensorOf(nd(d.shape, d.w));
        let last: { normalized: tf.Tensor; sigma: tf.Tensor } | undefined;
        const before = tf.memory().numTensors;
        for (let i = 0; i < k; i++) {
          if (last) tf.dispose([last.normalized, last.sigma]);
          last = layer.apply(w);
        }
        checkThat(tf.memory().numTensors === before + 2, 'SpectralNorm.apply leaked tensors');
        const once = spectralNormalize(w, t1(u0), { iterations: k, outAxis: d.outAxis });
        checkClose('σ', scalar(last!.sigma), scalar(once.sigma), 1e-5, 1e-7);
        checkAllClose('stored ũ', values(layer.u), values(once.u), 1e-5, 1e-6);
        layer.dispose();
      },
      40,
    ),
  ],
  errors: [
    {
      name: 'iterations = 0',
      call: () => spectralNormalize(t2([[1]]), t1([1]), { iterations: 0 }),
      error: 'InvalidParameterError',
      argument: 'iterations',
    },
    {
      name: 'iterations = 1.5',
      call: () => spectralNormalize(t2([[1]]), t1([1]), { iterations: 1.5 }),
      error: 'InvalidParameterError',
      argument: 'iterations',
    },
    {
      name: "outAxis 'middle'",
      call: () => spectralNormalize(t2([[1]]), t1([1]), { outAxis: 'middle' as never }),
      error: 'InvalidParameterError',
      argument: 'outAxis',
    },
    {
      name: 'an unknown option',
      call: () => spectralNormalize(t2([[1]]), t1([1]), { power: 2 } as never),
      error: 'InvalidParameterError',
      argument: 'power',
    },
    {
      name: 'a rank-1 weight',
      call: () => spectralNormalize(t1([1, 2]), t1([1])),
      error: 'InvalidArgumentError',
      argument: 'weight',
    },
    {
      name: 'a NaN weight',
      call: () => spectralNormalize(t2([[1, NaN]]), t1([1])),
      error: 'InvalidArgumentError',
      argument: 'weight',
    },
    {
      name: 'an all-zero weight',
      call: () =>
        spectralNormalize(
          t2([
            [0, 0],
            [0, 0],
          ]),
          t1([1, 1]),
        ),
      error: 'InvalidArgumentError',
      argument: 'weight',
    },
    {
      name: 'u of the wrong length',
      call: () =>
        spectralNormalize(
          t2([
            [1, 2],
            [3, 4],
          ]),
          t1([1, 2, 3]),
        ),
      error: 'InvalidArgumentError',
      argument: 'u',
    },
    {
      name: 'a zero u',
      call: () =>
        spectralNormalize(
          t2([
            [1, 2],
            [3, 4],
          ]),
          t1([0, 0]),
        ),
      error: 'InvalidArgumentError',
      argument: 'u',
    },
    {
      name: 'u orthogonal to the range of W',
      call: () =>
        spectralNormalize(
          t2([
            [1, 2],
            [0, 0],
          ]),
          t1([0, 1]),
        ),
      error: 'InvalidArgumentError',
      argument: 'u',
    },
    {
      name: 'a rank-2 u',
      call: () => spectralNormalize(t2([[1]]), t2([[1]])),
      error: 'InvalidArgumentError',
      argument: 'u',
    },
    {
      name: 'SpectralNorm of a rank-1 shape',
      call: () => new SpectralNorm([3]),
      error: 'InvalidArgumentError',
      argument: 'shape',
    },
    {
      name: 'SpectralNorm.apply to a weight of another shape',
      call: () => {
        const layer = new SpectralNorm([2, 2], { seed: 1 });
        try {
          return layer.apply(t2([[1, 2, 3]]));
        } finally {
          layer.dispose();
        }
      },
      error: 'InvalidArgumentError',
      argument: 'weight',
    },
  ],
  benchmark: () =>
    benchCase(
      { weight: uniformArray([BENCH.hidden, BENCH.features], -1, 1, 1), u: uniformArray([BENCH.hidden], -1, 1, 2) },
      { iterations: 1, outAxis: 'first' },
    ),
});
