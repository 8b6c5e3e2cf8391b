"""The work a request may ask for, bounded before anything is evaluated (PROTOCOL.md, "Limits").

The byte limit of :mod:`protocol` bounds what a request *carries*; it does not bound what it
*asks for*. A zero beside a huge dimension carries no bytes (``x`` of shape ``[4194304, 0]`` is
empty) yet ``x @ W0`` with ``W0`` of shape ``[0, h]`` is a full ``[4194304, h]`` matrix, and some
specs are quadratic in the batch (minibatch discrimination compares every pair of examples). So
every ``eval`` and ``time`` request is costed from its shapes and parameters alone, here, before
the spec runs:

* **elements**: every input counts its *virtual* elements, the product of its dimensions with a
  zero counted as one, so that an empty tensor costs what its other dimensions would;
* **work**: an upper estimate of the elements of the intermediates of one forward pass, from the
  generic rules below and, for the few specs that are worse than linear in a way the generic rules
  do not see, a cost model of their own (``EXTRA_COSTS``, keyed by spec id);
* **memory**: work x ``INTERMEDIATE_COPIES`` x 8 bytes (float64) x compute dtypes x the autograd
  factor (1 for values, 3 with gradients, 8 with Hessian-vector products).

A request is refused with ``TOO_LARGE`` when its elements exceed ``Limits.max_elements``, or its
memory estimate exceeds the *allowance* ``min(max_work_bytes, max(WORK_FLOOR_BYTES,
AMPLIFICATION x request bytes))``: small requests may use a fixed floor of memory, large ones a
bounded multiple of what they carry, and no request more than ``--max-work``.

Parameters that scale work by repetition have central upper bounds (``PARAM_BOUNDS``), refused as
``BAD_PARAMS`` like any out-of-range parameter.

The estimates are deliberately generous upper bounds (``oracle/tests/test_budget.py`` checks
that the peak memory of real evaluations stays below them); the server's address-space cap
(``--max-memory``) is the backstop for anything they miss.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

from .spread import RUNS as SPREAD_RUNS
from .protocol import BAD_PARAMS, TOO_LARGE, OracleError

Shape = Tuple[int, ...]

MIB = 1 << 20
GIB = 1 << 30

#: Memory any request may use, however small it is.
WORK_FLOOR_BYTES = 256 * MIB
#: Beyond the floor, the memory estimate may be at most this multiple of the request's bytes.
AMPLIFICATION = 64
#: Intermediates of the size of the work estimate alive at once (a generous constant).
INTERMEDIATE_COPIES = 4

#: Upper bounds of the parameters that repeat work: (spec id, parameter) -> largest value.
PARAM_BOUNDS: Dict[Tuple[str, str], int] = {
    ("constraint/spectral-norm", "iterations"): 1000,
    ("training/unrolled", "steps"): 100,
    ("dynamics/bilinear", "steps"): 10000,
    ("dynamics/bilinear", "criticSteps"): 100,
    ("dynamics/bilinear", "unroll"): 100,
    ("dynamics/dirac-gan", "steps"): 10000,
    ("dynamics/dirac-gan", "criticSteps"): 100,
    ("dynamics/dirac-gan", "unroll"): 100,
}

# Networks as data: weights and biases are named {prefix}{Kind}{layer}, e.g. denseW0, criticB1,
# convGamma0 (PROTOCOL.md, "Networks as data").
_NET_TENSOR = re.compile(r"^[a-z]+[A-Z][A-Za-z]*\d+$")
_NET_WEIGHT = re.compile(r"^[a-z]+W\d+$")


def virtual_elements(shape: Sequence[int]) -> int:
    """The product of the dimensions, a zero counted as one (exact Python integers)."""
    return math.prod(max(int(d), 1) for d in shape)


def _net_cost(shapes: Mapping[str, Shape]) -> int:
    """Rows of data times the widths of every network layer (dense ``[in, out]``: out; conv filter
    ``[kh, kw, in, out]``: kh*kw*in for its unfolded patches plus out)."""
    widths = 0
    for name, shape in shapes.items():
        if not _NET_WEIGHT.match(name) or len(shape) < 2:
            continue
        if len(shape) == 4:
            widths += virtual_elements(shape[:3]) + max(shape[3], 1)
        else:
            widths += virtual_elements(shape[1:])
    if widths == 0:
        return 0
    rows = sum(
        virtual_elements(shape[:-1])
        for name, shape in shapes.items()
        if not _NET_TENSOR.match(name) and len(shape) >= 2
    )
    return max(rows, 1) * widths


def _dims(shapes: Mapping[str, Shape], name: str) -> Shape:
    return tuple(max(int(d), 1) for d in shapes.get(name, ()))


def _minibatch(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    n = _dims(shapes, "features")[:1] or (1,)
    t = _dims(shapes, "tensor")
    bc = math.prod(t[1:]) if len(t) >= 2 else 1
    return n[0] * n[0] * bc  # |M_i - M_j| for every pair


def _pulling_away(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    s = _dims(shapes, "representations")
    n = s[0] if s else 1
    return n * n  # the Gram matrix and its masks


def _vbn(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    x, ref = _dims(shapes, "x"), _dims(shapes, "reference")
    n = x[0] if x else 1
    return n * virtual_elements(ref) + n * (x[1] if len(x) > 1 else 1)  # [n, N + 1, d]


def _spectral(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    return int(params.get("iterations", 1)) * virtual_elements(shapes.get("weight", ()))


def _unrolled(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    # The graph of every unrolled step is kept for differentiating through them.
    return (int(params.get("steps", 0)) + 1) * 4 * (_net_cost(shapes) + _linear(shapes))


def _trajectory(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    # Every step of a trajectory stays in the autograd graph: per step at most (critic steps +
    # unrolled steps + 4) field evaluations (consensus and the unrolled surrogate differentiate
    # fields again), each of a few dozen intermediates per noise sample.
    inner = int(params.get("criticSteps", 1)) + int(params.get("unroll", 0)) + 4
    return (int(params.get("steps", 0)) + 1) * inner * 64 * (_linear(shapes) + 4)


def _pairwise(a: str, b: str) -> Callable[[Mapping[str, Shape], Mapping[str, Any]], int]:
    """Every row of ``a`` against every row of ``b`` with their differences ``[n, k, d]``."""

    def cost(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
        x, y = _dims(shapes, a), _dims(shapes, b)
        return (x[0] if x else 1) * virtual_elements(y)

    return cost


def _frechet(shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    x, y = _dims(shapes, "x"), _dims(shapes, "y")
    n, m = (x[0] if x else 1), (y[0] if y else 1)
    return 3 * n * m  # the [n, m] cross product, its SVD factors


#: Cost models of specs worse than linear in ways the generic rules do not see.
EXTRA_COSTS: Dict[str, Callable[[Mapping[str, Shape], Mapping[str, Any]], int]] = {
    "layer/minibatch-discrimination": _minibatch,
    "penalty/pulling-away": _pulling_away,
    "layer/virtual-batch-norm": _vbn,
    "constraint/spectral-norm": _spectral,
    "training/unrolled": _unrolled,
    "dynamics/bilinear": _trajectory,
    "dynamics/dirac-gan": _trajectory,
    "metric/frechet-distance": _frechet,
    "metric/parzen-log-likelihood": _pairwise("test", "samples"),
    "metric/mode-coverage": _pairwise("samples", "centres"),
}


def _linear(shapes: Mapping[str, Shape]) -> int:
    return sum(virtual_elements(s) for s in shapes.values())


def work_elements(spec_id: str, shapes: Mapping[str, Shape], params: Mapping[str, Any]) -> int:
    """Upper estimate of the intermediate elements of one forward pass."""
    cost = _linear(shapes) + _net_cost(shapes)
    extra = EXTRA_COSTS.get(spec_id)
    if extra is not None:
        cost += extra(shapes, params)
    return cost


def autograd_factor(wrt: Sequence[str], directions: Mapping[str, str]) -> int:
    """Values only: 1; with gradients: 3 (the backward graph); with HVPs: 8 (double backward)."""
    if not wrt:
        return 1
    return 8 if directions else 3


def memory_estimate(
    spec_id: str,
    shapes: Mapping[str, Shape],
    params: Mapping[str, Any],
    compute: Sequence[str],
    wrt: Sequence[str],
    directions: Mapping[str, str],
) -> int:
    """Bytes the evaluation may need at its peak (an upper estimate)."""
    return (
        work_elements(spec_id, shapes, params)
        * INTERMEDIATE_COPIES
        * 8
        * max(len(compute), 1)
        * autograd_factor(wrt, directions)
    )


#: Evaluations one compute costs: ``spread32`` runs the request RUNS times perturbed, plus once plain.
COMPUTE_RUNS: Dict[str, int] = {"spread32": SPREAD_RUNS + 1}


def allowance(request_bytes: int, max_work_bytes: int, work_floor_bytes: Optional[int] = None) -> int:
    """The memory a request of ``request_bytes`` may ask for (the floor: ``WORK_FLOOR_BYTES`` unless given)."""
    floor = WORK_FLOOR_BYTES if work_floor_bytes is None else work_floor_bytes
    return min(max_work_bytes, max(floor, AMPLIFICATION * request_bytes))


def check_params(spec_id: str, params: Mapping[str, Any]) -> None:
    """``BAD_PARAMS`` when a parameter that repeats work is over its bound."""
    for (sid, name), top in PARAM_BOUNDS.items():
        if sid == spec_id and name in params:
            value = params[name]
            if isinstance(value, (int, float)) and value > top:
                raise OracleError(
                    BAD_PARAMS,
                    f"{spec_id}: parameter {name!r}: at most {top} (it repeats the work), got {value!r}",
                )


def check_work(
    spec_id: str,
    shapes: Mapping[str, Shape],
    params: Mapping[str, Any],
    compute: Sequence[str],
    wrt: Sequence[str],
    directions: Mapping[str, str],
    request_bytes: int,
    max_elements: int,
    max_work_bytes: int,
    repeats: int = 1,
    work_floor_bytes: Optional[int] = None,
) -> int:
    """Refuse (``TOO_LARGE``) a request whose elements or memory are over budget; return the
    memory estimate. ``repeats`` (the ``time`` op's runs) multiplies the elements budget check of
    the *total* work, so a timing cannot run for hours either."""
    elements = _linear(shapes)
    if elements > max_elements:
        raise OracleError(
            TOO_LARGE,
            f"{spec_id}: the inputs have {elements} elements (a zero dimension counted as 1), "
            f"over the limit of {max_elements}",
        )
    estimate = memory_estimate(spec_id, shapes, params, compute, wrt, directions)
    allowed = allowance(request_bytes, max_work_bytes, work_floor_bytes)
    floor = WORK_FLOOR_BYTES if work_floor_bytes is None else work_floor_bytes
    if estimate > allowed:
        raise OracleError(
            TOO_LARGE,
            f"{spec_id}: this request needs up to {estimate} bytes of working memory (estimated "
            f"from its shapes and parameters), over its allowance of {allowed} "
            f"(max({floor}, {AMPLIFICATION} x its {request_bytes} bytes), at most "
            f"--max-work {max_work_bytes})",
        )
    runs = sum(COMPUTE_RUNS.get(c, 1) for c in compute)
    total = work_elements(spec_id, shapes, params) * max(repeats, 1) * max(runs, 1)
    if total > MAX_TOTAL_WORK:
        raise OracleError(
            TOO_LARGE,
            f"{spec_id}: {repeats} runs of about {work_elements(spec_id, shapes, params)} "
            f"elements of work each, over the limit of {MAX_TOTAL_WORK} elements in one request",
        )
    return estimate


#: Elements of work one request (all the runs of a ``time`` request together) may ask for:
#: about a minute of single-threaded work at the oracle's rates.
MAX_TOTAL_WORK = 1 << 36
