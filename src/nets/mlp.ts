import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkChoice, checkKnownOptions, checkNumber, checkTensor } from '../validate.js';

/**
 * Networks described as data. A multilayer perceptron is its layer weights plus the names of its
 * activations, so ganref (TF.js) and the PyTorch oracle build exactly the same function from the
 * same numbers, and cross-checks can compare gradients and Hessian-vector products with respect to
 * the weights themselves.
 *
 *   h₀ = x,   hₗ₊₁ = act(hₗ · Wₗ + bₗ)   (l < L − 1),   y = outAct(h_{L−1} · W_{L−1} + b_{L−1})
 *
 * with x [n, d₀], Wₗ [dₗ, dₗ₊₁] (row-vector convention, as `tf.layers.dense` and the transpose of
 * `torch.nn.Linear.weight`), bₗ [dₗ₊₁] optional. Every op is one that ganref's gradient registry
 * makes second-order correct (see `src/autodiff`), so a gradient penalty may differentiate
 * through the network twice.
 */

/**
 * The activations a network may name. Conventions follow PyTorch (the oracle): `leaky-relu` is
 * max(x, 0) + α·min(x, 0) (α from the options, default 0.2); `elu` has α = 1; `selu` uses the
 * constants of Klambauer et al. 2017; `swish` and `silu` are both x·sigmoid(x) (Ramachandran et
 * al. 2017; Elfwing et al. 2018); `softplus` is log(1 + eˣ) with no β or threshold.
 */
export type Activation =
  'linear' | 'relu' | 'leaky-relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'softplus' | 'swish' | 'silu';

/** Every activation name, in a stable order. */
export const ACTIVATIONS: readonly Activation[] = [
  'linear',
  'relu',
  'leaky-relu',
  'elu',
  'selu',
  'tanh',
  'sigmoid',
  'softplus',
  'swish',
  'silu',
];

/** One dense layer: y = h · weight + bias. */
export interface DenseLayer {
  /** [inputs, outputs] */
  weight: tf.Tensor;
  /** [outputs]; omitted means no bias. */
  bias?: tf.Tensor;
}

/** A multilayer perceptron as data: its layers and the names of its activations. */
export interface Mlp {
  /** At least one layer; each layer's input width is the previous layer's output width. */
  layers: readonly DenseLayer[];
  /** Activation after every layer but the last. Default `'relu'`. */
  activation?: Activation;
  /** Activation after the last layer. Default `'linear'`. */
  outputActivation?: Activation;
  /** Negative slope of `'leaky-relu'`, ≥ 0. Default 0.2. */
  alpha?: number;
}

/** Applies a named activation elementwise. Call inside `tf.tidy`. */
export function activate(x: tf.Tensor, activation: Activation, alpha = 0.2): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'leaky-relu':
      return tf.leakyRelu(x, alpha);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'swish':
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
  }
}

/** An MLP whose options were checked, with defaults filled in. */
export interface CheckedMlp {
  layers: { weight: tf.Tensor2D; bias?: tf.Tensor1D }[];
  activation: Activation;
  outputActivation: Activation;
  alpha: number;
  inputWidth: number;
  outputWidth: number;
}

/**
 * Validates a network described as data: layers present, each weight a finite float32 matrix whose
 * row count is the previous layer's width, each bias a finite vector of the layer's width, known
 * activations and α ≥ 0. Throws `GanrefError`s naming `spec` and `name.layers[l].weight` etc.
 */
export function checkMlp(spec: string, name: string, net: unknown): CheckedMlp {
  if (net === null || typeof net !== 'object' || !Array.isArray((net as Mlp).layers)) {
    throw new InvalidArgumentError(
      spec,
      name,
      'a network { layers: [{ weight, bias? }, ...], activation?, outputActivation?, alpha? }',
      net === null ? 'null' : typeof net,
    );
  }
  const mlp = net as Mlp;
  checkKnownOptions(spec, mlp, ['layers', 'activation', 'outputActivation', 'alpha']);
  if (mlp.layers.length === 0)
    throw new InvalidArgumentError(spec, `${name}.layers`, 'at least one layer', 'no layers');
  const activation = checkChoice(spec, `${name}.activation`, mlp.activation ?? 'relu', ACTIVATIONS);
  const outputActivation = checkChoice(spec, `${name}.outputActivation`, mlp.outputActivation ?? 'linear', ACTIVATIONS);
  const alpha = checkNumber(spec, `${name}.alpha`, mlp.alpha ?? 0.2, { min: 0 });
  const layers: CheckedMlp['layers'] = [];
  let width = -1;
  mlp.layers.forEach((layer, l) => {
    const at = `${name}.layers[${l}]`;
    if (layer === null || typeof layer !== 'object')
      throw new InvalidArgumentError(spec, at, 'a layer { weight, bias? }', String(layer));
    const w = checkTensor(spec, `${at}.weight`, layer.weight, { rank: 2, finite: true }) as tf.Tensor2D;
    if (l > 0 && w.shape[0] !== width) {
      throw new InvalidArgumentError(
        spec,
        `${at}.weight`,
        `a matrix with ${width} rows (the width of layer ${l - 1})`,
        `shape [${w.shape.join(', ')}]`,
      );
    }
    let b: tf.Tensor1D | undefined;
    if (layer.bias !== undefined) {
      b = checkTensor(spec, `${at}.bias`, layer.bias, { rank: 1, finite: true }) as tf.Tensor1D;
      if (b.shape[0] !== w.shape[1])
        throw new InvalidArgumentError(
          spec,
          `${at}.bias`,
          `a vector of length ${w.shape[1]} (the layer's width)`,
          `shape [${b.shape.join(', ')}]`,
        );
    }
    layers.push(b ? { weight: w, bias: b } : { weight: w });
    width = w.shape[1];
  });
  return { layers, activation, outputActivation, alpha, inputWidth: layers[0]!.weight.shape[0], outputWidth: width };
}

/** The forward pass of a checked network; no validation, no tidy (call inside `tf.tidy`). */
export function forward(net: CheckedMlp, x: tf.Tensor): tf.Tensor2D {
  let h = x as tf.Tensor2D;
  net.layers.forEach((layer, l) => {
    let z: tf.Tensor = tf.matMul(h, layer.weight);
    if (layer.bias) z = tf.add(z, layer.bias);
    h = activate(z, l === net.layers.length - 1 ? net.outputActivation : net.activation, net.alpha) as tf.Tensor2D;
  });
  return h;
}

/** Checks a batch [n, width] fed to a network whose first layer takes `width` inputs. */
export function checkBatchFor(spec: string, name: string, x: unknown, net: CheckedMlp, netName: string): tf.Tensor2D {
  const t = checkTensor(spec, name, x, { rank: 2, finite: true }) as tf.Tensor2D;
  if (t.shape[1] !== net.inputWidth) {
    throw new InvalidArgumentError(
      spec,
      name,
      `a batch [n, ${net.inputWidth}] (the input width of '${netName}')`,
      `shape [${t.shape.join(', ')}]`,
    );
  }
  return t;
}

/** The catalog id of this spec, `nets/mlp`; errors from these functions name it. */
export const MLP_ID = 'nets/mlp';

/**
 * Evaluates a multilayer perceptron given as data on a batch:
 * y = outAct(act(… act(x·W₀ + b₀) …)·W_{L−1} + b_{L−1}).
 *
 * Differentiable to any order with respect to `x` and every weight and bias (ganref's gradient
 * configs), on every backend. Equals `torch.nn.Sequential(Linear, act, …, Linear, outAct)` with
 * `Linear.weight = Wₗᵀ`.
 *
 * @param net the layers and activation names (see `Mlp`)
 * @param x a batch [n, d₀] of float32 inputs
 * @returns [n, d_L]
 */
export function mlp(net: Mlp, x: tf.Tensor): tf.Tensor2D {
  ensureGradients();
  const checked = checkMlp(MLP_ID, 'net', net);
  const input = checkBatchFor(MLP_ID, 'x', x, checked, 'net');
  return tf.tidy(() => forward(checked, input));
}

/**
 * Builds the layers of a network from named tensors `${prefix}W0`, `${prefix}B0`, `${prefix}W1`,
 * … (the oracle protocol's naming of networks as data): layer l exists while `${prefix}W${l}` is
 * present; its bias is `${prefix}B${l}` when present.
 */
export function layersFromInputs(inputs: Record<string, tf.Tensor | undefined>, prefix: string): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let l = 0; inputs[`${prefix}W${l}`] !== undefined; l++) {
    const bias = inputs[`${prefix}B${l}`];
    layers.push(bias ? { weight: inputs[`${prefix}W${l}`]!, bias } : { weight: inputs[`${prefix}W${l}`]! });
  }
  return layers;
}
