/**
 * Wire codec of the ganref oracle protocol, version 1 (see `oracle/PROTOCOL.md`).
 *
 * A message is multipart: frame 0 is a UTF-8 JSON object (the header), and frames 1..k hold one
 * tensor each, in the order of the header's `tensors` descriptors, as raw little-endian bytes in
 * row-major order. This module turns a header plus typed arrays into frames and back, and checks
 * that descriptors and frames agree (count, dtype, shape, byte length) before trusting either.
 *
 * Encoding is zero-copy on little-endian hosts: each tensor frame is a `Buffer` view of the
 * caller's typed array, so the array must not be mutated until the send has completed. On a
 * big-endian host the bytes are copied and swapped. Decoding always copies into fresh, aligned
 * typed arrays that the caller owns.
 */
import { endianness } from "node:os";

/** Element types the protocol knows. */
export type DType = "float32" | "float64" | "int32";

/** The typed arrays that carry tensor elements. */
export type TensorData = Float32Array | Float64Array | Int32Array;

/** Maps a dtype to the typed array that holds its elements. */
export interface DTypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
}

/** A named tensor: a dtype, a row-major shape (`[]` for a scalar) and its elements. */
export interface Tensor<D extends DType = DType> {
  readonly name: string;
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DTypeArrays[D];
}

/**
 * A tensor descriptor as it travels in a header. Replies may carry further fields (an `eval`
 * reply adds `compute`); they are kept as they are.
 */
export interface TensorDescriptor {
  name: string;
  dtype: DType;
  shape: number[];
  nbytes: number;
  [extra: string]: unknown;
}

/** A tensor decoded from a message, with the descriptor it came with. */
export interface DecodedTensor extends Tensor {
  readonly descriptor: TensorDescriptor;
}

/** A JSON header object. */
export type Header = Record<string, unknown>;

/** A decoded message: its header and its tensors in frame order. */
export interface DecodedMessage {
  header: Header;
  tensors: DecodedTensor[];
}

/** Thrown when a message cannot be encoded or a received message is malformed. */
export class CodecError extends Error {
  override readonly name = "CodecError";
}

/** Bytes per element of each dtype. */
export const ITEMSIZE: Readonly<Record<DType, number>> = Object.freeze({
  float32: 4,
  float64: 8,
  int32: 4,
});

/** Whether this host stores numbers little-endian (the wire order). */
export const HOST_LITTLE_ENDIAN: boolean = endianness() === "LE";

/** Highest rank accepted in either direction (the reference server's limit). */
export const MAX_RANK = 8;

const DTYPES: readonly DType[] = ["float32", "float64", "int32"];

/** Whether `value` names a protocol dtype. */
export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (DTYPES as readonly string[]).includes(value);
}

/** The dtype of a typed array's elements. */
export function dtypeOf(data: TensorData): DType {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  throw new CodecError(`unsupported tensor data: ${describeValue(data)} (expected Float32Array, Float64Array or Int32Array)`);
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Builds a tensor whose dtype is read from its data. Without a shape it is the 1-D shape
 * `[data.length]`.
 */
export function tensor<T extends TensorData>(
  name: string,
  data: T,
  shape: readonly number[] = [data.length],
): Tensor {
  return { name, dtype: dtypeOf(data), shape: [...shape], data } as Tensor;
}

/**
 * The wire (little-endian) bytes of a typed array. On a little-endian host this is a view of the
 * array's memory, without copying; otherwise a byte-swapped copy.
 *
 * @param hostLittleEndian the host's byte order; tests pass `false` to exercise the swap.
 */
export function toWireBytes(data: TensorData, hostLittleEndian: boolean = HOST_LITTLE_ENDIAN): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (hostLittleEndian) return view;
  const copy = Buffer.from(view);
  return data.BYTES_PER_ELEMENT === 8 ? copy.swap64() : copy.swap32();
}

/**
 * A fresh typed array holding the elements of little-endian wire bytes.
 *
 * @param hostLittleEndian the host's byte order; tests pass `false` to exercise the swap.
 */
export function fromWireBytes<D extends DType>(
  bytes: Uint8Array,
  dtype: D,
  hostLittleEndian: boolean = HOST_LITTLE_ENDIAN,
): DTypeArrays[D] {
  const itemsize = ITEMSIZE[dtype];
  if (bytes.byteLength % itemsize !== 0) {
    throw new CodecError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const owned = new Uint8Array(bytes.byteLength);
  owned.set(bytes);
  if (!hostLittleEndian) {
    const buf = Buffer.from(owned.buffer, owned.byteOffset, owned.byteLength);
    if (itemsize === 8) buf.swap64();
    else buf.swap32();
  }
  const length = bytes.byteLength / itemsize;
  switch (dtype) {
    case "float64":
      return new Float64Array(owned.buffer, 0, length) as DTypeArrays[D];
    case "float32":
      return new Float32Array(owned.buffer, 0, length) as DTypeArrays[D];
    case "int32":
      return new Int32Array(owned.buffer, 0, length) as DTypeArrays[D];
    default:
      throw new CodecError(`unknown dtype ${JSON.stringify(dtype)}`);
  }
}

/**
 * Encodes a message into frames: the header as UTF-8 JSON with a `tensors` list of descriptors
 * (replacing any `tensors` field already in `header`), then one little-endian frame per tensor.
 *
 * @throws CodecError when a tensor is inconsistent (dtype vs data, shape vs length), two tensors
 * share a name, or the header cannot be serialized.
 */
export function encodeMessage(header: Header, tensors: readonly Tensor[] = []): Buffer[] {
  const names = new Set<string>();
  const descriptors: TensorDescriptor[] = [];
  const frames: Buffer[] = [];
  for (const t of tensors) {
    const descriptor = describeTensor(t);
    if (names.has(t.name)) throw new CodecError(`duplicate tensor name ${JSON.stringify(t.name)}`);
    names.add(t.name);
    descriptors.push(descriptor);
    frames.push(toWireBytes(t.data));
  }
  let json: string;
  try {
    json = JSON.stringify({ ...header, tensors: descriptors });
  } catch (err) {
    throw new CodecError(`header cannot be serialized as JSON: ${(err as Error).message}`);
  }
  return [Buffer.from(json, "utf8"), ...frames];
}

/**
 * Decodes a received multipart message. The header must be a UTF-8 JSON object; when it has a
 * `tensors` list, there must be exactly one frame per descriptor, each descriptor must name a
 * known dtype and a valid shape, and `nbytes` must equal both `numel(shape) * itemsize` and the
 * frame's length. A header without `tensors` must come with no further frames.
 *
 * @throws CodecError naming the first disagreement found.
 */
export function decodeMessage(frames: readonly Uint8Array[]): DecodedMessage {
  if (frames.length === 0) throw new CodecError("empty message: no header frame");
  const header = parseHeader(frames[0]);
  const rawDescriptors = header.tensors;
  if (rawDescriptors === undefined || rawDescriptors === null) {
    if (frames.length !== 1) {
      throw new CodecError(`header lists no tensors but ${frames.length - 1} tensor frame(s) followed it`);
    }
    return { header, tensors: [] };
  }
  if (!Array.isArray(rawDescriptors)) {
    throw new CodecError(`header field "tensors" must be a list, got ${describeValue(rawDescriptors)}`);
  }
  if (rawDescriptors.length !== frames.length - 1) {
    throw new CodecError(
      `header lists ${rawDescriptors.length} tensor(s) but ${frames.length - 1} tensor frame(s) followed it`,
    );
  }
  const tensors = rawDescriptors.map((raw, i) => {
    const descriptor = checkDescriptor(raw, i);
    const frame = frames[i + 1];
    if (frame.byteLength !== descriptor.nbytes) {
      throw new CodecError(
        `tensor ${JSON.stringify(descriptor.name)}: descriptor says ${descriptor.nbytes} bytes but its frame has ${frame.byteLength}`,
      );
    }
    const decoded: DecodedTensor = {
      name: descriptor.name,
      dtype: descriptor.dtype,
      shape: [...descriptor.shape],
      data: fromWireBytes(frame, descriptor.dtype),
      descriptor,
    };
    return decoded;
  });
  return { header, tensors };
}

/** The descriptor of a tensor, after checking that its parts agree. */
function describeTensor(t: Tensor): TensorDescriptor {
  if (typeof t.name !== "string" || t.name.length === 0) {
    throw new CodecError(`tensor name must be a non-empty string, got ${describeValue(t.name)}`);
  }
  const label = `tensor ${JSON.stringify(t.name)}`;
  if (!isDType(t.dtype)) throw new CodecError(`${label}: unknown dtype ${describeValue(t.dtype)}`);
  const actual = dtypeOf(t.data);
  if (actual !== t.dtype) throw new CodecError(`${label}: dtype ${t.dtype} but its data is a ${t.data.constructor.name}`);
  checkShape(t.shape, label);
  const n = numel(t.shape);
  if (n !== t.data.length) {
    throw new CodecError(`${label}: shape [${t.shape.join(", ")}] has ${n} element(s) but its data has ${t.data.length}`);
  }
  return { name: t.name, dtype: t.dtype, shape: [...t.shape], nbytes: n * ITEMSIZE[t.dtype] };
}

function parseHeader(frame: Uint8Array): Header {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(frame);
  } catch {
    throw new CodecError("header frame is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CodecError(`header frame is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CodecError(`header must be a JSON object, got ${describeValue(value)}`);
  }
  return value as Header;
}

function checkDescriptor(raw: unknown, index: number): TensorDescriptor {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new CodecError(`tensor descriptor ${index} must be an object, got ${describeValue(raw)}`);
  }
  const d = raw as Record<string, unknown>;
  if (typeof d.name !== "string" || d.name.length === 0) {
    throw new CodecError(`tensor descriptor ${index}: "name" must be a non-empty string, got ${describeValue(d.name)}`);
  }
  const label = `tensor ${JSON.stringify(d.name)}`;
  if (!isDType(d.dtype)) {
    throw new CodecError(`${label}: unknown dtype ${describeValue(d.dtype)} (expected one of ${DTYPES.join(", ")})`);
  }
  checkShape(d.shape, label);
  const shape = d.shape as number[];
  if (typeof d.nbytes !== "number" || !Number.isSafeInteger(d.nbytes) || d.nbytes < 0) {
    throw new CodecError(`${label}: "nbytes" must be a non-negative integer, got ${describeValue(d.nbytes)}`);
  }
  const expected = numel(shape) * ITEMSIZE[d.dtype];
  if (d.nbytes !== expected) {
    throw new CodecError(
      `${label}: nbytes ${d.nbytes} disagrees with ${d.dtype} shape [${shape.join(", ")}] (${expected} bytes)`,
    );
  }
  return { ...d, name: d.name, dtype: d.dtype, shape: [...shape], nbytes: d.nbytes };
}

function checkShape(shape: unknown, label: string): void {
  if (!Array.isArray(shape)) throw new CodecError(`${label}: shape must be a list, got ${describeValue(shape)}`);
  if (shape.length > MAX_RANK) throw new CodecError(`${label}: rank ${shape.length} exceeds ${MAX_RANK}`);
  for (const dim of shape) {
    if (typeof dim !== "number" || !Number.isSafeInteger(dim) || dim < 0) {
      throw new CodecError(`${label}: shape [${shape.join(", ")}] must hold non-negative integers`);
    }
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return String(value);
}
