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
from typing import Any, Callable, Dict, Mapping, Optional

import torch

from ..registry import InputError, register
from ._common import require_rank, require_same_shape, xlog_ratio

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


@register(
    "divergence/reverse-kl",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Nowozin et al. 2016, Table 1 (reverse KL, f(u) = -log u); Cover & Thomas, section 2.3",
)
def reverse_kl(x: Inputs, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Reverse Kullback-Leibler divergence ``KL(q || p) = sum_i q_i log(q_i / p_i)``.

    The f-divergence ``D_f(p || q)`` with ``f(u) = -log u`` (Nowozin et al. 2016, Table 1). With
    Cover & Thomas's conventions for ``KL(q || p)``: ``0 log(0/p) = 0`` and ``q log(q/0) = +inf``
    for ``q > 0``; written with the shared :func:`xlog_ratio` (``log1p`` near ``q = p``), whose
    gradients at a zero mass are the one-sided limits.
    """
    p, q = _pair("divergence/reverse-kl", x)
    return {"value": xlog_ratio(q, p, diff=q - p).sum(dim=-1)}


@register(
    "divergence/total-variation",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Nowozin et al. 2016, Table 1 (f(u) = |u - 1| / 2); Tsybakov 2009, section 2.4",
)
def total_variation(x: Inputs, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Total variation ``TV(p, q) = 1/2 sum_i |p_i - q_i|``, in ``[0, 1]``.

    The f-divergence with ``f(u) = |u - 1|/2``, which needs no boundary convention: each term is
    ``(max(p_i, q_i) - min(p_i, q_i)) / 2``. At a tie ``p_i = q_i`` PyTorch splits the gradient of
    ``maximum``/``minimum`` evenly, so the subgradient returned is 0 (as for ``|.|``).
    (Not ``torch.linalg.vector_norm(p - q, ord=1)``: in torch 1.13 its double backward returned
    uninitialised memory for batched inputs, a wrong Hessian-vector product of a piecewise-linear
    function whose Hessian is 0.)
    """
    p, q = _pair("divergence/total-variation", x)
    return {"value": 0.5 * (torch.maximum(p, q) - torch.minimum(p, q)).sum(dim=-1)}


def _hellinger_interior(q: torch.Tensor, r: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    # q (sqrt(u) - 1)^2 = q ((u - 1) / (sqrt(u) + 1))^2: no cancellation when u ~ 1
    return q * torch.square(r / (torch.sqrt(u) + 1.0))


@register(
    "divergence/squared-hellinger",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Nowozin et al. 2016, Table 1 (squared Hellinger, f(u) = (sqrt(u) - 1)^2)",
)
def squared_hellinger(x: Inputs, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Squared Hellinger distance ``sum_i (sqrt(p_i) - sqrt(q_i))^2``, in ``[0, 2]``.

    Nowozin et al. 2016, Table 1: ``f(u) = (sqrt(u) - 1)^2``, with no factor 1/2 (the
    1/2-convention of Le Cam is half this value). ``f(0) = 1`` and ``f(u)/u -> 1``: a zero mass
    contributes the other mass.
    """
    p, q = _pair("divergence/squared-hellinger", x)
    return {"value": _f_divergence(p, q, _hellinger_interior, 1.0, 1.0)}


@register(
    "divergence/pearson-chi2",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Pearson 1900; Nowozin et al. 2016, Table 1 (f(u) = (u - 1)^2)",
)
def pearson_chi2(x: Inputs, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Pearson chi-square ``sum_i (p_i - q_i)^2 / q_i``.

    Nowozin et al. 2016, Table 1: ``f(u) = (u - 1)^2``; ``f(0) = 1`` (``p_i = 0 < q_i``
    contributes ``q_i``) and ``f(u)/u -> inf`` (``q_i = 0 < p_i`` gives ``+inf``).
    """
    p, q = _pair("divergence/pearson-chi2", x)
    return {"value": _f_divergence(p, q, lambda q_, r, u: q_ * r * r, 1.0, math.inf)}


@register(
    "divergence/neyman-chi2",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Neyman 1949; Nowozin et al. 2016, Table 1 (f(u) = (1 - u)^2 / u)",
)
def neyman_chi2(x: Inputs, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Neyman chi-square ``sum_i (p_i - q_i)^2 / p_i``.

    Nowozin et al. 2016, Table 1: ``f(u) = (1 - u)^2 / u``; ``f(0) = inf`` (``p_i = 0 < q_i``
    gives ``+inf``) and ``f(u)/u -> 1`` (``q_i = 0 < p_i`` contributes ``p_i``).
    """
    p, q = _pair("divergence/neyman-chi2", x)
    return {"value": _f_divergence(p, q, lambda q_, r, u: q_ * r * r / u, math.inf, 1.0)}


@register(
    "divergence/wasserstein-1d",
    inputs=("x", "y"),
    outputs=("value",),
    reference="Arjovsky et al. 2017, eq. 1; Vallender 1973 (W1 on the line = int |F - G|)",
)
def wasserstein_1d(x: Inputs, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``W_1`` between the empirical distributions of two 1-D samples ``x`` ``[n]``, ``y`` ``[m]``.

    Vallender 1973: on the line ``W_1(mu, nu) = int |F_mu(s) - F_nu(s)| ds``. Both empirical CDFs
    are constant between consecutive points ``z_0 <= ... <= z_{n+m-1}`` of the pooled sorted
    sample, so ``W_1 = sum_k (z_{k+1} - z_k) |F_x(z_k) - F_y(z_k)|`` with ``F_x(t) = #{x_i <= t}/n``.
    The CDF values (counts from ``searchsorted``) are piecewise constant, hence constants for
    autograd; the gradient flows through ``torch.sort`` of the pooled sample. Where no two of the
    n + m samples are equal it is the exact derivative of this piecewise-linear function (and the
    Hessian is 0).
    """
    spec = "divergence/wasserstein-1d"
    xs, ys = x["x"], x["y"]
    require_rank(spec, "x", xs, exactly=1)
    require_rank(spec, "y", ys, exactly=1)
    n, m = xs.shape[0], ys.shape[0]
    if n == 0 or m == 0:
        raise InputError(f"{spec}: x and y need at least one sample each, got n = {n}, m = {m}")
    for name, t in (("x", xs), ("y", ys)):
        if not bool(torch.isfinite(t).all()):
            raise InputError(f"{spec}: {name} must be finite (PROTOCOL.md), got a NaN or an infinity")
    z, _ = torch.sort(torch.cat([xs, ys]))
    zd = z.detach()[:-1]
    with torch.no_grad():
        fx = torch.searchsorted(torch.sort(xs.detach()).values, zd, right=True).to(z.dtype) / n
        fy = torch.searchsorted(torch.sort(ys.detach()).values, zd, right=True).to(z.dtype) / m
    gaps = z[1:] - z[:-1]
    return {"value": (gaps * (fx - fy).abs()).sum()}
