import * as tf from '@tensorflow/tfjs-core';
import { batch, logit, moderateLogit } from '../../arbitraries.js';
import { checkAllClose, checkClose, checkThat, invariant, scalar } from '../../invariant.js';
import { sigmoid64 } from '../../reference64.js';
import { logitObjectiveSpec } from '../../templates/logit-objective.js';
import { gradValues } from '../../tensors.js';
import type { Spec } from '../../types.js';
import { MINIMAX_ID, minimaxDiscriminatorLoss, minimaxGeneratorLoss } from '../../../objectives/index.js';
import { asLogits } from '../../../types.js';

export const minimax: Spec = logitObjectiveSpec(
  MINIMAX_ID,
  'Minimax GAN (saturating generator)',
  'Goodfellow et al. 2014, Generative Adversarial Nets, eq. 1',
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  [
    invariant('generator gradient is −σ(l_f)/m: it vanishes as D(G(z)) → 0 (saturation)', batch(logit), (f) => {
      const grads = gradValues((x) => minimaxGeneratorLoss(asLogits(x)), f);
      checkAllClose(
        'd/dl_f',
        grads,
        f.map((l) => -sigmoid64(l) / f.length),
        1e-5,
        1e-7,
      );
      f.forEach((l, i) => {
        if (l <= -20)
          checkThat(Math.abs(grads[i]! * f.length) < 1e-8, `gradient ${grads[i]} at l = ${l} has not vanished`);
      });
    }),
    invariant('generator loss equals E[log(1 − D(G(z)))] in float64 for moderate logits', batch(moderateLogit), (f) => {
      checkClose(
        'loss',
        scalar(minimaxGeneratorLoss(asLogits(tf.tensor1d(f)))),
        f.reduce((a, l) => a + Math.log(1 - sigmoid64(l)), 0) / f.length,
        1e-5,
        1e-6,
      );
    }),
  ],
);
