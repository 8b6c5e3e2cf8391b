/**
 * Training dynamics (catalog section D): two-player games as vector fields, update rules and
 * trajectories, Jacobians and their eigenvalues.
 */
export {
  type Game,
  vectorField,
  withConsensus,
  bilinearGame,
  BILINEAR_ID,
  diracGan,
  diracCoupling,
  DIRAC_GAN_ID,
  DIRAC_OBJECTIVES,
  DIRAC_REGULARIZERS,
  type DiracGanOptions,
  type DiracObjective,
  type DiracRegularizer,
} from './game.js';
export { trajectory, UPDATE_RULES, type UpdateRule, type TrajectoryOptions } from './rules.js';
export { jacobian, eigenvalues2x2 } from './jacobian.js';
export {
  trainToyGan,
  TRAIN_TOY_GAN_ID,
  TOY_OBJECTIVES,
  TOY_REGULARIZERS,
  type ToyObjective,
  type ToyRegularizer,
  type ToyTrainingOptions,
  type ToyStepLog,
  type ToyTrainingResult,
} from './train.js';
