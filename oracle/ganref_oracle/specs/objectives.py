"""GAN objectives: a discriminator (critic) loss and a generator loss each (CATALOG.md, B).

Logit-based losses take the discriminator's logits ``l`` (``D = sigmoid(l)``) and are written
with ``softplus`` only, using ``log D = -softplus(-l)`` and ``log(1 - D) = -softplus(l)``; never
the log of a sigmoid. Every loss reduces per-example terms with optional per-example weights
(``reduction``: ``mean`` = sum(w l)/sum(w), ``sum``, ``none``); with ``none`` the two-sided
discriminator loss adds the real and fake terms elementwise and needs equal batch sizes.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

import torch

from ..registry import REDUCTION, InputError, register
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


def _gan_discriminator_loss(
    l_r: torch.Tensor, l_f: torch.Tensor, w_r, w_f, reduction: str
) -> torch.Tensor:
    """``-E[log D(x)] - E[log(1 - D(G(z)))] = E[softplus(-l_r)] + E[softplus(l_f)]``.

    The negated value function of Goodfellow et al. 2014, eq. 1, that the discriminator
    minimises (binary cross-entropy with real label 1 and fake label 0).
    """
    return reduce_losses(softplus(-l_r), w_r, reduction) + reduce_losses(softplus(l_f), w_f, reduction)


@register(
    "objective/minimax",
    inputs=("logitsReal", "logitsFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=("discriminator", "generator"),
    reference="Goodfellow et al. 2014, eq. 1 and Algorithm 1",
)
def minimax(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """The minimax GAN game ``min_G max_D V(D, G)`` (Goodfellow et al. 2014, eq. 1).

    ``discriminator = E[softplus(-l_r)] + E[softplus(l_f)]`` (= ``-V``);
    ``generator = E[log(1 - D(G(z)))] = -E[softplus(l_f)]`` (the saturating loss that
    Algorithm 1 descends).
    """
    reduction = params["reduction"]
    l_r, l_f, w_r, w_f = _batches("objective/minimax", x, "logitsReal", "logitsFake", reduction)
    return {
        "discriminator": _gan_discriminator_loss(l_r, l_f, w_r, w_f, reduction),
        "generator": -reduce_losses(softplus(l_f), w_f, reduction),
    }


@register(
    "objective/non-saturating",
    inputs=("logitsReal", "logitsFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=("discriminator", "generator"),
    reference="Goodfellow et al. 2014, section 3 (maximise log D(G(z)))",
)
def non_saturating(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """The non-saturating game: D as in minimax, G maximises ``log D(G(z))``.

    Goodfellow et al. 2014, section 3: "Rather than training G to minimize log(1 - D(G(z))) we
    can train G to maximize log D(G(z))". ``generator = -E[log D(G(z))] = E[softplus(-l_f)]``.
    """
    reduction = params["reduction"]
    l_r, l_f, w_r, w_f = _batches(
        "objective/non-saturating", x, "logitsReal", "logitsFake", reduction
    )
    return {
        "discriminator": _gan_discriminator_loss(l_r, l_f, w_r, w_f, reduction),
        "generator": reduce_losses(softplus(-l_f), w_f, reduction),
    }


@register(
    "objective/wasserstein",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=("discriminator", "generator"),
    reference="Arjovsky et al. 2017, section 3 (Kantorovich-Rubinstein duality) and Algorithm 1",
)
def wasserstein(
    x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    """WGAN (Arjovsky et al. 2017): the critic maximises ``E[c_r] - E[c_f]`` over
    (clipped, hence Lipschitz) critics, the Kantorovich-Rubinstein dual of W1 (section 3).

    ``discriminator = E[c_f] - E[c_r]`` (the critic's loss, minimised);
    ``generator = -E[c_f]`` (the generator step of Algorithm 1).
    """
    reduction = params["reduction"]
    c_r, c_f, w_r, w_f = _batches(
        "objective/wasserstein", x, "criticReal", "criticFake", reduction
    )
    return {
        "discriminator": reduce_losses(c_f, w_f, reduction) - reduce_losses(c_r, w_r, reduction),
        "generator": -reduce_losses(c_f, w_f, reduction),
    }
