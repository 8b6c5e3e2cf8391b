"""Gradient penalties (CATALOG.md, C): WGAN-GP, DRAGAN, R1/R2 and the noise-induced regularizer of
Roth et al. The critic is a multilayer perceptron given as data (``nets.py``, prefix ``critic``),
so the protocol's gradients with respect to its weights differentiate the input gradient
``grad_x D`` once more: the double-backprop cross-check of the penalties.

Written from the papers with torch autograd: ``torch.autograd.grad(..., create_graph=True)`` for
the per-example input gradients (the critic's outputs are independent per example, so the gradient
of their sum is per example), ``torch.linalg.vector_norm`` over the flattened non-batch axes for
the norms, and ``torch.lerp`` for the interpolates.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch

from ..nets import ALPHA, activation_param, collect_layers, forward, input_width, layer_names, output_width
from ..registry import InputError, Param, register

X = Mapping[str, Optional[torch.Tensor]]

_CRITIC_REQUIRED, _CRITIC_OPTIONAL = layer_names("critic", 2, 1)


def _number(minimum: float) -> Any:
    def check(value: Any) -> float:
        ok = (
            not isinstance(value, bool)
            and isinstance(value, (int, float))
            and value == value
            and abs(value) != float("inf")
            and value >= minimum
        )
        if not ok:
            raise ValueError(f"expected a finite number >= {minimum}, got {value!r}")
        return float(value)

    return check


def _critic_params(default_output: str = "linear"):
    return (
        activation_param("activation", "relu", "hidden activation of the critic"),
        activation_param("outputActivation", default_output, "output activation of the critic (its score or logit)"),
        ALPHA,
    )


def _critic(spec: str, x: X, params: Mapping[str, Any], *batches: str):
    """The critic as a function ``[n, d] -> [n]`` after checking its layers and the batches."""
    layers = collect_layers(spec, x, "critic")
    if output_width(layers) != 1:
        raise InputError(f"{spec}: the critic must have one output, it has {output_width(layers)}")
    d = input_width(layers)
    for name in batches:
        t = x[name]
        if t is None or t.dim() != 2 or t.shape[1] != d:
            raise InputError(
                f"{spec}: {name} must be a batch [n, {d}] for the critic, got {None if t is None else list(t.shape)}"
            )

    def score(h: torch.Tensor) -> torch.Tensor:
        return forward(layers, h, params["activation"], params["outputActivation"], params["alpha"])[:, 0]

    return score


def _input_gradients(score, points: torch.Tensor):
    """(scores [n], grad_x score(x) [n, d]) with the graph kept for double backprop.

    ``points`` may not require grad (when no input it depends on is differentiated); it is then
    made a leaf, which changes nothing for gradients with respect to the critic's weights.
    """
    if not points.requires_grad:
        points = points.detach().requires_grad_(True)
    s = score(points)
    (g,) = torch.autograd.grad(s, points, grad_outputs=torch.ones_like(s), create_graph=True)
    return s, g


def _norms(g: torch.Tensor) -> torch.Tensor:
    """Per-example Euclidean norms over every non-batch axis; rows that are exactly 0 give 0 with a
    zero derivative of every order (the norm is evaluated on a replacement row of ones there,
    masked out afterwards), instead of the 0/0 of the norm's backward formula."""
    flat = g.flatten(1)
    nonzero = (flat != 0).any(dim=1)
    safe = torch.where(nonzero[:, None], flat, torch.ones_like(flat))
    return torch.linalg.vector_norm(safe, ord=2, dim=1) * nonzero.to(g.dtype)


# --- penalty/gradient-penalty -----------------------------------------------------------------

_GP = "penalty/gradient-penalty"


# --- penalty/dragan ---------------------------------------------------------------------------

_DRAGAN = "penalty/dragan"


# --- penalty/r1, penalty/r2 -------------------------------------------------------------------

_R1, _R2 = "penalty/r1", "penalty/r2"


def _zero_centred(spec: str, name: str, x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    score = _critic(spec, x, params, name)
    _, g = _input_gradients(score, x[name])
    # ||g||^2 as a dot product of each flattened row with itself: no square root anywhere.
    flat = g.flatten(1)
    return {"penalty": 0.5 * params["gamma"] * torch.einsum("ij,ij->i", flat, flat).mean()}


_GAMMA_R = Param("gamma", 10.0, _number(0.0), "gamma >= 0; the penalty is gamma/2 * E[||grad D||^2]")


@register(
    _R1,
    inputs=("xReal",) + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(_GAMMA_R,) + _critic_params(),
    outputs=("penalty",),
    reference="Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?, eq. 9",
)
def r1(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``gamma/2 * E_{P_D}[||grad D(x)||^2]`` on the real batch."""
    return _zero_centred(_R1, "xReal", x, params)


@register(
    _R2,
    inputs=("xFake",) + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(_GAMMA_R,) + _critic_params(),
    outputs=("penalty",),
    reference="Mescheder, Geiger & Nowozin 2018, Which Training Methods for GANs do actually Converge?, eq. 10",
)
def r2(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``gamma/2 * E_{P_theta}[||grad D(x)||^2]`` on the generated batch."""
    return _zero_centred(_R2, "xFake", x, params)


# --- penalty/noise-induced --------------------------------------------------------------------

_NI = "penalty/noise-induced"
