export { klDivergence, KL_ID } from './kl.js';
export { jensenShannonDivergence, JSD_ID } from './jensen-shannon.js';
