"""Layers (``layer/*``): minibatch discrimination, virtual batch normalization."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import InputError, Param, register
from ._common import require_rank
from ._layers import _abs, _bn_params, _positive


@register(
    "layer/minibatch-discrimination",
    inputs=("features", "tensor"),
    outputs=("output",),
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.2",
)
def minibatch_discrimination(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """``output = [f, o]`` with ``o[i, b] = sum_j exp(-sum_c |M[i,b,c] - M[j,b,c]|)``, ``M = f . T``
    (all j, the example itself included, so ``o >= 1``)."""
    spec = "layer/minibatch-discrimination"
    f, t = x["features"], x["tensor"]
    require_rank(spec, "features", f, exactly=2)
    require_rank(spec, "tensor", t, exactly=3)
    if t.shape[0] != f.shape[1]:
        raise InputError(f"{spec}: tensor has first axis {t.shape[0]} but features have {f.shape[1]} columns")
    m = torch.einsum("na,abc->nbc", f, t)
    l1 = _abs(m.unsqueeze(1) - m.unsqueeze(0)).sum(dim=-1)  # [n, n, B]
    o = torch.exp(-l1).sum(dim=1)
    return {"output": torch.cat([f, o], dim=1)}


@register(
    "layer/virtual-batch-norm",
    inputs=("x", "reference", "gamma", "beta"),
    params=(Param("epsilon", 1e-5, _positive, "epsilon > 0 added to the variance"),),
    outputs=("normalized", "referenceNormalized"),
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.5",
)
def virtual_batch_norm(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """For every example ``x_i``: the biased mean and variance of the ``N + 1`` rows
    ``reference ∪ {x_i}`` (stacked explicitly), ``gamma (x_i - mean) / sqrt(var + eps) + beta``;
    ``referenceNormalized``: the reference batch with its own biased moments."""
    spec = "layer/virtual-batch-norm"
    xs, ref, gamma, beta = x["x"], x["reference"], x["gamma"], x["beta"]
    require_rank(spec, "x", xs, exactly=2)
    require_rank(spec, "reference", ref, exactly=2)
    if xs.shape[1] != ref.shape[1]:
        raise InputError(f"{spec}: x has {xs.shape[1]} features but reference has {ref.shape[1]}")
    _bn_params(spec, ref.shape[1], gamma, beta)
    eps = params["epsilon"]
    n, r = xs.shape[0], ref.shape[0]
    pooled = torch.cat([ref.unsqueeze(0).expand(n, r, ref.shape[1]), xs.unsqueeze(1)], dim=1)  # [n, N+1, d]
    mean = pooled.mean(dim=1)
    var = pooled.var(dim=1, unbiased=False)
    normalized = gamma * (xs - mean) / torch.sqrt(var + eps) + beta
    ref_mean = ref.mean(dim=0)
    ref_var = ref.var(dim=0, unbiased=False)
    reference_normalized = gamma * (ref - ref_mean) / torch.sqrt(ref_var + eps) + beta
    return {"normalized": normalized, "referenceNormalized": reference_normalized}
