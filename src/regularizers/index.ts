export { criticFn, inputGradients, perExampleNorm, type Critic, type CriticFn, type LayersModelLike } from './critic.js';
export { clipWeights, clipVariables, WEIGHT_CLIPPING_ID, type WeightClippingOptions } from './weight-clipping.js';
export { spectralNormalize, SpectralNorm, SPECTRAL_NORM_ID, type OutAxis, type SpectralNormOptions, type SpectralNormResult } from './spectral-norm.js';
export { minibatchDiscrimination, MINIBATCH_DISCRIMINATION_ID } from './minibatch-discrimination.js';
export { virtualBatchNorm, referenceBatchNorm, VIRTUAL_BATCH_NORM_ID, type VirtualBatchNormOptions } from './virtual-batch-norm.js';
export { instanceNoise, instanceNoiseSigma, addInstanceNoise, instanceNoisePair, INSTANCE_NOISE_ID, type InstanceNoiseSchedule, type NoiseSchedule } from './instance-noise.js';
export { pullingAwayTerm, PULLING_AWAY_ID } from './pulling-away.js';
export { stopGradient } from './stop-gradient.js';
