export { optimalDiscriminator, OPTIMAL_DISCRIMINATOR_ID } from './optimal-discriminator.js';
export { virtualTrainingCriterion, VIRTUAL_TRAINING_CRITERION_ID } from './virtual-training-criterion.js';
export {
  neuralNetDistance,
  neuralNetDistanceMembers,
  NEURAL_NET_DISTANCE_ID,
  MEASURING_FUNCTIONS,
  type MeasuringFunction,
  type NeuralNetDistanceOptions,
} from './neural-net-distance.js';
