"""Loss objectives: least-squares, hinge, relativistic and one-sided label smoothing (CATALOG.md, B).

Written from the papers, each with torch primitives of its own (``mse_loss``, ``minimum``,
``logsigmoid``, ``binary_cross_entropy_with_logits``). Every loss takes a real and a fake batch
``[n]``, ``[m]`` with optional per-example weights ``weightsReal``, ``weightsFake`` and reduces
with ``reduction`` (``mean`` = sum(w l)/sum(w), ``sum`` = sum(w l), ``none`` = w l, the two
batches' terms added elementwise, which needs n = m). PROTOCOL.md, "Loss objectives", is the
contract.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional, Tuple

import torch
import torch.nn.functional as F

from ..registry import REDUCTION, InputError, Param, choice, register
from ._common import reduce_losses, require_rank, require_same_shape

_WEIGHTS = ("weightsReal", "weightsFake")
_OUTPUTS = ("discriminator", "generator")


def _finite_number(value: Any) -> float:
    """A JSON number (not a boolean) that is finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _smoothing_target(value: Any) -> float:
    """The real-data target of one-sided label smoothing, in (0, 1]."""
    alpha = _finite_number(value)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"expected a number in (0, 1], got {value!r}")
    return alpha


def _two_batches(
    spec: str, x: Mapping[str, Optional[torch.Tensor]], real: str, fake: str, *, paired: bool,
    reduction: str,
) -> Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Rank-1 batches, weights of their shapes; equal lengths when paired or under 'none'."""
    r, f = x[real], x[fake]
    require_rank(spec, real, r, exactly=1)
    require_rank(spec, fake, f, exactly=1)
    w_r, w_f = x["weightsReal"], x["weightsFake"]
    if w_r is not None:
        require_same_shape(spec, "weightsReal", w_r, real, r)
    if w_f is not None:
        require_same_shape(spec, "weightsFake", w_f, fake, f)
    if (paired or reduction == "none") and r.shape != f.shape:
        why = "pairs real and fake samples" if paired else "adds real and fake terms elementwise"
        raise InputError(
            f"{spec}: this loss {why} and needs equal batch sizes, got {real} {list(r.shape)} "
            f"and {fake} {list(f.shape)}"
        )
    return r, f, w_r, w_f


# --------------------------------------------------------------------------------------------
# Least squares GAN


@register(
    "objective/least-squares",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(
        REDUCTION,
        Param("a", 0.0, _finite_number, "the discriminator's target for fake data"),
        Param("b", 1.0, _finite_number, "the discriminator's target for real data"),
        Param("c", 1.0, _finite_number, "the value the generator wants D to give fake data"),
    ),
    outputs=_OUTPUTS,
    reference="Mao et al. 2017, Least Squares Generative Adversarial Networks, eq. 2",
)
def least_squares(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """LSGAN (Mao et al. 2017, eq. 2) on the raw (linear) discriminator output ``D``:

    ``min_D 1/2 E_x[(D(x) - b)^2] + 1/2 E_z[(D(G(z)) - a)^2]`` and
    ``min_G 1/2 E_z[(D(G(z)) - c)^2]``; each squared error is half of torch's elementwise MSE.
    """
    reduction = params["reduction"]
    d_r, d_f, w_r, w_f = _two_batches(
        "objective/least-squares", x, "criticReal", "criticFake", paired=False, reduction=reduction
    )

    def half_mse(d: torch.Tensor, target: float) -> torch.Tensor:
        return 0.5 * F.mse_loss(d, torch.full_like(d, target), reduction="none")

    return {
        "discriminator": reduce_losses(half_mse(d_r, params["b"]), w_r, reduction)
        + reduce_losses(half_mse(d_f, params["a"]), w_f, reduction),
        "generator": reduce_losses(half_mse(d_f, params["c"]), w_f, reduction),
    }


# --------------------------------------------------------------------------------------------
# Hinge loss


@register(
    "objective/hinge",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=_OUTPUTS,
    reference="Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization, eq. 16-17",
)
def hinge(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Hinge GAN in the form of Miyato et al. 2018, eq. 16-17: the critic maximises
    ``V_D = E[min(0, -1 + D(x))] + E[min(0, -1 - D(G(z)))]``, so its loss is ``-V_D``; the
    generator minimises ``-E[D(G(z))]``.

    At a kink (``D(x) = 1`` or ``D(G(z)) = -1``) ``torch.minimum`` splits the gradient between
    its tied arguments, so this server returns half the one-sided slope there; the loss is not
    differentiable at those points and clients compare gradients only away from them.
    """
    reduction = params["reduction"]
    c_r, c_f, w_r, w_f = _two_batches(
        "objective/hinge", x, "criticReal", "criticFake", paired=False, reduction=reduction
    )
    zero = torch.zeros((), dtype=c_r.dtype)
    v_real = torch.minimum(zero, c_r - 1.0)
    v_fake = torch.minimum(zero, -1.0 - c_f)
    return {
        "discriminator": -(reduce_losses(v_real, w_r, reduction) + reduce_losses(v_fake, w_f, reduction)),
        "generator": -reduce_losses(c_f, w_f, reduction),
    }


# --------------------------------------------------------------------------------------------
# Relativistic GANs


def _weighted_mean(c: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
    """The batch estimate of ``E[C]``: sum(w C) / sum(w), the plain mean without weights."""
    return c.mean() if w is None else torch.dot(w, c) / w.sum()


@register(
    "objective/relativistic",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(
        REDUCTION,
        Param("variant", "standard", choice("standard", "average"),
              "'standard' (RSGAN, paired samples) or 'average' (RaSGAN)"),
    ),
    outputs=_OUTPUTS,
    reference="Jolicoeur-Martineau 2018, The relativistic discriminator, section 4 (RSGAN, RaSGAN)",
)
def relativistic(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Relativistic standard and average GANs (Jolicoeur-Martineau 2018), ``C`` the critic's
    non-transformed output and ``D(x_r, x_f) = sigmoid(C(x_r) - C(x_f))``:

    * standard: ``L_D = -E[log sigmoid(C(x_r) - C(x_f))]`` over pairs ``(x_r[i], x_f[i])``,
      ``L_G = -E[log sigmoid(C(x_f) - C(x_r))]``; pair ``i`` has weight ``w_r[i] * w_f[i]``.
    * average: ``D~(x_r) = sigmoid(C(x_r) - E[C(x_f)])``, ``D~(x_f) = sigmoid(C(x_f) - E[C(x_r)])``,
      ``L_D = -E_r[log D~(x_r)] - E_f[log(1 - D~(x_f))]`` and
      ``L_G = -E_f[log D~(x_f)] - E_r[log(1 - D~(x_r))]``; the inner ``E`` are weighted means,
      and ``log(1 - sigmoid(t)) = logsigmoid(-t)``.
    """
    reduction, variant = params["reduction"], params["variant"]
    c_r, c_f, w_r, w_f = _two_batches(
        "objective/relativistic", x, "criticReal", "criticFake",
        paired=variant == "standard", reduction=reduction,
    )
    if variant == "standard":
        if w_r is None and w_f is None:
            w = None
        else:
            ones = torch.ones_like(c_r)
            w = (ones if w_r is None else w_r) * (ones if w_f is None else w_f)
        return {
            "discriminator": reduce_losses(-F.logsigmoid(c_r - c_f), w, reduction),
            "generator": reduce_losses(-F.logsigmoid(c_f - c_r), w, reduction),
        }
    real_vs_fakes = c_r - _weighted_mean(c_f, w_f)  # logit of D~(x_r)
    fake_vs_reals = c_f - _weighted_mean(c_r, w_r)  # logit of D~(x_f)
    return {
        "discriminator": reduce_losses(-F.logsigmoid(real_vs_fakes), w_r, reduction)
        + reduce_losses(-F.logsigmoid(-fake_vs_reals), w_f, reduction),
        "generator": reduce_losses(-F.logsigmoid(fake_vs_reals), w_f, reduction)
        + reduce_losses(-F.logsigmoid(-real_vs_fakes), w_r, reduction),
    }


# --------------------------------------------------------------------------------------------
# One-sided label smoothing


@register(
    "objective/label-smoothing",
    inputs=("logitsReal", "logitsFake"),
    optional=_WEIGHTS,
    params=(
        REDUCTION,
        Param("alpha", 0.9, _smoothing_target, "the discriminator's target for real data, in (0, 1]"),
    ),
    outputs=_OUTPUTS,
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.4",
)
def label_smoothing(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """One-sided label smoothing (Salimans et al. 2016, section 3.4): the discriminator's
    binary cross-entropy with target ``alpha`` for real data and ``0`` for generated data,
    from logits (torch's ``binary_cross_entropy_with_logits`` with soft targets); the generator
    keeps the non-saturating loss ``-E[log sigmoid(l_f)]`` (cross-entropy with target 1).
    """
    reduction = params["reduction"]
    l_r, l_f, w_r, w_f = _two_batches(
        "objective/label-smoothing", x, "logitsReal", "logitsFake", paired=False, reduction=reduction
    )
    alpha = params["alpha"]

    def bce(logits: torch.Tensor, target: float) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target), reduction="none")

    return {
        "discriminator": reduce_losses(bce(l_r, alpha), w_r, reduction)
        + reduce_losses(bce(l_f, 0.0), w_f, reduction),
        "generator": reduce_losses(bce(l_f, 1.0), w_f, reduction),
    }
