"""Discrete divergences and the 1-D Wasserstein distance (CATALOG.md, section A).

The five divergences take probability vectors ``p``, ``q`` on the last axis (``[..., k]``) and
return ``value`` ``[...]``. They are written here as f-divergences ``D_f(p || q) = sum q f(p/q)``
with the generators of Nowozin et al. 2016, Table 1, each term split into the three regions of
the simplex boundary, with the conventions of Liese & Vajda 2006 (``0 f(0/0) = 0``,
``0 f(a/0) = a lim_{u->inf} f(u)/u``, and ``f(0) = lim_{u->0} f(u)``):

* ``p > 0, q > 0``: ``q f(p/q)``, evaluated through ``r = (p - q)/q = u - 1`` formed from the
  unrounded masses, so that every term keeps its relative accuracy when ``p ~ q``;
* ``p = 0 < q``: ``q f(0)``; ``q = 0 < p``: ``p f'(inf)``; ``p = q = 0``: 0.

Values of ``+inf`` (``f(0) = inf`` or ``f'(inf) = inf``) are the catalog's convention "+Infinity
where the denominator mass is 0 and the numerator term is not". The vectors are used as given
(not renormalised). Gradients are computed by autograd on the interior branch only (double
``where``: the other branches see harmless stand-ins), so they are exact wherever every mass is
positive and never NaN; at a zero mass they are not compared (PROTOCOL.md, "Zero masses").

``divergence/wasserstein-1d`` takes two 1-D samples and returns ``W_1`` of their empirical
distributions through the CDF form ``int |F_x(s) - F_y(s)| ds`` (Vallender 1973).
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Optional

import torch

from ._common import require_rank, require_same_shape

Inputs = Mapping[str, Optional[torch.Tensor]]


def _pair(spec: str, x: Inputs):
    p, q = x["p"], x["q"]
    require_rank(spec, "p", p, at_least=1)
    require_same_shape(spec, "p", p, "q", q)
    return p, q


def _f_divergence(
    p: torch.Tensor,
    q: torch.Tensor,
    interior: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    f_at_zero: float,
    slope_at_infinity: float,
) -> torch.Tensor:
    """``sum_i q_i f(p_i / q_i)`` over the last axis, by regions (see the module docstring).

    ``interior(q, r, u)`` returns ``q f(u)`` for ``u = p/q`` and ``r = (p - q)/q = u - 1``, on
    masked inputs where ``p, q > 0``. ``f_at_zero`` is ``f(0)`` and ``slope_at_infinity`` is
    ``lim f(u)/u`` as ``u -> inf``; either may be ``math.inf``.
    """
    one = torch.ones((), dtype=p.dtype)
    zero = torch.zeros((), dtype=p.dtype)
    both = (p > 0) & (q > 0)
    p_in = torch.where(both, p, one)
    q_in = torch.where(both, q, one)
    r = torch.where(both, p - q, zero) / q_in
    u = p_in / q_in
    inside = interior(q_in, r, u)
    # p = 0 < q: q f(0); q = 0 < p: p f'(inf). With f(0) or f'(inf) infinite the term is +inf
    # whatever the (positive) mass; torch.where keeps the constant out of the backward pass.
    q_only = torch.where((p == 0) & (q > 0), q, zero)
    p_only = torch.where((q == 0) & (p > 0), p, zero)

    def times(mass: torch.Tensor, factor: float) -> torch.Tensor:
        if math.isinf(factor):
            return torch.where(mass > 0, torch.full_like(mass, math.inf), zero)
        return mass * factor

    edge = times(q_only, f_at_zero) + times(p_only, slope_at_infinity)
    return torch.where(both, inside, edge).sum(dim=-1)


def _hellinger_interior(q: torch.Tensor, r: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    # q (sqrt(u) - 1)^2 = q ((u - 1) / (sqrt(u) + 1))^2: no cancellation when u ~ 1
    return q * torch.square(r / (torch.sqrt(u) + 1.0))
