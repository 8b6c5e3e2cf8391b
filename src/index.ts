/**
 * ganref: GAN objectives and regularizers for TensorFlow.js, each checked by property-based
 * invariants and by numerical agreement with an independent PyTorch oracle.
 *
 * This entry is the library alone, on the peer `@tensorflow/tfjs-core`. Importing it registers
 * ganref's gradient configs (`./register-gradients.js`) and nothing else: no backend (bring your
 * own, or `ganref/backends`), no catalog, no test framework. The harness lives behind its own
 * entry points: `ganref/catalog`, `ganref/conformance`, `ganref/fixtures`, `ganref/oracle` and
 * the `ganref` command.
 */
import './register-gradients.js';

export * from './types.js';
export { GanrefError, InvalidArgumentError, InvalidParameterError } from './errors.js';
export { configure } from './validate.js';
export { Random, defaultRandom, setRandomSeed } from './random.js';
export { registerGradients, ensureGradients } from './autodiff/index.js';
export * from './divergences/index.js';
export * from './theory/index.js';
export {
  fDivergences,
  fDivergenceFunctions,
  alphaDivergence,
  fDivergence,
  FDIVERGENCE_NAMES,
  fDivergenceId,
  fDivergenceTitle,
  type FDivergenceFunctions,
  type FDivergenceName,
  type FDivergenceOptions,
  type ConjugateDomain,
} from './fdiv/index.js';
export * from './objectives/index.js';
export * from './regularizers/index.js';
export * from './dynamics/index.js';
export * from './metrics/index.js';
export {
  mlp,
  checkMlp,
  activate,
  ACTIVATIONS,
  convnet,
  convCritic,
  mlpCritic,
  PADDINGS,
  POOLINGS,
  NORMALIZATIONS,
  type Mlp,
  type DenseLayer,
  type Activation,
  type Convnet,
  type ConvLayer,
  type Padding,
  type Pooling,
  type Normalization,
} from './nets/index.js';
export { checkGrads } from './autodiff/check-grads.js';
