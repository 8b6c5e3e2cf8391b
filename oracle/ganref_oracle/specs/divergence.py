"""Divergences between distributions and samples (``divergence/*``)."""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import InputError, register
from ._common import require_rank, xlog_ratio
from ._discrete import _f_divergence, _hellinger_interior, _pair, Inputs


@register(
    "divergence/kl",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Kullback & Leibler 1951; Cover & Thomas, Elements of Information Theory, section 2.3",
)
def kl(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Kullback-Leibler divergence ``KL(p || q) = sum_i p_i log(p_i / q_i)`` over the last axis.

    Cover & Thomas, section 2.3, with the conventions ``0 log(0/q) = 0`` and ``p log(p/0) = +inf``
    (so ``KL = +inf`` as soon as some ``p_i > 0 = q_i``).
    """
    p, q = _pair("divergence/kl", x)
    return {"value": xlog_ratio(p, q).sum(dim=-1)}


@register(
    "divergence/jensen-shannon",
    inputs=("p", "q"),
    outputs=("value",),
    reference="Lin 1991 (JS with equal weights); Goodfellow et al. 2014, section 4.1",
)
def jensen_shannon(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Jensen-Shannon divergence ``JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m)``, ``m = (p+q)/2``.

    Lin 1991 (Divergence measures based on the Shannon entropy), with equal weights; as in
    Goodfellow et al. 2014, section 4.1. It is finite (``<= log 2``, reached for disjoint
    supports) because ``m_i > 0`` wherever ``p_i > 0`` or ``q_i > 0``.
    """
    p, q = _pair("divergence/jensen-shannon", x)
    m = 0.5 * (p + q)
    # p - m = (p - q) / 2, formed without the rounding of m
    kl_p_m = xlog_ratio(p, m, diff=0.5 * (p - q)).sum(dim=-1)
    kl_q_m = xlog_ratio(q, m, diff=0.5 * (q - p)).sum(dim=-1)
    return {"value": 0.5 * kl_p_m + 0.5 * kl_q_m}


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
