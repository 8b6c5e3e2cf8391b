import * as tf from '@tensorflow/tfjs-core';
import type { LossOptions, Reduction, Weights } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { checkReduction, checkWeights, reduceLoss } from '../reduce.js';
import { checkKnownOptions, checkSameShape, checkTensor } from '../validate.js';

/** Options of a discriminator (critic) loss, which sees a real and a fake batch. */
export interface DiscriminatorLossOptions extends LossOptions {
  /** Weights of the real batch: the shape of the real scores, one that broadcasts to it, or a number. */
  weightsReal?: Weights | number;
  /** Weights of the fake batch: the shape of the fake scores, one that broadcasts to it, or a number. */
  weightsFake?: Weights | number;
}

/** Options of a generator loss, which sees the fake batch only. */
export interface GeneratorLossOptions extends LossOptions {
  /** Weights of the fake batch: the shape of the fake scores, one that broadcasts to it, or a number. */
  weightsFake?: Weights | number;
}

type Term = (x: tf.Tensor) => tf.Tensor;

/**
 * A discriminator loss of the form reduce(realTerm(s_r)) + reduce(fakeTerm(s_f)), validated and
 * tidied. With reduction 'none' both batches must have the same shape and the terms add
 * elementwise.
 */
export function discriminatorLoss(
  spec: string,
  names: [string, string],
  real: unknown,
  fake: unknown,
  options: DiscriminatorLossOptions | undefined,
  realTerm: Term,
  fakeTerm: Term,
): tf.Tensor {
  ensureGradients();
  checkKnownOptions(spec, options, ['reduction', 'weightsReal', 'weightsFake']);
  const reduction: Reduction = checkReduction(
    spec,
    options?.reduction,
    options?.weightsReal !== undefined || options?.weightsFake !== undefined,
  );
  const r = checkTensor(spec, names[0], real, { minRank: 1, finite: true });
  const f = checkTensor(spec, names[1], fake, { minRank: 1, finite: true });
  if (reduction === 'none') checkSameShape(spec, [names[0], r], [names[1], f]);
  const wr = checkWeights(spec, 'weightsReal', options?.weightsReal, [names[0], r], reduction);
  const wf = checkWeights(spec, 'weightsFake', options?.weightsFake, [names[1], f], reduction);
  return tf.tidy(() => tf.add(reduceLoss(realTerm(r), wr, reduction), reduceLoss(fakeTerm(f), wf, reduction)));
}

/** A generator loss of the form reduce(term(s_f)), validated and tidied. */
export function generatorLoss(
  spec: string,
  name: string,
  fake: unknown,
  options: GeneratorLossOptions | undefined,
  term: Term,
): tf.Tensor {
  ensureGradients();
  checkKnownOptions(spec, options, ['reduction', 'weightsFake']);
  const reduction: Reduction = checkReduction(spec, options?.reduction, options?.weightsFake !== undefined);
  const f = checkTensor(spec, name, fake, { minRank: 1, finite: true });
  const wf = checkWeights(spec, 'weightsFake', options?.weightsFake, [name, f], reduction);
  return tf.tidy(() => reduceLoss(term(f), wf, reduction));
}

/**
 * Splits a loss's options into its own parameters (`keys`, e.g. a margin or a label) and the
 * shared ones that `discriminatorLoss` / `generatorLoss` validate. Options that are not an object
 * (null, a number) are passed on unchanged as `rest`, so the shared check refuses them.
 */
export function splitOptions<O extends object, K extends keyof O>(
  options: O | undefined,
  keys: readonly K[],
): { own: Partial<Pick<O, K>>; rest: Omit<O, K> | undefined } {
  if (options === undefined || options === null || typeof options !== 'object')
    return { own: {}, rest: options as Omit<O, K> | undefined };
  const own: Partial<Pick<O, K>> = {};
  const rest = { ...options } as Record<string, unknown>;
  for (const k of keys) {
    if (k in rest) own[k] = rest[k as string] as O[K];
    delete rest[k as string];
  }
  return { own, rest: rest as Omit<O, K> };
}
