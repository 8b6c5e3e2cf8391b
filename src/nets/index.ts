export { ACTIVATIONS, activate, checkMlp, layersFromInputs, mlp, MLP_ID, type Activation, type CheckedMlp, type DenseLayer, type Mlp } from './mlp.js';
