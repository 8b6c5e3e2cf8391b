import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  asCriticScores,
  asDistributions,
  asLogits,
  asProbabilities,
  InvalidArgumentError,
  InvalidParameterError,
  klDivergence,
  minimaxDiscriminatorLoss,
  nonSaturatingGeneratorLoss,
  wassersteinCriticLoss,
} from 'ganref';

// Compile-time tests, checked by `tsc --noEmit` in `npm test`: each @ts-expect-error line must
// fail to compile, or tsc reports an unused directive. The runtime part only disposes tensors.
test('discriminator outputs are distinct types', () => {
  tf.tidy(() => {
    const raw = tf.tensor1d([0.1, 0.2]);
    const logits = asLogits(raw);
    const probabilities = asProbabilities(tf.sigmoid(raw));
    const critic = asCriticScores(raw);

    minimaxDiscriminatorLoss(logits, logits);
    wassersteinCriticLoss(critic, critic);

    // @ts-expect-error probabilities are not logits
    expect(() => nonSaturatingGeneratorLoss(probabilities)).not.toThrow();
    // @ts-expect-error a plain tensor has no kind
    expect(() => minimaxDiscriminatorLoss(raw, logits)).not.toThrow();
    // @ts-expect-error critic scores are not logits
    minimaxDiscriminatorLoss(critic, logits);
    // @ts-expect-error logits are not critic scores
    wassersteinCriticLoss(logits, critic);
    // @ts-expect-error logits are not distributions
    expect(() => klDivergence(logits, asDistributions(tf.tensor1d([0.5, 0.5])))).toThrow(InvalidArgumentError);
    // @ts-expect-error an unknown reduction
    expect(() => minimaxDiscriminatorLoss(logits, logits, { reduction: 'avg' })).toThrow(InvalidParameterError);
  });
});
