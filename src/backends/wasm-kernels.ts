import * as tf from '@tensorflow/tfjs-core';

/**
 * Faster kernels for TF.js's wasm backend (`@tensorflow/tfjs-backend-wasm` 4.x), registered by
 * `useBackend('wasm')` (never at import: importing ganref changes nothing in TF.js but the
 * gradient registry). Each is a thin wrapper that rearranges its operands and calls the backend's
 * own kernels, so the arithmetic stays XNNPACK's:
 *
 * - `BatchMatMul`: the backend calls XNNPACK only when neither operand is transposed (and the
 *   batch is 1); otherwise a scalar loop runs, 13–25× slower, and every backward matMul is
 *   transposed. Here a transposed operand is transposed explicitly first (the backend's native
 *   Transpose), then the XNNPACK path runs.
 * - `Conv2DBackpropFilter` (the backend has none; ganref's gradient otherwise builds it from input
 *   windows): dW[a, b, c, o] = Σₙᵢⱼ xₚ[n, i·s + a, j·s + b, c]·dy[n, i, j, o] is a convolution of
 *   x viewed as [c, H, W, n] with dy viewed as a filter [oh, ow, n, o], dilated by the stride:
 *   two Transposes and one XNNPACK Conv2D.
 * - `Conv2DBackpropInput` (the backend's own is a scalar loop): dx is the convolution, stride 1,
 *   of dy with zeros inserted between its elements (stride − 1 of them) by the filter flipped in
 *   both spatial axes with in- and out-channels swapped.
 * - `Slice` copies only the slice, in contiguous runs, for any rank (the backend's own copies the
 *   whole input first, and slices ranks above 4 element by element).
 * - `Identity` shares the input's buffer (reference counted, as the cpu backend and the wasm
 *   backend's own Reshape do) instead of copying it: clones, saved tensors, gradient copies.
 *
 * Every wrapper falls back to the backend's own kernel outside the cases it handles. The
 * gradients of these kernels are ganref's configs, which do not depend on how a kernel computes.
 */

type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;

/** The parts of tfjs-backend-wasm's `BackendWasm` these wrappers use. */
interface WasmBackend {
  incRef(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

interface KernelArgs {
  inputs: Record<string, Info>;
  backend: WasmBackend;
  attrs: Attrs;
}

const BACKEND = 'wasm';

/** The backend's own kernels, saved before ganref's wrappers replace them. */
const originals = new Map<string, tf.KernelConfig>();
/** ganref's kernel configs, once installed (compared by identity to tell whether they still are). */
const installed = new Map<string, tf.KernelConfig>();

function own(name: string, args: KernelArgs): Info {
  const config = originals.get(name) ?? tf.getKernel(name, BACKEND);
  if (config == null) throw new Error(`ganref wasm kernels: the wasm backend has no ${name} kernel`);
  return config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

function free(backend: WasmBackend, ...infos: Info[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function transpose(backend: WasmBackend, x: Info, perm: number[]): Info {
  return own('Transpose', { inputs: { x }, backend, attrs: { perm } });
}

// ---------------------------------------------------------------------------------------------

function batchMatMul(args: KernelArgs): Info {
  const { inputs, backend, attrs } = args;
  const a = inputs.a!;
  const b = inputs.b!;
  const tA = Boolean(attrs.transposeA);
  const tB = Boolean(attrs.transposeB);
  if (
    (!tA && !tB) ||
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    size(a.shape.slice(0, -2)) !== 1 ||
    size(b.shape.slice(0, -2)) !== 1
  ) {
    return own('BatchMatMul', args);
  }
  const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  const at = tA ? transpose(backend, a, swapLast(a.shape.length)) : a;
  const bt = tB ? transpose(backend, b, swapLast(b.shape.length)) : b;
  const out = own('BatchMatMul', {
    inputs: { a: at, b: bt },
    backend,
    attrs: { ...attrs, transposeA: false, transposeB: false },
  });
  if (tA) free(backend, at);
  if (tB) free(backend, bt);
  return out;
}

// ---------------------------------------------------------------------------------------------

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
    false,
    'channelsLast',
  );
}

const isNHWC = (attrs: Attrs) => attrs.dataFormat == null || attrs.dataFormat === 'NHWC';

function conv2dBackpropFilter(args: KernelArgs): Info {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  if (!isNHWC(attrs)) throw new Error('ganref wasm Conv2DBackpropFilter: NHWC only');
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const o = filterShape[3]!;
  // Rows of the padded input that the windows read: (oh − 1)·sh + kh, starting at −top.
  const needH = (oh - 1) * sh + kh;
  const needW = (ow - 1) * sw + kw;
  const keepH = Math.min(h, needH - top);
  const keepW = Math.min(w, needW - left);
  const cropped =
    keepH < h || keepW < w
      ? own('Slice', { inputs: { x }, backend, attrs: { begin: [0, 0, 0, 0], size: [n, keepH, keepW, c] } })
      : x;
  const xt = transpose(backend, cropped, [3, 1, 2, 0]); // [c, keepH, keepW, n]
  const f = transpose(backend, dy, [1, 2, 0, 3]); // [oh, ow, n, o]
  const pad = [
    [0, 0],
    [top, needH - top - keepH],
    [left, needW - left - keepW],
    [0, 0],
  ];
  const g = own('Conv2D', {
    inputs: { x: xt, filter: f },
    backend,
    attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined },
  }); // [c, kh, kw, o]
  const out = transpose(backend, g, [1, 2, 0, 3]);
  if (cropped !== x) free(backend, cropped);
  free(backend, xt, f, g);
  if (out.shape.join() !== [kh, kw, c, o].join())
    throw new Error(`ganref wasm Conv2DBackpropFilter: shape [${out.shape}] for filter [${filterShape}]`);
  return out;
}

function conv2dBackpropInput(args: KernelArgs): Info {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const inputShape = attrs.inputShape as number[];
  if (!isNHWC(attrs) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return own('Conv2DBackpropInput', args);
  const info = convInfo(inputShape, filter.shape, attrs);
  const [n, h, w, c] = inputShape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const o = filter.shape[3]!;
  // dx[h] = Σₐ dyz[h + top − a]·W[a] with dyz the zero-inserted dy: a correlation with the
  // flipped filter over dyz padded by kh − 1 − top before. Rows of dyz past h + top feed no output.
  const padBefore = [kh - 1 - top, kw - 1 - left];
  if (padBefore[0]! < 0 || padBefore[1]! < 0) return own('Conv2DBackpropInput', args);
  const lh = Math.min((oh - 1) * sh + 1, h + top);
  const lw = Math.min((ow - 1) * sw + 1, w + left);
  const rowsUsed = Math.ceil(lh / sh);
  const colsUsed = Math.ceil(lw / sw);

  let dyz: Info = dy;
  if (sh > 1 || sw > 1 || lh !== oh || lw !== ow) {
    dyz = backend.makeOutput([n, lh, lw, o], 'float32');
    const src = backend.typedArrayFromHeap(dy) as Float32Array;
    const dst = backend.typedArrayFromHeap(dyz) as Float32Array;
    dst.fill(0);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < rowsUsed; i++) {
        for (let j = 0; j < colsUsed; j++) {
          const from = ((b * oh + i) * ow + j) * o;
          dst.set(src.subarray(from, from + o), ((b * lh + i * sh) * lw + j * sw) * o);
        }
      }
    }
  }
  // Wf[a′, b′, o, c] = W[kh − 1 − a′, kw − 1 − b′, c, o].
  const wf = backend.makeOutput([kh, kw, o, c], 'float32');
  {
    const src = backend.typedArrayFromHeap(filter) as Float32Array;
    const dst = backend.typedArrayFromHeap(wf) as Float32Array;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const s0 = ((kh - 1 - a) * kw + (kw - 1 - b)) * c * o;
        const d0 = (a * kw + b) * o * c;
        for (let ci = 0; ci < c; ci++) for (let oi = 0; oi < o; oi++) dst[d0 + oi * c + ci] = src[s0 + ci * o + oi]!;
      }
    }
  }
  const pad = [
    [0, 0],
    [padBefore[0]!, h + kh - 1 - padBefore[0]! - lh],
    [padBefore[1]!, w + kw - 1 - padBefore[1]! - lw],
    [0, 0],
  ];
  const out = own('Conv2D', {
    inputs: { x: dyz, filter: wf },
    backend,
    attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
  });
  if (dyz !== dy) free(backend, dyz);
  free(backend, wf);
  if (out.shape.join() !== [n, h, w, c].join())
    throw new Error(`ganref wasm Conv2DBackpropInput: shape [${out.shape}] for input [${inputShape}]`);
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * Slice straight from the heap. The backend's own Slice first copies the WHOLE input out of the
 * heap (`readSync`) and slices ranks above 4 element by element in JavaScript; this one copies
 * only the slice, in contiguous runs (trailing axes taken whole are merged into one run), for
 * any rank.
 */
function slice(args: KernelArgs): Info {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  if (x.dtype === 'string' || x.dtype === 'complex64') return own('Slice', args);
  const [begin, sz] = tf.slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    attrs.begin as number[],
    attrs.size as number[],
  );
  const out = backend.makeOutput(sz, x.dtype);
  if (size(sz) === 0) return out;
  // Views after the allocation (it may grow the heap and detach older views).
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const rank = shape.length;
  if (rank === 0) {
    ov[0] = xv[0]!;
    return out;
  }
  const strides = tf.util.computeStrides(shape);
  const stride = (i: number) => (i < rank - 1 ? strides[i]! : 1);
  // d: the outermost axis of the contiguous run (every axis after it is taken whole).
  let d = rank - 1;
  while (d > 0 && begin[d] === 0 && sz[d] === shape[d]) d--;
  const run = sz[d]! * (d < rank - 1 ? stride(d) : 1);
  const index = new Array<number>(d).fill(0);
  let o = 0;
  for (;;) {
    let offset = begin[d]! * stride(d);
    for (let i = 0; i < d; i++) offset += (begin[i]! + index[i]!) * stride(i);
    ov.set(xv.subarray(offset, offset + run), o);
    o += run;
    let i = d - 1;
    while (i >= 0 && ++index[i]! === sz[i]) index[i--] = 0;
    if (i < 0) break;
  }
  return out;
}

function identity(args: KernelArgs): Info {
  const x = args.inputs.x!;
  if (x.dtype === 'string') return own('Identity', args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const WRAPPERS: Record<string, (args: KernelArgs) => Info> = {
  BatchMatMul: batchMatMul,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2DBackpropInput: conv2dBackpropInput,
  Identity: identity,
  Slice: slice,
};

/** The kernels ganref replaces or adds on the wasm backend. */
export const WASM_KERNELS: readonly string[] = Object.keys(WRAPPERS);

/**
 * Registers ganref's wasm kernels (see the module comment). Idempotent; call it after the wasm
 * backend is registered (`useBackend('wasm')` does). Returns the kernels (re)registered.
 */
export function installWasmKernels(): string[] {
  const changed: string[] = [];
  for (const [name, fn] of Object.entries(WRAPPERS)) {
    const current = tf.getKernel(name, BACKEND);
    if (current != null && current === installed.get(name)) continue;
    if (current != null) {
      originals.set(name, current);
      tf.unregisterKernel(name, BACKEND);
    }
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName: BACKEND,
      kernelFunc: fn as unknown as tf.KernelFunc,
      ...(current?.setupFunc ? { setupFunc: current.setupFunc } : {}),
      ...(current?.disposeFunc ? { disposeFunc: current.disposeFunc } : {}),
    };
    tf.registerKernel(config);
    installed.set(name, config);
    changed.push(name);
  }
  return changed;
}

/** Puts the wasm backend's own kernels back (and removes the ones it lacks). */
export function uninstallWasmKernels(): void {
  for (const name of WASM_KERNELS) {
    const current = tf.getKernel(name, BACKEND);
    if (current == null || current !== installed.get(name)) continue;
    tf.unregisterKernel(name, BACKEND);
    const original = originals.get(name);
    if (original) tf.registerKernel(original);
    installed.delete(name);
  }
}

/** Whether ganref's wasm kernels are the registered ones. */
export function wasmKernelsInstalled(): boolean {
  return WASM_KERNELS.every((name) => installed.has(name) && tf.getKernel(name, BACKEND) === installed.get(name));
}
