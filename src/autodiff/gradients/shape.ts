import * as tf from '@tensorflow/tfjs-core';
import { type GradConfig, reduceToShape } from '../util.js';
import { inversePerm } from './reduction.js';

/**
 * Gradients of the kernels that move values without arithmetic. Each is the adjoint linear map:
 * reshape ↔ reshape, transpose ↔ inverse transpose, slice ↔ pad, concat ↔ slices, tile ↔ sum.
 * Adjoint pairs close on themselves, so every order works.
 */

type T = tf.Tensor;

function reshapeBack(kernelName: string, inputName: string): GradConfig {
  return {
    kernelName,
    inputsToSave: [inputName],
    gradFunc: (dy, saved) => ({ [inputName]: () => tf.reshape(dy as T, saved[0].shape) }),
  };
}

/** Slices of `dy` along `axis` with the given sizes. */
function sliceAlong(dy: T, axis: number, sizes: number[]): T[] {
  const out: T[] = [];
  let start = 0;
  for (const s of sizes) {
    const begin = dy.shape.map((_, i) => (i === axis ? start : 0));
    const size = dy.shape.map((d, i) => (i === axis ? s : d));
    out.push(tf.slice(dy, begin, size));
    start += s;
  }
  return out;
}

export const shapeGradients: GradConfig[] = [
  reshapeBack('Reshape', 'x'),
  reshapeBack('ExpandDims', 'input'),
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.transpose(dy as T, inversePerm(attrs.perm as number[])) }),
  },
  {
    kernelName: 'Reverse',
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.reverse(dy as T, attrs.dims as number | number[]) }),
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const parts = sliceAlong(
        dy as T,
        axis,
        saved.map((t) => t.shape[axis]),
      );
      const out: Record<string, () => T> = {};
      parts.forEach((p, i) => {
        out[i] = () => p;
      });
      return out;
    },
  },
  {
    // stack: each input gets its slice, with the stacked axis removed.
    kernelName: 'Pack',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const d = dy as T;
      let axis = attrs.axis as number;
      if (axis < 0) axis += d.rank;
      const parts = sliceAlong(
        d,
        axis,
        saved.map(() => 1),
      );
      const out: Record<string, () => T> = {};
      parts.forEach((p, i) => {
        out[i] = () => tf.reshape(p, saved[i].shape);
      });
      return out;
    },
  },
  {
    // unstack: the output gradients (zeros for unused outputs) stacked back.
    kernelName: 'Unpack',
    gradFunc: (dys, _saved, attrs) => {
      const list = Array.isArray(dys) ? dys : [dys];
      return { value: () => tf.stack(list, attrs.axis as number) };
    },
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dys, _saved, attrs) => {
      const list = Array.isArray(dys) ? dys : [dys];
      return { x: () => tf.concat(list, attrs.axis as number) };
    },
  },
  {
    // slice ↔ zero padding.
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      const paddings = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy as T, paddings) };
    },
  },
  {
    // constant padding ↔ slicing out the interior (the pad value is a constant).
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const begin = (attrs.paddings as Array<[number, number]>).map((p) => p[0]);
      return { x: () => tf.slice(dy as T, begin, x.shape) };
    },
  },
  {
    // tile: output axis i of length r·s is (repeat, index) = [r, s]; sum over the repeats.
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const reps = attrs.reps as number[];
      return {
        x: () => {
          const split: number[] = [];
          const repAxes: number[] = [];
          x.shape.forEach((s, i) => {
            repAxes.push(split.length);
            split.push(reps[i], s);
          });
          return tf.reshape(tf.sum(tf.reshape(dy as T, split), repAxes), x.shape);
        },
      };
    },
  },
  {
    kernelName: 'BroadcastTo',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reduceToShape(dy as T, saved[0].shape) }),
  },
];
