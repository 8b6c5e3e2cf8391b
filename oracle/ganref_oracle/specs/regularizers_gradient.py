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
from ..registry import InputError, Param, choice, register

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
            raise InputError(f"{spec}: {name} must be a batch [n, {d}] for the critic, got {None if t is None else list(t.shape)}")

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


@register(
    _GP,
    inputs=("xReal", "xFake", "epsilon") + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(
        Param("lambda", 10.0, _number(0.0), "the penalty coefficient lambda >= 0"),
        Param("sided", "two", choice("two", "one"), "'two': (|g| - 1)^2; 'one': max(0, |g| - 1)^2"),
    ) + _critic_params(),
    outputs=("penalty",),
    reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs, eq. 3 and Algorithm 1",
)
def gradient_penalty(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``lambda * mean_i (||grad D(x_hat_i)|| - 1)^2`` with ``x_hat_i = eps_i x_r,i + (1 - eps_i) x_f,i``.

    ``torch.lerp(x_f, x_r, eps)`` is ``x_f + eps (x_r - x_f)``, the same point as Algorithm 1's
    ``eps x + (1 - eps) x_tilde``.
    """
    score = _critic(_GP, x, params, "xReal", "xFake")
    xr, xf, eps = x["xReal"], x["xFake"], x["epsilon"]
    if tuple(xr.shape) != tuple(xf.shape):
        raise InputError(f"{_GP}: xFake has shape {list(xf.shape)} but xReal has {list(xr.shape)}")
    if tuple(eps.shape) != (xr.shape[0],):
        raise InputError(f"{_GP}: epsilon must have shape [{xr.shape[0]}] (one weight per example), got {list(eps.shape)}")
    if bool(((eps < 0) | (eps > 1)).any()):
        raise InputError(f"{_GP}: epsilon must lie in [0, 1]")
    x_hat = torch.lerp(xf, xr, eps[:, None].expand_as(xr))
    _, g = _input_gradients(score, x_hat)
    excess = _norms(g) - 1.0
    if params["sided"] == "one":
        excess = torch.clamp(excess, min=0.0)
    return {"penalty": params["lambda"] * (excess * excess).mean()}


# --- penalty/dragan ---------------------------------------------------------------------------

_DRAGAN = "penalty/dragan"


@register(
    _DRAGAN,
    inputs=("xReal", "noise") + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(
        Param("lambda", 10.0, _number(0.0), "the penalty coefficient lambda >= 0"),
        Param("k", 1.0, _number(0.0), "the target gradient norm k >= 0"),
    ) + _critic_params(),
    outputs=("penalty",),
    reference="Kodali, Abernethy, Hays & Kira 2017, On Convergence and Stability of GANs, section 5",
)
def dragan(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``lambda * mean_i (||grad D(x_i + delta_i)|| - k)^2`` with the perturbations ``delta`` given."""
    score = _critic(_DRAGAN, x, params, "xReal", "noise")
    xr, delta = x["xReal"], x["noise"]
    if tuple(delta.shape) != tuple(xr.shape):
        raise InputError(f"{_DRAGAN}: noise has shape {list(delta.shape)} but xReal has {list(xr.shape)}")
    _, g = _input_gradients(score, xr + delta)
    return {"penalty": params["lambda"] * (_norms(g) - params["k"]).pow(2).mean()}


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


@register(
    _NI,
    inputs=("xReal", "xFake") + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(
        Param("gamma", 2.0, _number(0.0), "gamma >= 0; the returned term is gamma/2 * Omega"),
        Param("f", "gan", choice("gan", "kl", "pearson-chi2"), "the divergence of the regularizer"),
    ) + _critic_params(),
    outputs=("penalty",),
    reference="Roth, Lucchi, Nowozin & Hofmann 2017, Stabilizing Training of GANs through Regularization, section 3",
)
def noise_induced(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``gamma/2 * Omega`` with psi the critic's output (a logit for 'gan').

    'gan' (the JS-regularizer): ``Omega = E_P[(1 - D)^2 ||grad psi||^2] + E_Q[D^2 ||grad psi||^2]``,
    ``D = sigmoid(psi)``, ``1 - D = sigmoid(-psi)``. Otherwise ``Omega_f = E_Q[f*''(psi) ||grad psi||^2]``
    with ``f*''(t) = exp(t - 1)`` for KL (``f*(t) = exp(t - 1)``) and ``1/2`` for Pearson chi^2
    (``f*(t) = t^2/4 + t``), Nowozin et al. 2016, Table 2.
    """
    score = _critic(_NI, x, params, "xReal", "xFake")

    def weighted(batch: torch.Tensor, weight) -> torch.Tensor:
        psi, g = _input_gradients(score, batch)
        return (weight(psi) * g.pow(2).sum(dim=1)).mean()

    f = params["f"]
    if f == "gan":
        omega = weighted(x["xReal"], lambda psi: torch.sigmoid(-psi) ** 2) + weighted(x["xFake"], lambda psi: torch.sigmoid(psi) ** 2)
    elif f == "kl":
        omega = weighted(x["xFake"], lambda psi: torch.exp(psi - 1.0))
    else:
        omega = weighted(x["xFake"], lambda psi: torch.full_like(psi, 0.5))
    return {"penalty": 0.5 * params["gamma"] * omega}
