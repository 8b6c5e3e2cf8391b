"""Divergences between discrete distributions (CATALOG.md, section A).

Inputs are probability vectors on the last axis (``[..., k]``); masses of 0 are allowed, with
``0 log(0/q) = 0`` and ``p log(p/0) = +inf`` for ``p > 0``. Logs are natural. The vectors are
used as given (not renormalised), so the formulas are also defined off the simplex.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import register
from ._common import require_rank, require_same_shape, xlog_ratio


def _pair(spec: str, x: Mapping[str, Optional[torch.Tensor]]):
    p, q = x["p"], x["q"]
    require_rank(spec, "p", p, at_least=1)
    require_same_shape(spec, "p", p, "q", q)
    return p, q


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
def jensen_shannon(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
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
