"""Noise added to the inputs (``noise/*``): instance noise."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import choice, Param, register
from ._common import require_rank, require_same_shape
from ._layers import _non_negative, _positive, _sigma


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
