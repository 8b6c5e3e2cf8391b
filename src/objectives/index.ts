export { minimaxDiscriminatorLoss, minimaxGeneratorLoss, MINIMAX_ID } from './minimax.js';
export { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss, NON_SATURATING_ID } from './non-saturating.js';
export { wassersteinCriticLoss, wassersteinGeneratorLoss, WASSERSTEIN_ID } from './wasserstein.js';
export {
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  LEAST_SQUARES_ID,
  type LeastSquaresDiscriminatorOptions,
  type LeastSquaresGeneratorOptions,
} from './least-squares.js';
export { hingeDiscriminatorLoss, hingeGeneratorLoss, HINGE_ID } from './hinge.js';
export {
  relativisticDiscriminatorLoss,
  relativisticGeneratorLoss,
  RELATIVISTIC_ID,
  RELATIVISTIC_VARIANTS,
  type RelativisticVariant,
  type RelativisticLossOptions,
} from './relativistic.js';
export {
  labelSmoothingDiscriminatorLoss,
  labelSmoothingGeneratorLoss,
  LABEL_SMOOTHING_ID,
  type LabelSmoothingDiscriminatorOptions,
} from './label-smoothing.js';
export {
  lossSensitiveDiscriminatorLoss,
  lossSensitiveGeneratorLoss,
  pairwiseMargin,
  LOSS_SENSITIVE_ID,
  LOSS_SENSITIVE_MARGINS,
  type LossSensitiveMargin,
  type LossSensitiveOptions,
} from './loss-sensitive.js';
export { featureMatchingLoss, FEATURE_MATCHING_ID, type FeatureMatchingOptions } from './feature-matching.js';
export {
  fGanDiscriminatorLoss,
  fGanGeneratorLoss,
  fGanHeuristicGeneratorLoss,
  F_GAN_ID,
  type FGanDivergenceOptions,
  type FGanDiscriminatorOptions,
  type FGanGeneratorOptions,
} from './f-gan.js';
export {
  energyBasedDiscriminatorLoss,
  energyBasedGeneratorLoss,
  autoencoderEnergies,
  energyBasedLosses,
  ENERGY_BASED_ID,
  ENERGY_KINDS,
  type EnergyKind,
  type EnergyDiscriminatorLossOptions,
  type EnergyBasedOptions,
  type EnergyBasedResult,
} from './energy-based.js';
export {
  modeRegularizedLosses,
  modeRegularizedNetworkLosses,
  MODE_REGULARIZED_ID,
  RECONSTRUCTION_DISTANCES,
  type ModeRegularizedOptions,
  type ModeRegularizedInputs,
  type ModeRegularizedNetworks,
  type ModeRegularizedResult,
  type ReconstructionDistance,
} from './mode-regularized.js';
export {
  mixGanLosses,
  MIX_GAN_ID,
  MIXTURE_REGULARIZERS,
  type MixGanOptions,
  type MixGanResult,
  type MixtureRegularizer,
} from './mix-gan.js';
export type { DiscriminatorLossOptions, GeneratorLossOptions } from './common.js';
