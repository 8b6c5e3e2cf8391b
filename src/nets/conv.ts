import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../autodiff/index.js';
import { InvalidArgumentError } from '../errors.js';
import { criticFn, inputGradients, type Critic } from '../regularizers/critic.js';
import { checkChoice, checkKnownOptions, checkNumber, checkTensor } from '../validate.js';
import {
  ACTIVATIONS,
  activate,
  checkBatchFor,
  checkMlp,
  forward as mlpForward,
  type Activation,
  type CheckedMlp,
  type Mlp,
} from './mlp.js';

/**
 * Convolutional critics described as data, and the critics' gradient penalty that needs double
 * backprop. A convnet is its weights plus a few names (activation, padding, pooling,
 * normalization), so ganref (TF.js) and the PyTorch oracle build exactly the same function from
 * the same numbers, and cross-checks compare values, gradients and Hessian-vector products with
 * respect to the images AND every weight.
 *
 * Layout (TF.js, NHWC). Images x [n, H, W, C]. Conv layer l has a filter Kₗ [kh, kw, cₗ, cₗ₊₁]
 * (`tf.conv2d`'s layout: height, width, in-channels, out-channels) and a bias bₗ [cₗ₊₁]. PyTorch
 * keeps images as NCHW and filters as [out, in, kh, kw]: the oracle permutes x by (0, 3, 1, 2)
 * and Kₗ by (3, 2, 0, 1) on the way in, and permutes feature maps back to NHWC before flattening,
 * so the dense layer's rows follow the NHWC flattening order (h, w, c) of TF.js. Both sides
 * compute cross-correlation (no kernel flip). 'same' padding is TensorFlow's: total padding
 * max((⌈H/s⌉ − 1)·s + k − H, 0), its smaller half at the top/left (the oracle pads explicitly, as
 * `torch.nn.Conv2d(padding='same')` allows stride 1 only).
 *
 * One conv block, for l = 0 … L − 1:
 *
 *   zₗ = conv2d(hₗ, Kₗ, stride, padding) + bₗ
 *   ẑₗ = norm(zₗ)                      (normalization, below)
 *   hₗ₊₁ = pool(act(ẑₗ))               (pooling: none, or 2×2 windows of stride 2, 'valid')
 *
 * then y = head(flatten(h_L)), the head an `Mlp` (its own activations; the catalog's critics use
 * one dense layer to a single score).
 *
 * Normalizations, as GAN critics use them:
 * - `'layer'`: per example, over all of H, W and C, with a learned per-channel scale γₗ [cₗ₊₁] and
 *   offset βₗ [cₗ₊₁]: ẑ = (z − μ)/√(σ² + ε)·γ + β, μ and σ² (biased) the mean and variance of that
 *   example's feature map. This is the layer norm of the WGAN-GP critics (Gulrajani et al. 2017,
 *   §4 "we use layer normalization as a drop-in replacement for batch normalization"; their
 *   `tflib/ops/layernorm.py` normalizes over axes [1, 2, 3] with per-channel offset and scale),
 *   and it keeps examples independent, which a per-example gradient penalty needs.
 * - `'batch'`: batch normalization in inference form with FIXED statistics given as data, a mean
 *   mₗ [cₗ₊₁] and a variance vₗ [cₗ₊₁] (≥ 0): ẑ = (z − m)/√(v + ε)·γ + β. With fixed statistics
 *   examples do not interact (training-mode batch norm, whose statistics come from the batch
 *   itself, couples them: then ∇ₓᵢ c(xᵢ) is no longer per example, which is why the WGAN-GP paper
 *   drops batch norm from the critic). The statistics are inputs, so gradients flow to them too.
 * ε defaults to 1e-5 (PyTorch's default; TF.js's `tf.batchNorm` defaults to 1e-3).
 */

/** The catalog id of this spec, `network/conv`; errors from these functions name it. */
export const CONVNET_ID = 'network/conv';
/** The catalog id of this spec, `nets/input-gradient-norms`; errors from these functions name it. */
export const MLP_CRITIC_ID = 'network/mlp';
export const INPUT_GRADIENT_NORMS_ID = 'nets/input-gradient-norms';

/** A conv layer's padding: one of `PADDINGS`. */
export type Padding = 'same' | 'valid';
/** A conv layer's pooling: one of `POOLINGS`. */
export type Pooling = 'none' | 'avg' | 'max';
/** A conv layer's normalization: one of `NORMALIZATIONS`. */
export type Normalization = 'none' | 'layer' | 'batch';

/** The padding modes of a conv layer. */
export const PADDINGS: readonly Padding[] = ['same', 'valid'];
/** The pooling modes of a conv layer. */
export const POOLINGS: readonly Pooling[] = ['none', 'avg', 'max'];
/** The normalizations of a conv layer. */
export const NORMALIZATIONS: readonly Normalization[] = ['none', 'layer', 'batch'];

/** One convolution layer and the parameters of its normalization. */
export interface ConvLayer {
  /** [kh, kw, in, out] (TF.js layout). */
  filter: tf.Tensor;
  /** [out]; omitted means no bias. */
  bias?: tf.Tensor;
  /** Normalization scale γ [out]: required with `'layer'` and `'batch'`. */
  gamma?: tf.Tensor;
  /** Normalization offset β [out]: required with `'layer'` and `'batch'`. */
  beta?: tf.Tensor;
  /** Batch-norm mean [out]: required with `'batch'` (fixed statistics). */
  mean?: tf.Tensor;
  /** Batch-norm variance [out], ≥ 0: required with `'batch'` (fixed statistics). */
  variance?: tf.Tensor;
}

/** A convolutional network as data: conv blocks, then an MLP head on the flattened features. */
export interface Convnet {
  /** At least one conv layer; each layer's in-channels are the previous layer's out-channels. */
  conv: readonly ConvLayer[];
  /** The MLP on the flattened H·W·C features (NHWC order); its first layer takes that many inputs. */
  head: Mlp;
  /** Activation of every conv block. Default `'relu'`. */
  activation?: Activation;
  /** Negative slope of `'leaky-relu'` in the conv blocks, ≥ 0. Default 0.2. */
  alpha?: number;
  /** Stride of every convolution, an integer ≥ 1. Default 1. */
  stride?: number;
  /** Padding of every convolution. Default `'same'`. */
  padding?: Padding;
  /** Pooling after every conv block's activation (2×2 windows, stride 2, 'valid'). Default `'none'`. */
  pooling?: Pooling;
  /** Normalization inside every conv block, before the activation. Default `'none'`. */
  normalization?: Normalization;
  /** ε of the normalization, > 0. Default 1e-5. */
  epsilon?: number;
}

/** A convnet whose options were checked, with defaults filled in and shapes known. */
export interface CheckedConvnet {
  conv: {
    filter: tf.Tensor4D;
    bias?: tf.Tensor1D;
    gamma?: tf.Tensor1D;
    beta?: tf.Tensor1D;
    mean?: tf.Tensor1D;
    variance?: tf.Tensor1D;
  }[];
  head: CheckedMlp;
  activation: Activation;
  alpha: number;
  stride: number;
  padding: Padding;
  pooling: Pooling;
  normalization: Normalization;
  epsilon: number;
  inChannels: number;
}

const CONV_KEYS = ['conv', 'head', 'activation', 'alpha', 'stride', 'padding', 'pooling', 'normalization', 'epsilon'];

/**
 * Validates a convnet described as data: finite float32 filters of rank 4 whose in-channels
 * chain, biases and normalization vectors of the layer's width, exactly the normalization
 * tensors the chosen normalization uses, a dense head that chains (its first layer's width is
 * checked against the images in `checkImagesFor`), known names and ranges.
 */
export function checkConvnet(spec: string, name: string, net: unknown): CheckedConvnet {
  if (net === null || typeof net !== 'object' || !Array.isArray((net as Convnet).conv)) {
    throw new InvalidArgumentError(
      spec,
      name,
      'a convnet { conv: [{ filter, bias?, gamma?, beta?, mean?, variance? }, ...], head: { layers: [...] }, ... }',
      net === null ? 'null' : typeof net,
    );
  }
  const c = net as Convnet;
  checkKnownOptions(spec, c, CONV_KEYS);
  if (c.conv.length === 0) throw new InvalidArgumentError(spec, `${name}.conv`, 'at least one conv layer', 'no layers');
  const stride = checkNumber(spec, `${name}.stride`, c.stride ?? 1, { min: 1 });
  if (!Number.isInteger(stride))
    throw new InvalidArgumentError(spec, `${name}.stride`, 'an integer ≥ 1', String(stride));
  const padding = checkChoice(spec, `${name}.padding`, c.padding ?? 'same', PADDINGS);
  const pooling = checkChoice(spec, `${name}.pooling`, c.pooling ?? 'none', POOLINGS);
  const normalization = checkChoice(spec, `${name}.normalization`, c.normalization ?? 'none', NORMALIZATIONS);
  const epsilon = checkNumber(spec, `${name}.epsilon`, c.epsilon ?? 1e-5, { min: 0, minExclusive: true });
  const activation = checkChoice(spec, `${name}.activation`, c.activation ?? 'relu', ACTIVATIONS);
  const alpha = checkNumber(spec, `${name}.alpha`, c.alpha ?? 0.2, { min: 0 });
  const head = checkMlp(spec, `${name}.head`, c.head);
  const uses = {
    gamma: normalization !== 'none',
    beta: normalization !== 'none',
    mean: normalization === 'batch',
    variance: normalization === 'batch',
  } as const;
  const conv: CheckedConvnet['conv'] = [];
  let channels = -1;
  c.conv.forEach((layer, l) => {
    const at = `${name}.conv[${l}]`;
    if (layer === null || typeof layer !== 'object')
      throw new InvalidArgumentError(
        spec,
        at,
        'a layer { filter, bias?, gamma?, beta?, mean?, variance? }',
        String(layer),
      );
    checkKnownOptions(spec, layer, ['filter', 'bias', 'gamma', 'beta', 'mean', 'variance']);
    const filter = checkTensor(spec, `${at}.filter`, layer.filter, { rank: 4, finite: true }) as tf.Tensor4D;
    if (l > 0 && filter.shape[2] !== channels) {
      throw new InvalidArgumentError(
        spec,
        `${at}.filter`,
        `a filter [kh, kw, ${channels}, out] (layer ${l - 1} has ${channels} channels)`,
        `shape [${filter.shape.join(', ')}]`,
      );
    }
    const out = filter.shape[3];
    const vector = (key: 'bias' | 'gamma' | 'beta' | 'mean' | 'variance', min?: number): tf.Tensor1D => {
      const t = checkTensor(spec, `${at}.${key}`, layer[key], {
        rank: 1,
        finite: true,
        ...(min !== undefined ? { min } : {}),
      }) as tf.Tensor1D;
      if (t.shape[0] !== out)
        throw new InvalidArgumentError(
          spec,
          `${at}.${key}`,
          `a vector of length ${out} (the layer's out-channels)`,
          `shape [${t.shape.join(', ')}]`,
        );
      return t;
    };
    const checked: CheckedConvnet['conv'][number] = { filter };
    if (layer.bias !== undefined) checked.bias = vector('bias');
    for (const key of ['gamma', 'beta', 'mean', 'variance'] as const) {
      if (uses[key]) {
        if (layer[key] === undefined)
          throw new InvalidArgumentError(
            spec,
            `${at}.${key}`,
            `a vector [${out}] (normalization '${normalization}' uses it)`,
            'nothing',
          );
        checked[key] = vector(key, key === 'variance' ? 0 : undefined);
      } else if (layer[key] !== undefined) {
        throw new InvalidArgumentError(
          spec,
          `${at}.${key}`,
          `absent (normalization '${normalization}' does not use it)`,
          'a value',
        );
      }
    }
    conv.push(checked);
    channels = out;
  });
  return {
    conv,
    head,
    activation,
    alpha,
    stride,
    padding,
    pooling,
    normalization,
    epsilon,
    inChannels: conv[0]!.filter.shape[2],
  };
}

/** TensorFlow's 'same' padding along one axis: [before, after], the smaller half before. */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Output size of a convolution along one axis (TensorFlow's 'same' and 'valid'). */
export function convOutSize(size: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.max(0, Math.ceil((size - kernel + 1) / stride));
}

/**
 * Checks images [n, H, W, C] fed to a checked convnet: C matches the first filter, every feature
 * map keeps at least one row and column, and the head's first layer takes the flattened size.
 */
export function checkImagesFor(
  spec: string,
  name: string,
  x: unknown,
  net: CheckedConvnet,
  netName: string,
): tf.Tensor4D {
  const t = checkTensor(spec, name, x, { rank: 4, finite: true }) as tf.Tensor4D;
  if (t.shape[3] !== net.inChannels) {
    throw new InvalidArgumentError(
      spec,
      name,
      `images [n, H, W, ${net.inChannels}] (the in-channels of '${netName}')`,
      `shape [${t.shape.join(', ')}]`,
    );
  }
  let [h, w] = [t.shape[1], t.shape[2]];
  net.conv.forEach((layer, l) => {
    h = convOutSize(h, layer.filter.shape[0], net.stride, net.padding);
    w = convOutSize(w, layer.filter.shape[1], net.stride, net.padding);
    if (net.pooling !== 'none') [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    if (h < 1 || w < 1)
      throw new InvalidArgumentError(
        spec,
        name,
        `images large enough for '${netName}' (block ${l} leaves an empty feature map)`,
        `shape [${t.shape.join(', ')}]`,
      );
  });
  const flat = h * w * net.conv[net.conv.length - 1]!.filter.shape[3];
  if (net.head.inputWidth !== flat) {
    throw new InvalidArgumentError(
      spec,
      `${netName}.head.layers[0].weight`,
      `a matrix with ${flat} rows (the flattened ${h}×${w}×${flat / (h * w)} features)`,
      `${net.head.inputWidth} rows`,
    );
  }
  return t;
}

/**
 * TensorFlow's 'same' padding made explicit (zeros, smaller half before), then a 'valid'
 * convolution. The wasm backend's own 'same' disagrees with TensorFlow (and with the cpu backend)
 * for strides > 1: a 1×2 filter of stride 2 on a 2×2 image needs no padding, yet wasm's Conv2D
 * reads a padded zero column (tfjs-backend-wasm 4.22, recorded in the network/conv invariants).
 */
function padSame(h: tf.Tensor4D, filter: tf.Tensor4D, net: CheckedConvnet): tf.Tensor4D {
  if (net.padding === 'valid') return h;
  const pads = [1, 2].map((axis) => samePadding(h.shape[axis]!, filter.shape[axis - 1]!, net.stride));
  return pads.every(([a, b]) => a === 0 && b === 0) ? h : tf.pad(h, [[0, 0], pads[0]!, pads[1]!, [0, 0]]);
}

/** The forward pass of a checked convnet; no validation, no tidy (call inside `tf.tidy`). */
export function convForward(net: CheckedConvnet, x: tf.Tensor4D): tf.Tensor2D {
  let h: tf.Tensor4D = x;
  const { activation, alpha } = net;
  for (const layer of net.conv) {
    let z: tf.Tensor4D = tf.conv2d(padSame(h, layer.filter, net), layer.filter, net.stride, 'valid');
    if (layer.bias) z = tf.add(z, layer.bias);
    if (net.normalization === 'layer') {
      // (z − μ)·rsqrt(σ² + ε)·γ + β over H, W, C per example (biased variance).
      const { mean, variance } = tf.moments(z, [1, 2, 3], true);
      z = tf.add(tf.mul(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, net.epsilon))), layer.gamma!), layer.beta!);
    } else if (net.normalization === 'batch') {
      z = tf.batchNorm(z, layer.mean!, layer.variance!, layer.beta!, layer.gamma!, net.epsilon);
    }
    h = activate(z, activation, alpha) as tf.Tensor4D;
    if (net.pooling === 'avg') h = tf.avgPool(h, 2, 2, 'valid');
    else if (net.pooling === 'max') h = tf.maxPool(h, 2, 2, 'valid');
  }
  return mlpForward(net.head, tf.reshape(h, [h.shape[0], -1]));
}

/**
 * Evaluates a convolutional network given as data on a batch of images (see the module comment
 * for the layout, the blocks and the normalizations):
 * y = head(flatten(pool(act(norm(conv2d(x, K) + b)))…)).
 *
 * Differentiable to any order with respect to the images and every weight (ganref's gradient
 * configs for Conv2D, its two backprop kernels, the pools and FusedBatchNorm close under
 * differentiation), on every backend. Equals the oracle's torch network with filters permuted to
 * [out, in, kh, kw] and NCHW feature maps.
 *
 * @param net the layers and names (see `Convnet`)
 * @param x images [n, H, W, C], float32, finite
 * @returns [n, d_out]
 */
export function convnet(net: Convnet, x: tf.Tensor): tf.Tensor2D {
  ensureGradients();
  const checked = checkConvnet(CONVNET_ID, 'net', net);
  const images = checkImagesFor(CONVNET_ID, 'x', x, checked, 'net');
  return tf.tidy(() => convForward(checked, images));
}

/**
 * A convolutional critic: `convnet` whose head ends in one unit, as scores c(x) [n] (WGAN-GP
 * critics; a discriminator's logits with `outputActivation: 'linear'`).
 *
 * @param net a convnet whose last dense layer has one output
 * @param x images [n, H, W, C]
 * @returns scores [n]
 */
export function convCritic(net: Convnet, x: tf.Tensor): tf.Tensor1D {
  ensureGradients();
  const checked = checkConvnet(CONVNET_ID, 'net', net);
  requireOneOutput(CONVNET_ID, `net.head.layers[${checked.head.layers.length - 1}].weight`, checked.head.outputWidth);
  const images = checkImagesFor(CONVNET_ID, 'x', x, checked, 'net');
  return tf.tidy(() => tf.reshape(convForward(checked, images), [images.shape[0]]));
}

/**
 * A multilayer-perceptron critic: `mlp` whose last layer has one unit, as scores c(x) [n].
 * y = outAct(act(… act(x·W₀ + b₀) …)·W_{L−1} + b_{L−1}), see `Mlp` (row-vector convention, as
 * `tf.layers.dense`; PyTorch's `nn.Linear.weight` is Wᵀ).
 *
 * @param net an MLP whose last layer has one output
 * @param x a batch [n, d₀]
 * @returns scores [n]
 */
export function mlpCritic(net: Mlp, x: tf.Tensor): tf.Tensor1D {
  ensureGradients();
  const checked = checkMlp(MLP_CRITIC_ID, 'net', net);
  requireOneOutput(MLP_CRITIC_ID, `net.layers[${checked.layers.length - 1}].weight`, checked.outputWidth);
  const input = checkBatchFor(MLP_CRITIC_ID, 'x', x, checked, 'net');
  return tf.tidy(() => tf.reshape(mlpForward(checked, input), [input.shape[0]]));
}

function requireOneOutput(spec: string, argument: string, width: number): void {
  if (width !== 1)
    throw new InvalidArgumentError(
      spec,
      argument,
      'a last layer with one output (a critic gives one score per example)',
      `${width} outputs`,
    );
}

/**
 * Per-example squared input-gradient norms of a critic, ‖∇ₓ c(xᵢ)‖² over every axis but the
 * first: the quantity that gradient penalties (WGAN-GP, Gulrajani et al. 2017, eq. 3; R1/R2,
 * Mescheder et al. 2018, eq. 9) are built from. The gradient stays on the tape, so the result can
 * be differentiated again with respect to the critic's weights (double backprop) — which is what
 * training with a penalty does. No square root is taken, so it is smooth at a zero gradient.
 *
 * Examples must not interact inside the critic (no batch statistics): ∇ₓ Σⱼ c(xⱼ) is then
 * per example.
 *
 * @param critic a function x ↦ scores [n] (or [n, 1]) of TF.js ops, or a `tf.LayersModel`-like
 *   object with `apply`
 * @param x the points [n, ...], float32, finite
 * @returns [n]
 */
export function inputGradientSquaredNorms(critic: Critic, x: tf.Tensor): tf.Tensor1D {
  ensureGradients();
  const fn = criticFn(INPUT_GRADIENT_NORMS_ID, 'critic', critic);
  const input = checkTensor(INPUT_GRADIENT_NORMS_ID, 'x', x, { minRank: 1, finite: true });
  return tf.tidy(() => {
    const g = inputGradients(fn, input);
    const axes = Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
    return (axes.length ? tf.sum(tf.square(g), axes) : tf.square(g)) as tf.Tensor1D;
  });
}
