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
from typing import Any, Optional

import torch


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


def _weighted_mean(f: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
    """``sum_i w_i f_i / sum_i w_i`` over the rows of ``[n, d]`` (the plain mean without weights)."""
    if w is None:
        return f.mean(dim=0)
    return torch.einsum("n,nd->d", w, f) / w.sum()
