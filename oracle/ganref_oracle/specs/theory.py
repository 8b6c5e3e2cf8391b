"""Results of the original GAN paper (Goodfellow et al. 2014, "Generative Adversarial Nets").

Proposition 1: for a fixed generator the optimal discriminator is
``D*_G(x) = p_data(x) / (p_data(x) + p_g(x))`` (eq. 2). Section 4.1: the virtual training
criterion ``C(G) = max_D V(G, D) = E_{x~p_data}[log D*_G(x)] + E_{x~p_g}[log(1 - D*_G(x))]``
(eq. 4), whose minimum ``-log 4`` is reached iff ``p_g = p_data`` (Theorem 1). Both are computed
here from these definitions, never through the Jensen-Shannon divergence.

And the neural-net distance over a finite family of discriminators (Arora et al. 2017).
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import InputError, Param, choice, register
from ._common import require_rank, require_same_shape, xlog_ratio


@register(
    "theory/optimal-discriminator",
    inputs=("pData", "pG"),
    outputs=("value",),
    reference="Goodfellow et al. 2014, Proposition 1, eq. 2",
)
def optimal_discriminator(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """``D*(x) = p_data(x) / (p_data(x) + p_g(x))`` elementwise (Goodfellow et al. 2014, eq. 2).

    Inputs are densities or masses ``>= 0`` of any (equal) shape, not both 0 at a point (there
    ``D*`` is undefined and the value is NaN).
    """
    spec = "theory/optimal-discriminator"
    p_data, p_g = x["pData"], x["pG"]
    require_same_shape(spec, "pData", p_data, "pG", p_g)
    return {"value": p_data / (p_data + p_g)}


@register(
    "theory/virtual-training-criterion",
    inputs=("pData", "pG"),
    outputs=("value",),
    reference="Goodfellow et al. 2014, section 4.1, eq. 4 and Theorem 1",
)
def virtual_training_criterion(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """``C(G) = V(D*, G) = sum_i pData_i log D*_i + pG_i log(1 - D*_i)`` over the last axis.

    Goodfellow et al. 2014, eq. 4, for discrete distributions (expectations become sums over
    the support ``{i : pData_i + pG_i > 0}``; outside it both terms vanish). With
    ``s_i = pData_i + pG_i``, ``D*_i = pData_i / s_i`` (eq. 2) and ``1 - D*_i = pG_i / s_i``
    (the same number, formed without the cancellation of ``1 - D*`` when ``D*`` is near 1).
    Each term ``a log(a / s)`` takes ``0 log 0 = 0``, so a point where only one distribution
    has mass contributes 0 through the other. Equal inputs on the simplex give ``-log 4``.
    """
    spec = "theory/virtual-training-criterion"
    p_data, p_g = x["pData"], x["pG"]
    require_rank(spec, "pData", p_data, at_least=1)
    require_same_shape(spec, "pData", p_data, "pG", p_g)
    s = p_data + p_g
    # pData * log D*  +  pG * log(1 - D*), with D* = pData / s and 1 - D* = pG / s.
    # (pData - s = -pG and pG - s = -pData are passed exactly, without the rounding of s.)
    expectation_data = xlog_ratio(p_data, s, diff=-p_g)
    expectation_g = xlog_ratio(p_g, s, diff=-p_data)
    return {"value": (expectation_data + expectation_g).sum(dim=-1)}


@register(
    "theory/neural-net-distance",
    inputs=("dReal", "dFake"),
    params=(Param("phi", "log", choice("log", "identity"), "the measuring function phi"),),
    outputs=("value", "members"),
    reference="Arora et al. 2017, Generalization and Equilibrium in GANs, section 3 (F-distance)",
)
def neural_net_distance(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``members[k] = mean_i phi(dReal[k, i]) + mean_j phi(1 - dFake[k, j]) - 2 phi(1/2)`` and
    ``value = max_k members[k]`` (the sup over the given finite family).

    ``phi = log`` needs values in (0, 1) (outside, the log gives -inf or NaN); ``phi = identity``
    takes any real values, and its members are ``E_mu[D] - E_nu[D]``.
    """
    spec = "theory/neural-net-distance"
    d_r, d_f = x["dReal"], x["dFake"]
    require_rank(spec, "dReal", d_r, exactly=2)
    require_rank(spec, "dFake", d_f, exactly=2)
    if d_r.shape[0] != d_f.shape[0]:
        raise InputError(f"{spec}: dReal has {d_r.shape[0]} members but dFake has {d_f.shape[0]}")
    if params["phi"] == "log":
        # log(1 - D) as log1p(-D): exact for the float32 inputs in float64, and accurate in float32.
        members = torch.log(d_r).mean(dim=1) + torch.log1p(-d_f).mean(dim=1) - 2.0 * math.log(0.5)
    else:
        members = d_r.mean(dim=1) + (1.0 - d_f).mean(dim=1) - 2.0 * 0.5
    return {"value": torch.amax(members), "members": members}
