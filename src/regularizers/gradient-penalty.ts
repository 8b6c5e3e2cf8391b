import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError, InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor, valuesChecked } from '../validate.js';
import { criticFn, inputGradients, perExampleNorm, type Critic, type CriticFn } from './critic.js';

export const GRADIENT_PENALTY_ID = 'penalty/gradient-penalty';

/** Two-sided (‖∇‖ − 1)² as in the paper, or one-sided max(0, ‖∇‖ − 1)². */
export type PenaltySide = 'two' | 'one';

export interface GradientPenaltyOptions {
  /** λ ≥ 0, the penalty coefficient. Default 10 (Gulrajani et al. 2017, §4 and Algorithm 1). */
  lambda?: number;
  /** `'two'` (default): (‖∇D(x̂)‖ − 1)²; `'one'`: max(0, ‖∇D(x̂)‖ − 1)² (§4, "one-sided penalty"). */
  sided?: PenaltySide;
  /** The interpolation weights ε [n], each in [0, 1], one per example. Give this or `seed`. */
  epsilon?: tf.Tensor;
  /** Draws ε ~ U[0, 1]ⁿ with `tf.randomUniform(…, seed)`, so the result replays. Give this or `epsilon`. */
  seed?: number;
}

// ---------------------------------------------------------------------------------------------
// Building blocks shared by this group's penalties (DRAGAN, R1/R2, noise-induced import them).
// ---------------------------------------------------------------------------------------------

/** A batch [n, ...] of finite float32 samples (rank ≥ 2: examples on the first axis). */
export function checkSamples(spec: string, argument: string, x: unknown): tf.Tensor {
  return checkTensor(spec, argument, x, { minRank: 2, finite: true });
}

/** Checks an integer seed. */
export function checkSeed(spec: string, seed: unknown): number {
  const s = checkNumber(spec, 'seed', seed);
  if (!Number.isInteger(s)) throw new InvalidParameterError(spec, 'seed', 'an integer', String(seed));
  return s;
}

/**
 * The seed as TF.js's random ops should get it. They take a falsy seed (0) as "no seed" and draw
 * from Math.random; they hash `seed.toString()` otherwise, so passing the string keeps every
 * nonzero seed's stream and makes 0 replay too.
 */
export function tfSeed(seed: number): number {
  return String(seed) as unknown as number;
}

/**
 * Exactly one source of randomness: an explicit tensor or a seed. Penalties never draw hidden
 * randomness, so every value replays.
 */
export function checkRandomness(spec: string, tensorName: string, tensor: unknown, seed: unknown): { tensor?: tf.Tensor; seed?: number } {
  if (tensor !== undefined && seed !== undefined) {
    throw new InvalidParameterError(spec, 'seed', `absent when '${tensorName}' is given (one source of randomness)`, String(seed));
  }
  if (tensor === undefined && seed === undefined) {
    throw new InvalidParameterError(spec, tensorName, `given explicitly, or a 'seed' to draw it from (penalties take their randomness explicitly)`, 'neither');
  }
  return seed !== undefined ? { seed: checkSeed(spec, seed) } : { tensor: tensor as tf.Tensor };
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
 * √(1e-10 + Σg²) (a bias of up to 5e-6 near zero gradients) and λ = 1 by default; ganref uses the
 * exact norm and the paper's λ = 10. PyTorch has no built-in; the usual recipe
 * (`torch.autograd.grad(…, create_graph=True)`, then `g.flatten(1).norm(dim=1)`) is what the oracle
 * computes. Unlike some libraries (torchgan), the norm is never taken over the whole batch and ε
 * is never shared by the batch.
 *
 * @param critic the critic D: a function x [n, ...] ↦ scores [n] (or [n, 1]) made of TF.js ops, or
 *   a `tf.LayersModel` (anything with `apply`). Examples must not interact inside it (no batch
 *   statistics), or the gradients are not per example.
 * @param xReal real batch x_r [n, ...], finite
 * @param xFake generated batch x_f, the shape of `xReal` (row i pairs with row i)
 * @param options λ, the side, and the randomness: `epsilon` [n] in [0, 1] or a `seed`
 * @returns the penalty, a scalar ≥ 0
 */
export function gradientPenalty(critic: Critic, xReal: tf.Tensor, xFake: tf.Tensor, options: GradientPenaltyOptions): tf.Scalar {
  ensureGradients();
  const spec = GRADIENT_PENALTY_ID;
  checkKnownOptions(spec, options, ['lambda', 'sided', 'epsilon', 'seed']);
  const o = options ?? ({} as GradientPenaltyOptions);
  const lambda = checkNumber(spec, 'lambda', o.lambda ?? 10, { min: 0 });
  const sided = checkChoice(spec, 'sided', o.sided ?? 'two', ['two', 'one'] as const);
  const xr = checkSamples(spec, 'xReal', xReal);
  const xf = checkSamples(spec, 'xFake', xFake);
  checkSameShape(spec, ['xReal', xr], ['xFake', xf]);
  const n = xr.shape[0]!;
  const random = checkRandomness(spec, 'epsilon', o.epsilon, o.seed);
  if (random.tensor) {
    const e = checkTensor(spec, 'epsilon', random.tensor, { rank: 1, finite: true, min: 0, max: 1, domain: 'in [0, 1]' });
    if (e.shape[0] !== n) throw new InvalidArgumentError(spec, 'epsilon', `one interpolation weight per example, shape [${n}]`, `shape [${e.shape.join(', ')}]`);
  }
  const c = connectedCritic(spec, critic, xr);
  return tf.tidy(() => {
    const e = random.tensor ?? tf.randomUniform([n], 0, 1, 'float32', tfSeed(random.seed!));
    const eps = perExample(e, xr);
    const xHat = tf.add(tf.mul(eps, xr), tf.mul(tf.sub(1, eps), xf));
    return tf.mul(lambda, tf.mean(normDeviation(gradientNorms(c, xHat), 1, sided))) as tf.Scalar;
  });
}

/**
 * The interpolation weights `gradientPenalty` draws for a seed: ε ~ U[0, 1] of shape [n], one per
 * example (`tf.randomUniform([n], 0, 1, 'float32', seed)`), for logging or replaying a step.
 */
export function interpolationWeights(n: number, seed: number): tf.Tensor1D {
  checkNumber(GRADIENT_PENALTY_ID, 'n', n, { min: 1 });
  if (!Number.isInteger(n)) throw new InvalidParameterError(GRADIENT_PENALTY_ID, 'n', 'an integer ≥ 1', String(n));
  return tf.randomUniform([n], 0, 1, 'float32', tfSeed(checkSeed(GRADIENT_PENALTY_ID, seed))) as tf.Tensor1D;
}
