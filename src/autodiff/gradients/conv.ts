import * as tf from '@tensorflow/tfjs-core';
import { activationVjp, type FusedActivation } from '../activations.js';
import { type GradConfig, optionalInputs, pair, reduceToShape } from '../util.js';
import { splitOptional } from './matmul.js';

/**
 * Gradients of 2-D convolution (NHWC) and pooling. Conv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter are the three bilinear maps (x, W) → y, (dy, W) → dx, (x, dy) → dW; the
 * gradient of each is expressed with the other two, so the triple closes under differentiation.
 * Pools are written as sums of strided windows (pad, slice, reshape), whose adjoints are
 * registered, so their gradients can be differentiated too.
 */

type T = tf.Tensor;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function run(kernel: string, inputs: Record<string, T>, attrs: Record<string, unknown>): T {
  return tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as T;
}

function checkDilations(dilations: unknown, what: string): void {
  const [dh, dw] = pair((dilations ?? 1) as number | [number, number]);
  if (dh !== 1 || dw !== 1) {
    throw new Error(`ganref autodiff: the gradient of ${what} with dilations > 1 is not supported`);
  }
}

function checkNHWC(dataFormat: unknown, what: string): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`ganref autodiff: the gradient of ${what} supports NHWC only, got ${String(dataFormat)}`);
  }
}

/** dx for y = conv2d(x, W): the transposed convolution of dy. */
function inputGrad(xShape: number[], dy: T, filter: T, strides: unknown, pad: Pad, rounding: Rounding): T {
  return run(
    'Conv2DBackpropInput',
    { dy, filter },
    { strides, pad, dataFormat: 'NHWC', dimRoundingMode: rounding, inputShape: xShape },
  );
}

/**
 * dW for y = conv2d(x, W). Uses the Conv2DBackpropFilter kernel where the backend has one; the
 * wasm backend has none of its own (ganref's `useBackend('wasm')` adds one, src/backends/wasm-kernels.ts;
 * with `tf.setBackend('wasm')` alone there is none), so there it is computed from the input windows
 * (as the pools do):
 *   dW[a, b, :, :] = window_ab(x_padded)ᵀ · dy,   window_ab = x_padded[n, i·s + a, j·s + b, :],
 * flattened over (n, i, j): slices, reshapes and matMuls only, all differentiable.
 */
function filterGrad(x: T, dy: T, filterShape: number[], strides: unknown, pad: Pad, rounding: Rounding): T {
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) != null) {
    return run(
      'Conv2DBackpropFilter',
      { x, dy },
      { strides, pad, dataFormat: 'NHWC', dimRoundingMode: rounding, filterShape },
    );
  }
  const [sh, sw] = pair(strides as number | [number, number]);
  const [kh, kw, c, o] = filterShape;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    [kh, kw],
    [sh, sw],
    1,
    pad,
    rounding,
  );
  const xp = padForPool(x, info, 0);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const dy2 = tf.reshape(dy, [rows, o]);
  const taps = windows(xp, info).map((w) => tf.matMul(tf.reshape(w, [rows, c]), dy2, true, false));
  return tf.reshape(tf.stack(taps), [kh, kw, c, o]);
}

/** Pool geometry from the attributes. */
function poolInfo(x: T, attrs: tf.NamedAttrMap) {
  return tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
}

/**
 * The windows of a pool: `windows(xp)[a·fw + b]` is xp[:, i·sh + a, j·sw + b, :] over outputs (i, j),
 * for xp the input padded by the pool's padding (plus slack so every window slice is in range).
 * Built with slice/reshape only, so it is differentiable to any order. Every slice has rank ≤ 4
 * (the wasm backend slices ranks 1–4 natively and anything higher in generic JavaScript, which
 * was nearly all of a conv critic's time there): rows are picked from xp viewed as
 * [n·oh, sh, wp, c], then columns from the result viewed as [n·oh, ow, sw, c].
 */
function windows(xp: T, info: tf.backend_util.Conv2DInfo): T[] {
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const [n, , wp, c] = xp.shape as number[];
  const out: T[] = [];
  for (let a = 0; a < fh; a++) {
    // rows a, a + sh, …, a + (oh − 1)·sh: [n, oh·sh, wp, c] → [n·oh, sh, wp, c] → row 0 of each group.
    const band = tf.slice(xp, [0, a, 0, 0], [n!, oh * sh, wp!, c!]);
    const rowsOf =
      sh > 1 ? tf.slice(tf.reshape(band, [n! * oh, sh, wp!, c!]), [0, 0, 0, 0], [n! * oh, 1, wp!, c!]) : band;
    const rows = tf.reshape(rowsOf, [n! * oh, wp!, c!]);
    for (let b = 0; b < fw; b++) {
      // columns b, b + sw, …: [n·oh, ow·sw, c] → [n·oh, ow, sw, c] → column 0 of each group.
      const cols = tf.slice(rows, [0, b, 0], [n! * oh, ow * sw, c!]);
      const picked =
        sw > 1 ? tf.slice(tf.reshape(cols, [n! * oh, ow, sw, c!]), [0, 0, 0, 0], [n! * oh, ow, 1, c!]) : cols;
      out.push(tf.reshape(picked, [n!, oh, ow, c!]));
    }
  }
  return out;
}

/** x padded for the pool windows, with `value` in the padding. */
function padForPool(x: T, info: tf.backend_util.Conv2DInfo, value: number): T {
  const { top, left } = info.padInfo;
  const needH = top + info.outHeight * info.strideHeight + info.filterHeight;
  const needW = left + info.outWidth * info.strideWidth + info.filterWidth;
  const bottom = Math.max(0, needH - top - (x.shape as number[])[1]);
  const right = Math.max(0, needW - left - (x.shape as number[])[2]);
  return tf.pad(
    x,
    [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    value,
  );
}

/** Cuts the padding added by `padForPool` off a gradient shaped like the padded input. */
function unpadForPool(g: T, x: T, info: tf.backend_util.Conv2DInfo): T {
  return tf.slice(g, [0, info.padInfo.top, info.padInfo.left, 0], x.shape);
}

/** Adjoint of `windows`: scatters per-window gradients back onto the padded input. */
function windowsAdjoint(parts: T[], paddedShape: number[], info: tf.backend_util.Conv2DInfo): T {
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const [n, hp, wp, c] = paddedShape;
  let acc: T | null = null;
  let k = 0;
  for (let a = 0; a < fh; a++) {
    for (let b = 0; b < fw; b++) {
      // Zeros between the window's elements, one axis at a time (pads of rank ≤ 4): columns as
      // [n·oh, ow, sw, c], then rows as [n·oh, sh, ow·sw·c].
      const g = tf.reshape(parts[k++], [n * oh, ow, 1, c]);
      const cols =
        sw > 1
          ? tf.pad(g, [
              [0, 0],
              [0, 0],
              [0, sw - 1],
              [0, 0],
            ])
          : g;
      const r = tf.reshape(cols, [n * oh, 1, ow * sw * c]);
      const spread =
        sh > 1
          ? tf.pad(r, [
              [0, 0],
              [0, sh - 1],
              [0, 0],
            ])
          : r;
      const flat = tf.reshape(spread, [n, oh * sh, ow * sw, c]);
      const placed = tf.pad(flat, [
        [0, 0],
        [a, hp - a - oh * sh],
        [b, wp - b - ow * sw],
        [0, 0],
      ]);
      acc = acc == null ? placed : tf.add(acc, placed);
    }
  }
  return acc as T;
}

function fusedConvGrad(): GradConfig {
  return {
    kernelName: 'FusedConv2D',
    inputsToSave: optionalInputs('x', 'filter', 'bias', 'preluActivationWeights'),
    gradFunc: (dy, saved, attrs) => {
      const act = attrs.activation as FusedActivation;
      const [x, filter, bias, prelu] = splitOptional(saved, act);
      checkDilations(attrs.dilations, 'fused conv2d');
      checkNHWC(attrs.dataFormat, 'fused conv2d');
      const strides = attrs.strides;
      const pad = attrs.pad as Pad;
      const rounding = attrs.dimRoundingMode as Rounding;
      const alpha = (attrs.leakyreluAlpha as number | undefined) ?? 0.2;
      // dL/dz is needed by every input's gradient: computed once, when the gradient function runs
      // (inside the engine's backward-pass scope, which disposes it), not in each thunk.
      let dz: T;
      let dPrelu: T | undefined;
      if ((act ?? 'linear') === 'linear') {
        dz = dy as T;
      } else {
        let z: T = run(
          'Conv2D',
          { x, filter },
          { strides, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: rounding },
        );
        if (bias != null) z = tf.add(z, bias);
        ({ dz, dPrelu } = activationVjp(z, dy as T, act, prelu, alpha));
      }
      const out: Record<string, () => T> = {
        x: () => inputGrad(x.shape, dz, filter, strides, pad, rounding),
        filter: () => filterGrad(x, dz, filter.shape, strides, pad, rounding),
      };
      if (bias != null) out.bias = () => reduceToShape(dz, bias.shape);
      if (prelu != null) out.preluActivationWeights = () => reduceToShape(dPrelu as T, prelu.shape);
      return out;
    },
  };
}

export const convGradients: GradConfig[] = [
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved;
      checkDilations(attrs.dilations, 'conv2d');
      checkNHWC(attrs.dataFormat, 'conv2d');
      const pad = attrs.pad as Pad;
      const rounding = attrs.dimRoundingMode as Rounding;
      return {
        x: () => inputGrad(x.shape, dy as T, filter, attrs.strides, pad, rounding),
        filter: () => filterGrad(x, dy as T, filter.shape, attrs.strides, pad, rounding),
      };
    },
  },
  {
    // dx = B(dy, W): linear in dy and in W. ∂/∂dy is conv2d(·, W); ∂/∂W is the filter gradient
    // with (ddx, dy) in the roles of (x, dy).
    kernelName: 'Conv2DBackpropInput',
    inputsToSave: ['dy', 'filter'],
    gradFunc: (ddx, saved, attrs) => {
      const [dy, filter] = saved;
      checkNHWC(attrs.dataFormat, 'conv2d backprop input');
      const pad = attrs.pad as Pad;
      const rounding = attrs.dimRoundingMode as Rounding;
      return {
        dy: () =>
          run(
            'Conv2D',
            { x: ddx as T, filter },
            { strides: attrs.strides, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: rounding },
          ),
        filter: () => filterGrad(ddx as T, dy, filter.shape, attrs.strides, pad, rounding),
      };
    },
  },
  {
    // dW = F(x, dy): ∂/∂x is the input gradient of dy with filter ddW; ∂/∂dy is conv2d(x, ddW).
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (ddw, saved, attrs) => {
      const [x, dy] = saved;
      checkNHWC(attrs.dataFormat, 'conv2d backprop filter');
      const pad = attrs.pad as Pad;
      const rounding = attrs.dimRoundingMode as Rounding;
      return {
        x: () => inputGrad(x.shape, dy, ddw as T, attrs.strides, pad, rounding),
        dy: () =>
          run(
            'Conv2D',
            { x, filter: ddw as T },
            { strides: attrs.strides, pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: rounding },
          ),
      };
    },
  },
  fusedConvGrad(),
  {
    // avg pool = Σ windows / count, count = number of real (unpadded) inputs in each window, as
    // the TF.js kernels (and PyTorch's count_include_pad=False) compute it.
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const info = poolInfo(x, attrs);
      return {
        x: () => {
          const ones = padForPool(tf.onesLike(x), info, 0);
          const count = tf.addN(windows(ones, info));
          const per = tf.div(dy as T, count);
          const parts = windows(ones, info).map(() => per);
          return unpadForPool(windowsAdjoint(parts, ones.shape, info), x, info);
        },
      };
    },
  },
  {
    // max pool: the gradient goes to the first maximum of each window in row-major order (as the
    // TF.js MaxPoolGrad kernel and PyTorch). The routing mask is piecewise constant, so the
    // second derivative through it is zero, which is right almost everywhere.
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const info = poolInfo(x, attrs);
      return {
        x: () => {
          const xp = padForPool(x, info, -Infinity);
          const ws = windows(xp, info);
          let m = ws[0];
          for (let i = 1; i < ws.length; i++) m = tf.maximum(m, ws[i]);
          let taken: T = tf.zerosLike(m);
          const parts: T[] = [];
          for (const w of ws) {
            const hit = tf.mul(tf.cast(tf.equal(w, m), 'float32'), tf.sub(1, taken));
            taken = tf.add(taken, hit);
            parts.push(tf.mul(dy as T, hit));
          }
          return unpadForPool(windowsAdjoint(parts, xp.shape, info), x, info);
        },
      };
    },
  },
];
