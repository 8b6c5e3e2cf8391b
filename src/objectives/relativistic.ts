import * as tf from '@tensorflow/tfjs-core';
import type { CriticScores, Reduction, Reduced } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkReduction, checkWeights, expandWeights, reduceLoss, type CheckedWeights } from '../reduce.js';
import { checkChoice, checkKnownOptions, checkSameShape, checkTensor, valuesChecked } from '../validate.js';
import type { DiscriminatorLossOptions } from './common.js';

/** The catalog id of this spec, `objective/relativistic`; errors from these functions name it. */
export const RELATIVISTIC_ID = 'objective/relativistic';

/** `'standard'`: RSGAN, real and fake examples compared in pairs; `'average'`: RaSGAN, each compared with the other batch's mean. */
export type RelativisticVariant = 'standard' | 'average';
/** The variants of the relativistic losses. */
export const RELATIVISTIC_VARIANTS: readonly RelativisticVariant[] = ['standard', 'average'];

/** Options of the relativistic losses (the discriminator's and the generator's take the same). */
export interface RelativisticLossOptions extends DiscriminatorLossOptions {
  /** `'standard'` (RSGAN, default) or `'average'` (RaSGAN). */
  variant?: RelativisticVariant;
}

type Side = 'discriminator' | 'generator';

/**
 * Validates the two batches, weights and options of a relativistic loss, then computes it. With
 * `'standard'` the batches are paired and must have the same shape, and the pair i carries the
 * weight wr_i·wf_i (the importance weight of an independent draw from each weighted batch).
 */
function relativisticLoss(
  side: Side,
  real: unknown,
  fake: unknown,
  options: RelativisticLossOptions | undefined,
): tf.Tensor {
  const spec = RELATIVISTIC_ID;
  ensureGradients();
  checkKnownOptions(spec, options, ['reduction', 'weightsReal', 'weightsFake', 'variant']);
  const reduction: Reduction = checkReduction(
    spec,
    options?.reduction,
    options?.weightsReal !== undefined || options?.weightsFake !== undefined,
  );
  const variant: RelativisticVariant = checkChoice(
    spec,
    'variant',
    options?.variant ?? 'standard',
    RELATIVISTIC_VARIANTS,
  );
  const r = checkTensor(spec, 'criticReal', real, { minRank: 1, finite: true });
  const f = checkTensor(spec, 'criticFake', fake, { minRank: 1, finite: true });
  if (variant === 'standard' || reduction === 'none') checkSameShape(spec, ['criticReal', r], ['criticFake', f]);
  // The average variant divides by Σ w in the inner means whatever the outer reduction, so it
  // always needs weights with a positive sum; the standard one needs Σ wr·wf > 0 under 'mean'.
  const innerReduction: Reduction = variant === 'average' ? 'mean' : reduction;
  const wr = checkWeights(
    spec,
    'weightsReal',
    options?.weightsReal,
    ['criticReal', r],
    variant === 'standard' ? 'sum' : innerReduction,
  );
  const wf = checkWeights(
    spec,
    'weightsFake',
    options?.weightsFake,
    ['criticFake', f],
    variant === 'standard' ? 'sum' : innerReduction,
  );
  if (variant === 'standard' && reduction === 'mean' && (wr || wf) && valuesChecked()) {
    const a = wr !== undefined ? tf.tidy(() => Array.from(expandWeights(wr, r.shape).dataSync())) : undefined;
    const b = wf !== undefined ? tf.tidy(() => Array.from(expandWeights(wf, f.shape).dataSync())) : undefined;
    let total = 0;
    for (let i = 0; i < r.size; i++) total += (a ? a[i]! : 1) * (b ? b[i]! : 1);
    if (!(total > 0)) {
      // weightsReal when they are all zero (or the only weights given); else the pairing, by weightsFake.
      const realAllZero = a !== undefined && a.every((x) => x === 0);
      throw new InvalidArgumentError(
        spec,
        realAllZero || !wf ? 'weightsReal' : 'weightsFake',
        "weights whose pair weights wr·wf have a positive sum (reduction 'mean' divides by Σ wr·wf)",
        `Σ wr·wf = ${total}`,
      );
    }
  }
  const sign = side === 'discriminator' ? 1 : -1;
  return tf.tidy(() => {
    if (variant === 'standard') {
      // −log sigmoid(s·(C_r − C_f)) = softplus(−s·(C_r − C_f)), s = +1 for D and −1 for G.
      const pairs = tf.softplus(tf.mul(-sign, tf.sub(r, f)));
      const w =
        wr !== undefined && wf !== undefined
          ? tf.mul(expandWeights(wr, r.shape), expandWeights(wf, f.shape))
          : (wr ?? wf);
      return reduceLoss(pairs, w, reduction);
    }
    // The weighted mean Σ w·C / Σ w, taken as c̄ + Σ w·(C − c̄) / Σ w around the plain mean c̄ (an
    // identity): its derivatives in w, (C − m)/Σ w, then cancel at the scale of the spread of C
    // rather than of |C| (up to 1e4), which keeps float32 Hessian-vector products in w accurate.
    const meanOf = (x: tf.Tensor, weights: CheckedWeights | undefined) => {
      if (weights === undefined) return tf.mean(x);
      const w = expandWeights(weights, x.shape);
      const center = tf.mean(x);
      return tf.add(center, tf.div(tf.sum(tf.mul(tf.sub(x, center), w)), tf.sum(w)));
    };
    const realTerm = tf.softplus(tf.mul(-sign, tf.sub(r, meanOf(f, wf))));
    const fakeTerm = tf.softplus(tf.mul(sign, tf.sub(f, meanOf(r, wr))));
    return tf.add(reduceLoss(realTerm, wr, reduction), reduceLoss(fakeTerm, wf, reduction));
  });
}

/**
 * Relativistic discriminator loss (Jolicoeur-Martineau 2018, The relativistic discriminator: a key
 * element missing from standard GAN, §4: the RSGAN and RaSGAN losses; arXiv 1807.00734v3), on raw critic outputs C (the
 * last layer before the sigmoid of a standard GAN's discriminator):
 *
 *   standard (RSGAN):  L_D = E_{(x_r, x_f)}[softplus(−(C(x_r) − C(x_f)))]
 *                          = −E[log sigmoid(C(x_r) − C(x_f))]              over PAIRED samples, n = m
 *   average (RaSGAN):  L_D = E_r[softplus(−(C(x_r) − E_f[C(x_f)]))] + E_f[softplus(C(x_f) − E_r[C(x_r)])]
 *
 * The inputs are `CriticScores`, not `Logits`: only differences of C enter, so C + k gives the same
 * loss for every constant k and sigmoid(C) is no probability of anything; a standard GAN's logits
 * can be passed with `asCriticScores`. Stable for every finite C (softplus only).
 *
 * Weights and reductions. 'standard': the pair i gets the weight wr_i·wf_i (the importance weight
 * of one draw from each weighted batch; a missing batch's weights count as 1) and is reduced as
 * usual: 'mean' Σ wr·wf·ℓ / Σ wr·wf, 'sum' Σ wr·wf·ℓ, 'none' the vector wr·wf·ℓ. 'average': the
 * inner means are always the weighted means Σ w·C / Σ w of the other batch (estimates of an
 * expectation, whatever the outer reduction), and each batch's terms are reduced with its own
 * weights as in the other objectives ('none' adds the two weighted vectors, n = m).
 *
 * @param criticReal raw critic outputs on real data, shape [n, ...]
 * @param criticFake raw critic outputs on generated data, shape [m, ...] (m = n for 'standard')
 * @param options variant ('standard' default, 'average'); reduction; per-example weights
 */
export function relativisticDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: Reduced<RelativisticLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function relativisticDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options: RelativisticLossOptions,
): tf.Tensor;
export function relativisticDiscriminatorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: RelativisticLossOptions,
): tf.Tensor {
  return relativisticLoss('discriminator', criticReal, criticFake, options);
}

/**
 * Relativistic generator loss (Jolicoeur-Martineau 2018, §4): the discriminator's loss
 * with the roles of real and fake swapped, so unlike other generator losses it depends on the real
 * batch too (the generator also learns to make real data look less real):
 *
 *   standard (RSGAN):  L_G = E_{(x_r, x_f)}[softplus(−(C(x_f) − C(x_r)))]     over PAIRED samples, n = m
 *   average (RaSGAN):  L_G = E_f[softplus(−(C(x_f) − E_r[C(x_r)]))] + E_r[softplus(C(x_r) − E_f[C(x_f)])]
 *
 * Weights and reductions as in `relativisticDiscriminatorLoss`.
 *
 * @param criticReal raw critic outputs on real data, shape [n, ...]
 * @param criticFake raw critic outputs on generated data, shape [m, ...] (m = n for 'standard')
 * @param options variant ('standard' default, 'average'); reduction; per-example weights
 */
export function relativisticGeneratorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: Reduced<RelativisticLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function relativisticGeneratorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options: RelativisticLossOptions,
): tf.Tensor;
export function relativisticGeneratorLoss(
  criticReal: CriticScores,
  criticFake: CriticScores,
  options?: RelativisticLossOptions,
): tf.Tensor {
  return relativisticLoss('generator', criticReal, criticFake, options);
}
