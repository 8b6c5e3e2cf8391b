import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { CriticScores, Probabilities } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkChoice, checkKnownOptions, checkTensor, valuesChecked } from '../validate.js';
import { log1p } from '../numerics.js';

/** The catalog id of this spec, `theory/neural-net-distance`; errors from these functions name it. */
export const NEURAL_NET_DISTANCE_ID = 'theory/neural-net-distance';

/** The measuring function φ: `'log'` (the JS-like GAN case) or `'identity'` (the Wasserstein-like case). */
export type MeasuringFunction = 'log' | 'identity';
/** The measuring functions φ of the neural-net distance, by name. */
export const MEASURING_FUNCTIONS: readonly MeasuringFunction[] = ['log', 'identity'];

/** Options of the F-distance. */
export interface NeuralNetDistanceOptions {
  /** φ, default `'log'`. */
  phi?: MeasuringFunction;
}

/**
 * Per-sample terms φ(D) − φ(½) on the real side and φ(1 − D) − φ(½) on the fake side.
 *
 * log: log(2D) and log(2(1 − D)), each in the form that is exact in float32 where it matters:
 * log1p(2D − 1) for D ≥ ¼ (2D − 1 is exact there, and log1p keeps full relative accuracy near
 * D = ½, where the term is 0 exactly at D = ½) and log(2D) below (2D is exact, and log1p would
 * lose the digits of 2D to the rounding of 2D − 1 near −1). Symmetrically log(2(1 − D)) for
 * D > ¾ (1 − D is exact there by Sterbenz) and log1p(1 − 2D) otherwise. Both branches of each
 * `where` are finite on (0, 1), so no NaN reaches the backward pass.
 * identity: D − ½ and ½ − D, whose means are formed as E_μ[D] − E_ν[D] by the caller.
 */
function logTerms(d: tf.Tensor, side: 'real' | 'fake'): tf.Tensor {
  const twoD = tf.mul(2, d);
  if (side === 'real') return tf.where(tf.less(d, 0.25), tf.log(twoD), log1p(tf.sub(twoD, 1)));
  return tf.where(tf.greater(d, 0.75), tf.log(tf.mul(2, tf.sub(1, d))), log1p(tf.sub(1, twoD)));
}

function checkFamily(
  dReal: unknown,
  dFake: unknown,
  options: NeuralNetDistanceOptions | undefined,
): [tf.Tensor, tf.Tensor, MeasuringFunction] {
  const spec = NEURAL_NET_DISTANCE_ID;
  checkKnownOptions(spec, options, ['phi']);
  const phi = checkChoice(spec, 'phi', options?.phi ?? 'log', MEASURING_FUNCTIONS);
  const rule = { rank: 2, finite: true };
  const r = checkTensor(spec, 'dReal', dReal, rule);
  const f = checkTensor(spec, 'dFake', dFake, rule);
  if (r.shape[0] !== f.shape[0]) {
    throw new InvalidArgumentError(
      spec,
      'dFake',
      `one row per member of the family, like 'dReal' ([${r.shape[0]}, m])`,
      `shape [${f.shape.join(', ')}]`,
    );
  }
  if (phi === 'log' && valuesChecked()) {
    for (const [name, t] of [
      ['dReal', r],
      ['dFake', f],
    ] as const) {
      const data = t.dataSync();
      for (let i = 0; i < data.length; i++) {
        if (!(data[i]! > 0 && data[i]! < 1)) {
          throw new InvalidArgumentError(
            spec,
            name,
            "a float32 tensor of rank 2 with values in (0, 1) (φ = 'log' takes log D and log(1 − D))",
            `${data[i]} at flat index ${i}`,
          );
        }
      }
    }
  }
  return [r, f, phi];
}

function members(r: tf.Tensor, f: tf.Tensor, phi: MeasuringFunction): tf.Tensor {
  if (phi === 'identity') return tf.sub(tf.mean(r, 1), tf.mean(f, 1));
  return tf.add(tf.mean(logTerms(r, 'real'), 1), tf.mean(logTerms(f, 'fake'), 1));
}

/**
 * The F-distance of Arora, Ge, Liang, Ma & Zhang 2017 ("Generalization and Equilibrium in
 * Generative Adversarial Nets", §3, the definition of the F-distance; the neural net distance is
 * the case where F is a class of networks), over a GIVEN FINITE family F = {D_1, …, D_K},
 * between the empirical distributions of two samples:
 *
 *   d_{F,φ}(μ, ν) = max_k  E_{x∼μ}[φ(D_k(x))] + E_{x∼ν}[φ(1 − D_k(x))] − 2φ(½)
 *
 * φ = log (default): the value of the original GAN game for the best member, shifted so that the
 * constant D ≡ ½ scores 0; D ∈ (0, 1) (probabilities). Then E_μ[log 2D] + E_ν[log 2(1 − D)] is
 * what is computed (the same number, exact at D = ½). A family containing D ≡ ½ has d ≥ 0; on
 * identical samples (μ = ν empirically) every member scores E[log 4D(1 − D)] ≤ 0, so d ≤ 0 with
 * equality iff D ≡ ½ on the samples for some member.
 * φ = identity: E_μ[D] + E_ν[1 − D] − 1 = E_μ[D] − E_ν[D], the integral probability metric over F
 * (the Wasserstein-like case; with F the 1-Lipschitz functions it is W1). The paper's F maps to
 * [0, 1], but the expression is defined for every real D, so critic scores are accepted. When F
 * is closed under D ↦ 1 − D (the paper's assumption) the value is max_k |E_μ D_k − E_ν D_k| ≥ 0.
 *
 * The sup over an infinite class is the caller's business (train the discriminators); this
 * function evaluates the given members. The gradient of the max goes to the best member (split
 * evenly between exact ties, as PyTorch's amax).
 *
 * @param dReal D_k(x) on the samples of μ, shape [K, n]
 * @param dFake D_k(x) on the samples of ν, shape [K, m]
 * @param options φ: 'log' (default; values in (0, 1)) or 'identity' (any finite values)
 * @returns the scalar d_{F,φ}(μ, ν)
 */
export function neuralNetDistance(dReal: Probabilities, dFake: Probabilities, options?: { phi?: 'log' }): tf.Tensor;
export function neuralNetDistance(
  dReal: Probabilities | CriticScores,
  dFake: Probabilities | CriticScores,
  options: { phi: 'identity' },
): tf.Tensor;
export function neuralNetDistance(
  dReal: Probabilities,
  dFake: Probabilities,
  options?: NeuralNetDistanceOptions,
): tf.Tensor;
export function neuralNetDistance(
  dReal: Probabilities | CriticScores,
  dFake: Probabilities | CriticScores,
  options?: NeuralNetDistanceOptions,
): tf.Tensor {
  ensureGradients();
  const [r, f, phi] = checkFamily(dReal, dFake, options);
  return tf.tidy(() => tf.max(members(r, f, phi)));
}

/**
 * The per-member scores of {@link neuralNetDistance}, before the max:
 * E_μ[φ(D_k)] + E_ν[φ(1 − D_k)] − 2φ(½) for k = 1…K (Arora et al. 2017, §3).
 *
 * @param dReal D_k(x) on the samples of μ, shape [K, n]
 * @param dFake D_k(x) on the samples of ν, shape [K, m]
 * @param options φ: 'log' (default) or 'identity'
 * @returns shape [K]
 */
export function neuralNetDistanceMembers(
  dReal: Probabilities,
  dFake: Probabilities,
  options?: { phi?: 'log' },
): tf.Tensor;
export function neuralNetDistanceMembers(
  dReal: Probabilities | CriticScores,
  dFake: Probabilities | CriticScores,
  options: { phi: 'identity' },
): tf.Tensor;
export function neuralNetDistanceMembers(
  dReal: Probabilities,
  dFake: Probabilities,
  options?: NeuralNetDistanceOptions,
): tf.Tensor;
export function neuralNetDistanceMembers(
  dReal: Probabilities | CriticScores,
  dFake: Probabilities | CriticScores,
  options?: NeuralNetDistanceOptions,
): tf.Tensor {
  ensureGradients();
  const [r, f, phi] = checkFamily(dReal, dFake, options);
  return tf.tidy(() => members(r, f, phi));
}
