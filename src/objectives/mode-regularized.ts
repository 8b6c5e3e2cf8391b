import * as tf from '@tensorflow/tfjs-core';
import type { Logits, LossOptions } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkBatchFor, checkMlp, forward, type CheckedMlp, type Mlp } from '../nets/mlp.js';
import { checkReduction, reduceLoss } from '../reduce.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor } from '../validate.js';

/** The catalog id of this spec, `objective/mode-regularized`; errors from these functions name it. */
export const MODE_REGULARIZED_ID = 'objective/mode-regularized';

/** The sample-space distance d(x, G(E(x))) of the mode regularizer. */
export type ReconstructionDistance = 'l2' | 'l1';
/** The reconstruction distances of the mode-regularized GAN. */
export const RECONSTRUCTION_DISTANCES: readonly ReconstructionDistance[] = ['l2', 'l1'];

/** Options of the mode-regularized GAN losses. */
export interface ModeRegularizedOptions extends LossOptions {
  /** λ1 ≥ 0, weight of the reconstruction distance. Default 1. */
  lambda1?: number;
  /** λ2 ≥ 0, weight of the log D(G(E(x))) term. Default 1. */
  lambda2?: number;
  /** `'l2'` (default): squared Euclidean ‖x − G(E(x))‖²; `'l1'`: Σⱼ |xⱼ − G(E(x))ⱼ|. */
  distance?: ReconstructionDistance;
}

/** The three losses of the mode-regularized GAN. */
export type ModeRegularizedResult = {
  /** −E[log D(x)] − E[log(1 − D(G(z)))]: the non-saturating GAN discriminator loss. */
  discriminator: tf.Tensor;
  /** T_G. */
  generator: tf.Tensor;
  /** T_E. */
  encoder: tf.Tensor;
};

/** The tensors of `modeRegularizedLosses`. */
export interface ModeRegularizedInputs {
  /** D's logits on real data x, [n]. */
  logitsReal: Logits;
  /** D's logits on generated data G(z), [m]. */
  logitsFake: Logits;
  /** D's logits on the reconstructions G(E(x)), [n]. */
  logitsReconstructed: Logits;
  /** Real data x, [n, d]. */
  x: tf.Tensor;
  /** Reconstructions G(E(x)), [n, d]. */
  reconstructions: tf.Tensor;
}

function checkOptions(options: ModeRegularizedOptions | undefined) {
  checkKnownOptions(MODE_REGULARIZED_ID, options, ['reduction', 'lambda1', 'lambda2', 'distance']);
  return {
    reduction: checkReduction(MODE_REGULARIZED_ID, options?.reduction),
    lambda1: checkNumber(MODE_REGULARIZED_ID, 'lambda1', options?.lambda1 ?? 1, { min: 0 }),
    lambda2: checkNumber(MODE_REGULARIZED_ID, 'lambda2', options?.lambda2 ?? 1, { min: 0 }),
    distance: checkChoice(MODE_REGULARIZED_ID, 'distance', options?.distance ?? 'l2', RECONSTRUCTION_DISTANCES),
  };
}

type Checked = ReturnType<typeof checkOptions>;

/** The three losses from validated tensors; call inside `tf.tidy`. */
function losses(
  lr: tf.Tensor,
  lf: tf.Tensor,
  lrec: tf.Tensor,
  x: tf.Tensor,
  rec: tf.Tensor,
  o: Checked,
): ModeRegularizedResult {
  const diff = tf.sub(x, rec);
  const d = o.distance === 'l2' ? tf.sum(tf.square(diff), 1) : tf.sum(tf.abs(diff), 1);
  // log D = log sigmoid(l) = −softplus(−l): exact and finite for every finite logit.
  const logD = tf.neg(tf.softplus(tf.neg(lrec)));
  const regularizer = reduceLoss(tf.add(tf.mul(o.lambda1, d), tf.mul(o.lambda2, logD)), undefined, o.reduction);
  const nonSaturating = reduceLoss(tf.softplus(tf.neg(lf)), undefined, o.reduction);
  return {
    discriminator: tf.add(
      reduceLoss(tf.softplus(tf.neg(lr)), undefined, o.reduction),
      reduceLoss(tf.softplus(lf), undefined, o.reduction),
    ),
    generator: tf.add(nonSaturating, regularizer),
    encoder: regularizer,
  };
}

/**
 * The mode-regularized GAN's losses (Che, Li, Jacob, Bengio & Li 2017, "Mode Regularized
 * Generative Adversarial Networks", §3.1, the objectives T_G and T_E), from the discriminator's
 * logits and the reconstructions, D = sigmoid(l):
 *
 *   T_G = −E_z[log D(G(z))] + E_x[λ1·d(x, G∘E(x)) + λ2·log D(G∘E(x))]
 *   T_E =                      E_x[λ1·d(x, G∘E(x)) + λ2·log D(G∘E(x))]
 *   L_D = −E_x[log D(x)] − E_z[log(1 − D(G(z)))]   (the discriminator as in the non-saturating GAN)
 *
 * with log D = −softplus(−l) and log(1 − D) = −softplus(l), exact for every finite logit.
 * d is the squared Euclidean distance ‖x − G(E(x))‖² summed over features ('l2', the paper's
 * pixel-wise squared error up to the constant 1/d) or the L1 distance ('l1').
 * The sign of the λ2 term is the one printed in the paper (and in CATALOG.md): minimising T_G
 * and T_E rewards reconstructions the discriminator finds less real. Per-example weights are not
 * taken: the z and x expectations are different batches.
 *
 * @param inputs logits on x [n], on G(z) [m], on G(E(x)) [n]; x and G(E(x)), [n, d]
 * @param options λ1, λ2 ≥ 0 (default 1 each), `distance` ('l2' default), reduction ('mean'
 *   default, 'sum', 'none' — with 'none' every term is per example and needs n = m)
 */
export function modeRegularizedLosses(
  inputs: ModeRegularizedInputs,
  options?: ModeRegularizedOptions,
): ModeRegularizedResult {
  ensureGradients();
  const o = checkOptions(options);
  if (inputs === null || typeof inputs !== 'object')
    throw new InvalidArgumentError(MODE_REGULARIZED_ID, 'inputs', 'an object of tensors', String(inputs));
  const id = MODE_REGULARIZED_ID;
  const lr = checkTensor(id, 'logitsReal', inputs.logitsReal, { rank: 1, finite: true });
  const lf = checkTensor(id, 'logitsFake', inputs.logitsFake, { rank: 1, finite: true });
  const lrec = checkTensor(id, 'logitsReconstructed', inputs.logitsReconstructed, { rank: 1, finite: true });
  const x = checkTensor(id, 'x', inputs.x, { rank: 2, finite: true });
  const rec = checkTensor(id, 'reconstructions', inputs.reconstructions, { rank: 2, finite: true });
  checkSameShape(id, ['x', x], ['reconstructions', rec]);
  if (lr.shape[0] !== x.shape[0])
    throw new InvalidArgumentError(
      id,
      'logitsReal',
      `a vector of ${x.shape[0]} logits, one per row of 'x'`,
      `shape [${lr.shape.join(', ')}]`,
    );
  if (lrec.shape[0] !== x.shape[0])
    throw new InvalidArgumentError(
      id,
      'logitsReconstructed',
      `a vector of ${x.shape[0]} logits, one per row of 'x'`,
      `shape [${lrec.shape.join(', ')}]`,
    );
  if (o.reduction === 'none') checkSameShape(id, ['logitsReal', lr], ['logitsFake', lf]);
  return tf.tidy(() => losses(lr, lf, lrec, x, rec, o));
}

/** The networks of `modeRegularizedNetworkLosses`. */
export interface ModeRegularizedNetworks {
  /** Encoder E: d → … → d_z. */
  encoder: Mlp;
  /** Generator G: d_z → … → d. */
  generator: Mlp;
  /** Discriminator D: d → … → 1, returning logits (its output activation must be linear). */
  discriminator: Mlp;
}

/**
 * The mode-regularized GAN's losses computed end to end through an encoder, a generator and a
 * discriminator given as data (see `modeRegularizedLosses` for the formulas): G(z), G(E(x)) and
 * the logits D(x), D(G(z)), D(G(E(x))) are formed here, so gradients reach every weight of the
 * three networks, the data x and the noise z.
 *
 * @param networks E, G and D as data
 * @param x real data [n, d]
 * @param z noise [m, d_z]
 * @param options as `modeRegularizedLosses`
 */
export function modeRegularizedNetworkLosses(
  networks: ModeRegularizedNetworks,
  x: tf.Tensor,
  z: tf.Tensor,
  options?: ModeRegularizedOptions,
): ModeRegularizedResult {
  ensureGradients();
  const id = MODE_REGULARIZED_ID;
  const o = checkOptions(options);
  if (networks === null || typeof networks !== 'object')
    throw new InvalidArgumentError(id, 'networks', 'an object { encoder, generator, discriminator }', String(networks));
  checkKnownOptions(id, networks, ['encoder', 'generator', 'discriminator']);
  const enc = checkMlp(id, 'encoder', networks.encoder);
  const gen = checkMlp(id, 'generator', networks.generator);
  const disc = checkMlp(id, 'discriminator', networks.discriminator);
  const chain = (a: CheckedMlp, aName: string, b: CheckedMlp, bName: string) => {
    if (a.outputWidth !== b.inputWidth)
      throw new InvalidArgumentError(
        id,
        bName,
        `a network taking ${a.outputWidth} inputs (the output width of '${aName}')`,
        `input width ${b.inputWidth}`,
      );
  };
  chain(enc, 'encoder', gen, 'generator');
  chain(gen, 'generator', disc, 'discriminator');
  if (gen.outputWidth !== enc.inputWidth)
    throw new InvalidArgumentError(
      id,
      'generator',
      `a network with ${enc.inputWidth} outputs (the data width of 'encoder')`,
      `output width ${gen.outputWidth}`,
    );
  if (disc.outputWidth !== 1)
    throw new InvalidArgumentError(
      id,
      'discriminator',
      'a network with one output (a logit)',
      `output width ${disc.outputWidth}`,
    );
  if (disc.outputActivation !== 'linear')
    throw new InvalidArgumentError(
      id,
      'discriminator.outputActivation',
      "'linear' (the discriminator returns logits)",
      `'${disc.outputActivation}'`,
    );
  const xs = checkBatchFor(id, 'x', x, enc, 'encoder');
  const zs = checkBatchFor(id, 'z', z, gen, 'generator');
  if (o.reduction === 'none' && xs.shape[0] !== zs.shape[0]) {
    throw new InvalidArgumentError(
      id,
      'z',
      `a batch of ${xs.shape[0]} examples like 'x' (reduction 'none' adds the terms elementwise)`,
      `shape [${zs.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const logits = (h: tf.Tensor) => tf.reshape(forward(disc, h), [-1]);
    const rec = forward(gen, forward(enc, xs));
    return losses(logits(xs), logits(forward(gen, zs)), logits(rec), xs, rec, o);
  });
}
