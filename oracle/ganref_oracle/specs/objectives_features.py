"""Objectives and a distance built on samples and features (CATALOG.md, A and B).

* ``objective/loss-sensitive``: the LS-GAN of Qi 2017, "Loss-Sensitive Generative Adversarial
  Networks on Lipschitz Densities", section 3: the loss function ``L_theta`` minimises
  ``S = E[L(x)] + lambda E[(Delta(x, G(z)) + L(x) - L(G(z)))_+]`` and the generator minimises
  ``T = E[L(G(z))]``.
* ``objective/feature-matching``: Salimans et al. 2016, "Improved Techniques for Training GANs",
  section 3.1: the generator minimises ``||E_x f(x) - E_z f(G(z))||_2^2``.
* ``theory/neural-net-distance``: Arora, Ge, Liang, Ma & Zhang 2017, "Generalization and
  Equilibrium in Generative Adversarial Nets", section 3, the F-distance
  ``d_{F,phi}(mu, nu) = sup_{D in F} E_mu[phi(D(x))] + E_nu[phi(1 - D(x))] - 2 phi(1/2)``,
  here over a finite family given by its values on the two samples.

Each is written from the paper's formula as it stands (the TypeScript side uses other, equivalent
forms), in float64 unless the client asks for float32.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import REDUCTION, InputError, Param, choice, register
from ._common import reduce_losses, require_rank, require_same_shape


def _non_negative(value: Any) -> float:
    """A finite number >= 0 (booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"expected a finite number >= 0, got {value!r}")
    return float(value)


def _margin(x_r: torch.Tensor, x_f: torch.Tensor, kind: str) -> torch.Tensor:
    """``Delta(x_r[i], x_f[i])``: the l1 or l2 distance of each pair over all non-batch axes.

    l2: ``torch.linalg.vector_norm``, whose backward is 0 at a zero vector (a subgradient), not
    NaN. l1: ``sum max(d, -d)``, NOT ``abs`` or ``vector_norm(ord=1)``: on torch 1.13 their
    double backward returns an "efficient zero tensor" with no storage, which ``.numpy()`` reads
    as garbage (the HVPs came back as random numbers). ``maximum``'s gradient splits a tie
    evenly, so at ``d = 0`` the subgradient is ``0``, as for ``abs``.
    """
    diff = (x_r - x_f).flatten(start_dim=1)
    if kind == "l1":
        return torch.maximum(diff, -diff).sum(dim=1)
    return torch.linalg.vector_norm(diff, ord=2, dim=1)


@register(
    "objective/loss-sensitive",
    inputs=("lossReal", "lossFake", "xReal", "xFake"),
    optional=("weights",),
    params=(
        Param("lambda", 1.0, _non_negative, "weight of the margin (hinge) term, >= 0"),
        Param("margin", "l1", choice("l1", "l2"), "Delta: 'l1' sum |x_r - x_f|, 'l2' ||x_r - x_f||_2"),
        REDUCTION,
    ),
    outputs=("discriminator", "generator"),
    reference="Qi 2017, Loss-Sensitive GANs on Lipschitz Densities, section 3 (S and T)",
)
def loss_sensitive(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """LS-GAN, the pairs ``(x_r[i], x_f[i])`` standing for the paper's ``(x, G(z))``.

    ``discriminator = reduce(L_r + lambda * max(0, Delta + L_r - L_f))`` (the paper's ``S``,
    per pair), ``generator = reduce(L_f)`` (``T``), with the same per-pair weights.
    """
    spec = "objective/loss-sensitive"
    l_r, l_f, x_r, x_f, w = x["lossReal"], x["lossFake"], x["xReal"], x["xFake"], x["weights"]
    require_rank(spec, "lossReal", l_r, exactly=1)
    require_same_shape(spec, "lossReal", l_r, "lossFake", l_f)
    require_rank(spec, "xReal", x_r, at_least=2)
    require_same_shape(spec, "xReal", x_r, "xFake", x_f)
    if x_r.shape[0] != l_r.shape[0]:
        raise InputError(f"{spec}: xReal has {x_r.shape[0]} rows but lossReal has {l_r.shape[0]} values")
    if w is not None:
        require_same_shape(spec, "weights", w, "lossReal", l_r)
    lam, reduction = params["lambda"], params["reduction"]
    violation = torch.clamp(_margin(x_r, x_f, params["margin"]) + l_r - l_f, min=0)
    objective = l_r + lam * violation
    return {
        "discriminator": reduce_losses(objective, w, reduction),
        "generator": reduce_losses(l_f, w, reduction),
    }


def _weighted_mean(f: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
    """``sum_i w_i f_i / sum_i w_i`` over the rows of ``[n, d]`` (the plain mean without weights)."""
    if w is None:
        return f.mean(dim=0)
    return torch.einsum("n,nd->d", w, f) / w.sum()


@register(
    "objective/feature-matching",
    inputs=("featuresReal", "featuresFake"),
    optional=("weightsReal", "weightsFake"),
    outputs=("generator",),
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.1",
)
def feature_matching(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """``generator = ||mu_r - mu_f||_2^2`` summed over every feature (non-batch axes flattened),
    ``mu`` the (weighted) batch means of the discriminator features."""
    spec = "objective/feature-matching"
    f_r, f_f = x["featuresReal"], x["featuresFake"]
    w_r, w_f = x["weightsReal"], x["weightsFake"]
    require_rank(spec, "featuresReal", f_r, at_least=2)
    require_rank(spec, "featuresFake", f_f, at_least=2)
    if tuple(f_r.shape[1:]) != tuple(f_f.shape[1:]):
        raise InputError(f"{spec}: feature shapes differ: {list(f_r.shape)} and {list(f_f.shape)}")
    for name, w, f in (("weightsReal", w_r, f_r), ("weightsFake", w_f, f_f)):
        if w is not None and tuple(w.shape) != (f.shape[0],):
            raise InputError(f"{spec}: {name} must have shape [{f.shape[0]}], got {list(w.shape)}")
    gap = _weighted_mean(f_r.flatten(start_dim=1), w_r) - _weighted_mean(f_f.flatten(start_dim=1), w_f)
    return {"generator": torch.dot(gap, gap)}


@register(
    "theory/neural-net-distance",
    inputs=("dReal", "dFake"),
    params=(Param("phi", "log", choice("log", "identity"), "the measuring function phi"),),
    outputs=("value", "members"),
    reference="Arora et al. 2017, Generalization and Equilibrium in GANs, section 3 (F-distance)",
)
def neural_net_distance(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
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
