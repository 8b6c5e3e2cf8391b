import * as tf from '@tensorflow/tfjs-core';
import { randomSource, type Random } from '../random.js';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, checkTensor, valuesChecked } from '../validate.js';
import { stopGradient } from './stop-gradient.js';

/** The catalog id of this spec, `constraint/spectral-norm`; errors from these functions name it. */
export const SPECTRAL_NORM_ID = 'constraint/spectral-norm';

/** Which axis of the weight indexes output units. */
export type OutAxis = 'first' | 'last';
const OUT_AXES: readonly OutAxis[] = ['first', 'last'];

/** Options of spectral normalization. */
export interface SpectralNormOptions {
  /** Power iterations per call, an integer ≥ 1 (default 1, as in Miyato et al. 2018). */
  iterations?: number;
  /**
   * `'first'` (default; the paper's and PyTorch's layout: dense [out, in], conv [out, in, kh, kw])
   * or `'last'` (TF.js layout: dense kernel [in, out], conv kernel [kh, kw, in, out]).
   */
  outAxis?: OutAxis;
}

/** The result of one spectral normalization. */
export interface SpectralNormResult {
  /** W / σ(W), the shape of the weight. */
  normalized: tf.Tensor;
  /** σ(W) ≈ ũᵀ W ṽ, a scalar. */
  sigma: tf.Tensor;
  /** The updated left singular vector estimate ũ, [out], unit norm (carry it to the next call). */
  u: tf.Tensor;
}

/** torch's F.normalize: x / max(‖x‖₂, 1e-12). */
const EPS = 1e-12;
function normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.maximum(tf.norm(x), EPS));
}

function options(spec: string, o: SpectralNormOptions | undefined): { iterations: number; outAxis: OutAxis } {
  checkKnownOptions(spec, o, ['iterations', 'outAxis']);
  const iterations = checkNumber(spec, 'iterations', o?.iterations ?? 1, { min: 1 });
  if (!Number.isInteger(iterations))
    throw new InvalidParameterError(spec, 'iterations', 'an integer ≥ 1', String(iterations));
  return { iterations, outAxis: checkChoice(spec, 'outAxis', o?.outAxis ?? 'first', OUT_AXES) };
}

/** Number of output units of a weight in the given layout. */
function outUnits(shape: number[], outAxis: OutAxis): number {
  return outAxis === 'first' ? shape[0]! : shape[shape.length - 1]!;
}

/**
 * The weight as the matrix W [out, rest] whose spectral norm is taken (Miyato et al. 2018, §2.1
 * and appendix: a conv kernel is treated as a d_out × (d_in·h·w) matrix). `'last'` moves the
 * output axis to the front first, so a TF.js kernel gives the same matrix up to a permutation of
 * its columns (hence the same singular values) as the PyTorch layout.
 */
function asMatrix(w: tf.Tensor, outAxis: OutAxis): tf.Tensor {
  if (outAxis === 'first') return tf.reshape(w, [w.shape[0]!, -1]);
  return tf.transpose(tf.reshape(w, [-1, w.shape[w.rank - 1]!]));
}

/**
 * Spectral normalization (Miyato, Kataoka, Koyama & Yoshida 2018, "Spectral Normalization for
 * Generative Adversarial Networks", eq. 8 and Algorithm 1), with the persistent vector passed
 * explicitly so a call is a pure function:
 *
 *   repeat `iterations` times:  ṽ ← Wᵀũ / ‖Wᵀũ‖₂,   ũ ← Wṽ / ‖Wṽ‖₂
 *   σ(W) = ũᵀ W ṽ,              normalized = W / σ(W)
 *
 * σ(W) estimates the largest singular value of W (viewed as [out, rest], see `outAxis`); with
 * enough iterations it converges to it, and the normalized weight then has spectral norm 1.
 * Gradients flow through σ(W) = ũᵀWṽ with ũ and ṽ held constant (∂σ/∂W = ũṽᵀ), exactly as
 * `torch.nn.utils.spectral_norm` (and `parametrizations.spectral_norm`) do: they run the power
 * iteration under `no_grad` and detach ũ, ṽ. The returned `u` is therefore a constant too (zero
 * gradient), and the input `u` receives a zero gradient. Vectors are normalised as torch's
 * `F.normalize` does, x / max(‖x‖, 1e-12). Scaling W by s > 0 leaves the normalized weight
 * unchanged. Use the class {@link SpectralNorm} to keep ũ across training steps.
 *
 * @param weight W, rank ≥ 2, finite, not all zero
 * @param u ũ, [out] (out = the size of the output axis), finite, not orthogonal to the range of W
 *   (any nonzero random vector is, with probability 1); its norm does not matter
 * @param opts `iterations` (integer ≥ 1, default 1) and `outAxis`
 */
export function spectralNormalize(weight: tf.Tensor, u: tf.Tensor, opts?: SpectralNormOptions): SpectralNormResult {
  ensureGradients();
  const spec = SPECTRAL_NORM_ID;
  const { iterations, outAxis } = options(spec, opts);
  const w = checkTensor(spec, 'weight', weight, { minRank: 2, finite: true });
  const u0 = checkTensor(spec, 'u', u, { rank: 1, finite: true });
  const out = outUnits(w.shape, outAxis);
  if (u0.shape[0] !== out) {
    throw new InvalidArgumentError(
      spec,
      'u',
      `a vector of length ${out} (the output units of 'weight', outAxis '${outAxis}')`,
      `shape [${u0.shape.join(', ')}]`,
    );
  }
  if (valuesChecked()) {
    const [wMax, projected] = tf.tidy(() => {
      const m = asMatrix(w, outAxis);
      return [
        tf.max(tf.abs(m)).dataSync()[0]!,
        tf.max(tf.abs(tf.matMul(tf.reshape(normalize(u0), [1, -1]), m))).dataSync()[0]!,
      ];
    });
    if (!(wMax > 0))
      throw new InvalidArgumentError(spec, 'weight', 'a nonzero matrix (σ(0) = 0 cannot normalise)', 'all zeros');
    if (!(projected > 0))
      throw new InvalidArgumentError(
        spec,
        'u',
        "a vector not orthogonal to the range of 'weight' (Wᵀu = 0 gives σ = 0)",
        'Wᵀu = 0',
      );
  }
  return tf.tidy(() => {
    const m = asMatrix(w, outAxis);
    const fixed = stopGradient(m);
    let left = stopGradient(u0);
    let right = left;
    for (let k = 0; k < iterations; k++) {
      right = normalize(tf.squeeze(tf.matMul(fixed, tf.reshape(left, [-1, 1]), true, false), [1]));
      left = normalize(tf.squeeze(tf.matMul(fixed, tf.reshape(right, [-1, 1])), [1]));
    }
    const sigma = tf.sum(tf.mul(left, tf.squeeze(tf.matMul(m, tf.reshape(right, [-1, 1])), [1])));
    return { normalized: tf.div(w, sigma), sigma, u: left };
  });
}

/**
 * Stateful spectral normalization for a training loop (Miyato et al. 2018, Algorithm 1): holds the
 * persistent ũ as a `tf.Variable` (initialised N(0, I), normalised, as PyTorch does) and updates it
 * at every {@link SpectralNorm.apply}. One instance per weight. Call `dispose()` when done.
 */
export class SpectralNorm {
  /** The persistent left singular vector estimate ũ, [out]. */
  readonly u: tf.Variable;
  readonly iterations: number;
  readonly outAxis: OutAxis;
  private readonly shape: number[];

  /**
   * @param shape the weight's shape (rank ≥ 2)
   * @param opts `iterations`, `outAxis`, and where ũ's initial draw comes from: a `random`
   *   generator, a `seed` (a stream, see {@link Random}; 0 is a seed like any other), or neither
   *   (the default generator)
   */
  constructor(shape: number[], opts?: SpectralNormOptions & { seed?: number; random?: Random }) {
    const spec = SPECTRAL_NORM_ID;
    const { seed, random, ...rest } = opts ?? {};
    const o = options(spec, rest);
    if (!Array.isArray(shape) || shape.length < 2 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new InvalidArgumentError(
        spec,
        'shape',
        'a weight shape of rank ≥ 2 with positive integer sizes',
        JSON.stringify(shape),
      );
    }
    const source = randomSource(spec, 'random', undefined, random, seed) as { random: Random };
    this.iterations = o.iterations;
    this.outAxis = o.outAxis;
    this.shape = [...shape];
    this.u = tf.tidy(() => tf.variable(normalize(source.random.normal([outUnits(shape, o.outAxis)])), false));
  }

  /**
   * W / σ(W) with one round of `iterations` power iterations from the stored ũ, which is then
   * replaced by the new estimate. Returns the normalized weight and σ (the caller owns both).
   * Differentiable in W as {@link spectralNormalize} is.
   */
  apply(weight: tf.Tensor): { normalized: tf.Tensor; sigma: tf.Tensor } {
    const w = checkTensor(SPECTRAL_NORM_ID, 'weight', weight, { minRank: 2 });
    if (!tf.util.arraysEqual(w.shape, this.shape)) {
      throw new InvalidArgumentError(
        SPECTRAL_NORM_ID,
        'weight',
        `shape [${this.shape.join(', ')}] (the shape this SpectralNorm was made for)`,
        `shape [${w.shape.join(', ')}]`,
      );
    }
    const r = spectralNormalize(w, this.u, { iterations: this.iterations, outAxis: this.outAxis });
    this.u.assign(r.u);
    r.u.dispose();
    return { normalized: r.normalized, sigma: r.sigma };
  }

  /** Frees ũ. */
  dispose(): void {
    this.u.dispose();
  }
}
