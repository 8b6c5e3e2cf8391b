import * as tf from '@tensorflow/tfjs-core';
import type { Energies, LossOptions, Reduction, Weights, Reduced } from '../types.js';
import { asEnergies } from '../types.js';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkBatchFor, checkMlp, forward, type Mlp } from '../nets/mlp.js';
import { checkReduction, checkWeights, reduceLoss, type CheckedWeights } from '../reduce.js';
import { checkChoice, checkKnownOptions, checkNumber, checkSameShape, checkTensor } from '../validate.js';
import type { DiscriminatorLossOptions, GeneratorLossOptions } from './common.js';

/** The catalog id of this spec, `objective/energy-based`; errors from these functions name it. */
export const ENERGY_BASED_ID = 'objective/energy-based';

/** How the autoencoder's reconstruction error becomes an energy. */
export type EnergyKind = 'mse' | 'l2';
/** How an autoencoder's reconstruction error becomes an energy. */
export const ENERGY_KINDS: readonly EnergyKind[] = ['mse', 'l2'];

/** Options of the EBGAN discriminator loss. */
export interface EnergyDiscriminatorLossOptions extends DiscriminatorLossOptions {
  /** The margin m > 0 of the hinge on fake energies. Default 1. */
  margin?: number;
}

/** Options of the EBGAN losses computed through an autoencoder. */
export interface EnergyBasedOptions extends LossOptions {
  /** The margin m > 0. Default 1. */
  margin?: number;
  /** `'mse'` (default) or `'l2'`, see `autoencoderEnergies`. */
  energy?: EnergyKind;
  weightsReal?: Weights;
  weightsFake?: Weights;
}

function checkEnergies(argument: string, e: unknown): tf.Tensor {
  return checkTensor(ENERGY_BASED_ID, argument, e, {
    minRank: 1,
    finite: true,
    min: 0,
    domain: 'finite and ≥ 0 (energies)',
  });
}

/** Validated reduction, batches and weights of the two-batch EBGAN discriminator loss. */
function discriminatorTerms(real: unknown, fake: unknown, options: EnergyDiscriminatorLossOptions | undefined) {
  checkKnownOptions(ENERGY_BASED_ID, options, ['reduction', 'weightsReal', 'weightsFake', 'margin']);
  const reduction: Reduction = checkReduction(
    ENERGY_BASED_ID,
    options?.reduction,
    options?.weightsReal !== undefined || options?.weightsFake !== undefined,
  );
  const margin = checkNumber(ENERGY_BASED_ID, 'margin', options?.margin ?? 1, { min: 0, minExclusive: true });
  const er = checkEnergies('energiesReal', real);
  const ef = checkEnergies('energiesFake', fake);
  if (reduction === 'none') checkSameShape(ENERGY_BASED_ID, ['energiesReal', er], ['energiesFake', ef]);
  const wr = checkWeights(ENERGY_BASED_ID, 'weightsReal', options?.weightsReal, ['energiesReal', er], reduction);
  const wf = checkWeights(ENERGY_BASED_ID, 'weightsFake', options?.weightsFake, ['energiesFake', ef], reduction);
  return { reduction, margin, er, ef, wr, wf };
}

/** Reduction of per-example energies: the shared `reduceLoss` (its weighted mean is centred). */
const reduce = reduceLoss;

/** reduce(e_r) + reduce(max(0, m − e_f)); call inside `tf.tidy`. */
function discriminatorValue(
  er: tf.Tensor,
  ef: tf.Tensor,
  margin: number,
  wr: CheckedWeights | undefined,
  wf: CheckedWeights | undefined,
  reduction: Reduction,
): tf.Tensor {
  return tf.add(reduce(er, wr, reduction), reduce(tf.relu(tf.sub(margin, ef)), wf, reduction));
}

/**
 * Discriminator loss of the energy-based GAN (Zhao, Mathieu & LeCun 2017, EBGAN, eq. 1):
 *
 *   L_D = E[D(x)] + E[[m − D(G(z))]⁺]
 *
 * where D(·) = e ≥ 0 is an energy (low on real data) and [·]⁺ = max(0, ·). The hinge pushes the
 * energy of generated samples up to the margin m and no further: once e_f ≥ m a fake example
 * contributes nothing (and no gradient). Theorem 1 of the paper: at a Nash equilibrium the
 * discriminator's value is exactly m.
 *
 * Relation to other libraries: TF-GAN has no EBGAN loss; torchgan's
 * `energy_based_discriminator_loss(dx, dgz, margin)` reduces dx + relu(margin − dgz) elementwise,
 * which equals this loss when n = m (no weights); PyTorch reimplementations write
 * `D_real + relu(margin − D_fake)` on MSE reconstruction energies, which is this loss with
 * `autoencoderEnergies(…, { energy: 'mse' })`.
 *
 * @param energiesReal energies e ≥ 0 of real data, [n, ...]
 * @param energiesFake energies e ≥ 0 of generated data, [m, ...]
 * @param options `margin` m > 0 (default 1), reduction ('mean' default, 'sum', 'none' — needs
 *   n = m) and per-example weights
 */
export function energyBasedDiscriminatorLoss(
  energiesReal: Energies,
  energiesFake: Energies,
  options?: Reduced<EnergyDiscriminatorLossOptions>,
): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function energyBasedDiscriminatorLoss(
  energiesReal: Energies,
  energiesFake: Energies,
  options: EnergyDiscriminatorLossOptions,
): tf.Tensor;
export function energyBasedDiscriminatorLoss(
  energiesReal: Energies,
  energiesFake: Energies,
  options?: EnergyDiscriminatorLossOptions,
): tf.Tensor {
  ensureGradients();
  const { reduction, margin, er, ef, wr, wf } = discriminatorTerms(energiesReal, energiesFake, options);
  return tf.tidy(() => discriminatorValue(er, ef, margin, wr, wf, reduction));
}

/**
 * Generator loss of the energy-based GAN (Zhao, Mathieu & LeCun 2017, eq. 2): L_G = E[D(G(z))],
 * the mean energy of generated samples.
 *
 * @param energiesFake energies e ≥ 0 of generated data, [m, ...]
 * @param options reduction and per-example weights
 */
export function energyBasedGeneratorLoss(energiesFake: Energies, options?: Reduced<GeneratorLossOptions>): tf.Scalar;
/** With `reduction: 'none'` (or a reduction known only at run time): the per-example losses, a `tf.Tensor`. */
export function energyBasedGeneratorLoss(energiesFake: Energies, options: GeneratorLossOptions): tf.Tensor;
export function energyBasedGeneratorLoss(energiesFake: Energies, options?: GeneratorLossOptions): tf.Tensor {
  ensureGradients();
  checkKnownOptions(ENERGY_BASED_ID, options, ['reduction', 'weightsFake']);
  const reduction: Reduction = checkReduction(ENERGY_BASED_ID, options?.reduction, options?.weightsFake !== undefined);
  const ef = checkEnergies('energiesFake', energiesFake);
  const wf = checkWeights(ENERGY_BASED_ID, 'weightsFake', options?.weightsFake, ['energiesFake', ef], reduction);
  // A copy under unweighted 'none', so the result is never the caller's own tensor.
  return tf.tidy(() => {
    const loss = reduce(ef, wf, reduction);
    return loss === ef ? tf.clone(ef) : loss;
  });
}

/**
 * Per-example squared residual sums Σⱼ rᵢⱼ² → energies: 'mse' divides by d, 'l2' takes the square
 * root with a zero gradient at a zero residual (a subgradient; the derivative does not exist
 * there). Call inside `tf.tidy`.
 */
function energiesOf(residual: tf.Tensor2D, energy: EnergyKind): tf.Tensor1D {
  const squares = tf.sum(tf.square(residual), 1);
  if (energy === 'mse') return tf.div(squares, residual.shape[1]) as tf.Tensor1D;
  // Double where: sqrt only ever sees positive values, so neither the value nor any derivative is
  // NaN at a perfect reconstruction (d/ds √s = 1/(2√s) would be ∞ · 0 there).
  const positive = tf.greater(squares, 0);
  const safe = tf.where(positive, squares, tf.onesLike(squares));
  return tf.where(positive, tf.sqrt(safe), tf.zerosLike(squares)) as tf.Tensor1D;
}

/**
 * Energies of an autoencoder discriminator (Zhao, Mathieu & LeCun 2017, §2.3):
 * D(x) = ‖Dec(Enc(x)) − x‖, here with the autoencoder given as one MLP (encoder layers followed
 * by decoder layers, see `Mlp`), whose output width must equal its input width d.
 *
 * - `'mse'` (default): e(x) = (1/d)·Σⱼ (Dec(Enc(x))ⱼ − xⱼ)², the per-example mean squared error
 *   that the paper's experiments and most reimplementations train with;
 * - `'l2'`: e(x) = ‖Dec(Enc(x)) − x‖₂, the Euclidean norm as written in §2.3 (not differentiable
 *   at a perfect reconstruction; ganref returns the zero subgradient there).
 *
 * @param autoencoder the autoencoder as data, d → … → d
 * @param x a batch [n, d]
 * @param options `energy`
 * @returns energies [n], all ≥ 0
 */
export function autoencoderEnergies(
  autoencoder: Mlp,
  x: tf.Tensor,
  options?: { energy?: EnergyKind },
): Energies<tf.Rank.R1> {
  ensureGradients();
  checkKnownOptions(ENERGY_BASED_ID, options, ['energy']);
  const energy = checkChoice(ENERGY_BASED_ID, 'energy', options?.energy ?? 'mse', ENERGY_KINDS);
  const net = checkAutoencoder(autoencoder);
  const xs = checkBatchFor(ENERGY_BASED_ID, 'x', x, net, 'autoencoder');
  return asEnergies(tf.tidy(() => energiesOf(tf.sub(forward(net, xs), xs) as tf.Tensor2D, energy)));
}

function checkAutoencoder(autoencoder: unknown) {
  const net = checkMlp(ENERGY_BASED_ID, 'autoencoder', autoencoder);
  if (net.outputWidth !== net.inputWidth) {
    throw new InvalidArgumentError(
      ENERGY_BASED_ID,
      'autoencoder',
      `a network whose output width equals its input width (${net.inputWidth})`,
      `output width ${net.outputWidth}`,
    );
  }
  return net;
}

/** Per-example weights of a batch of `n` examples, as `checkWeights` (no tensor is created). */
export function checkBatchWeights(
  spec: string,
  name: string,
  weights: unknown,
  batchName: string,
  n: number,
  reduction: Reduction,
): CheckedWeights | undefined {
  if (weights === undefined) return undefined;
  const w = checkTensor(spec, name, weights, { rank: 1, min: 0, finite: true, domain: 'finite and ≥ 0' });
  if (w.shape[0] !== n)
    throw new InvalidArgumentError(
      spec,
      name,
      `a vector of ${n} weights, one per example of '${batchName}'`,
      `shape [${w.shape.join(', ')}]`,
    );
  return checkWeights(spec, name, w, [name, w], reduction);
}

/** EBGAN's losses and energies, computed through an autoencoder given as data. */
export interface EnergyBasedResult {
  discriminator: tf.Tensor;
  generator: tf.Tensor;
  energiesReal: Energies<tf.Rank.R1>;
  energiesFake: Energies<tf.Rank.R1>;
}

/**
 * The energy-based GAN's discriminator and generator losses (Zhao, Mathieu & LeCun 2017,
 * eq. 1–2, §2.3) computed end to end from an autoencoder given as data, so that gradients flow to
 * the autoencoder's weights and to the samples:
 *
 *   e = energies of the autoencoder ('mse' or 'l2', see `autoencoderEnergies`)
 *   L_D = E[e(x_r)] + E[max(0, m − e(x_f))],   L_G = E[e(x_f)]
 *
 * @param autoencoder the discriminator's autoencoder, d → … → d
 * @param xReal real batch [n, d]
 * @param xFake generated batch [m, d]
 * @param options `margin` m > 0 (default 1), `energy`, reduction ('none' needs n = m) and
 *   per-example weights
 * @returns the two losses and the energies [n], [m]
 */
export function energyBasedLosses(
  autoencoder: Mlp,
  xReal: tf.Tensor,
  xFake: tf.Tensor,
  options?: EnergyBasedOptions,
): EnergyBasedResult {
  ensureGradients();
  checkKnownOptions(ENERGY_BASED_ID, options, ['reduction', 'weightsReal', 'weightsFake', 'margin', 'energy']);
  const reduction: Reduction = checkReduction(
    ENERGY_BASED_ID,
    options?.reduction,
    options?.weightsReal !== undefined || options?.weightsFake !== undefined,
  );
  const margin = checkNumber(ENERGY_BASED_ID, 'margin', options?.margin ?? 1, { min: 0, minExclusive: true });
  const energy = checkChoice(ENERGY_BASED_ID, 'energy', options?.energy ?? 'mse', ENERGY_KINDS);
  const net = checkAutoencoder(autoencoder);
  const xr = checkBatchFor(ENERGY_BASED_ID, 'xReal', xReal, net, 'autoencoder');
  const xf = checkBatchFor(ENERGY_BASED_ID, 'xFake', xFake, net, 'autoencoder');
  if (reduction === 'none' && xr.shape[0] !== xf.shape[0]) {
    throw new InvalidArgumentError(
      ENERGY_BASED_ID,
      'xFake',
      `a batch of ${xr.shape[0]} examples like 'xReal' (reduction 'none' adds the terms elementwise)`,
      `shape [${xf.shape.join(', ')}]`,
    );
  }
  const wr = checkBatchWeights(ENERGY_BASED_ID, 'weightsReal', options?.weightsReal, 'xReal', xr.shape[0], reduction);
  const wf = checkBatchWeights(ENERGY_BASED_ID, 'weightsFake', options?.weightsFake, 'xFake', xf.shape[0], reduction);
  return tf.tidy(() => {
    const er = energiesOf(tf.sub(forward(net, xr), xr) as tf.Tensor2D, energy);
    const ef = energiesOf(tf.sub(forward(net, xf), xf) as tf.Tensor2D, energy);
    const generator = reduce(ef, wf, reduction);
    return {
      discriminator: discriminatorValue(er, ef, margin, wr, wf, reduction),
      // Unweighted 'none' returns the energies themselves: a copy, so that each result can be
      // disposed on its own.
      generator: generator === ef ? tf.clone(ef) : generator,
      energiesReal: asEnergies(er),
      energiesFake: asEnergies(ef),
    };
  });
}
