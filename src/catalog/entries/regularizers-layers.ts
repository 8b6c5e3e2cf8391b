import * as tf from '@tensorflow/tfjs-core';
import * as fc from 'fast-check';
import { asFeatures } from '../../types.js';
import { clipVariables, clipWeights, WEIGHT_CLIPPING_ID } from '../../regularizers/weight-clipping.js';
import { spectralNormalize, SpectralNorm, SPECTRAL_NORM_ID, type OutAxis } from '../../regularizers/spectral-norm.js';
import { minibatchDiscrimination, MINIBATCH_DISCRIMINATION_ID } from '../../regularizers/minibatch-discrimination.js';
import { referenceBatchNorm, virtualBatchNorm, VIRTUAL_BATCH_NORM_ID } from '../../regularizers/virtual-batch-norm.js';
import { addInstanceNoise, instanceNoise, instanceNoisePair, instanceNoiseSigma, INSTANCE_NOISE_ID, type NoiseSchedule } from '../../regularizers/instance-noise.js';
import { pullingAwayTerm, PULLING_AWAY_ID } from '../../regularizers/pulling-away.js';
import { Random } from '../../random.js';
import { f32, uniform, vector } from '../arbitraries.js';
import { checkAllClose, checkClose, checkFinite, checkThat, invariant, scalar, values } from '../invariant.js';
import type { Case, NDArray, Spec } from '../types.js';
import { BENCH, benchCase, uniformArray, withBenchmark } from '../bench.js';

/*
 * Catalog group "regularizers-layers" (CATALOG.md, section C): weight clipping, spectral
 * normalization, minibatch discrimination, virtual batch normalization, instance noise and the
 * EBGAN pulling-away term.
 */

// ---------------------------------------------------------------------------------------------
// Helpers of this group (candidates for arbitraries.ts / shared.ts).

/** An NDArray of the given shape from flat data (rounded to float32). */
function nd(shape: number[], data: number[]): NDArray {
  return { shape, data: data.map(f32) };
}
/** A rank-2 NDArray from rows of equal length. */
function matrix(rows: number[][]): NDArray {
  return nd([rows.length, rows[0]?.length ?? 0], rows.flat());
}
/** n rows of d values each. */
function rowsOf(of: fc.Arbitrary<number>, n: number, d: number): fc.Arbitrary<number[][]> {
  return fc.array(fc.array(of, { minLength: d, maxLength: d }), { minLength: n, maxLength: n });
}
/** Flat arrays of exactly `size` values. */
function flat(of: fc.Arbitrary<number>, size: number): fc.Arbitrary<number[]> {
  return fc.array(of, { minLength: size, maxLength: size });
}
const t1 = (xs: number[]) => tf.tensor1d(xs.map(f32));
const t2 = (rows: number[][]) => tf.tensor2d(rows.map((r) => r.map(f32)), [rows.length, rows[0]!.length]);
const tn = (a: NDArray) => tf.tensor(a.data, a.shape, 'float32');
const F = (t: tf.Tensor) => asFeatures(t);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Gradients of sum(f(x₁, …)) wrt each argument, as numbers. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): number[][] {
  return tf.grads((...args: tf.Tensor[]) => tf.sum(f(...args)) as tf.Scalar)(xs).map((g) => values(g));
}

/** A seeded permutation of 0..n−1 (fast-check draws it). */
function permutation(n: number): fc.Arbitrary<number[]> {
  const ids = Array.from({ length: n }, (_, i) => i);
  return fc.shuffledSubarray(ids, { minLength: n, maxLength: n });
}

// ---------------------------------------------------------------------------------------------
// constraint/weight-clipping

interface ClipDraw {
  shape: number[];
  w: number[];
  c: number;
}

/** Weights of rank 1–3 around ±c (a third inside, the rest outside up to 3c), never exactly at ±c. */
const clipDraws: fc.Arbitrary<ClipDraw> = fc
  .record({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), c: fc.oneof(fc.constant(f32(0.01)), uniform(0.01, 2)) })
  .chain(({ shape, c }) => flat(fc.oneof(uniform(-3 * c, 3 * c), uniform(-1e4, 1e4), fc.constantFrom(0, -0)), size(shape)).map((w) => ({ shape, c, w: w.map(f32) })))
  .filter((d) => d.w.every((v) => Math.abs(v) !== d.c));

const clip64 = (w: number[], c: number) => w.map((v) => Math.min(Math.max(v, -c), c));

function clipCase(shape: number[], w: number[], c: number, label?: string, grads = true): Case {
  return { inputs: { weights: nd(shape, w) }, params: { c }, grads, ...(label ? { label } : {}) };
}

export const weightClipping: Spec = {
  id: WEIGHT_CLIPPING_ID,
  title: 'Weight clipping (WGAN)',
  reference: 'Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, Algorithm 1 (line 7: w ← clip(w, −c, c))',
  section: 'regularizers',
  inputs: { weights: { kind: 'network-weights', doc: 'critic weights w, any shape' } },
  params: { c: { doc: 'the clipping bound c > 0', default: 0.01 } },
  outputs: ['clipped'],
  evaluate: (x, p) => ({ clipped: clipWeights(x.weights!, { c: p.c as number }) }),
  sample: clipDraws.map((d) => clipCase(d.shape, d.w, d.c)),
  edges: [
    clipCase([6], [-1, -0.25, 0, 0.3, 0.49, 2], 0.5, 'closed form: c = ½ gives [−½, −¼, 0, 0.3, 0.49, ½]'),
    clipCase([2, 2], [1e4, -1e4, 0.005, -0.005], 0.01, 'edge: ±1e4 and c = 0.01 (the paper)'),
    clipCase([4], [0.5, -0.5, 0.25, 1], 0.5, 'edge: weights exactly at ±c (kink: gradient not compared)', false),
  ],
  secondOrder: true,
  invariants: [
    invariant('clipped values lie in [−c, c] and equal min(max(w, −c), c) exactly', clipDraws, (d) => {
      const got = values(clipWeights(tn(nd(d.shape, d.w)), { c: d.c }));
      checkThat(got.every((v) => v >= -d.c && v <= d.c), `a value outside [−${d.c}, ${d.c}]`);
      checkAllClose('clipped', got, clip64(d.w, d.c), 0, 0);
    }),
    invariant('idempotent: clipping twice equals clipping once', clipDraws, (d) => {
      const once = clipWeights(tn(nd(d.shape, d.w)), { c: d.c });
      checkAllClose('clip(clip(w))', values(clipWeights(once, { c: d.c })), values(once), 0, 0);
    }),
    invariant('weights already inside [−c, c] are unchanged', clipDraws, (d) => {
      const inside = d.w.map((v) => f32(Math.max(-d.c, Math.min(d.c, v)) * 0.999));
      checkAllClose('clip(w)', values(clipWeights(tn(nd(d.shape, inside)), { c: d.c })), inside, 0, 0);
    }),
    invariant('gradient: 1 strictly inside (−c, c), 0 strictly outside', clipDraws, (d) => {
      const [g] = gradsOf((w) => clipWeights(w!, { c: d.c }), [tn(nd(d.shape, d.w))]);
      checkAllClose('d clipped / d w', g!, d.w.map((v) => (Math.abs(v) < d.c ? 1 : 0)), 0, 0);
    }),
    invariant('clipVariables clips tf.Variables in place, returns nothing and leaves no tensor', clipDraws, (d) => {
      const vars = [tf.variable(tn(nd(d.shape, d.w))), tf.variable(t1([3 * d.c, -0.5 * d.c]))];
      const before = tf.memory().numTensors;
      const ret = clipVariables(vars, { c: d.c }) as unknown;
      checkThat(ret === undefined, 'clipVariables returned something');
      checkThat(tf.memory().numTensors === before, `clipVariables left ${tf.memory().numTensors - before} tensor(s)`);
      checkAllClose('variable 0', values(vars[0]!), clip64(d.w, d.c), 0, 0);
      checkAllClose('variable 1', values(vars[1]!), [d.c, f32(-0.5 * d.c)], 0, 0);
      vars.forEach((v) => v.dispose());
    }),
  ],
  errors: [
    { name: 'c = 0', call: () => clipWeights(t1([1]), { c: 0 }), error: 'InvalidParameterError', argument: 'c' },
    { name: 'c < 0', call: () => clipWeights(t1([1]), { c: -0.01 }), error: 'InvalidParameterError', argument: 'c' },
    { name: 'c = NaN', call: () => clipWeights(t1([1]), { c: NaN }), error: 'InvalidParameterError', argument: 'c' },
    { name: 'an unknown option', call: () => clipWeights(t1([1]), { clip: 1 } as never), error: 'InvalidParameterError', argument: 'clip' },
    { name: 'a plain array', call: () => clipWeights([1, 2] as never), error: 'InvalidArgumentError', argument: 'weights' },
    { name: 'an int32 tensor', call: () => clipWeights(tf.tensor1d([1], 'int32')), error: 'InvalidArgumentError', argument: 'weights' },
    { name: 'a NaN weight', call: () => clipWeights(t1([0, NaN])), error: 'InvalidArgumentError', argument: 'weights' },
    { name: 'clipVariables with a plain tensor', call: () => clipVariables([t1([1]) as never]), error: 'InvalidArgumentError', argument: 'variables[0]' },
    { name: 'clipVariables with c ≤ 0', call: () => clipVariables([], { c: 0 }), error: 'InvalidParameterError', argument: 'c' },
  ],
};

// ---------------------------------------------------------------------------------------------
// constraint/spectral-norm

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
  const gram = rows <= cols
    ? m.map((a) => m.map((b) => a.reduce((s, v, k) => s + v * b[k]!, 0)))
    : Array.from({ length: cols }, (_, i) => Array.from({ length: cols }, (_, j) => m.reduce((s, r) => s + r[i]! * r[j]!, 0)));
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
        { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).map(([a, b]) => [a, b]) },
        { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })).map((s) => [...s]) },
      ),
      iterations: fc.integer({ min: 1, max: 5 }),
      outAxis: fc.constantFrom<OutAxis>('first', 'last'),
    })
    .chain(({ shape, iterations, outAxis }) => {
      const out = outAxis === 'first' ? shape[0]! : shape[shape.length - 1]!;
      return fc.record({ shape: fc.constant(shape), w: flat(value, size(shape)), u: flat(uniform(-1, 1), out), iterations: fc.constant(iterations), outAxis: fc.constant(outAxis) });
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
  return { inputs: { weight: nd(d.shape, d.w), u: vector(d.u) }, params: { iterations: d.iterations, outAxis: d.outAxis }, grads: true, ...(label ? { label } : {}) };
}

const sn = (d: Pick<SnDraw, 'shape' | 'w' | 'u' | 'outAxis'>, iterations: number) => spectralNormalize(tn(nd(d.shape, d.w)), t1(d.u), { iterations, outAxis: d.outAxis });

/** Draws whose two largest singular values are separated (σ₂/σ₁ ≤ 0.8), so 60 iterations converge. */
const snGapped = snDraws(uniform(-2, 2)).filter((d) => {
  const s = singularValues(asMatrix64(d.shape, d.w, d.outAxis));
  return s[0]! > 1e-3 && (s.length < 2 || s[1]! <= 0.8 * s[0]!);
});

export const spectralNorm: Spec = {
  id: SPECTRAL_NORM_ID,
  title: 'Spectral normalization',
  reference: 'Miyato, Kataoka, Koyama & Yoshida 2018, Spectral Normalization for GANs, eq. 8 and Algorithm 1 (persistent power iteration)',
  section: 'regularizers',
  inputs: {
    weight: { kind: 'network-weights', doc: "W, [out, in] or a conv kernel ([out, in, kh, kw] with outAxis 'first'; [kh, kw, in, out] with 'last'), viewed as [out, rest]" },
    u: { kind: 'network-weights', doc: 'the persistent left singular vector estimate ũ, [out]' },
  },
  params: {
    iterations: { doc: 'power iterations per call, an integer ≥ 1 (the oracle takes at most 1000)', default: 1 },
    outAxis: { doc: "'first' (PyTorch layout) or 'last' (TF.js layout): the axis of output units", default: 'first', choices: ['first', 'last'] },
  },
  outputs: ['normalized', 'sigma', 'u'],
  evaluate: (x, p) => {
    const r = spectralNormalize(x.weight!, x.u!, { iterations: p.iterations as number, outAxis: p.outAxis as OutAxis });
    return { normalized: r.normalized, sigma: r.sigma, u: r.u };
  },
  sample: snDraws(fc.oneof({ weight: 4, arbitrary: uniform(-2, 2) }, { weight: 1, arbitrary: uniform(-100, 100) })).map((d) => snCase(d)),
  edges: [
    snCase({ shape: [2, 2], w: [3, 0, 0, 1], u: [1, 1], iterations: 1, outAxis: 'first' }, 'closed form: diag(3, 1), u = (1, 1): ṽ ∝ (3, 1), ũ ∝ (9, 1), σ = ‖Wṽ‖ = √8.2'),
    snCase({ shape: [3, 2], w: [1, 2, 2, 4, -1, -2], u: [0.3, -0.2, 0.9], iterations: 1, outAxis: 'first' }, 'closed form: rank one a·bᵀ, σ = ‖a‖‖b‖ = √6·√5 after one step'),
    snCase({ shape: [2, 2, 3, 4], w: Array.from({ length: 48 }, (_, i) => Math.sin(i + 1)), u: [0.5, -0.5, 0.25, 1], iterations: 3, outAxis: 'last' }, "edge: TF.js conv kernel [kh, kw, in, out], outAxis 'last'"),
    snCase({ shape: [3, 2, 2, 2], w: Array.from({ length: 24 }, (_, i) => Math.cos(2 * i)), u: [1, 0.5, -1], iterations: 2, outAxis: 'first' }, "edge: PyTorch conv kernel [out, in, kh, kw], outAxis 'first'"),
    snCase({ shape: [2, 3], w: [1e3, -2e3, 5e2, 3e3, 1e3, -1e3], u: [1e-3, 2e-3], iterations: 4, outAxis: 'first' }, 'edge: weights ~1e3, u ~1e-3 (only directions matter)'),
    snCase({ shape: [1, 4], w: [1, -2, 3, 0.5], u: [-2], iterations: 1, outAxis: 'first' }, 'edge: one output unit: σ = ‖w‖, ũ = sign'),
  ],
  secondOrder: true,
  invariants: [
    invariant('σ converges to the largest singular value (float64 Jacobi SVD) with enough iterations', snGapped, (d) => {
      const sigma = scalar(sn(d, 60).sigma);
      checkClose('σ after 60 iterations', sigma, singularValues(asMatrix64(d.shape, d.w, d.outAxis))[0]!, 2e-5, 1e-6);
    }),
    invariant('the normalized weight has spectral norm 1: σ(W/σ(W)) ≈ 1', snGapped, (d) => {
      const r = sn(d, 60);
      checkClose('σ(W/σ(W))', scalar(spectralNormalize(r.normalized, r.u, { iterations: 60, outAxis: d.outAxis }).sigma), 1, 2e-5, 0);
      checkClose('σ₁(W/σ(W)) in float64', singularValues(asMatrix64(d.shape, values(r.normalized), d.outAxis))[0]!, 1, 2e-5, 0);
    }),
    invariant('scaling W by s > 0 leaves the normalized weight and ũ unchanged', fc.tuple(snDraws(uniform(-2, 2)), fc.oneof(uniform(1e-3, 1), uniform(1, 1e3))), ([d, s]) => {
      const a = sn(d, d.iterations);
      const b = sn({ ...d, w: d.w.map((v) => f32(v * s)) }, d.iterations);
      checkAllClose('W/σ(W)', values(b.normalized), values(a.normalized), 1e-4, 1e-5 * maxAbs(values(a.normalized)));
      checkAllClose('ũ', values(b.u), values(a.u), 1e-4, 1e-5);
      checkClose('σ(sW)', scalar(b.sigma), s * scalar(a.sigma), 1e-4, 0);
    }),
    invariant('0 < σ ≤ σ₁(W) ≤ ‖W‖_F for any number of iterations, and ũ has unit norm', snDraws(uniform(-2, 2)), (d) => {
      const r = sn(d, d.iterations);
      const sigma = scalar(r.sigma);
      const s1 = singularValues(asMatrix64(d.shape, d.w, d.outAxis))[0]!;
      const frob = Math.sqrt(d.w.reduce((a, v) => a + v * v, 0));
      checkThat(sigma > 0 && sigma <= s1 * (1 + 1e-5) && s1 <= frob * (1 + 1e-12), `σ = ${sigma}, σ₁ = ${s1}, ‖W‖_F = ${frob}`);
      checkClose('‖ũ‖', Math.hypot(...values(r.u)), 1, 1e-5, 0);
    }),
    invariant('ũ, ṽ are constants for autodiff (as torch detaches them): ‖∂σ/∂W‖_F = ‖ũṽᵀ‖ = 1 and ∂/∂u = 0', snDraws(uniform(-2, 2)), (d) => {
      const [gw, gu] = gradsOf((w, u) => spectralNormalize(w!, u!, { iterations: d.iterations, outAxis: d.outAxis }).sigma, [tn(nd(d.shape, d.w)), t1(d.u)]);
      checkClose('‖∂σ/∂W‖_F', Math.hypot(...gw!), 1, 1e-5, 0);
      checkThat(gu!.every((g) => g === 0), 'a nonzero gradient wrt u');
      const [gu2] = gradsOf((u) => spectralNormalize(tn(nd(d.shape, d.w)), u!, { iterations: d.iterations, outAxis: d.outAxis }).normalized, [t1(d.u)]);
      checkThat(gu2!.every((g) => g === 0), 'a nonzero gradient of W/σ wrt u');
    }),
    invariant("outAxis 'last' on Wᵀ equals 'first' on W (same σ and ũ, transposed result)", snDraws(uniform(-2, 2)).filter((d) => d.shape.length === 2 && d.outAxis === 'first'), (d) => {
      const a = sn(d, d.iterations);
      const wt = tf.transpose(tn(nd(d.shape, d.w)));
      const b = spectralNormalize(wt, t1(d.u), { iterations: d.iterations, outAxis: 'last' });
      checkClose('σ', scalar(b.sigma), scalar(a.sigma), 1e-6, 0);
      checkAllClose('ũ', values(b.u), values(a.u), 1e-6, 1e-7);
      checkAllClose('normalized', values(tf.transpose(b.normalized)), values(a.normalized), 1e-6, 1e-7);
    }),
    invariant('SpectralNorm keeps ũ across calls: k calls of one iteration equal one call of k iterations', fc.tuple(snDraws(uniform(-2, 2)), fc.integer({ min: 1, max: 4 })), ([d, k]) => {
      const layer = new SpectralNorm(d.shape, { outAxis: d.outAxis, seed: 3 });
      const u0 = values(layer.u);
      const w = tn(nd(d.shape, d.w));
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
    }, 40),
  ],
  errors: [
    { name: 'iterations = 0', call: () => spectralNormalize(t2([[1]]), t1([1]), { iterations: 0 }), error: 'InvalidParameterError', argument: 'iterations' },
    { name: 'iterations = 1.5', call: () => spectralNormalize(t2([[1]]), t1([1]), { iterations: 1.5 }), error: 'InvalidParameterError', argument: 'iterations' },
    { name: "outAxis 'middle'", call: () => spectralNormalize(t2([[1]]), t1([1]), { outAxis: 'middle' as never }), error: 'InvalidParameterError', argument: 'outAxis' },
    { name: 'an unknown option', call: () => spectralNormalize(t2([[1]]), t1([1]), { power: 2 } as never), error: 'InvalidParameterError', argument: 'power' },
    { name: 'a rank-1 weight', call: () => spectralNormalize(t1([1, 2]), t1([1])), error: 'InvalidArgumentError', argument: 'weight' },
    { name: 'a NaN weight', call: () => spectralNormalize(t2([[1, NaN]]), t1([1])), error: 'InvalidArgumentError', argument: 'weight' },
    { name: 'an all-zero weight', call: () => spectralNormalize(t2([[0, 0], [0, 0]]), t1([1, 1])), error: 'InvalidArgumentError', argument: 'weight' },
    { name: 'u of the wrong length', call: () => spectralNormalize(t2([[1, 2], [3, 4]]), t1([1, 2, 3])), error: 'InvalidArgumentError', argument: 'u' },
    { name: 'a zero u', call: () => spectralNormalize(t2([[1, 2], [3, 4]]), t1([0, 0])), error: 'InvalidArgumentError', argument: 'u' },
    { name: 'u orthogonal to the range of W', call: () => spectralNormalize(t2([[1, 2], [0, 0]]), t1([0, 1])), error: 'InvalidArgumentError', argument: 'u' },
    { name: 'a rank-2 u', call: () => spectralNormalize(t2([[1]]), t2([[1]])), error: 'InvalidArgumentError', argument: 'u' },
    { name: 'SpectralNorm of a rank-1 shape', call: () => new SpectralNorm([3]), error: 'InvalidArgumentError', argument: 'shape' },
    { name: 'SpectralNorm.apply to a weight of another shape', call: () => {
      const layer = new SpectralNorm([2, 2], { seed: 1 });
      try {
        return layer.apply(t2([[1, 2, 3]]));
      } finally {
        layer.dispose();
      }
    }, error: 'InvalidArgumentError', argument: 'weight' },
  ],
};

// ---------------------------------------------------------------------------------------------
// layer/minibatch-discrimination

/** o(x_i)_b = Σ_j exp(−Σ_c |M_ibc − M_jbc|) and [f, o] in float64, from the definition. */
function minibatch64(f: number[][], t: number[], b: number, c: number): number[][] {
  const m = f.map((row) => Array.from({ length: b * c }, (_, k) => row.reduce((s, v, i) => s + v * t[i * b * c + k]!, 0)));
  return f.map((row, i) => [
    ...row,
    ...Array.from({ length: b }, (_, bb) =>
      f.reduce((s, _r, j) => {
        let l1 = 0;
        for (let cc = 0; cc < c; cc++) l1 += Math.abs(m[i]![bb * c + cc]! - m[j]![bb * c + cc]!);
        return s + Math.exp(-l1);
      }, 0),
    ),
  ]);
}

interface MbdDraw {
  f: number[][];
  t: number[];
  a: number;
  b: number;
  c: number;
}

function mbdDraws(value: fc.Arbitrary<number>, maxN = 6): fc.Arbitrary<MbdDraw> {
  return fc
    .record({ n: fc.integer({ min: 1, max: maxN }), a: fc.integer({ min: 1, max: 4 }), b: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }) })
    .chain(({ n, a, b, c }) => fc.record({ f: rowsOf(value, n, a), t: flat(uniform(-1, 1), a * b * c), a: fc.constant(a), b: fc.constant(b), c: fc.constant(c) }));
}

function mbdCase(d: MbdDraw, label?: string, grads = true): Case {
  return { inputs: { features: matrix(d.f), tensor: nd([d.a, d.b, d.c], d.t) }, params: {}, grads, ...(label ? { label } : {}) };
}

const mbd = (d: MbdDraw) => minibatchDiscrimination(F(t2(d.f)), tn(nd([d.a, d.b, d.c], d.t)));

export const minibatchDiscriminationSpec: Spec = {
  id: MINIBATCH_DISCRIMINATION_ID,
  title: 'Minibatch discrimination',
  reference: 'Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, Improved Techniques for Training GANs, §3.2',
  section: 'regularizers',
  inputs: {
    features: { kind: 'features', doc: 'f(x_i), the features of an intermediate layer, [n, A]' },
    tensor: { kind: 'network-weights', doc: 'the learned tensor T, [A, B, C]' },
  },
  params: {},
  outputs: ['output'],
  evaluate: (x) => ({ output: minibatchDiscrimination(F(x.features!), x.tensor!) }),
  sample: mbdDraws(uniform(-2, 2)).map((d) => mbdCase(d)),
  edges: [
    mbdCase({ f: [[1], [2]], t: [1], a: 1, b: 1, c: 1 }, 'closed form: M = (1, 2), o = 1 + e⁻¹ for both'),
    mbdCase({ f: [[1, -1], [0.5, 2], [3, 0]], t: [1, 0, -1, 0.5, 2, 1, 0.25, -0.5], a: 2, b: 2, c: 2 }, 'closed form: three examples, B = C = 2'),
    mbdCase({ f: [[1, 2], [1, 2], [1, 2]], t: [1, -1, 0.5, 2], a: 2, b: 2, c: 1 }, 'edge: identical rows give o = n (kink of |·|: gradients not compared)', false),
    mbdCase({ f: [[1e3, 0], [-1e3, 5], [0, 1e3]], t: [1, 2, -1, 0.5], a: 2, b: 1, c: 2 }, 'edge: examples far apart give o = 1 (exp underflows, gradient 0)'),
    mbdCase({ f: [[0.5, -0.25, 1]], t: [1, 2, 3, 4, 5, 6], a: 3, b: 2, c: 1 }, 'edge: n = 1 gives o = 1 (only the example itself)'),
  ],
  secondOrder: true,
  invariants: [
    invariant('equals [f, Σ_j exp(−‖M_i,b − M_j,b‖₁)] in float64', mbdDraws(uniform(-2, 2)), (d) => {
      checkAllClose('output', values(mbd(d)), minibatch64(d.f, d.t, d.b, d.c).flat(), 1e-4, 1e-5);
    }),
    invariant('permutation-equivariant: permuting the batch permutes the output rows', mbdDraws(uniform(-2, 2)).chain((d) => fc.tuple(fc.constant(d), permutation(d.f.length))), ([d, p]) => {
      const out = mbd(d).arraySync() as number[][];
      const permuted = mbd({ ...d, f: p.map((i) => d.f[i]!) }).arraySync() as number[][];
      checkAllClose('permuted output', permuted.flat(), p.flatMap((i) => out[i]!), 1e-5, 1e-6);
    }),
    invariant('the first A columns are f exactly; each o(x_i)_b lies in [1, n]', mbdDraws(fc.oneof(uniform(-2, 2), uniform(-1e3, 1e3))), (d) => {
      const out = mbd(d).arraySync() as number[][];
      const n = d.f.length;
      out.forEach((row, i) => {
        checkAllClose(`f[${i}]`, row.slice(0, d.a), d.f[i]!.map(f32), 0, 0);
        row.slice(d.a).forEach((o, b) => checkThat(o >= 1 && o <= n * (1 + 1e-6), `o(x_${i})_${b} = ${o} outside [1, ${n}]`));
      });
    }),
    invariant('identical rows give o = n exactly, with finite gradients', mbdDraws(uniform(-2, 2)), (d) => {
      const same = d.f.map(() => d.f[0]!);
      const n = same.length;
      const out = mbd({ ...d, f: same }).arraySync() as number[][];
      out.forEach((row) => row.slice(d.a).forEach((o) => checkClose('o', o, n, 0, 0)));
      for (const g of gradsOf((f, t) => minibatchDiscrimination(F(f!), t!), [t2(same), tn(nd([d.a, d.b, d.c], d.t))])) checkFinite('gradient', g);
    }),
    invariant('the j = i term has zero gradient: with n = 1 the gradient is 1 in f and 0 in T', mbdDraws(uniform(-5, 5), 1), (d) => {
      const [gf, gt] = gradsOf((f, t) => minibatchDiscrimination(F(f!), t!), [t2(d.f), tn(nd([d.a, d.b, d.c], d.t))]);
      checkAllClose('∂/∂f', gf!, d.f.flat().map(() => 1), 0, 0);
      checkThat(gt!.every((g) => g === 0), 'a nonzero gradient in T from the example itself');
    }),
  ],
  errors: [
    { name: 'a plain array', call: () => minibatchDiscrimination([[1]] as never, tf.ones([1, 1, 1])), error: 'InvalidArgumentError', argument: 'features' },
    { name: 'rank-1 features', call: () => minibatchDiscrimination(F(t1([1, 2])), tf.ones([2, 1, 1])), error: 'InvalidArgumentError', argument: 'features' },
    { name: 'a rank-2 tensor', call: () => minibatchDiscrimination(F(t2([[1, 2]])), tf.ones([2, 2])), error: 'InvalidArgumentError', argument: 'tensor' },
    { name: 'a tensor whose first axis is not A', call: () => minibatchDiscrimination(F(t2([[1, 2]])), tf.ones([3, 2, 2])), error: 'InvalidArgumentError', argument: 'tensor' },
    { name: 'a NaN feature', call: () => minibatchDiscrimination(F(t2([[1, NaN]])), tf.ones([2, 1, 1])), error: 'InvalidArgumentError', argument: 'features' },
    { name: 'an infinite tensor entry', call: () => minibatchDiscrimination(F(t2([[1]])), tf.fill([1, 1, 1], Infinity)), error: 'InvalidArgumentError', argument: 'tensor' },
  ],
};

// ---------------------------------------------------------------------------------------------
// layer/virtual-batch-norm

/** VBN in float64 from the definition: the biased moments of reference ∪ {x_i}, per feature. */
function vbn64(x: number[][], ref: number[][], gamma: number[], beta: number[], eps: number): number[][] {
  return x.map((row) =>
    row.map((v, j) => {
      const pool = [...ref.map((r) => r[j]!), v];
      const m = pool.reduce((a, b) => a + b, 0) / pool.length;
      const s2 = pool.reduce((a, b) => a + (b - m) ** 2, 0) / pool.length;
      return (gamma[j]! * (v - m)) / Math.sqrt(s2 + eps) + beta[j]!;
    }),
  );
}

/**
 * Absolute error bound of a float32 VBN output for one feature whose pooled values are `col`.
 * Error analysis: the float32 mean μ is off by up to ~(n + 2)·2⁻²⁴·max|v| (summation and the
 * division), which shifts the centred value x − μ by as much; dividing by √(σ² + ε) and scaling
 * by γ gives |γ|·(n + 2)·2⁻²⁴·max|v|/√(σ² + ε). When the values nearly coincide (σ² ≪ ε) this is
 * large relative to the output (x − μ is then mostly rounding), for any float32 implementation;
 * for well-spread features it is ~1e-7. A fixed 1e-6 covers the remaining roundings.
 */
function vbnAtol(col: number[], gamma: number, eps: number): number {
  const m = col.reduce((a, b) => a + b, 0) / col.length;
  const s2 = col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length;
  return 1e-6 + (Math.abs(gamma) * (col.length + 2) * 2 ** -24 * maxAbs(col)) / Math.sqrt(s2 + eps);
}

interface VbnDraw {
  x: number[][];
  ref: number[][];
  gamma: number[];
  beta: number[];
  epsilon: number;
}

function vbnDraws(value: fc.Arbitrary<number>, minRef = 2): fc.Arbitrary<VbnDraw> {
  return fc
    .record({ n: fc.integer({ min: 1, max: 6 }), r: fc.integer({ min: minRef, max: 8 }), d: fc.integer({ min: 1, max: 5 }) })
    .chain(({ n, r, d }) =>
      fc.record({
        x: rowsOf(value, n, d),
        ref: rowsOf(value, r, d),
        gamma: flat(fc.oneof(uniform(0.2, 2), uniform(-2, -0.2), fc.constant(1)), d),
        beta: flat(fc.oneof(uniform(-1, 1), fc.constant(0)), d),
        epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
      }),
    );
}

function vbnCase(d: VbnDraw, label?: string): Case {
  return { inputs: { x: matrix(d.x), reference: matrix(d.ref), gamma: vector(d.gamma), beta: vector(d.beta) }, params: { epsilon: d.epsilon }, grads: true, ...(label ? { label } : {}) };
}

const vbn = (d: VbnDraw) => virtualBatchNorm(F(t2(d.x)), F(t2(d.ref)), t1(d.gamma), t1(d.beta), { epsilon: d.epsilon });

export const virtualBatchNormSpec: Spec = {
  id: VIRTUAL_BATCH_NORM_ID,
  title: 'Virtual batch normalization',
  reference: 'Salimans et al. 2016, Improved Techniques for Training GANs, §3.5 (reference batch ∪ {x}, weight 1/(N+1), as the authors’ code and TF-GAN)',
  section: 'regularizers',
  inputs: {
    x: { kind: 'features', doc: 'the examples to normalise, [n, d]' },
    reference: { kind: 'features', doc: 'the fixed reference batch, [N, d]' },
    gamma: { kind: 'network-weights', doc: 'scale γ, [d]' },
    beta: { kind: 'network-weights', doc: 'shift β, [d]' },
  },
  params: { epsilon: { doc: 'ε > 0 added to the variance', default: 1e-5 } },
  outputs: ['normalized', 'referenceNormalized'],
  evaluate: (x, p) => {
    const o = { epsilon: p.epsilon as number };
    return {
      normalized: virtualBatchNorm(F(x.x!), F(x.reference!), x.gamma!, x.beta!, o),
      referenceNormalized: referenceBatchNorm(F(x.reference!), x.gamma!, x.beta!, o),
    };
  },
  sample: vbnDraws(fc.oneof({ weight: 4, arbitrary: uniform(-3, 3) }, { weight: 1, arbitrary: uniform(-50, 50) })).map((d) => vbnCase(d)),
  edges: [
    vbnCase({ x: [[1], [3]], ref: [[0], [2]], gamma: [1], beta: [0], epsilon: 1e-5 }, 'closed form: μ_ref = 1, σ²_ref = 1: x = 1 gives 0, x = 3 gives (4/3)/√(14/9 + ε)'),
    vbnCase({ x: [[5, -1], [6, 2]], ref: [[5, 1], [5, 1], [5, 1]], gamma: [2, 1], beta: [0.5, -0.5], epsilon: 1e-3 }, 'edge: a constant reference feature (variance from x and ε only)'),
    vbnCase({ x: [[0.5, 2], [-1, 0]], ref: [[1, -1]], gamma: [1, 0.5], beta: [0, 0], epsilon: 0.1 }, 'edge: a reference batch of one example'),
    vbnCase({ x: [[100.5, -20], [99, -21]], ref: [[100, -20.5], [101, -19], [99.5, -20.25], [100.25, -21]], gamma: [1, 1], beta: [0, 0], epsilon: 1e-5 }, 'edge: features offset far from 0'),
  ],
  secondOrder: true,
  invariants: [
    invariant('equals γ(x − μ)/√(σ² + ε) + β with the biased moments of reference ∪ {x} in float64', vbnDraws(uniform(-3, 3)), (d) => {
      const got = values(vbn(d));
      const want = vbn64(d.x, d.ref, d.gamma, d.beta, d.epsilon);
      const dim = d.gamma.length;
      want.flat().forEach((w, k) => {
        const j = k % dim;
        const col = [...d.ref.map((r) => r[j]!), d.x[Math.floor(k / dim)]![j]!];
        checkClose(`normalized[${k}]`, got[k]!, w, 1e-4, vbnAtol(col, d.gamma[j]!, d.epsilon));
      });
    }),
    invariant('the output for one example does not depend on the other examples of its batch', fc.tuple(vbnDraws(uniform(-3, 3)), rowsOf(uniform(-10, 10), 5, 5)), ([d, others]) => {
      const dim = d.x[0]!.length;
      const alone = values(vbn({ ...d, x: [d.x[0]!] }));
      const replaced = vbn({ ...d, x: [d.x[0]!, ...others.map((r) => r.slice(0, dim))] }).arraySync() as number[][];
      checkAllClose('row 0 among other rows', replaced[0]!, alone, 1e-6, 1e-7);
      const batch = vbn(d).arraySync() as number[][];
      checkAllClose('row 0 in its own batch', batch[0]!, alone, 1e-6, 1e-7);
    }),
    invariant('the reference batch normalised by its own statistics (γ = 1, β = 0) has mean 0 and variance σ²/(σ² + ε) per feature', vbnDraws(uniform(-3, 3)), (d) => {
      const dim = d.ref[0]!.length;
      const out = referenceBatchNorm(F(t2(d.ref)), tf.ones([dim]), tf.zeros([dim]), { epsilon: d.epsilon }).arraySync() as number[][];
      for (let j = 0; j < dim; j++) {
        const col = out.map((r) => r[j]!);
        const ref = d.ref.map((r) => r[j]!);
        const mu = ref.reduce((a, b) => a + b, 0) / ref.length;
        const s2 = ref.reduce((a, b) => a + (b - mu) ** 2, 0) / ref.length;
        const mean = col.reduce((a, b) => a + b, 0) / col.length;
        checkClose(`mean of feature ${j}`, mean, 0, 0, vbnAtol(ref, 1, d.epsilon));
        checkClose(`variance of feature ${j}`, col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length, s2 / (s2 + d.epsilon), 1e-4, 1e-6);
      }
    }),
    invariant('an example equal to the reference mean maps to β; γ and β act affinely', vbnDraws(uniform(-3, 3)), (d) => {
      const mu = tf.mean(t2(d.ref), 0, true);
      checkAllClose('VBN(μ_ref)', values(virtualBatchNorm(F(mu), F(t2(d.ref)), t1(d.gamma), t1(d.beta), { epsilon: d.epsilon })), d.beta.map(f32), 0, 1e-7);
      const dim = d.gamma.length;
      const unit = values(virtualBatchNorm(F(t2(d.x)), F(t2(d.ref)), tf.ones([dim]), tf.zeros([dim]), { epsilon: d.epsilon }));
      checkAllClose('γ·VBN₁ + β', values(vbn(d)), unit.map((v, i) => f32(d.gamma[i % dim]!) * v + f32(d.beta[i % dim]!)), 1e-5, 1e-6);
    }),
    invariant('finite values and gradients for constant features (ε > 0)', vbnDraws(uniform(-3, 3)), (d) => {
      const c = d.ref[0]!;
      const flatRef = d.ref.map(() => c);
      const xs = d.x.map(() => c);
      const o = { epsilon: d.epsilon };
      checkFinite('normalized', values(virtualBatchNorm(F(t2(xs)), F(t2(flatRef)), t1(d.gamma), t1(d.beta), o)));
      for (const g of gradsOf((a, b, g1, b1) => tf.add(tf.sum(virtualBatchNorm(F(a!), F(b!), g1!, b1!, o)), tf.sum(referenceBatchNorm(F(b!), g1!, b1!, o))), [t2(xs), t2(flatRef), t1(d.gamma), t1(d.beta)])) checkFinite('gradient', g);
    }),
  ],
  errors: [
    { name: 'ε = 0', call: () => virtualBatchNorm(F(t2([[1]])), F(t2([[1]])), t1([1]), t1([0]), { epsilon: 0 }), error: 'InvalidParameterError', argument: 'epsilon' },
    { name: 'an unknown option', call: () => virtualBatchNorm(F(t2([[1]])), F(t2([[1]])), t1([1]), t1([0]), { eps: 1 } as never), error: 'InvalidParameterError', argument: 'eps' },
    { name: 'rank-1 x', call: () => virtualBatchNorm(F(t1([1])), F(t2([[1]])), t1([1]), t1([0])), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'x with other features', call: () => virtualBatchNorm(F(t2([[1, 2]])), F(t2([[1]])), t1([1]), t1([0])), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'gamma of the wrong length', call: () => virtualBatchNorm(F(t2([[1]])), F(t2([[1]])), t1([1, 2]), t1([0])), error: 'InvalidArgumentError', argument: 'gamma' },
    { name: 'beta of the wrong length', call: () => referenceBatchNorm(F(t2([[1]])), t1([1]), t1([0, 0])), error: 'InvalidArgumentError', argument: 'beta' },
    { name: 'a NaN in the reference', call: () => virtualBatchNorm(F(t2([[1]])), F(t2([[NaN]])), t1([1]), t1([0])), error: 'InvalidArgumentError', argument: 'reference' },
  ],
};

// ---------------------------------------------------------------------------------------------
// noise/instance-noise

interface NoiseDraw {
  shape: number[];
  x: number[];
  noise: number[];
  schedule: NoiseSchedule;
  sigma0: number;
  steps: number;
  step: number;
}

const noiseDraws: fc.Arbitrary<NoiseDraw> = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    schedule: fc.constantFrom<NoiseSchedule>('linear', 'exponential'),
    sigma0: fc.oneof(uniform(0, 2), fc.constantFrom(0, 0.1, 1)),
    steps: fc.integer({ min: 1, max: 1000 }),
    step: fc.integer({ min: 0, max: 1500 }),
  })
  .chain((r) => fc.record({ x: flat(uniform(-5, 5), size(r.shape)), noise: flat(uniform(-3, 3), size(r.shape)) }).map((t) => ({ ...r, ...t })));

function noiseCase(d: NoiseDraw, label?: string): Case {
  return { inputs: { x: nd(d.shape, d.x), noise: nd(d.shape, d.noise) }, params: { schedule: d.schedule, sigma0: d.sigma0, steps: d.steps, step: d.step }, grads: true, ...(label ? { label } : {}) };
}

const sched = (d: Pick<NoiseDraw, 'schedule' | 'sigma0' | 'steps'>) => ({ schedule: d.schedule, sigma0: d.sigma0, steps: d.steps });
const sigma64 = (d: Pick<NoiseDraw, 'schedule' | 'sigma0' | 'steps'>, t: number) => (d.schedule === 'linear' ? d.sigma0 * Math.max(0, 1 - t / d.steps) : d.sigma0 * Math.exp(-t / d.steps));

export const instanceNoiseSpec: Spec = {
  id: INSTANCE_NOISE_ID,
  title: 'Instance noise (annealed)',
  reference: 'Sønderby, Caballero, Theis, Shi & Huszár 2017, Amortised MAP Inference for Image Super-resolution, §3.1 (instance noise); Arjovsky & Bottou 2017, Towards Principled Methods for Training GANs, §3.1',
  section: 'regularizers',
  inputs: {
    x: { kind: 'samples', doc: 'real or generated samples, [n, ...]' },
    noise: { kind: 'samples', doc: 'ε ~ N(0, I), the shape of x (explicit, so results replay)' },
  },
  params: {
    schedule: { doc: "'linear' σ₀·max(0, 1 − t/T) or 'exponential' σ₀·exp(−t/T)", default: 'linear', choices: ['linear', 'exponential'] },
    sigma0: { doc: 'σ(0) = σ₀ ≥ 0', default: 0.1 },
    steps: { doc: 'T > 0: the length (linear) or time constant (exponential) of the annealing', default: 10000 },
    step: { doc: 'the training step t ≥ 0', default: 0 },
  },
  outputs: ['noised', 'sigma'],
  evaluate: (x, p) => {
    const s = { schedule: p.schedule as NoiseSchedule, sigma0: p.sigma0 as number, steps: p.steps as number };
    return { noised: instanceNoise(x.x!, x.noise!, p.step as number, s), sigma: tf.scalar(instanceNoiseSigma(p.step as number, s)) };
  },
  sample: noiseDraws.map((d) => noiseCase(d)),
  edges: [
    noiseCase({ shape: [2, 2], x: [1, -2, 0.5, 3], noise: [1, 1, -2, 0.5], schedule: 'linear', sigma0: 0.5, steps: 100, step: 0 }, 'closed form: t = 0 gives σ = σ₀ = ½'),
    noiseCase({ shape: [2, 2], x: [1, -2, 0.5, 3], noise: [1, 1, -2, 0.5], schedule: 'linear', sigma0: 0.5, steps: 100, step: 50 }, 'closed form: half-way gives σ = ¼'),
    noiseCase({ shape: [3], x: [1, -2, 0.5], noise: [1, 1, -2], schedule: 'linear', sigma0: 1, steps: 100, step: 250 }, 'edge: after the end of the linear schedule σ = 0 and x is unchanged'),
    noiseCase({ shape: [3], x: [1, -2, 0.5], noise: [1, 1, -2], schedule: 'exponential', sigma0: 2, steps: 10, step: 10 }, 'closed form: exponential at t = T gives σ₀/e'),
    noiseCase({ shape: [1, 3], x: [1e4, -1e4, 0], noise: [3, -3, 1], schedule: 'exponential', sigma0: 0, steps: 5, step: 0 }, 'edge: σ₀ = 0 and samples at ±1e4'),
  ],
  secondOrder: true,
  invariants: [
    invariant('σ(0) = σ₀; σ is non-increasing in t; linear σ(t) = 0 for t ≥ T; exponential σ > 0 when σ₀ > 0', fc.tuple(noiseDraws, fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })), ([d, a, b]) => {
      const s = sched(d);
      checkClose('σ(0)', instanceNoiseSigma(0, s), d.sigma0, 0, 0);
      const [t1_, t2_] = a <= b ? [a, b] : [b, a];
      checkThat(instanceNoiseSigma(t2_, s) <= instanceNoiseSigma(t1_, s), `σ(${t2_}) > σ(${t1_})`);
      checkClose(`σ(${t1_})`, instanceNoiseSigma(t1_, s), sigma64(d, t1_), 1e-15, 0);
      if (d.schedule === 'linear') checkThat(instanceNoiseSigma(d.steps + a, s) === 0, 'σ ≠ 0 after the end of the linear schedule');
      else if (d.sigma0 > 0 && a / d.steps < 600) checkThat(instanceNoiseSigma(a, s) > 0, 'exponential σ reached 0'); // (e^−745 underflows float64)
    }),
    invariant('noised = x + σ(t)·ε in float64', noiseDraws, (d) => {
      const sigma = sigma64(d, d.step);
      checkAllClose('noised', values(instanceNoise(tn(nd(d.shape, d.x)), tn(nd(d.shape, d.noise)), d.step, sched(d))), d.x.map((v, i) => f32(v) + sigma * f32(d.noise[i]!)), 1e-6, 1e-6);
    }),
    invariant('the gradient wrt x is the identity, wrt ε it is σ(t)', noiseDraws, (d) => {
      const [gx, ge] = gradsOf((x, e) => instanceNoise(x!, e!, d.step, sched(d)), [tn(nd(d.shape, d.x)), tn(nd(d.shape, d.noise))]);
      checkAllClose('∂/∂x', gx!, d.x.map(() => 1), 0, 0);
      checkAllClose('∂/∂ε', ge!, d.x.map(() => f32(sigma64(d, d.step))), 1e-6, 0);
    }),
    invariant('generators with one seed give the same noise and advance; real and fake get independent noise with the same σ', fc.tuple(noiseDraws, fc.oneof(fc.constant(0), fc.integer({ min: -1e6, max: 1e6 }))), ([d, seed]) => {
      const o = { ...sched(d), sigma0: 1 };
      const x = tn(nd(d.shape, d.x));
      const rng = new Random(seed);
      const a = values(addInstanceNoise(x, 0, { ...o, random: rng }));
      checkAllClose('same seed', values(addInstanceNoise(x, 0, { ...o, random: new Random(seed) })), a, 0, 0);
      const second = values(addInstanceNoise(x, 0, { ...o, random: rng }));
      const pair = instanceNoisePair(x, x, 0, { ...o, random: new Random(seed) });
      checkAllClose('pair.real (first draw)', values(pair.real), a, 0, 0);
      checkAllClose('pair.fake (second draw)', values(pair.fake), second, 0, 0);
      const eps = values(tf.sub(pair.fake, x));
      checkThat(d.x.length < 2 || eps.some((v, i) => v !== a[i]! - f32(d.x[i]!)), 'real and fake received the same noise');
    }),
  ],
  errors: [
    { name: "schedule 'cosine'", call: () => instanceNoise(t1([1]), t1([1]), 0, { schedule: 'cosine' as never }), error: 'InvalidParameterError', argument: 'schedule' },
    { name: 'σ₀ < 0', call: () => instanceNoise(t1([1]), t1([1]), 0, { sigma0: -1 }), error: 'InvalidParameterError', argument: 'sigma0' },
    { name: 'steps = 0', call: () => instanceNoise(t1([1]), t1([1]), 0, { steps: 0 }), error: 'InvalidParameterError', argument: 'steps' },
    { name: 'a negative step', call: () => instanceNoise(t1([1]), t1([1]), -1), error: 'InvalidParameterError', argument: 'step' },
    { name: 'an unknown option', call: () => instanceNoise(t1([1]), t1([1]), 0, { sigma: 1 } as never), error: 'InvalidParameterError', argument: 'sigma' },
    { name: 'noise of another shape', call: () => instanceNoise(t1([1, 2]), t1([1]), 0), error: 'InvalidArgumentError', argument: 'noise' },
    { name: 'a NaN sample', call: () => instanceNoise(t1([NaN]), t1([1]), 0), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'a scalar sample', call: () => instanceNoise(tf.scalar(1), tf.scalar(1), 0), error: 'InvalidArgumentError', argument: 'x' },
    { name: 'addInstanceNoise with a fractional seed', call: () => addInstanceNoise(t1([1]), 0, { seed: 0.5 }), error: 'InvalidParameterError', argument: 'seed' },
    { name: 'addInstanceNoise with both a generator and a seed', call: () => addInstanceNoise(t1([1]), 0, { random: new Random(1), seed: 1 }), error: 'InvalidParameterError', argument: 'seed' },
  ],
};

// ---------------------------------------------------------------------------------------------
// penalty/pulling-away

/** f_PT in float64 from the definition; a zero row has cosine 0 with every row. */
function pt64(rows: number[][]): number {
  const n = rows.length;
  const norm = rows.map((r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0)));
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || norm[i] === 0 || norm[j] === 0) continue;
      const dot = rows[i]!.reduce((a, v, k) => a + v * rows[j]![k]!, 0);
      total += (dot / (norm[i]! * norm[j]!)) ** 2;
    }
  }
  return total / (n * (n - 1));
}

function ptDraws(value: fc.Arbitrary<number>, minN = 2, maxN = 8, maxD = 6): fc.Arbitrary<number[][]> {
  return fc
    .record({ n: fc.integer({ min: minN, max: maxN }), d: fc.integer({ min: 1, max: maxD }) })
    .chain(({ n, d }) => rowsOf(value, n, d))
    .map((rows) => rows.map((r) => r.map(f32)))
    .filter((rows) => rows.every((r) => Math.hypot(...r) > 1e-3 * Math.max(1, maxAbs(r))));
}

const ptValue = fc.oneof({ weight: 5, arbitrary: uniform(-3, 3) }, { weight: 1, arbitrary: uniform(-1e3, 1e3) });

function ptCase(rows: number[][], label?: string, grads = true): Case {
  return { inputs: { representations: matrix(rows) }, params: {}, grads, ...(label ? { label } : {}) };
}

const pt = (rows: number[][]) => scalar(pullingAwayTerm(F(t2(rows))));

export const pullingAway: Spec = {
  id: PULLING_AWAY_ID,
  title: 'Pulling-away term (EBGAN)',
  reference: 'Zhao, Mathieu & LeCun 2017, Energy-based Generative Adversarial Network, §2.4 (eq. 6)',
  section: 'regularizers',
  inputs: { representations: { kind: 'features', doc: 'S, the encoder representations of a generated batch, [N, d], N ≥ 2' } },
  params: {},
  outputs: ['value'],
  evaluate: (x) => ({ value: pullingAwayTerm(F(x.representations!)) }),
  sample: ptDraws(ptValue).map((rows) => ptCase(rows)),
  edges: [
    ptCase([[1, 0], [1, 1]], 'closed form: cos² = ½ gives ½'),
    ptCase([[1, 0, 0], [0, 2, 0], [0, 0, -3]], 'closed form: orthogonal rows give 0'),
    ptCase([[1, 2], [-2, -4], [0.5, 1]], 'closed form: collinear rows (negative scale too) give 1'),
    ptCase([[1e4, -1e4, 5e3], [1e-20, 3e-20, -2e-20], [0.5, 0.25, 1]], 'edge: rows at 1e4 and 1e-20 (scale-free, no overflow or underflow)'),
    ptCase([[1, 2], [0, 0], [3, -1]], 'edge: a zero row contributes 0 (not differentiable there: gradients not compared)', false),
  ],
  secondOrder: true,
  invariants: [
    invariant('lies in [0, 1] and equals the mean squared cosine over pairs i ≠ j in float64', ptDraws(ptValue), (rows) => {
      const got = pt(rows);
      checkThat(got >= 0 && got <= 1, `f_PT = ${got} outside [0, 1]`);
      checkClose('f_PT', got, pt64(rows), 1e-5, 1e-6);
    }),
    invariant('0 for mutually orthogonal rows (scaled, signed basis vectors)', fc.integer({ min: 2, max: 6 }).chain((n) => fc.tuple(permutation(n), flat(fc.oneof(uniform(0.01, 100), uniform(-100, -0.01)), n))), ([perm, scales]) => {
      const rows = perm.map((k, i) => perm.map((_, j) => (j === k ? scales[i]! : 0)));
      checkClose('f_PT', pt(rows), 0, 0, 1e-7);
    }),
    invariant('1 for collinear rows, whatever the signs and scales', fc.tuple(flat(uniform(-3, 3), 5).filter((v) => Math.hypot(...v) > 0.1), flat(fc.oneof(uniform(0.01, 100), uniform(-100, -0.01)), 6), fc.integer({ min: 2, max: 6 })), ([v, scales, n]) => {
      checkClose('f_PT', pt(scales.slice(0, n).map((s) => v.map((x) => f32(s * x)))), 1, 1e-5, 0);
    }),
    invariant('invariant to scaling rows by nonzero factors (negative included)', fc.tuple(ptDraws(ptValue), flat(fc.oneof(uniform(1e-3, 1e3), uniform(-1e3, -1e-3)), 8)), ([rows, scales]) => {
      checkClose('f_PT(diag(s)·S)', pt(rows.map((r, i) => r.map((v) => f32(v * scales[i]!)))), pt(rows), 1e-5, 1e-6);
    }),
    invariant('invariant to permuting the rows', ptDraws(ptValue).chain((rows) => fc.tuple(fc.constant(rows), permutation(rows.length))), ([rows, p]) => {
      checkClose('f_PT(PS)', pt(p.map((i) => rows[i]!)), pt(rows), 1e-5, 1e-6);
    }),
    invariant('a zero row contributes 0 and leaves value and gradients finite', fc.tuple(ptDraws(ptValue), fc.nat()), ([rows, k]) => {
      const withZero = rows.map((r, i) => (i === k % rows.length ? r.map(() => 0) : r));
      checkClose('f_PT', pt(withZero), pt64(withZero), 1e-5, 1e-6);
      const [g] = gradsOf((s) => pullingAwayTerm(F(s!)), [t2(withZero)]);
      checkFinite('gradient', g!);
    }),
  ],
  errors: [
    { name: 'one row (N = 1)', call: () => pullingAwayTerm(F(t2([[1, 2]]))), error: 'InvalidArgumentError', argument: 'representations' },
    { name: 'a rank-1 batch', call: () => pullingAwayTerm(F(t1([1, 2]))), error: 'InvalidArgumentError', argument: 'representations' },
    { name: 'a NaN entry', call: () => pullingAwayTerm(F(t2([[1, NaN], [0, 1]]))), error: 'InvalidArgumentError', argument: 'representations' },
    { name: 'a plain array', call: () => pullingAwayTerm([[1], [2]] as never), error: 'InvalidArgumentError', argument: 'representations' },
  ],
};

/** Catalog entries of this group, in CATALOG.md order. */
const benchFeatures = (seed: number) => uniformArray([BENCH.batch, BENCH.features], -1, 1, seed);

export const SPECS: Spec[] = [
  withBenchmark(pullingAway, () => benchCase({ representations: benchFeatures(1) })),
  withBenchmark(weightClipping, () => benchCase({ weights: uniformArray([BENCH.features, BENCH.hidden], -0.05, 0.05, 1) }, { c: 0.01 })),
  withBenchmark(spectralNorm, () => benchCase({ weight: uniformArray([BENCH.hidden, BENCH.features], -1, 1, 1), u: uniformArray([BENCH.hidden], -1, 1, 2) }, { iterations: 1, outAxis: 'first' })),
  withBenchmark(minibatchDiscriminationSpec, () => benchCase({ features: benchFeatures(1), tensor: uniformArray([BENCH.features, 16, 4], -0.1, 0.1, 2) })),
  withBenchmark(virtualBatchNormSpec, () => benchCase({ x: benchFeatures(1), reference: benchFeatures(2), gamma: uniformArray([BENCH.features], 0.5, 1.5, 3), beta: uniformArray([BENCH.features], -0.5, 0.5, 4) }, { epsilon: 1e-5 })),
  withBenchmark(instanceNoiseSpec, () => benchCase({ x: benchFeatures(1), noise: benchFeatures(2) }, { schedule: 'linear', sigma0: 0.5, steps: 100, step: 10 })),
];
