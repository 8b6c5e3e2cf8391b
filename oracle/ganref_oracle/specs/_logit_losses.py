"""GAN objectives: a discriminator (critic) loss and a generator loss each (CATALOG.md, B).

Logit-based losses take the discriminator's logits ``l`` (``D = sigmoid(l)``) and are written
with ``softplus`` only, using ``log D = -softplus(-l)`` and ``log(1 - D) = -softplus(l)``; never
the log of a sigmoid. Every loss reduces per-example terms with optional per-example weights
(``reduction``: ``mean`` = sum(w l)/sum(w), ``sum``, ``none``); with ``none`` the two-sided
discriminator loss adds the real and fake terms elementwise and needs equal batch sizes.
"""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

import torch

from ..registry import InputError
from ._common import reduce_losses, require_rank, require_same_shape, softplus

_WEIGHTS = ("weightsReal", "weightsFake")


def _batches(
    spec: str, x: Mapping[str, Optional[torch.Tensor]], real: str, fake: str, reduction: str
) -> Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor], Optional[torch.Tensor]]:
    """The real and fake batches ``[n]``, ``[m]`` and their optional weights, shape-checked."""
    r, f = x[real], x[fake]
    w_r, w_f = x["weightsReal"], x["weightsFake"]
    require_rank(spec, real, r, exactly=1)
    require_rank(spec, fake, f, exactly=1)
    if w_r is not None:
        require_same_shape(spec, "weightsReal", w_r, real, r)
    if w_f is not None:
        require_same_shape(spec, "weightsFake", w_f, fake, f)
    if reduction == "none" and r.shape != f.shape:
        raise InputError(
            f"{spec}: reduction 'none' adds real and fake terms elementwise and needs equal "
            f"batch sizes, got {real} {list(r.shape)} and {fake} {list(f.shape)}"
        )
    return r, f, w_r, w_f


def _gan_discriminator_loss(l_r: torch.Tensor, l_f: torch.Tensor, w_r, w_f, reduction: str) -> torch.Tensor:
    """``-E[log D(x)] - E[log(1 - D(G(z)))] = E[softplus(-l_r)] + E[softplus(l_f)]``.

    The negated value function of Goodfellow et al. 2014, eq. 1, that the discriminator
    minimises (binary cross-entropy with real label 1 and fake label 0).
    """
    return reduce_losses(softplus(-l_r), w_r, reduction) + reduce_losses(softplus(l_f), w_f, reduction)
