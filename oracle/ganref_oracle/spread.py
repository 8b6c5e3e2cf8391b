"""The ``spread32`` compute of ``eval``: how far float32 rounding can move each result.

Monte Carlo arithmetic (Parker 1997; Denis & Martin's CADNA/Verificarlo idea) at float32's unit
roundoff: the spec is evaluated in float64 ``RUNS`` times while a dispatch mode multiplies the
result of every operation (forward, backward and double backward alike: the mode sits below
autograd) by ``1 + d``, with ``d`` uniform in ``[-2**-24, 2**-24]``; a sum or product of
matrices also moves by ``e * 2**-24`` times the sum of its absolute terms (``e`` uniform in
``[-1, 1]``), the rounding it accumulates inside, which a relative perturbation of a sum that
cancels to 0 would miss. Each result's spread is the
largest ``|perturbed - plain|`` over the runs, ``plain`` the unperturbed float64 result. It
estimates how far a correct float32 computation of the same formulas lands from the exact
answer, element by element, from float64 arithmetic alone: the same on every machine (the
perturbations come from a seeded generator), unlike one float32 run, whose error depends on the
BLAS and the order of its reductions. The comparators take a spread beyond the tolerance as the
evidence that an element is ill-conditioned (a cancellation), see src/conformance/compare.ts.

Views and in-place operations are left alone (perturbing them would break aliasing); their inputs
were perturbed where they were computed.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

#: float32's unit roundoff: round to nearest errs by at most this, relative.
UNIT_ROUNDOFF = 2.0**-24
#: Perturbed evaluations per request.
RUNS = 4
#: Seed of the perturbations: every request draws the same sequence, so fixtures are reproducible.
SEED = 20261203

Result = Tuple[dict, np.ndarray]


_is_zero: Callable[[torch.Tensor], bool] = getattr(torch, "_is_zerotensor", lambda t: False)


_aten = torch.ops.aten
#: Reductions whose every term is a product or a plain value: applied to the absolute values of
#: their arguments they give the sum of the absolute terms, the scale of their accumulated
#: rounding (a sum that cancels to 0 rounds each partial sum on the way).
_ABS_REDUCTIONS = {
    _aten.sum.default,
    _aten.sum.dim_IntList,
    _aten.mean.default,
    _aten.mean.dim,
    _aten.mm.default,
    _aten.bmm.default,
    _aten.addmm.default,
    _aten.dot.default,
    _aten.mv.default,
    _aten.convolution.default,
}


def _abs(t: Any) -> Any:
    return t.abs() if isinstance(t, torch.Tensor) and t.dtype == torch.float64 else t


class _Rounding(TorchDispatchMode):
    """Multiplies every float64 result of a computing operation by ``1 + d``, ``|d| <= u``; a
    reduction's result also moves by ``e·u·Σ|terms|``, ``|e| <= 1``: the rounding it accumulates."""

    def __init__(self, generator: torch.Generator) -> None:
        super().__init__()
        self.generator = generator

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        out = func(*args, **(kwargs or {}))
        schema = func._schema
        if schema.is_mutable or any(r.alias_info is not None for r in schema.returns):
            return out

        terms = func(*tree_map(_abs, args), **(kwargs or {})) if func in _ABS_REDUCTIONS else None

        def perturb(t: Any) -> Any:
            # Efficient zero tensors (abs's double backward in torch 1.13) have no storage to read.
            if isinstance(t, torch.Tensor) and t.dtype == torch.float64 and t.numel() > 0 and not _is_zero(t):
                d = torch.rand(t.shape, generator=self.generator, dtype=torch.float64).mul_(2).sub_(1)
                moved = t * d.mul_(UNIT_ROUNDOFF).add_(1)
                if isinstance(terms, torch.Tensor) and terms.shape == t.shape:
                    e = torch.rand(t.shape, generator=self.generator, dtype=torch.float64).mul_(2).sub_(1)
                    moved = moved + terms * e.mul_(UNIT_ROUNDOFF)
                return moved
            return t

        return tree_map(perturb, out)


def rounding_spread(
    evaluate64: Callable[[Optional[Callable[[], Any]]], List[Result]],
    plain: Optional[List[Result]] = None,
) -> List[Result]:
    """The ``spread32`` results of one request: ``evaluate64(rounding)`` runs the request in
    float64 (results named as in ``eval``), entering ``rounding()`` (None: plain) once its inputs
    exist; ``plain`` is its unperturbed run when already computed."""
    reference = plain if plain is not None else evaluate64(None)
    spreads = {fields["name"]: np.zeros(array.shape, dtype=np.float64) for fields, array in reference}
    generator = torch.Generator().manual_seed(SEED)
    for _ in range(RUNS):
        perturbed = evaluate64(lambda: _Rounding(generator))
        for (fields, base), (_, moved) in zip(reference, perturbed):
            with np.errstate(invalid="ignore"):
                gap = np.abs(moved.astype(np.float64) - base.astype(np.float64))
            # Where the plain result is not finite there is no spread to speak of (0); a finite
            # result that a perturbation makes non-finite is infinitely sensitive.
            gap = np.where(np.isfinite(base), np.where(np.isfinite(gap), gap, np.inf), 0.0)
            np.maximum(spreads[fields["name"]], gap, out=spreads[fields["name"]])
    return [({"name": name, "compute": "spread32"}, spread) for name, spread in spreads.items()]
