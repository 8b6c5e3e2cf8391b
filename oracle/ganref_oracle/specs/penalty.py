"""Penalties and regularizers added to a player's loss (``penalty/*``)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch

from ..registry import choice, InputError, Param, register
from ._common import require_rank
from ._critic_penalties import (
    _critic,
    _CRITIC_OPTIONAL,
    _critic_params,
    _CRITIC_REQUIRED,
    _DRAGAN,
    _GP,
    _input_gradients,
    _NI,
    _norms,
    _number,
    X,
)
from ._games import _grad, _sq, Game, GAME_INPUTS, GAME_OPTIONAL, GAME_PARAMS
from ._layers import _abs


@register(
    "penalty/consensus",
    inputs=GAME_INPUTS,
    optional=GAME_OPTIONAL,
    params=(Param("gamma", 10.0, _number(0.0), "weight of the consensus term L, >= 0"),) + GAME_PARAMS,
    outputs=("consensus", "generator", "discriminator"),
    reference="Mescheder, Nowozin & Geiger 2017, The Numerics of GANs, section 3 (L = 1/2 |v|^2, ConsOpt)",
)
def consensus(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Player 1 (the generator, phi) maximises f = -L_G, player 2 (the discriminator, theta)
    maximises g = V; v = (grad_phi f, grad_theta g); ``consensus`` L = 1/2 |v|^2 over all
    weights and biases; ``generator`` = -(f - gamma L) = L_G + gamma L; ``discriminator`` =
    -(g - gamma L) = -V + gamma L."""
    game = Game("penalty/consensus", x, params)
    phi, theta = Game.flat(game.gen), Game.flat(game.disc)
    f = -game.generator_loss(phi, theta)
    g = game.value(phi, theta)
    v = _grad(f, phi) + _grad(g, theta)
    L = 0.5 * _sq(v)
    gamma = params["gamma"]
    return {"consensus": L, "generator": -(f - gamma * L), "discriminator": -(g - gamma * L)}


@register(
    "penalty/discriminator-gradient-norm",
    inputs=GAME_INPUTS,
    optional=GAME_OPTIONAL,
    params=(Param("eta", 0.5, _number(0.0), "weight of |grad_theta_D V|^2, >= 0"),) + GAME_PARAMS,
    outputs=("penalty", "generator"),
    reference="Nagarajan & Kolter 2017, Gradient descent GAN optimization is locally stable (regularized generator update)",
)
def discriminator_gradient_norm(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``penalty`` = eta |grad_theta_D V|^2; ``generator`` = L_G + penalty."""
    game = Game("penalty/discriminator-gradient-norm", x, params)
    phi, theta = Game.flat(game.gen), Game.flat(game.disc)
    penalty = params["eta"] * _sq(_grad(game.value(phi, theta), theta))
    return {"penalty": penalty, "generator": game.generator_loss(phi, theta) + penalty}


@register(
    "penalty/historical-averaging",
    inputs=("theta", "average"),
    outputs=("penalty",),
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.3",
)
def historical_averaging(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``penalty`` = |theta - average|^2, the squared Euclidean norm over all elements."""
    theta, average = x["theta"], x["average"]
    if tuple(theta.shape) != tuple(average.shape):
        raise InputError(
            f"penalty/historical-averaging: theta {list(theta.shape)} and average {list(average.shape)} differ in shape"
        )
    diff = (theta - average).reshape(-1)
    return {"penalty": torch.dot(diff, diff)}


@register(
    _GP,
    inputs=("xReal", "xFake", "epsilon") + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(
        Param("lambda", 10.0, _number(0.0), "the penalty coefficient lambda >= 0"),
        Param("sided", "two", choice("two", "one"), "'two': (|g| - 1)^2; 'one': max(0, |g| - 1)^2"),
    )
    + _critic_params(),
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
        raise InputError(
            f"{_GP}: epsilon must have shape [{xr.shape[0]}] (one weight per example), got {list(eps.shape)}"
        )
    if bool(((eps < 0) | (eps > 1)).any()):
        raise InputError(f"{_GP}: epsilon must lie in [0, 1]")
    x_hat = torch.lerp(xf, xr, eps[:, None].expand_as(xr))
    _, g = _input_gradients(score, x_hat)
    excess = _norms(g) - 1.0
    if params["sided"] == "one":
        excess = torch.clamp(excess, min=0.0)
    return {"penalty": params["lambda"] * (excess * excess).mean()}


@register(
    _DRAGAN,
    inputs=("xReal", "noise") + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(
        Param("lambda", 10.0, _number(0.0), "the penalty coefficient lambda >= 0"),
        Param("k", 1.0, _number(0.0), "the target gradient norm k >= 0"),
    )
    + _critic_params(),
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


@register(
    _NI,
    inputs=("xReal", "xFake") + _CRITIC_REQUIRED,
    optional=_CRITIC_OPTIONAL,
    params=(
        Param("gamma", 2.0, _number(0.0), "gamma >= 0; the returned term is gamma/2 * Omega"),
        Param("f", "gan", choice("gan", "kl", "pearson-chi2"), "the divergence of the regularizer"),
    )
    + _critic_params(),
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
        omega = weighted(x["xReal"], lambda psi: torch.sigmoid(-psi) ** 2) + weighted(
            x["xFake"], lambda psi: torch.sigmoid(psi) ** 2
        )
    elif f == "kl":
        omega = weighted(x["xFake"], lambda psi: torch.exp(psi - 1.0))
    else:
        omega = weighted(x["xFake"], lambda psi: torch.full_like(psi, 0.5))
    return {"penalty": 0.5 * params["gamma"] * omega}


@register(
    "penalty/pulling-away",
    inputs=("representations",),
    outputs=("value",),
    reference="Zhao, Mathieu & LeCun 2017, Energy-based GAN, section 2.4 (eq. 6)",
)
def pulling_away(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``1/(N(N-1)) sum_{i != j} cos(S_i, S_j)^2`` over the flattened rows; a zero row is
    orthogonal to every row (its cosines are 0). Cosines from the Gram matrix divided by the outer
    product of the row norms."""
    spec = "penalty/pulling-away"
    s = x["representations"]
    require_rank(spec, "representations", s, at_least=2)
    n = s.shape[0]
    if n < 2:
        raise InputError(f"{spec}: representations need N >= 2 rows, got shape {list(s.shape)}")
    rows = s.flatten(start_dim=1)
    if rows.shape[1] == 0:
        raise InputError(f"{spec}: representations need at least one feature, got shape {list(s.shape)}")
    # Rows rescaled by a constant (detached) factor, so squares stay in range; the term is scale-free.
    peak = _abs(rows).amax(dim=1, keepdim=True).detach()
    rows = rows / torch.where(peak > 0, peak, torch.ones_like(peak))
    gram = rows @ rows.t()
    sq = torch.diagonal(gram)
    nonzero = sq > 0
    norms = torch.sqrt(torch.where(nonzero, sq, torch.ones_like(sq)))
    cos = gram / torch.outer(norms, norms)
    both = nonzero.unsqueeze(0) & nonzero.unsqueeze(1)
    off = ~torch.eye(n, dtype=torch.bool)
    terms = torch.where(both & off, cos, torch.zeros_like(cos)) ** 2
    return {"value": terms.sum() / (n * (n - 1))}
