export {
  applyModel,
  APPLY_MODEL_ID,
  criticFn,
  inputGradients,
  perExampleNorm,
  type Critic,
  type CriticFn,
  type LayersModelLike,
} from './critic.js';
export { clipWeights, clipVariables, WEIGHT_CLIPPING_ID, type WeightClippingOptions } from './weight-clipping.js';
export {
  spectralNormalize,
  SpectralNorm,
  SPECTRAL_NORM_ID,
  type OutAxis,
  type SpectralNormOptions,
  type SpectralNormResult,
} from './spectral-norm.js';
export { minibatchDiscrimination, MINIBATCH_DISCRIMINATION_ID } from './minibatch-discrimination.js';
export {
  virtualBatchNorm,
  referenceBatchNorm,
  VIRTUAL_BATCH_NORM_ID,
  type VirtualBatchNormOptions,
} from './virtual-batch-norm.js';
export {
  instanceNoise,
  instanceNoiseSigma,
  addInstanceNoise,
  instanceNoisePair,
  INSTANCE_NOISE_ID,
  type InstanceNoiseSchedule,
  type InstanceNoiseRandomness,
  type NoiseSchedule,
} from './instance-noise.js';
export { pullingAwayTerm, PULLING_AWAY_ID } from './pulling-away.js';
export { stopGradient } from './stop-gradient.js';
export {
  gradientPenalty,
  interpolationWeights,
  GRADIENT_PENALTY_ID,
  type GradientPenaltyOptions,
  type PenaltySide,
} from './gradient-penalty.js';
export { draganPenalty, draganNoise, DRAGAN_ID, type DraganOptions, type DraganNoiseOptions } from './dragan.js';
export { r1Penalty, r2Penalty, R1_ID, R2_ID, type ZeroCenteredPenaltyOptions } from './r1-r2.js';
export {
  noiseInducedPenalty,
  NOISE_INDUCED_ID,
  NOISE_INDUCED_DIVERGENCES,
  type NoiseInducedDivergence,
  type NoiseInducedOptions,
} from './noise-induced.js';
export {
  consensusRegularizer,
  CONSENSUS_ID,
  GAME_OBJECTIVES,
  type ConsensusOptions,
  type ConsensusResult,
  type GanGame,
  type GameObjective,
} from './consensus.js';
export {
  discriminatorGradientNormPenalty,
  DISCRIMINATOR_GRADIENT_NORM_ID,
  type DiscriminatorGradientNormOptions,
  type DiscriminatorGradientNormResult,
} from './discriminator-gradient-norm.js';
export {
  historicalAveragingPenalty,
  HistoricalAverage,
  HISTORICAL_AVERAGING_ID,
  type TensorList,
} from './historical-averaging.js';
export {
  unrolledSurrogate,
  UNROLLED_ID,
  UNROLLED_OPTIMIZERS,
  type UnrolledOptimizer,
  type UnrolledOptions,
  type UnrolledResult,
} from './unrolled.js';
