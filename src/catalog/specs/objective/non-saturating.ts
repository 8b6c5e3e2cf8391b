import * as tf from '@tensorflow/tfjs-core';
import { batch, logit, moderateLogit } from '../../arbitraries.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { sigmoid64 } from '../../reference64.js';
import { logitObjectiveSpec } from '../../templates/logit-objective.js';
import { gradValues } from '../../tensors.js';
import type { Spec } from '../../types.js';
import {
  minimaxGeneratorLoss,
  NON_SATURATING_ID,
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
} from '../../../objectives/index.js';
import { asLogits } from '../../../types.js';

export const nonSaturating: Spec = logitObjectiveSpec(
  NON_SATURATING_ID,
  'Non-saturating GAN',
  'Goodfellow et al. 2014, Generative Adversarial Nets, §3 (eq. 4 of Goodfellow 2016, NIPS tutorial)',
  nonSaturatingDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  [
    invariant(
      'generator gradient is (σ(l_f) − 1)/m: it tends to −1/m as D(G(z)) → 0, never vanishing there',
      batch(logit),
      (f) => {
        const grads = gradValues((x) => nonSaturatingGeneratorLoss(asLogits(x)), f);
        checkAllClose(
          'd/dl_f',
          grads,
          f.map((l) => (sigmoid64(l) - 1) / f.length),
          1e-5,
          1e-7,
        );
        f.forEach((l, i) => {
          if (l <= -20) checkClose(`m·d/dl_f at l = ${l}`, grads[i]! * f.length, -1, 1e-6, 1e-7);
        });
      },
    ),
    invariant('generator loss equals −E[log D(G(z))] in float64 for moderate logits', batch(moderateLogit), (f) => {
      checkClose(
        'loss',
        scalar(nonSaturatingGeneratorLoss(asLogits(tf.tensor1d(f)))),
        -f.reduce((a, l) => a + Math.log(sigmoid64(l)), 0) / f.length,
        1e-5,
        1e-6,
      );
    }),
    invariant(
      'same direction as the saturating loss: both fall as l_f rises, and their gradients have the same sign',
      batch(logit),
      (f) => {
        const ns = gradValues((x) => nonSaturatingGeneratorLoss(asLogits(x)), f);
        const mm = gradValues((x) => minimaxGeneratorLoss(asLogits(x)), f);
        ns.forEach((gn, i) =>
          checkThat(gn <= 0 && mm[i]! <= 0, `gradients ${gn} and ${mm[i]} at l = ${f[i]} are not both ≤ 0`),
        );
      },
    ),
  ],
);
