"""Constraints on the weights (``constraint/*``)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F

from ..registry import choice, InputError, Param, register
from ._common import require_rank
from ._layers import _iterations, _positive


@register(
    "constraint/weight-clipping",
    inputs=("weights",),
    params=(Param("c", 0.01, _positive, "the clipping bound c > 0"),),
    outputs=("clipped",),
    reference="Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, Algorithm 1 (line 7)",
)
def weight_clipping(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``clipped = clamp(w, -c, c)`` elementwise (derivative 1 inside, 0 outside)."""
    c = params["c"]
    return {"clipped": torch.clamp(x["weights"], min=-c, max=c)}


@register(
    "constraint/spectral-norm",
    inputs=("weight", "u"),
    params=(
        Param("iterations", 1, _iterations, "power iterations per call, an integer >= 1"),
        Param(
            "outAxis",
            "first",
            choice("first", "last"),
            "axis of the output units: 'first' ([out, ...], PyTorch) or 'last' ([..., out], TF.js)",
        ),
    ),
    outputs=("normalized", "sigma", "u"),
    reference="Miyato et al. 2018, Spectral Normalization for GANs, eq. 8 and Algorithm 1",
)
def spectral_norm(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``normalized = W / sigma``, ``sigma = u^T W v`` after ``iterations`` power iterations, ``u``
    the updated left vector. The matrix is ``W`` with its output axis moved first and the rest
    flattened (a conv kernel as a ``d_out x (d_in h w)`` matrix, the paper's appendix)."""
    spec = "constraint/spectral-norm"
    w, u = x["weight"], x["u"]
    require_rank(spec, "weight", w, at_least=2)
    require_rank(spec, "u", u, exactly=1)
    mat = (w if params["outAxis"] == "first" else w.movedim(-1, 0)).reshape(
        w.shape[0] if params["outAxis"] == "first" else w.shape[-1], -1
    )
    if u.shape[0] != mat.shape[0]:
        raise InputError(f"{spec}: u has {u.shape[0]} elements but weight has {mat.shape[0]} output units")
    with torch.no_grad():
        m = mat.detach()
        u_k = u.detach()
        v_k = u_k
        for _ in range(params["iterations"]):
            v_k = F.normalize(torch.mv(m.t(), u_k), dim=0, eps=1e-12)
            u_k = F.normalize(torch.mv(m, v_k), dim=0, eps=1e-12)
    sigma = torch.dot(u_k, torch.mv(mat, v_k))
    return {"normalized": w / sigma, "sigma": sigma, "u": u_k.clone()}
