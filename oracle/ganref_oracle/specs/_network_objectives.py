"""Objectives whose players are networks given as data (CATALOG.md, B): the energy-based GAN,
the mode-regularized GAN and MIX+GAN. Networks travel as weight tensors (``nets.py``), so the
protocol's gradients with respect to them check backpropagation through the networks too.
Written from the papers, with torch primitives (``addmm``, ``logsigmoid``, ``softmax``,
``einsum``, ``vector_norm``)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch

from ..nets import layer_names
from ..registry import InputError

X = Mapping[str, Optional[torch.Tensor]]


def _number(minimum: float, strict: bool) -> Any:
    def check(value: Any) -> float:
        ok = (
            not isinstance(value, bool)
            and isinstance(value, (int, float))
            and value == value
            and abs(value) != float("inf")
            and (value > minimum if strict else value >= minimum)
        )
        if not ok:
            raise ValueError(f"expected a finite number {'>' if strict else '>='} {minimum}, got {value!r}")
        return float(value)

    return check


def _weights(spec: str, x: X, name: str, batch: torch.Tensor, batch_name: str) -> Optional[torch.Tensor]:
    w = x[name]
    if w is not None and tuple(w.shape) != (batch.shape[0],):
        raise InputError(
            f"{spec}: {name} must have shape [{batch.shape[0]}] like the rows of {batch_name}, got {list(w.shape)}"
        )
    return w


# --- objective/energy-based -------------------------------------------------------------------

_EB = "objective/energy-based"
_AE_REQUIRED, _AE_OPTIONAL = layer_names("ae", 2, 2)


# --- objective/mode-regularized ---------------------------------------------------------------

_MR = "objective/mode-regularized"
_NETS = ("enc", "gen", "disc")
_MR_REQUIRED = tuple(n for p in _NETS for n in layer_names(p, 2, 1)[0])
_MR_OPTIONAL = tuple(n for p in _NETS for n in layer_names(p, 2, 1)[1])


# --- objective/mix-gan ------------------------------------------------------------------------

_MIX = "objective/mix-gan"
