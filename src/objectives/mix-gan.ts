import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients, logSoftmax } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, checkTensor } from '../validate.js';

/** The catalog id of this spec, `objective/mix-gan`; errors from these functions name it. */
export const MIX_GAN_ID = 'objective/mix-gan';

/**
 * The regularizer that keeps mixture weights w = softmax(a) away from collapse onto one component:
 * - `'cross-entropy'` (default): R(w) = −(1/k)·Σᵢ log wᵢ = log k + KL(uniform ‖ w), the term of the
 *   authors' MIX+GAN code (`-1/k · Σ log(w + 1e-6)`, here exact from the logits, no 1e-6);
 * - `'entropy'`: R(w) = −H(w) = Σᵢ wᵢ log wᵢ, the negative Shannon entropy.
 * Both are minimal exactly at the uniform mixture (log k, resp. −log k), i.e. the entropy bonus is
 * largest there.
 */
export type MixtureRegularizer = 'cross-entropy' | 'entropy';
/** The regularizers of MIX+GAN's mixture weights. */
export const MIXTURE_REGULARIZERS: readonly MixtureRegularizer[] = ['cross-entropy', 'entropy'];

/** Options of `mixGanLosses`. */
export interface MixGanOptions {
  /** β ≥ 0, weight of the mixture-weight regularizer in each player's loss. Default 0.1 (the authors' code). */
  beta?: number;
  /** Which regularizer, see `MixtureRegularizer`. Default `'cross-entropy'`. */
  regularizer?: MixtureRegularizer;
}

/** The losses and mixture weights `mixGanLosses` returns. */
export interface MixGanResult {
  /** −Σᵢⱼ uᵢvⱼ·Pᵢⱼ + β·R(v): minimised by the discriminators and their mixture logits. */
  discriminator: tf.Tensor;
  /** Σᵢⱼ uᵢvⱼ·Pᵢⱼ + β·R(u): minimised by the generators and their mixture logits. */
  generator: tf.Tensor;
  /** The mixed payoff Σᵢⱼ uᵢvⱼ·Pᵢⱼ = uᵀPv. */
  payoff: tf.Tensor;
}

/** R(w) from the logits of w, stable for any finite logits (log w = a − logsumexp(a)). */
function regularizerOf(logits: tf.Tensor, kind: MixtureRegularizer): tf.Tensor {
  const logW = logSoftmax(logits);
  return kind === 'cross-entropy' ? tf.neg(tf.mean(logW)) : tf.sum(tf.mul(tf.softmax(logits), logW));
}

/** Index of the largest element (the first on ties), read back once: a constant of the graph. */
function argMax(t: tf.Tensor): number {
  const d = t.dataSync();
  let k = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! > d[k]!) k = i;
  return k;
}

/**
 * uᵀPv, written about the dominant components k = argmax u, l = argmax v (constants of the graph)
 * so that its float32 derivatives are accurate (call inside `tf.tidy`). With Σu = Σv = 1,
 *
 *   uᵀPv = P_kl + uᵀ(P_·l − P_kl) + (P_k· − P_kl)v + uᵀ P̃ v,   P̃_ij = P_ij − P_kj − P_il + P_kl.
 *
 * Softmax backward computes s ⊙ (g − ⟨g, s⟩). Written plainly, g = Pv has entries of size |P|
 * that cancel against ⟨g, s⟩ when one component dominates (s_k → 1), leaving an absolute error of
 * about 2⁻²⁴·|P| in a derivative that may be far smaller; here g_k = 0 exactly and the other gᵢ
 * are differences to the dominant row, so the cancellation never happens.
 */
function mixedPayoff(p: tf.Tensor, u: tf.Tensor, v: tf.Tensor, k: number, l: number): tf.Tensor {
  const [kg, kd] = p.shape as [number, number];
  const rowK = tf.slice(p, [k, 0], [1, kd]); // P_k·  [1, kd]
  const colL = tf.slice(p, [0, l], [kg, 1]); // P_·l  [kg, 1]
  const pkl = tf.slice(p, [k, l], [1, 1]); // P_kl  [1, 1]
  const centered = tf.add(tf.sub(tf.sub(p, rowK), colL), pkl);
  const uCol = tf.reshape(u, [-1, 1]);
  const vRow = tf.reshape(v, [1, -1]);
  const terms = [
    tf.sum(pkl),
    tf.sum(tf.mul(uCol, tf.sub(colL, pkl))),
    tf.sum(tf.mul(tf.sub(rowK, pkl), vRow)),
    tf.sum(tf.mul(tf.mul(centered, uCol), vRow)),
  ];
  return tf.addN(terms);
}

/**
 * The MIX+GAN objective (Arora, Ge, Liang, Ma & Zhang 2017, "Generalization and Equilibrium in
 * Generative Adversarial Nets", §5 MIX+GANs): k_G generators G_{u_i} and k_D discriminators
 * D_{v_j} play with mixture weights u = softmax(a_G) and v = softmax(a_D),
 *
 *   min_{u, a_G} max_{v, a_D}  Σᵢ Σⱼ uᵢ·vⱼ·φ(G_{u_i}, D_{v_j})
 *
 * where φ = `payoff[i][j]` is the value function V(D_j, G_i) of any base GAN (for the original
 * GAN, E[log D_j(x)] + E[log(1 − D_j(G_i(z)))]), computed by the caller and differentiable to its
 * networks. To keep the mixture from collapsing onto one component, each player adds β·R of its
 * own mixture weights (see `MixtureRegularizer`). Losses, each minimised by its player:
 *
 *   L_D = −uᵀPv + β·R(v),   L_G = uᵀPv + β·R(u)
 *
 * Softmax of the logits is invariant to adding a constant to them, and so are both losses.
 *
 * @param payoff P [k_G, k_D], P[i][j] = V(D_j, G_i)
 * @param generatorLogits a_G [k_G], the generators' mixture logits
 * @param discriminatorLogits a_D [k_D], the discriminators' mixture logits
 * @param options β ≥ 0 (default 0.1), `regularizer` ('cross-entropy' default)
 */
export function mixGanLosses(
  payoff: tf.Tensor,
  generatorLogits: tf.Tensor,
  discriminatorLogits: tf.Tensor,
  options?: MixGanOptions,
): MixGanResult {
  ensureGradients();
  const id = MIX_GAN_ID;
  checkKnownOptions(id, options, ['beta', 'regularizer']);
  const beta = checkNumber(id, 'beta', options?.beta ?? 0.1, { min: 0 });
  const regularizer = checkChoice(id, 'regularizer', options?.regularizer ?? 'cross-entropy', MIXTURE_REGULARIZERS);
  const p = checkTensor(id, 'payoff', payoff, { rank: 2, finite: true });
  const ag = checkTensor(id, 'generatorLogits', generatorLogits, { rank: 1, finite: true });
  const ad = checkTensor(id, 'discriminatorLogits', discriminatorLogits, { rank: 1, finite: true });
  if (ag.shape[0] !== p.shape[0])
    throw new InvalidArgumentError(
      id,
      'generatorLogits',
      `a vector of ${p.shape[0]} logits, one per row (generator) of 'payoff'`,
      `shape [${ag.shape.join(', ')}]`,
    );
  if (ad.shape[0] !== p.shape[1])
    throw new InvalidArgumentError(
      id,
      'discriminatorLogits',
      `a vector of ${p.shape[1]} logits, one per column (discriminator) of 'payoff'`,
      `shape [${ad.shape.join(', ')}]`,
    );
  const k = argMax(ag);
  const l = argMax(ad);
  return tf.tidy(() => {
    const u = tf.softmax(ag);
    const v = tf.softmax(ad);
    const mixed = mixedPayoff(p, u, v, k, l);
    return {
      discriminator: tf.add(tf.neg(mixed), tf.mul(beta, regularizerOf(ad, regularizer))),
      generator: tf.add(mixed, tf.mul(beta, regularizerOf(ag, regularizer))),
      payoff: mixed,
    };
  });
}
