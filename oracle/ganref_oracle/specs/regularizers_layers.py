"""Constraints, layers and a repelling penalty (CATALOG.md, section C), written from the papers.

* ``constraint/weight-clipping``: Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN",
  Algorithm 1, line 7: ``w <- clip(w, -c, c)``.
* ``constraint/spectral-norm``: Miyato et al. 2018, "Spectral Normalization for GANs",
  Algorithm 1: one or more power iterations ``v = W^T u / ||W^T u||``, ``u = W v / ||W v||`` from
  the persistent ``u``, ``sigma = u^T W v``, ``W_SN = W / sigma``; ``u`` and ``v`` carry no
  gradient, as in ``torch.nn.utils.spectral_norm``.
* ``layer/minibatch-discrimination``: Salimans et al. 2016, "Improved Techniques for Training
  GANs", section 3.2: ``o(x_i)_b = sum_{j=1}^n exp(-||M_{i,b} - M_{j,b}||_1)`` (j = i included).
* ``layer/virtual-batch-norm``: Salimans et al. 2016, section 3.5: each example normalised with
  the moments of the reference batch joined by the example itself (weights 1/(N+1) each).
* ``noise/instance-noise``: Sonderby et al. 2017; Arjovsky & Bottou 2017: ``x + sigma(t) eps``
  with ``sigma`` annealed (linear to 0 at ``steps``, or exponential with time constant ``steps``).
* ``penalty/pulling-away``: Zhao, Mathieu & LeCun 2017, "Energy-based GAN", section 2.4:
  the mean squared cosine similarity over ordered pairs of distinct rows.

Each is its own formulation (explicit stacking, einsum, torch primitives); none is translated from
the TypeScript.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F

from ..registry import InputError, Param, choice, register
from ._common import require_rank, require_same_shape


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _positive(value: Any) -> float:
    v = _number(value)
    if v <= 0:
        raise ValueError(f"expected a finite number > 0, got {value!r}")
    return v


def _non_negative(value: Any) -> float:
    v = _number(value)
    if v < 0:
        raise ValueError(f"expected a finite number >= 0, got {value!r}")
    return v


def _iterations(value: Any) -> int:
    v = _number(value)
    if v < 1 or v != int(v):
        raise ValueError(f"expected an integer >= 1, got {value!r}")
    return int(v)


def _abs(t: torch.Tensor) -> torch.Tensor:
    """``|t|`` as ``max(t, -t)``: subgradient 0 at 0 and, unlike ``abs`` on torch 1.13, a double
    backward that returns real (not "efficient zero") tensors."""
    return torch.maximum(t, -t)


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
        Param("outAxis", "first", choice("first", "last"), "axis of the output units: 'first' ([out, ...], PyTorch) or 'last' ([..., out], TF.js)"),
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
    mat = (w if params["outAxis"] == "first" else w.movedim(-1, 0)).reshape(w.shape[0] if params["outAxis"] == "first" else w.shape[-1], -1)
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


@register(
    "layer/minibatch-discrimination",
    inputs=("features", "tensor"),
    outputs=("output",),
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.2",
)
def minibatch_discrimination(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
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


def _bn_params(spec: str, d: int, gamma: torch.Tensor, beta: torch.Tensor) -> None:
    for name, p in (("gamma", gamma), ("beta", beta)):
        if tuple(p.shape) != (d,):
            raise InputError(f"{spec}: {name} must have shape [{d}], got {list(p.shape)}")


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


def _sigma(schedule: str, sigma0: float, steps: float, step: float) -> float:
    if schedule == "linear":
        return sigma0 * max(0.0, 1.0 - step / steps)
    return sigma0 * math.exp(-step / steps)


@register(
    "noise/instance-noise",
    inputs=("x", "noise"),
    params=(
        Param("schedule", "linear", choice("linear", "exponential"), "annealing of sigma"),
        Param("sigma0", 0.1, _non_negative, "sigma(0) >= 0"),
        Param("steps", 10000.0, _positive, "T > 0: length (linear) or time constant (exponential)"),
        Param("step", 0.0, _non_negative, "the training step t >= 0"),
    ),
    outputs=("noised", "sigma"),
    reference="Sonderby et al. 2017 (instance noise); Arjovsky & Bottou 2017, section 3.1",
)
def instance_noise(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``noised = x + sigma(t) noise``; ``sigma`` = ``sigma0 max(0, 1 - t/T)`` (linear) or
    ``sigma0 exp(-t/T)`` (exponential), returned as a scalar."""
    spec = "noise/instance-noise"
    xs, eps = x["x"], x["noise"]
    require_rank(spec, "x", xs, at_least=1)
    require_same_shape(spec, "x", xs, "noise", eps)
    s = _sigma(params["schedule"], params["sigma0"], params["steps"], params["step"])
    return {"noised": torch.add(xs, eps, alpha=s), "sigma": torch.tensor(s, dtype=xs.dtype)}


@register(
    "penalty/pulling-away",
    inputs=("representations",),
    outputs=("value",),
    reference="Zhao, Mathieu & LeCun 2017, Energy-based GAN, section 2.4 (eq. 6)",
)
def pulling_away(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``1/(N(N-1)) sum_{i != j} cos(S_i, S_j)^2`` over the flattened rows; a zero row is
    orthogonal to every row (its cosines are 0). Cosines from the Gram matrix divided by the outer
    product of the row norms."""
    spec = "penalty/pulling-away"
    s = x["representations"]
    require_rank(spec, "representations", s, at_least=2)
    n = s.shape[0]
    if n < 2:
        raise InputError(f"{spec}: representations need N >= 2 rows, got shape {list(s.shape)}")
    rows = s.flatten(start_dim=1)
    if rows.shape[1] == 0:
        raise InputError(f"{spec}: representations need at least one feature, got shape {list(s.shape)}")
    # Rows rescaled by a constant (detached) factor, so squares stay in range; the term is scale-free.
    peak = _abs(rows).amax(dim=1, keepdim=True).detach()
    rows = rows / torch.where(peak > 0, peak, torch.ones_like(peak))
    gram = rows @ rows.t()
    sq = torch.diagonal(gram)
    nonzero = sq > 0
    norms = torch.sqrt(torch.where(nonzero, sq, torch.ones_like(sq)))
    cos = gram / torch.outer(norms, norms)
    both = nonzero.unsqueeze(0) & nonzero.unsqueeze(1)
    off = ~torch.eye(n, dtype=torch.bool)
    terms = torch.where(both & off, cos, torch.zeros_like(cos)) ** 2
    return {"value": terms.sum() / (n * (n - 1))}
