export { minimaxDiscriminatorLoss, minimaxGeneratorLoss, MINIMAX_ID } from './minimax.js';
export { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss, NON_SATURATING_ID } from './non-saturating.js';
export { wassersteinCriticLoss, wassersteinGeneratorLoss, WASSERSTEIN_ID } from './wasserstein.js';
export type { DiscriminatorLossOptions, GeneratorLossOptions } from './common.js';
