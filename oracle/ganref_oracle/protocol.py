"""Wire format of the ganref oracle protocol, version 1 (``oracle/PROTOCOL.md``).

A message is multipart: frame 0 is a UTF-8 JSON object (the header); frames 1..k hold one tensor
each, in the order of the header's ``tensors`` descriptors, as raw little-endian bytes in
row-major order. This module decodes and validates requests and encodes replies. It never
evaluates received text and never unpickles anything: JSON is parsed with :mod:`json` (with the
non-standard constants ``NaN``/``Infinity`` and duplicate keys refused) and tensor bytes are read
with :func:`numpy.frombuffer` using explicit little-endian dtypes.

Every size is checked against :class:`Limits` before anything proportional to a declared size
is allocated: a descriptor that claims a gigantic shape is refused with ``TOO_LARGE`` from its
numbers alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import PROTOCOL_VERSION

# --------------------------------------------------------------------------------------------
# Error codes (PROTOCOL.md, "Replies")
# --------------------------------------------------------------------------------------------

BAD_FRAME = "BAD_FRAME"
BAD_PROTOCOL = "BAD_PROTOCOL"
BAD_REQUEST = "BAD_REQUEST"
BAD_TENSOR = "BAD_TENSOR"
TOO_LARGE = "TOO_LARGE"
UNKNOWN_SPEC = "UNKNOWN_SPEC"
BAD_PARAMS = "BAD_PARAMS"
EVAL_FAILED = "EVAL_FAILED"

ERROR_CODES = (
    BAD_FRAME,
    BAD_PROTOCOL,
    BAD_REQUEST,
    BAD_TENSOR,
    TOO_LARGE,
    UNKNOWN_SPEC,
    BAD_PARAMS,
    EVAL_FAILED,
)


class OracleError(Exception):
    """A failure that becomes a structured error reply ``{"code", "message"}``.

    ``request_id`` is the id to echo (``None`` when the request had no usable id).
    """

    def __init__(self, code: str, message: str, request_id: Optional[str] = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


# --------------------------------------------------------------------------------------------
# Dtypes and limits
# --------------------------------------------------------------------------------------------

#: Wire dtypes: name -> (numpy little-endian dtype string, bytes per element).
WIRE_DTYPES: Dict[str, Tuple[str, int]] = {
    "float32": ("<f4", 4),
    "float64": ("<f8", 8),
    "int32": ("<i4", 4),
}

#: Compute dtypes a client may ask for, in the protocol's order.
COMPUTE_DTYPES: Tuple[str, ...] = ("float64", "float32", "spread32")

OPS: Tuple[str, ...] = ("hello", "eval", "time", "shutdown")

#: Bounds of the ``time`` op's ``repeats`` and ``warmup`` fields.
MAX_REPEATS = 10_000
MAX_WARMUP = 1_000

MIB = 1 << 20
GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """The server's limits (PROTOCOL.md: header <= 1 MiB, <= 64 tensors, rank <= 8, <= 1 GiB)."""

    max_header_bytes: int = MIB
    max_tensors: int = 64
    max_rank: int = 8
    max_bytes: int = GIB
    #: Virtual elements (a zero dimension counted as 1) of all inputs of a request together.
    max_elements: int = 1 << 28
    #: The largest memory estimate of a request's work (``budget.py``), whatever its size.
    max_work_bytes: int = 4 * GIB
    #: The memory any request may ask for whatever it carries (``budget.py``'s allowance floor);
    #: None: ``budget.WORK_FLOOR_BYTES``. A trusted local client (the benchmarks) raises it.
    work_floor_bytes: Optional[int] = None

    def as_json(self) -> Dict[str, int]:
        """The limits as a JSON-able object (``hello`` reports them)."""
        return {
            "maxHeaderBytes": self.max_header_bytes,
            "maxTensors": self.max_tensors,
            "maxRank": self.max_rank,
            "maxBytes": self.max_bytes,
            "maxElements": self.max_elements,
            "maxWorkBytes": self.max_work_bytes,
            **({"workFloorBytes": self.work_floor_bytes} if self.work_floor_bytes is not None else {}),
        }

    @property
    def max_message_bytes(self) -> int:
        """The largest valid message: a header and every tensor frame at their limits."""
        return self.max_header_bytes + self.max_bytes


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


@dataclass
class Descriptor:
    """A validated tensor descriptor ``{"name", "dtype", "shape", "nbytes"}``."""

    name: str
    dtype: str
    shape: Tuple[int, ...]
    nbytes: int


@dataclass
class Request:
    """A decoded request. ``tensors`` maps names to native-endian numpy arrays (eval only)."""

    id: str
    op: str
    header: Dict[str, Any]
    spec: str = ""
    params: Dict[str, Any] = field(default_factory=dict)
    tensors: Dict[str, np.ndarray] = field(default_factory=dict)
    compute: List[str] = field(default_factory=list)
    wrt: List[str] = field(default_factory=list)
    directions: Dict[str, str] = field(default_factory=dict)
    #: ``time`` only: timed runs and untimed warm-up runs.
    repeats: int = 0
    warmup: int = 0
    #: Bytes of the whole message (every frame), for the work allowance (``budget.py``).
    nbytes: int = 0


def _reject_constant(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token}")


def _no_duplicate_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _is_int(value: Any) -> bool:
    """A JSON integer (``bool`` is an ``int`` in Python but not in JSON)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def decode_header(frame: bytes, limits: Limits) -> Dict[str, Any]:
    """Parse frame 0: size limit, then UTF-8, then a JSON *object* (``BAD_FRAME`` otherwise)."""
    if len(frame) > limits.max_header_bytes:
        raise OracleError(TOO_LARGE, f"header is {len(frame)} bytes, over the limit of {limits.max_header_bytes}")
    try:
        text = bytes(frame).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OracleError(BAD_FRAME, f"frame 0 is not UTF-8: {exc}") from None
    try:
        header = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as exc:
        raise OracleError(BAD_FRAME, f"frame 0 is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise OracleError(BAD_FRAME, f"frame 0 is JSON but not an object ({type(header).__name__})")
    return header


def _str_list(header: Mapping[str, Any], key: str, rid: str) -> List[str]:
    value = header.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OracleError(BAD_REQUEST, f"'{key}' must be a list of strings", rid)
    if len(set(value)) != len(value):
        raise OracleError(BAD_REQUEST, f"'{key}' has duplicate entries", rid)
    return list(value)


def validate_descriptors(
    raw: Sequence[Any], frames: Sequence[Any], limits: Limits, rid: Optional[str]
) -> List[Descriptor]:
    """Check descriptors against the limits and against their frames, allocating nothing.

    ``frames`` are the tensor frames (frame 1 onwards); only their lengths are read.
    """
    if len(raw) > limits.max_tensors:
        raise OracleError(TOO_LARGE, f"{len(raw)} tensors, over the limit of {limits.max_tensors}", rid)
    if len(frames) != len(raw):
        raise OracleError(
            BAD_TENSOR,
            f"{len(raw)} tensor descriptors but {len(frames)} tensor frames",
            rid,
        )
    out: List[Descriptor] = []
    names = set()
    total = 0
    for index, desc in enumerate(raw):
        where = f"tensors[{index}]"
        if not isinstance(desc, dict):
            raise OracleError(BAD_TENSOR, f"{where} is not an object", rid)
        name = desc.get("name")
        if not isinstance(name, str) or not name:
            raise OracleError(BAD_TENSOR, f"{where}.name must be a non-empty string", rid)
        if name in names:
            raise OracleError(BAD_TENSOR, f"tensor name {name!r} appears twice", rid)
        names.add(name)
        where = f"tensor {name!r}"
        dtype = desc.get("dtype")
        if not isinstance(dtype, str) or dtype not in WIRE_DTYPES:
            raise OracleError(
                BAD_TENSOR,
                f"{where}: dtype {_short(dtype)} is not one of {sorted(WIRE_DTYPES)}",
                rid,
            )
        shape = desc.get("shape")
        if not isinstance(shape, list):
            raise OracleError(BAD_TENSOR, f"{where}: shape must be a list of integers", rid)
        if len(shape) > limits.max_rank:
            raise OracleError(TOO_LARGE, f"{where}: rank {len(shape)} over the limit of {limits.max_rank}", rid)
        for dim in shape:
            if not _is_int(dim) or dim < 0:
                raise OracleError(
                    BAD_TENSOR,
                    f"{where}: shape {_short(shape)} has a dimension that is not a non-negative integer",
                    rid,
                )
        nbytes = desc.get("nbytes")
        if not _is_int(nbytes) or nbytes < 0:
            raise OracleError(BAD_TENSOR, f"{where}: nbytes must be a non-negative integer", rid)
        itemsize = WIRE_DTYPES[dtype][1]
        expected = math.prod(shape) * itemsize  # exact Python integers: no overflow
        if expected > limits.max_bytes:
            raise OracleError(
                TOO_LARGE,
                f"{where}: shape {_short(shape)} of {dtype} needs {expected} bytes, over the "
                f"limit of {limits.max_bytes}",
                rid,
            )
        if nbytes != expected:
            raise OracleError(
                BAD_TENSOR,
                f"{where}: nbytes {nbytes} but shape {_short(shape)} of {dtype} needs {expected}",
                rid,
            )
        total += expected
        if total > limits.max_bytes:
            raise OracleError(TOO_LARGE, f"tensors total over the limit of {limits.max_bytes} bytes", rid)
        out.append(Descriptor(name, dtype, tuple(shape), nbytes))
    # Only once every descriptor is known to be within the limits are frames compared.
    for desc, frame in zip(out, frames):
        length = len(frame)
        if length != desc.nbytes:
            raise OracleError(
                BAD_TENSOR,
                f"tensor {desc.name!r}: descriptor says {desc.nbytes} bytes but its frame has {length}",
                rid,
            )
    return out


def decode_tensor(desc: Descriptor, frame: Any) -> np.ndarray:
    """Read a validated tensor frame: little-endian bytes -> a native-endian (read-only) array."""
    wire, _ = WIRE_DTYPES[desc.dtype]
    if desc.nbytes == 0:
        return np.zeros(desc.shape, dtype=np.dtype(wire).newbyteorder("="))
    view = np.frombuffer(frame, dtype=wire)
    if view.dtype.isnative:
        # A read-only view of the received frame, without a copy (64 MB of input is 64 MB less
        # to copy): nothing writes to decoded tensors (evaluate copies them into torch), and the
        # view keeps the frame alive.
        return view.reshape(desc.shape)
    # A big-endian host: a byte-swapped copy in native order.
    return view.astype(np.dtype(wire).newbyteorder("="), copy=True).reshape(desc.shape)


def _frame_bytes(frame: Any) -> Any:
    """The buffer of a frame (``bytes``, ``memoryview`` or a pyzmq ``Frame``)."""
    buffer = getattr(frame, "buffer", None)
    return buffer if buffer is not None else frame


def decode_request(frames: Sequence[Any], limits: Limits) -> Request:
    """Decode and validate a whole request (PROTOCOL.md "Requests").

    Raises :class:`OracleError` with the protocol's code. Checks, in order: header size, UTF-8
    JSON object, ``protocol == 1``, ``id``, ``op``, the op's fields, then tensors (count, limits,
    descriptor/frame agreement) before any tensor is decoded.
    """
    if not frames:
        raise OracleError(BAD_FRAME, "empty message")
    frames = [_frame_bytes(f) for f in frames]
    # The whole message first, from the frame count and lengths alone: a valid message has at
    # most one frame per tensor besides its header, and its frames total at most a header and
    # every tensor at their limits.
    total = sum(len(f) for f in frames)
    if total > limits.max_message_bytes:
        raise OracleError(TOO_LARGE, f"message of {total} bytes, over the limit of {limits.max_message_bytes}")
    header = decode_header(frames[0], limits)  # at most max_header_bytes: cheap to read
    raw_id = header.get("id")
    rid = raw_id if isinstance(raw_id, str) else None
    if len(frames) > limits.max_tensors + 1:
        raise OracleError(
            TOO_LARGE,
            f"message of {len(frames)} frames, over the limit of {limits.max_tensors + 1} "
            f"(a header and at most {limits.max_tensors} tensors)",
            rid,
        )
    protocol = header.get("protocol")
    if not _is_int(protocol) or protocol != PROTOCOL_VERSION:
        raise OracleError(
            BAD_PROTOCOL,
            f"'protocol' must be {PROTOCOL_VERSION}, got {_short(protocol)}",
            rid,
        )
    if rid is None:
        raise OracleError(BAD_REQUEST, "'id' must be a string")
    op = header.get("op")
    if not isinstance(op, str):
        raise OracleError(BAD_REQUEST, "'op' must be a string", rid)
    if op not in OPS:
        raise OracleError(BAD_REQUEST, f"unknown op {_short(op)}; known: {list(OPS)}", rid)
    request = Request(id=rid, op=op, header=header, nbytes=total)
    if op not in ("eval", "time"):
        if len(frames) != 1:
            raise OracleError(BAD_TENSOR, f"op {op!r} takes no tensor frames, got {len(frames) - 1}", rid)
        return request

    spec = header.get("spec")
    if not isinstance(spec, str):
        raise OracleError(BAD_REQUEST, "'spec' must be a string", rid)
    params = header.get("params")
    if not isinstance(params, dict):
        raise OracleError(BAD_REQUEST, "'params' must be an object", rid)
    raw_tensors = header.get("tensors")
    if not isinstance(raw_tensors, list):
        raise OracleError(BAD_REQUEST, "'tensors' must be a list of descriptors", rid)
    compute = _str_list(header, "compute", rid)
    if not compute:
        raise OracleError(BAD_REQUEST, "'compute' must name at least one dtype", rid)
    for dtype in compute:
        if dtype not in COMPUTE_DTYPES:
            raise OracleError(
                BAD_REQUEST,
                f"compute dtype {_short(dtype)} is not one of {list(COMPUTE_DTYPES)}",
                rid,
            )
    wrt = _str_list(header, "wrt", rid)
    directions: Dict[str, str] = {}
    if "directions" in header:
        raw_dirs = header["directions"]
        if not isinstance(raw_dirs, dict) or not all(isinstance(v, str) for v in raw_dirs.values()):
            raise OracleError(
                BAD_REQUEST,
                "'directions' must be an object mapping input names to tensor names",
                rid,
            )
        directions = dict(raw_dirs)

    if op == "time":
        for key, top in (("repeats", MAX_REPEATS), ("warmup", MAX_WARMUP)):
            value = header.get(key)
            low = 1 if key == "repeats" else 0
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= top:
                raise OracleError(BAD_REQUEST, f"'{key}' must be an integer in [{low}, {top}]", rid)
        request.repeats = header["repeats"]
        request.warmup = header["warmup"]

    descriptors = validate_descriptors(raw_tensors, frames[1:], limits, rid)
    tensors = {d.name: decode_tensor(d, f) for d, f in zip(descriptors, frames[1:])}
    request.spec = spec
    request.params = params
    request.tensors = tensors
    request.compute = compute
    request.wrt = wrt
    request.directions = directions
    return request


# --------------------------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------------------------


def encode_cached_reply(request_id: str, cached_fields: bytes) -> List[bytes]:
    """A success reply whose fields (besides ``protocol``, ``id`` and ``ok``) were serialized once
    (``cached_fields``: ``json`` of an object, whose braces are dropped): ``hello`` answers the
    same fields every time."""
    head = b'{"protocol":%d,"id":%s,"ok":true' % (PROTOCOL_VERSION, _dumps_value(request_id))
    body = cached_fields[1:-1]
    return [head + (b"," + body if body else b"") + b"}"]


def _dumps_value(value: Any) -> bytes:
    return json.dumps(value, allow_nan=False).encode("utf-8")


def _dumps(header: Mapping[str, Any]) -> bytes:
    return json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")


def encode_reply(
    request_id: Optional[str],
    fields: Optional[Mapping[str, Any]] = None,
    tensors: Optional[Sequence[Tuple[Mapping[str, Any], np.ndarray]]] = None,
) -> List[Any]:
    """A success reply: ``{"protocol": 1, "id", "ok": true, **fields}`` plus tensor frames.

    When ``tensors`` is given (an ``eval`` reply, possibly empty) the header gets a ``tensors``
    list: each item pairs extra descriptor fields (at least ``name``; ``compute`` for eval
    results) with an array of dtype float32, float64 or int32; ``dtype``, ``shape`` and
    ``nbytes`` are filled in from the array, whose bytes are sent little-endian in C order.
    """
    header: Dict[str, Any] = {"protocol": PROTOCOL_VERSION, "id": request_id, "ok": True}
    if fields:
        header.update(fields)
    frames: List[Any] = []
    if tensors is not None:
        descs = []
        for extra, array in tensors:
            dtype_name = np.dtype(array.dtype).name
            if dtype_name not in WIRE_DTYPES:
                raise TypeError(f"cannot send dtype {dtype_name}")
            # asarray, not ascontiguousarray: the latter turns a 0-d array into shape (1,).
            wire = np.ascontiguousarray(np.asarray(array, dtype=WIRE_DTYPES[dtype_name][0]))
            # The array's own bytes (no copy) as a flat byte view; 0-d arrays reshape to (1,).
            data = memoryview(wire.reshape(-1)).cast("B")
            desc = dict(extra)
            desc.update(dtype=dtype_name, shape=list(np.shape(array)), nbytes=data.nbytes)
            descs.append(desc)
            frames.append(data)
        header["tensors"] = descs
    return [_dumps(header)] + frames


def encode_error(code: str, message: str, request_id: Optional[str] = None) -> List[bytes]:
    """A failure reply (no tensor frames)."""
    header = {
        "protocol": PROTOCOL_VERSION,
        "id": request_id,
        "ok": False,
        "error": {"code": code, "message": message},
    }
    return [_dumps(header)]
