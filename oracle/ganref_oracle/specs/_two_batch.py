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
from typing import Any, Mapping, Optional, Tuple

import torch

from ..registry import InputError
from ._common import require_rank, require_same_shape

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
    spec: str,
    x: Mapping[str, Optional[torch.Tensor]],
    real: str,
    fake: str,
    *,
    paired: bool,
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


# --------------------------------------------------------------------------------------------
# Hinge loss


# --------------------------------------------------------------------------------------------
# Relativistic GANs


def _weighted_mean(c: torch.Tensor, w: Optional[torch.Tensor]) -> torch.Tensor:
    """The batch estimate of ``E[C]``: sum(w C) / sum(w), the plain mean without weights."""
    return c.mean() if w is None else torch.dot(w, c) / w.sum()


# --------------------------------------------------------------------------------------------
# One-sided label smoothing
