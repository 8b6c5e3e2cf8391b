import * as tf from '@tensorflow/tfjs-core';
import type { CriticScores, Reduced } from '../types.js';
import { InvalidParameterError } from '../errors.js';
import { checkChoice, checkKnownOptions } from '../validate.js';
import { checkAlpha, fDivergenceFunctions, FDIVERGENCE_NAMES, type FDivergenceName } from '../fdiv/functions.js';
import { kernelOf } from '../fdiv/functions.js';
import type { FKernel } from '../fdiv/generators.js';
import {
  discriminatorLoss,
  generatorLoss,
  type DiscriminatorLossOptions,
  type GeneratorLossOptions,
} from './common.js';

/** The catalog id of this spec, `objective/f-gan`; errors from these functions name it. */
export const F_GAN_ID = 'objective/f-gan';

/** The divergence an f-GAN minimises. */
export interface FGanDivergenceOptions {
  /** One of `FDIVERGENCE_NAMES` (default `'gan'`). */
  divergence?: FDivergenceName;
  /** α of the α-divergence: required with `divergence: 'alpha'`, refused otherwise. */
  alpha?: number;
}

/** Options of `fGanDiscriminatorLoss`: the divergence, the reduction and the weights. */
export type FGanDiscriminatorOptions = FGanDivergenceOptions & DiscriminatorLossOptions;
/** Options of the f-GAN generator losses: the divergence, the reduction and the weights. */
export type FGanGeneratorOptions = FGanDivergenceOptions & GeneratorLossOptions;

/** Validates the divergence options, and returns the kernel and the options left for the loss helper. */
function split<O extends FGanDivergenceOptions>(
  options: O | undefined,
  known: string[],
): [FKernel, Omit<O, 'divergence' | 'alpha'> | undefined] {
  checkKnownOptions(F_GAN_ID, options, ['divergence', 'alpha', ...known]);
  const divergence = checkChoice(F_GAN_ID, 'divergence', options?.divergence ?? 'gan', FDIVERGENCE_NAMES);
  let alpha: number | undefined;
  if (divergence === 'alpha') alpha = checkAlpha(F_GAN_ID, options?.alpha);
  else if (options?.alpha !== undefined) {
    throw new InvalidParameterError(
      F_GAN_ID,
      'alpha',
      "absent: only divergence 'alpha' takes α",
      JSON.stringify(options.alpha) ?? String(options.alpha),
    );
  }
  const kernel = kernelOf(fDivergenceFunctions(divergence, alpha !== undefined ? { alpha } : undefined));
  if (options === undefined) return [kernel, undefined];
  const { divergence: _d, alpha: _a, ...rest } = options;
  return [kernel, rest];
}

/**
 * f-GAN discriminator (variational function) loss, Nowozin, Cseke & Tomioka 2016, eq. 6:
 *
 *   F(θ, ω) = E_{x∼P}[g_f(V_ω(x))] − E_{x∼Q_θ}[f*(g_f(V_ω(x)))]
 *   L_D = −F = −E_P[g_f(V_r)] + E_Q[f*(g_f(V_f))]
 *
 * The variational function T_ω = g_f ∘ V_ω maximises F, a lower bound of D_f(P‖Q_θ) (eq. 4)
 * that is tight at g_f(V) = f'(p/q); minimising L_D is that maximisation, so at the optimum
 * L_D = −D_f. V are the raw outputs of the network (any real, `CriticScores`), g_f the output
 * activation of Table 2 and f*(g_f(·)) is evaluated in a fused stable form (e.g. softplus(v)
 * for the GAN divergence, where L_D is exactly the binary cross-entropy of `objective/minimax`
 * with V as logits). The losses overflow float32 only where the exact value does (for example
 * E_Q[exp(V − 1)] for KL at V > 89).
 *
 * Conventions: each batch is reduced on its own (weights per batch) and the two terms added;
 * with 'none' both batches have the same shape and the per-example terms add elementwise.
 *
 * @param vReal variational outputs V on real samples x ∼ P, shape [n, ...]
 * @param vFake variational outputs V on generated samples x ∼ Q_θ, shape [m, ...]
 * @param options divergence (default 'gan'), alpha (with 'alpha'), reduction ('mean' default,
 *   'sum', 'none' — needs n = m) and per-example weights
 */
export function fGanDiscriminatorLoss(
  vReal: CriticScores,
  vFake: CriticScores,
  options?: Reduced<FGanDiscriminatorOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function fGanDiscriminatorLoss(
  vReal: CriticScores,
  vFake: CriticScores,
  options: FGanDiscriminatorOptions,
): tf.Tensor;
export function fGanDiscriminatorLoss(
  vReal: CriticScores,
  vFake: CriticScores,
  options?: FGanDiscriminatorOptions,
): tf.Tensor {
  const [k, rest] = split(options, ['reduction', 'weightsReal', 'weightsFake']);
  return discriminatorLoss(
    F_GAN_ID,
    ['vReal', 'vFake'],
    vReal,
    vFake,
    rest,
    (v) => tf.neg(k.activation(v)),
    (v) => k.conjugateOfActivation(v),
  );
}

/**
 * f-GAN generator loss in the saddle-point form of Nowozin et al. 2016, eq. 6: the generator
 * minimises F(θ, ω), whose θ-dependent part is the fake-sample term, so
 *
 *   L_G = −E_{x∼Q_θ}[f*(g_f(V_ω(x)))]
 *
 * (F minus E_P[g_f(V_r)], which does not depend on θ). For the GAN divergence this is the
 * saturating minimax loss −E[softplus(l_f)]. See `fGanHeuristicGeneratorLoss` for §3.2's
 * alternative.
 *
 * @param vFake variational outputs V on generated samples, shape [m, ...]
 * @param options divergence (default 'gan'), alpha, reduction and per-example weights
 */
export function fGanGeneratorLoss(vFake: CriticScores, options?: Reduced<FGanGeneratorOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function fGanGeneratorLoss(vFake: CriticScores, options: FGanGeneratorOptions): tf.Tensor;
export function fGanGeneratorLoss(vFake: CriticScores, options?: FGanGeneratorOptions): tf.Tensor {
  const [k, rest] = split(options, ['reduction', 'weightsFake']);
  return generatorLoss(F_GAN_ID, 'vFake', vFake, rest, (v) => tf.neg(k.conjugateOfActivation(v)));
}

/**
 * f-GAN generator loss, the heuristic of Nowozin et al. 2016, §3.2 ("maximise
 * E_{x∼Q_θ}[g_f(V_ω(x))]", following Goodfellow et al.'s non-saturating trick):
 *
 *   L_G = −E_{x∼Q_θ}[g_f(V_ω(x))]
 *
 * It has the same fixed points as the saddle form and, for the GAN divergence, is the
 * non-saturating loss E[softplus(−l_f)] = −E[log D(G(z))].
 *
 * @param vFake variational outputs V on generated samples, shape [m, ...]
 * @param options divergence (default 'gan'), alpha, reduction and per-example weights
 */
export function fGanHeuristicGeneratorLoss(vFake: CriticScores, options?: Reduced<FGanGeneratorOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function fGanHeuristicGeneratorLoss(vFake: CriticScores, options: FGanGeneratorOptions): tf.Tensor;
export function fGanHeuristicGeneratorLoss(vFake: CriticScores, options?: FGanGeneratorOptions): tf.Tensor {
  const [k, rest] = split(options, ['reduction', 'weightsFake']);
  return generatorLoss(F_GAN_ID, 'vFake', vFake, rest, (v) => tf.neg(k.activation(v)));
}
