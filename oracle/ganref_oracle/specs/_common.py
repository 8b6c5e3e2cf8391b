"""Numerical building blocks shared by the specs, each written for accurate values and for
gradients that are finite wherever the mathematics is (first and second order)."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from ..registry import InputError


def xlog_ratio(a: torch.Tensor, b: torch.Tensor, *, diff: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Elementwise ``a * log(a / b)`` with the conventions of information theory.

    Cover & Thomas, *Elements of Information Theory*, section 2.3: ``0 log(0/b) = 0`` for every
    ``b`` (including ``0 log(0/0) = 0``) and ``a log(a/0) = +inf`` for ``a > 0``.

    ``diff``, when given, is ``a - b`` formed by the caller from its unrounded inputs (for
    example ``(p - q) / 2`` for ``b = (p + q) / 2``); it must be finite wherever ``a`` and ``b``
    are. Default ``a - b``.

    Three regions, each evaluated so that autograd returns the exact partial derivatives
    (``d/da = log(a/b) + 1``, ``d/db = -a/b``) where they are finite, and never a spurious NaN:

    * ``a > 0, b > 0``: ``a * log1p((a - b) / b)`` when ``a >= b/2``, where ``a - b`` is exact
      (Sterbenz) and the result keeps full relative accuracy even for ``a`` very close to ``b``
      (``a log a - a log b``, or even ``a log(a/b)``, lose digits there); ``a * log(a / b)``
      for smaller ratios, where ``log`` is far from 0 and accurate.
    * exactly one of ``a``, ``b`` is 0: ``a log a - a log b = -entr(a) - xlogy(a, b)``: value 0
      (``a = 0``) or ``+inf`` (``b = 0``), and the one-sided limits of the derivatives
      (``a = 0 < b``: ``-inf`` in ``a``, ``0`` in ``b``; ``a > 0 = b``: ``+inf`` and ``-inf``).
    * ``a = b = 0``: the term is identically 0 and both derivatives are returned as 0.

    The inputs of each branch are replaced by harmless values outside the branch's region
    before any log or division (the double-``where`` pattern), so no ``0/0`` or ``0 * inf``
    reaches a backward pass, first or second order.
    """
    one = torch.ones((), dtype=a.dtype)
    zero = torch.zeros((), dtype=a.dtype)
    interior = (a > 0) & (b > 0)
    edge = ((a > 0) | (b > 0)) & ~interior

    a_in, b_in = torch.where(interior, a, one), torch.where(interior, b, one)
    diff_in = torch.where(interior, a - b if diff is None else diff, zero)
    rel = diff_in / b_in
    close = rel >= -0.5
    near_term = a_in * torch.log1p(torch.where(close, rel, zero))
    far_term = a_in * torch.log(torch.where(close, one, a_in / b_in))
    interior_term = torch.where(close, near_term, far_term)

    a_ed, b_ed = torch.where(edge, a, one), torch.where(edge, b, one)
    edge_term = -torch.special.entr(a_ed) - torch.special.xlogy(a_ed, b_ed)

    return torch.where(interior, interior_term, torch.where(edge, edge_term, zero))


def softplus(t: torch.Tensor) -> torch.Tensor:
    """``softplus(t) = log(1 + e^t)``, exact and stable for every finite ``t``.

    Written as ``-logsigmoid(-t)``: PyTorch's log-sigmoid is evaluated as
    ``min(x, 0) - log1p(exp(-|x|))`` with no cut-off, its derivative as a sigmoid and its second
    derivative as ``sigma(x)(sigma(x) - 1)``, so value, gradient (``sigmoid(t)``) and second
    derivative are finite and accurate even at ``|t| = 1e4`` in float32.
    (``torch.nn.functional.softplus`` instead returns ``t`` itself above ``t = 20``, an absolute
    error of up to ``e^-20`` that a float64 reference must not have.) ``0.0 - x`` rather than
    ``-x`` keeps ``softplus(-large)`` at ``+0.0`` instead of ``-0.0``.
    """
    return 0.0 - F.logsigmoid(-t)


def reduce_losses(losses: torch.Tensor, weights: Optional[torch.Tensor], reduction: str) -> torch.Tensor:
    """Reduce per-example losses ``l`` with per-example weights ``w`` (default all 1).

    PROTOCOL.md, "Spec signatures": ``mean = sum(w*l) / sum(w)``, ``sum = sum(w*l)``,
    ``none = w*l`` (elementwise). Without weights ``mean`` is the plain batch mean ``E[l]`` of
    Goodfellow et al. 2014, eq. 1.
    """
    if weights is None:
        if reduction == "mean":
            return losses.mean()
        if reduction == "sum":
            return losses.sum()
        return losses
    weighted = weights * losses
    if reduction == "mean":
        return weighted.sum() / weights.sum()
    if reduction == "sum":
        return weighted.sum()
    return weighted


def require_same_shape(spec: str, a_name: str, a: torch.Tensor, b_name: str, b: torch.Tensor) -> None:
    """``BAD_PARAMS`` unless ``a`` and ``b`` have the same shape (no broadcasting)."""
    if tuple(a.shape) != tuple(b.shape):
        raise InputError(
            f"{spec}: {a_name} has shape {list(a.shape)} but {b_name} has shape {list(b.shape)}; they must be equal"
        )


def require_rank(
    spec: str, name: str, t: torch.Tensor, *, exactly: Optional[int] = None, at_least: Optional[int] = None
) -> None:
    """``BAD_PARAMS`` unless ``t`` has the rank the spec takes."""
    if exactly is not None and t.dim() != exactly:
        raise InputError(f"{spec}: {name} must have rank {exactly}, got shape {list(t.shape)}")
    if at_least is not None and t.dim() < at_least:
        raise InputError(
            f"{spec}: {name} must have rank >= {at_least} (categories on the last axis), got shape {list(t.shape)}"
        )
