export { klDivergence, KL_ID } from './kl.js';
export { jensenShannonDivergence, JSD_ID } from './jensen-shannon.js';
export { reverseKlDivergence, REVERSE_KL_ID } from './reverse-kl.js';
export { totalVariationDistance, TOTAL_VARIATION_ID } from './total-variation.js';
export { squaredHellingerDistance, SQUARED_HELLINGER_ID } from './squared-hellinger.js';
export { pearsonChi2Divergence, PEARSON_CHI2_ID } from './pearson-chi2.js';
export { neymanChi2Divergence, NEYMAN_CHI2_ID } from './neyman-chi2.js';
export { wasserstein1d, WASSERSTEIN_1D_ID } from './wasserstein-1d.js';
