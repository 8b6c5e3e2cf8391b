export { optimalDiscriminator, OPTIMAL_DISCRIMINATOR_ID } from './optimal-discriminator.js';
export { virtualTrainingCriterion, VIRTUAL_TRAINING_CRITERION_ID } from './virtual-training-criterion.js';
