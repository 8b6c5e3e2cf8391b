import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import {
  checkChoice,
  checkKnownOptions,
  checkNumber,
  checkSameShape,
  checkTensor,
  describeValue,
  valuesChecked,
} from '../validate.js';
import { checkSeed, Random, randomSource, streamFor } from '../random.js';
import { criticFn, inputGradients, perExampleNorm, type Critic, type CriticFn } from './critic.js';

/** The catalog id of this spec, `penalty/gradient-penalty`; errors from these functions name it. */
export const GRADIENT_PENALTY_ID = 'penalty/gradient-penalty';

/** Two-sided (‖∇‖ − 1)² as in the paper, or one-sided max(0, ‖∇‖ − 1)². */
export type PenaltySide = 'two' | 'one';

/** Options of `gradientPenalty`: λ, the side, and where ε comes from. */
export interface GradientPenaltyOptions {
  /** λ ≥ 0, the penalty coefficient. Default 10 (Gulrajani et al. 2017, §4 and Algorithm 1). */
  lambda?: number;
  /** `'two'` (default): (‖∇D(x̂)‖ − 1)²; `'one'`: max(0, ‖∇D(x̂)‖ − 1)² (§4, "one-sided penalty"). */
  sided?: PenaltySide;
  /** The interpolation weights ε [n], each in [0, 1], one per example (nothing is drawn). */
  epsilon?: tf.Tensor;
  /** A generator that ε ~ U[0, 1]ⁿ is drawn from; it advances, so every call draws a fresh ε. */
  random?: Random;
  /**
   * An integer that starts a stream: the first call with this seed draws what `new Random(seed)`
   * draws first, later calls the next values, so a constant seed in a training loop still gives a
   * fresh ε at every step and a rerun replays them. Give at most one of `epsilon`, `random` and
   * `seed`; none of them draws from the default generator ({@link setRandomSeed} replays a run).
   */
  seed?: number;
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared by this group's penalties (DRAGAN, R1/R2, noise-induced import them).
// ---------------------------------------------------------------------------------------------

/** A batch [n, ...] of finite float32 samples (rank ≥ 2: examples on the first axis). */
export function checkSamples(spec: string, argument: string, x: unknown): tf.Tensor {
  return checkTensor(spec, argument, x, { minRank: 2, finite: true });
}

/**
 * The critic as a function of tensors whose scores are always connected to its input on the tape:
 * c(x) + 0·Σⱼ xⱼ per example. A critic that ignores x (a constant) then has the input gradient 0
 * instead of making `tf.grad` throw, and nothing else changes (the added term is exactly 0).
 */
export function connectedCritic(spec: string, critic: unknown, probe?: tf.Tensor): CriticFn {
  const c = criticFn(spec, 'critic', critic);
  // With value checks on (the default), a forward pass outside any gradient tape checks the
  // critic's output shape first: an error thrown while TF.js records a tape leaks the tensors the
  // tape had saved. It runs on the first two examples only (a full pass cost up to a sixth of a
  // gradient-penalty step); when that small pass fails, the full batch is probed, so a critic
  // written for one batch size is not refused and every error names the real batch.
  if (probe !== undefined && valuesChecked()) {
    const passesOnTwo = probe.shape[0]! > 2 && probeSucceeds(() => c(tf.slice(probe, 0, 2)));
    if (!passesOnTwo) tf.dispose(tf.tidy(() => c(probe)));
  }
  return (x) => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
    return tf.add(c(x), tf.mul(0, tf.sum(x, axes)));
  };
}

/** Whether `f` runs without throwing (its result disposed, nothing left behind). */
function probeSucceeds(f: () => tf.Tensor): boolean {
  try {
    tf.dispose(tf.tidy(f));
    return true;
  } catch {
    return false;
  }
}

/** Per-example ‖∇ₓc(x)‖₂, zero-safe (0 with derivative 0 at a zero gradient). Call inside `tf.tidy`. */
export function gradientNorms(critic: CriticFn, x: tf.Tensor): tf.Tensor1D {
  return perExampleNorm(inputGradients(critic, x)) as tf.Tensor1D;
}

/** Per-example ‖∇ₓc(x)‖₂², smooth everywhere (no square root). Call inside `tf.tidy`. */
export function squaredGradientNorms(critic: CriticFn, x: tf.Tensor): tf.Tensor1D {
  const g = inputGradients(critic, x);
  const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  return tf.sum(tf.square(g), axes) as tf.Tensor1D;
}

/** (‖∇‖ − target)² or max(0, ‖∇‖ − target)² per example. Call inside `tf.tidy`. */
export function normDeviation(norms: tf.Tensor, target: number, sided: PenaltySide): tf.Tensor {
  const d = tf.sub(norms, target);
  return tf.square(sided === 'one' ? tf.relu(d) : d);
}

/** ε [n] broadcast against x [n, ...] as [n, 1, …, 1]. */
function perExample(e: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.reshape(e, [x.shape[0]!, ...new Array<number>(x.rank - 1).fill(1)]);
}

/**
 * The WGAN-GP gradient penalty (Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, "Improved
 * Training of Wasserstein GANs", eq. 3 and Algorithm 1, lines 4–7):
 *
 *   P = λ · E_x̂[(‖∇ₓ̂ D(x̂)‖₂ − 1)²],   x̂ᵢ = εᵢ·x_r,ᵢ + (1 − εᵢ)·x_f,ᵢ,   εᵢ ~ U[0, 1]
 *
 * with ONE interpolation weight per example (Algorithm 1 draws ε inside the loop over the batch)
 * and the norm taken per example over every non-batch axis; E is the batch mean. `sided: 'one'` is
 * the one-sided variant of §4 (λ·E[max(0, ‖∇D(x̂)‖ − 1)²]), which penalises only gradients above 1.
 *
 * The penalty is meant to be added to the critic loss E[D(x_f)] − E[D(x_r)] and differentiated
 * with respect to the critic's weights (`tf.variableGrads`): that differentiates ∇ₓ̂D again
 * (double backprop), which ganref's gradient registry makes right for every activation.
 *
 * Numerics: the norm is zero-safe, so a critic whose input gradient is exactly zero (a constant
 * critic, dead relu units) gives the finite penalty λ and finite weight gradients, never the NaN
 * of 0·(1/√0). A critic that ignores its input entirely is accepted (its gradient is 0).
 *
 * Conventions against peers: TF-GAN's `wasserstein_gradient_penalty` takes the norm as
 * √(Σg² + 1e-10) (1e-5 too large at a zero gradient, about 5e-11/‖g‖ elsewhere), penalises
 * (‖g‖/target − 1)², and has no λ of its own: it returns the unscaled mean (its `weights` default
 * 1), which TF-GAN's `gan_loss` multiplies by `gradient_penalty_weight`. ganref uses the exact norm
 * and the paper's λ = 10. TF-GAN interpolates x_r + α(x_f − x_r), i.e. ε = 1 − α: the same
 * distribution for ε ~ U[0, 1]. PyTorch has no built-in; the usual recipe
 * (`torch.autograd.grad(…, create_graph=True)`, then `g.flatten(1).norm(dim=1)`) is what the oracle
 * computes. torchgan's `WassersteinGradientPenalty` (λ = 10) differs twice: it takes ONE norm over
 * the whole batch's gradient (`gradients.norm(2)`) and draws ONE ε for the whole batch
 * (`torch.rand(1)`); ganref never does either.
 *
 * @param critic the critic D: a function x [n, ...] ↦ scores [n] (or [n, 1]) made of TF.js ops, or
 *   a `tf.LayersModel` (anything with `apply`). Examples must not interact inside it (no batch
 *   statistics), or the gradients are not per example.
 * @param xReal real batch x_r [n, ...], finite
 * @param xFake generated batch x_f, the shape of `xReal` (row i pairs with row i)
 * Randomness: by default ε is drawn afresh at every call (from the default generator, or from
 * `random` / `seed`, see {@link Random}); pass `epsilon` to fix it. A constant `seed` does NOT
 * repeat the same ε at every step: it starts a replayable stream.
 *
 * @param options λ, the side, and the randomness: `epsilon` [n] in [0, 1], a `random` generator,
 *   or a `seed`; none of them draws a fresh ε from the default generator
 * @returns the penalty, a scalar ≥ 0
 */
export function gradientPenalty(
  critic: Critic,
  xReal: tf.Tensor,
  xFake: tf.Tensor,
  options?: GradientPenaltyOptions,
): tf.Scalar {
  ensureGradients();
  const spec = GRADIENT_PENALTY_ID;
  checkKnownOptions(spec, options, ['lambda', 'sided', 'epsilon', 'random', 'seed']);
  const o = options ?? ({} as GradientPenaltyOptions);
  const lambda = checkNumber(spec, 'lambda', o.lambda ?? 10, { min: 0 });
  const sided = checkChoice(spec, 'sided', o.sided ?? 'two', ['two', 'one'] as const);
  const xr = checkSamples(spec, 'xReal', xReal);
  const xf = checkSamples(spec, 'xFake', xFake);
  checkSameShape(spec, ['xReal', xr], ['xFake', xf]);
  const n = xr.shape[0]!;
  const random = randomSource(spec, 'epsilon', o.epsilon, o.random, o.seed);
  if (random.tensor) {
    const e = checkTensor(spec, 'epsilon', random.tensor, {
      rank: 1,
      finite: true,
      min: 0,
      max: 1,
      domain: 'in [0, 1]',
    });
    if (e.shape[0] !== n)
      throw new InvalidArgumentError(
        spec,
        'epsilon',
        `one interpolation weight per example, shape [${n}]`,
        `shape [${e.shape.join(', ')}]`,
      );
  }
  const c = connectedCritic(spec, critic, xr);
  return tf.tidy(() => {
    const e = random.tensor ?? random.random.uniform([n]);
    const eps = perExample(e, xr);
    const xHat = tf.add(tf.mul(eps, xr), tf.mul(tf.sub(1, eps), xf));
    return tf.mul(lambda, tf.mean(normDeviation(gradientNorms(c, xHat), 1, sided))) as tf.Scalar;
  });
}

/**
 * Interpolation weights ε ~ U[0, 1] of shape [n], one per example, drawn as `gradientPenalty`
 * draws them: from `random` (which advances), or, for a seed, from the stream that seed starts
 * (as `{ seed }` does). To log or replay the ε of the next call, draw from a copy:
 * `interpolationWeights(n, rng.clone())` equals the ε that `gradientPenalty(…, { random: rng })`
 * draws next.
 */
export function interpolationWeights(n: number, random: Random | number): tf.Tensor1D {
  checkNumber(GRADIENT_PENALTY_ID, 'n', n, { min: 1 });
  if (!Number.isInteger(n))
    throw new InvalidParameterError(GRADIENT_PENALTY_ID, 'n', 'an integer ≥ 1', describeValue(n));
  if (random instanceof Random) return random.uniform<tf.Rank.R1>([n]);
  return streamFor(checkSeed(GRADIENT_PENALTY_ID, random)).uniform<tf.Rank.R1>([n]);
}
