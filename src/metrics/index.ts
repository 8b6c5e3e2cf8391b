export { inceptionScore, INCEPTION_SCORE_ID } from './inception-score.js';
export { frechetDistance, frechetDistanceFromMoments, FRECHET_DISTANCE_ID } from './frechet-distance.js';
export {
  parzenLogLikelihood,
  selectParzenBandwidth,
  PARZEN_SIGMA_GRID,
  PARZEN_LOG_LIKELIHOOD_ID,
  type ParzenOptions,
  type ParzenBandwidth,
} from './parzen.js';
export { modeCoverage, MODE_COVERAGE_ID, type ModeCoverage, type ModeCoverageOptions } from './mode-coverage.js';
export { ringOfGaussians, gridOfGaussians, sampleMixture, type GaussianMixture } from './mixtures.js';
