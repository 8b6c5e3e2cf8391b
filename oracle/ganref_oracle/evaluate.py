"""The ``eval`` op: values, gradients and Hessian-vector products of a spec (PROTOCOL.md).

For each compute dtype the inputs are cast to it, the ``wrt`` inputs become autograd leaves,
and the spec's outputs are evaluated. For each output ``o`` and each ``x`` in ``wrt``:

* ``grad:o:x`` is ``d sum(o) / dx`` (``torch.autograd.grad``; an unused input gives zeros);
* with ``directions`` ``{x: v_x}``, ``hvp:o:x`` is ``d/dx sum_y <grad:o:y, v_y>``, the product
  of the Hessian of ``sum(o)`` over all ``wrt`` inputs jointly with the stacked direction
  (Pearlmutter 1994, "Fast exact multiplication by the Hessian", via double backward).
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, ContextManager, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch

from . import budget
from .protocol import BAD_REQUEST, EVAL_FAILED, UNKNOWN_SPEC, Limits, OracleError, Request
from .registry import Spec, get_spec
from .spread import rounding_spread

TORCH_DTYPES: Dict[str, torch.dtype] = {"float64": torch.float64, "float32": torch.float32}

Result = Tuple[Dict[str, Any], np.ndarray]


def resolve(request: Request, limits: Limits = Limits()) -> Tuple[Spec, Dict[str, Any], List[str]]:
    """Look the spec up and check the request against its signature and its work budget.

    Returns the spec, its bound parameters and the names of the tensors that are spec inputs
    (the others are directions). Raises ``UNKNOWN_SPEC``, ``BAD_PARAMS``, ``BAD_REQUEST`` or
    ``TOO_LARGE`` (``budget.py``), all before anything is evaluated.
    """
    spec = get_spec(request.spec)
    if spec is None:
        raise OracleError(UNKNOWN_SPEC, f"this server does not implement spec {request.spec!r}")
    params = spec.bind_params(request.params)
    budget.check_params(spec.id, params)

    directions = request.directions
    direction_names = set(directions.values())
    for name in sorted(direction_names):
        if name in spec.all_inputs:
            raise OracleError(BAD_REQUEST, f"direction tensor {name!r} has the name of an input of {spec.id}")
        if name not in request.tensors:
            raise OracleError(BAD_REQUEST, f"direction tensor {name!r} is not among 'tensors'")
    input_names = [n for n in request.tensors if n not in direction_names]
    spec.check_inputs(input_names)

    for name in request.wrt:
        if name not in spec.all_inputs:
            raise OracleError(
                BAD_REQUEST,
                f"'wrt' names {name!r}, not an input of {spec.id} ({list(spec.all_inputs)})",
            )
        if name not in request.tensors:
            raise OracleError(BAD_REQUEST, f"'wrt' names input {name!r}, which was not sent")
    if directions:
        if set(directions) != set(request.wrt):
            raise OracleError(
                BAD_REQUEST,
                f"'directions' must name one direction for every input in 'wrt' "
                f"({request.wrt}), got {sorted(directions)}",
            )
        for x, v in directions.items():
            xs, vs = request.tensors[x].shape, request.tensors[v].shape
            if xs != vs:
                raise OracleError(
                    BAD_REQUEST,
                    f"direction {v!r} has shape {list(vs)} but input {x!r} has shape {list(xs)}",
                )
    budget.check_work(
        spec.id,
        {name: tuple(request.tensors[name].shape) for name in input_names},
        params,
        request.compute,
        request.wrt,
        directions,
        request.nbytes,
        limits.max_elements,
        limits.max_work_bytes,
        repeats=request.repeats + request.warmup,
        work_floor_bytes=limits.work_floor_bytes,
    )
    return spec, params, input_names


def _zeros_for(leaf: torch.Tensor) -> torch.Tensor:
    return torch.zeros_like(leaf, memory_format=torch.contiguous_format)


def _to_numpy(t: torch.Tensor, dtype: torch.dtype) -> np.ndarray:
    """A result as a numpy array that owns real storage.

    Some double-backward formulas (``abs``, ``vector_norm(ord=1)`` in torch 1.13) return an
    efficient "zero tensor" that has no storage; its ``numpy()`` view would read arbitrary
    memory. Such tensors are materialised as real zeros first.
    """
    is_zero = getattr(torch, "_is_zerotensor", None)
    if is_zero is not None and is_zero(t):
        return np.zeros(tuple(t.shape), dtype=np.float64 if dtype == torch.float64 else np.float32)
    return t.detach().to(dtype=dtype).cpu().contiguous().numpy().copy()


def evaluate_in(
    spec: Spec,
    params: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    input_names: Sequence[str],
    wrt: Sequence[str],
    directions: Mapping[str, str],
    compute: str,
    rounding: Optional[Callable[[], ContextManager[Any]]] = None,
) -> List[Result]:
    """Evaluate ``spec`` in one compute dtype; returns ``(descriptor fields, array)`` pairs.
    ``rounding`` (spread.py) is entered once the inputs exist: the inputs are exact, only the
    operations on them round."""
    dtype = TORCH_DTYPES[compute]
    want_hvp = bool(directions) and bool(wrt)
    with torch.enable_grad():
        inputs = {
            # torch.tensor copies (and converts) in one step; the decoded arrays are read-only
            # views of the received frames (protocol.decode_tensor).
            name: torch.tensor(arrays[name], dtype=dtype).requires_grad_(name in wrt)
            for name in input_names
        }
        dirs = {x: torch.tensor(arrays[v], dtype=dtype) for x, v in directions.items()}
        leaves = [inputs[name] for name in wrt]
        with rounding() if rounding is not None else contextlib.nullcontext():
            return _results_of(spec, params, inputs, dirs, leaves, wrt, compute, want_hvp)


def _results_of(
    spec: Spec,
    params: Mapping[str, Any],
    inputs: Mapping[str, torch.Tensor],
    dirs: Mapping[str, torch.Tensor],
    leaves: List[torch.Tensor],
    wrt: Sequence[str],
    compute: str,
    want_hvp: bool,
) -> List[Result]:
    """The outputs of ``spec`` at ``inputs``, their gradients and HVPs (see ``evaluate_in``)."""
    dtype = TORCH_DTYPES[compute]
    outputs = spec(inputs, params)

    results: List[Result] = []

    def emit(name: str, tensor: torch.Tensor) -> None:
        results.append(({"name": name, "compute": compute}, _to_numpy(tensor, dtype)))

    for oname, out in outputs.items():
        if not isinstance(out, torch.Tensor):
            raise OracleError(EVAL_FAILED, f"{spec.id}: output {oname!r} is not a tensor")
        emit(oname, out)
        if not leaves:
            continue
        if out.requires_grad:
            grads = list(
                torch.autograd.grad(
                    out.sum(),
                    leaves,
                    retain_graph=True,
                    create_graph=want_hvp,
                    allow_unused=True,
                )
            )
        else:
            grads = [None] * len(leaves)
        grads = [_zeros_for(leaf) if g is None else g for g, leaf in zip(grads, leaves)]
        for name, g in zip(wrt, grads):
            emit(f"grad:{oname}:{name}", g)
        if not want_hvp:
            continue
        # <grad, v> summed over every wrt input; terms whose gradient is constant in the
        # inputs contribute nothing to its derivative and are left out.
        terms = [(g * dirs[name]).sum() for name, g in zip(wrt, grads) if g.requires_grad]
        if terms:
            dot = torch.stack(terms).sum()
            hvps = list(torch.autograd.grad(dot, leaves, retain_graph=True, allow_unused=True))
        else:
            hvps = [None] * len(leaves)
        for name, h, leaf in zip(wrt, hvps, leaves):
            emit(f"hvp:{oname}:{name}", _zeros_for(leaf) if h is None else h)
    return results


def _compute(
    spec: Spec,
    params: Mapping[str, Any],
    request: Request,
    input_names: Sequence[str],
    compute: str,
    plain64: Optional[List[Result]] = None,
) -> List[Result]:
    """The results of one compute: a dtype (``evaluate_in``) or ``spread32`` (spread.py), which
    reuses the request's plain float64 results when they were computed already."""

    def in_dtype(dtype: str, rounding: Optional[Callable[[], ContextManager[Any]]] = None) -> List[Result]:
        return evaluate_in(spec, params, request.tensors, input_names, request.wrt, request.directions, dtype, rounding)

    if compute == "spread32":
        return rounding_spread(lambda rounding: in_dtype("float64", rounding), plain64)
    return in_dtype(compute)


def time_request(request: Request, limits: Limits = Limits()) -> List[Dict[str, Any]]:
    """Run a ``time`` request: the work of ``eval``, ``warmup`` times untimed, then ``repeats``
    times timed, per compute dtype. Timing happens here, so transport is excluded."""
    import time as _time

    spec, params, input_names = resolve(request, limits)
    timings: List[Dict[str, Any]] = []
    for compute in request.compute:

        def once() -> None:
            _compute(spec, params, request, input_names, compute)

        try:
            for _ in range(request.warmup):
                once()
            seconds: List[float] = []
            for _ in range(request.repeats):
                started = _time.perf_counter()
                once()
                seconds.append(_time.perf_counter() - started)
        except OracleError:
            raise
        except Exception as exc:
            raise OracleError(EVAL_FAILED, f"{spec.id} in {compute}: {type(exc).__name__}: {exc}") from exc
        timings.append({"compute": compute, "seconds": seconds, "threads": torch.get_num_threads()})
    return timings


def evaluate(request: Request, limits: Limits = Limits()) -> List[Result]:
    """Run an ``eval`` request: every output, gradient and HVP, once per compute (PROTOCOL.md)."""
    spec, params, input_names = resolve(request, limits)
    results: List[Result] = []
    plain64: Optional[List[Result]] = None
    for compute in request.compute:
        try:
            computed = _compute(spec, params, request, input_names, compute, plain64)
            if compute == "float64":
                plain64 = computed
            results.extend(computed)
        except OracleError:
            raise
        except Exception as exc:  # the computation itself raised
            raise OracleError(EVAL_FAILED, f"{spec.id} in {compute}: {type(exc).__name__}: {exc}") from exc
    return results
