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
from typing import Any

import torch

from ..registry import InputError


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


def _bn_params(spec: str, d: int, gamma: torch.Tensor, beta: torch.Tensor) -> None:
    for name, p in (("gamma", gamma), ("beta", beta)):
        if tuple(p.shape) != (d,):
            raise InputError(f"{spec}: {name} must have shape [{d}], got {list(p.shape)}")


def _sigma(schedule: str, sigma0: float, steps: float, step: float) -> float:
    if schedule == "linear":
        return sigma0 * max(0.0, 1.0 - step / steps)
    return sigma0 * math.exp(-step / steps)
