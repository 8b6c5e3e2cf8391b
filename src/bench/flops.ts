import * as tf from '@tensorflow/tfjs-core';

/**
 * Floating-point operation counts from the kernels TF.js actually runs (`tf.profile`), so a
 * benchmark states how much arithmetic it does without per-spec bookkeeping. Conventions:
 * a matrix product of [M, K]·[K, N] is 2MNK; a convolution is 2 per multiply-add of its window;
 * a reduction is one per input element; every other elementwise kernel is one per output
 * element (transcendentals such as exp or log count 1, as they do in most FLOP tallies); moves
 * of data (reshape, transpose, slice, concat, cast, tile, pad, gather) count 0.
 */
const MOVES = new Set([
  'Reshape',
  'Transpose',
  'Concat',
  'Slice',
  'StridedSlice',
  'Cast',
  'Identity',
  'Tile',
  'Pad',
  'PadV2',
  'GatherV2',
  'GatherNd',
  'ExpandDims',
  'Squeeze',
  'BroadcastTo',
  'Fill',
  'ZerosLike',
  'OnesLike',
  'Reverse',
  'Pack',
  'Unpack',
  'SplitV',
  'TopK',
  'OneHot',
]);
const REDUCTIONS = new Set(['Sum', 'Mean', 'Max', 'Min', 'Prod', 'All', 'Any', 'ArgMax', 'ArgMin', 'Cumsum']);

const size = (shape: number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);

/** FLOPs of one kernel call, from its name and input and output shapes. */
export function kernelFlops(name: string, inputShapes: number[][], outputShapes: number[][]): number {
  const out = size(outputShapes[0]);
  if (MOVES.has(name)) return 0;
  if (REDUCTIONS.has(name)) return size(inputShapes[0]);
  if (name === 'BatchMatMul' || name === '_FusedMatMul') {
    // out = [..., M, N]; the contracted size K = (size of a) / (batch·M).
    const a = inputShapes[0]!;
    const o = outputShapes[0]!;
    const m = o[o.length - 2] ?? 1;
    const batch = size(o.slice(0, -2));
    const k = size(a) / (batch * m);
    return 2 * out * k + (name === '_FusedMatMul' ? 2 * out : 0);
  }
  if (
    name === 'Conv2D' ||
    name === 'FusedConv2D' ||
    name === 'Conv2DBackpropInput' ||
    name === 'Conv2DBackpropFilter'
  ) {
    // 2 per multiply-add: 2 · |y| · kh·kw·inC, where y is the convolution's output (dy for the
    // backprop kernels) and the filter is [kh, kw, inC, outC].
    const y =
      name === 'Conv2DBackpropInput'
        ? inputShapes[0]!
        : name === 'Conv2DBackpropFilter'
          ? inputShapes[1]!
          : outputShapes[0]!;
    const filter = name === 'Conv2DBackpropFilter' ? outputShapes[0]! : inputShapes[1]!;
    return 2 * size(y) * filter[0]! * filter[1]! * filter[2]! + (name === 'FusedConv2D' ? 2 * size(y) : 0);
  }
  if (name === 'AvgPool' || name === 'MaxPool' || name.endsWith('Grad')) return Math.max(out, size(inputShapes[0]));
  return out;
}

export interface FlopCount {
  flops: number;
  kernels: number;
}

/** Runs `f` once under `tf.profile` and counts the FLOPs of the kernels it ran. */
export async function countFlops(f: () => tf.TensorContainer): Promise<FlopCount> {
  const info = await tf.profile(() => {
    const result = f();
    return result;
  });
  tf.dispose(info.result as tf.TensorContainer);
  let flops = 0;
  for (const k of info.kernels) flops += kernelFlops(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
  return { flops, kernels: info.kernels.length };
}
