"""Objectives whose players are networks given as data (CATALOG.md, B): the energy-based GAN,
the mode-regularized GAN and MIX+GAN. Networks travel as weight tensors (``nets.py``), so the
protocol's gradients with respect to them check backpropagation through the networks too.
Written from the papers, with torch primitives (``addmm``, ``logsigmoid``, ``softmax``,
``einsum``, ``vector_norm``)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F

from ..nets import (
    ALPHA,
    activation_param,
    collect_layers,
    forward,
    input_width,
    layer_names,
    output_width,
    require_batch,
)
from ..registry import REDUCTION, InputError, Param, choice, register
from ._common import reduce_losses

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
        raise InputError(f"{spec}: {name} must have shape [{batch.shape[0]}] like the rows of {batch_name}, got {list(w.shape)}")
    return w


# --- objective/energy-based -------------------------------------------------------------------

_EB = "objective/energy-based"
_AE_REQUIRED, _AE_OPTIONAL = layer_names("ae", 2, 2)


@register(
    _EB,
    inputs=("xReal", "xFake") + _AE_REQUIRED,
    optional=_AE_OPTIONAL + ("weightsReal", "weightsFake"),
    params=(
        Param("margin", 1.0, _number(0.0, True), "the hinge margin m > 0"),
        Param("energy", "mse", choice("mse", "l2"), "'mse': mean squared reconstruction error; 'l2': its Euclidean norm"),
        activation_param("activation", "relu", "hidden activation of the autoencoder"),
        activation_param("outputActivation", "linear", "output activation of the autoencoder"),
        ALPHA,
        REDUCTION,
    ),
    outputs=("discriminator", "generator", "energiesReal", "energiesFake"),
    reference="Zhao, Mathieu & LeCun 2017, Energy-based GAN, eq. 1-2 and section 2.3",
)
def energy_based(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """EBGAN with an autoencoder discriminator D(x) = ||Dec(Enc(x)) - x|| (section 2.3).

    ``discriminator = E[D(x)] + E[[m - D(G(z))]^+]`` (eq. 1), ``generator = E[D(G(z))]`` (eq. 2).
    ``energy = 'mse'``: D(x) = mean_j (AE(x)_j - x_j)^2; ``'l2'``: the Euclidean norm.
    """
    layers = collect_layers(_EB, x, "ae")
    d = input_width(layers)
    if output_width(layers) != d:
        raise InputError(f"{_EB}: the autoencoder maps {d} inputs to {output_width(layers)} outputs")
    xr, xf = x["xReal"], x["xFake"]
    require_batch(_EB, "xReal", xr, d, "ae")
    require_batch(_EB, "xFake", xf, d, "ae")
    reduction = params["reduction"]
    if reduction == "none" and xr.shape[0] != xf.shape[0]:
        raise InputError(f"{_EB}: reduction 'none' needs as many fake as real examples")
    w_r = _weights(_EB, x, "weightsReal", xr, "xReal")
    w_f = _weights(_EB, x, "weightsFake", xf, "xFake")

    def energies(batch: torch.Tensor) -> torch.Tensor:
        residual = forward(layers, batch, params["activation"], params["outputActivation"], params["alpha"]) - batch
        if params["energy"] == "mse":
            return residual.pow(2).mean(dim=1)
        return torch.linalg.vector_norm(residual, ord=2, dim=1)

    e_r, e_f = energies(xr), energies(xf)
    hinge = torch.clamp(params["margin"] - e_f, min=0.0)
    return {
        "discriminator": reduce_losses(e_r, w_r, reduction) + reduce_losses(hinge, w_f, reduction),
        "generator": reduce_losses(e_f, w_f, reduction),
        "energiesReal": e_r,
        "energiesFake": e_f,
    }


# --- objective/mode-regularized ---------------------------------------------------------------

_MR = "objective/mode-regularized"
_NETS = ("enc", "gen", "disc")
_MR_REQUIRED = tuple(n for p in _NETS for n in layer_names(p, 2, 1)[0])
_MR_OPTIONAL = tuple(n for p in _NETS for n in layer_names(p, 2, 1)[1])


@register(
    _MR,
    inputs=("x", "z") + _MR_REQUIRED,
    optional=_MR_OPTIONAL,
    params=(
        Param("lambda1", 1.0, _number(0.0, False), "weight of the reconstruction distance, >= 0"),
        Param("lambda2", 1.0, _number(0.0, False), "weight of log D(G(E(x))), >= 0"),
        Param("distance", "l2", choice("l2", "l1"), "'l2': squared Euclidean; 'l1': sum of absolute differences"),
        activation_param("activation", "relu", "hidden activation of E, G and D"),
        activation_param("outputActivation", "linear", "output activation of the generator G"),
        ALPHA,
        REDUCTION,
    ),
    outputs=("discriminator", "generator", "encoder"),
    reference="Che, Li, Jacob, Bengio & Li 2017, Mode Regularized GANs, section 3.1 (T_G, T_E)",
)
def mode_regularized(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Mode-regularized GAN with encoder E, generator G and discriminator D (logits) as data.

    ``generator = T_G = -E_z[log D(G(z))] + E_x[l1 d(x, G(E(x))) + l2 log D(G(E(x)))]``,
    ``encoder = T_E = E_x[l1 d(x, G(E(x))) + l2 log D(G(E(x)))]``,
    ``discriminator = -E_x[log D(x)] - E_z[log(1 - D(G(z)))]``; ``log D = logsigmoid(l)``,
    ``log(1 - D) = logsigmoid(-l)``. E and D have linear outputs; G's is ``outputActivation``.
    """
    enc, gen, disc = (collect_layers(_MR, x, p) for p in _NETS)
    d, dz = input_width(enc), output_width(enc)
    if input_width(gen) != dz or output_width(gen) != d:
        raise InputError(f"{_MR}: the generator must map {dz} to {d} features")
    if input_width(disc) != d or output_width(disc) != 1:
        raise InputError(f"{_MR}: the discriminator must map {d} features to 1 logit")
    data, noise = x["x"], x["z"]
    require_batch(_MR, "x", data, d, "enc")
    require_batch(_MR, "z", noise, dz, "gen")
    reduction = params["reduction"]
    if reduction == "none" and data.shape[0] != noise.shape[0]:
        raise InputError(f"{_MR}: reduction 'none' needs as many noise as data examples")
    act, alpha = params["activation"], params["alpha"]

    def generate(h: torch.Tensor) -> torch.Tensor:
        return forward(gen, h, act, params["outputActivation"], alpha)

    def logit(h: torch.Tensor) -> torch.Tensor:
        return forward(disc, h, act, "linear", alpha)[:, 0]

    recon = generate(forward(enc, data, act, "linear", alpha))
    gap = data - recon
    dist = gap.pow(2).sum(dim=1) if params["distance"] == "l2" else gap.abs().sum(dim=1)
    l_real, l_fake, l_rec = logit(data), logit(generate(noise)), logit(recon)
    regular = reduce_losses(params["lambda1"] * dist + params["lambda2"] * F.logsigmoid(l_rec), None, reduction)
    return {
        "discriminator": reduce_losses(-F.logsigmoid(l_real), None, reduction)
        + reduce_losses(-F.logsigmoid(-l_fake), None, reduction),
        "generator": reduce_losses(-F.logsigmoid(l_fake), None, reduction) + regular,
        "encoder": regular,
    }


# --- objective/mix-gan ------------------------------------------------------------------------

_MIX = "objective/mix-gan"


@register(
    _MIX,
    inputs=("payoff", "generatorLogits", "discriminatorLogits"),
    params=(
        Param("beta", 0.1, _number(0.0, False), "weight of the mixture-weight regularizer, >= 0"),
        Param(
            "regularizer",
            "cross-entropy",
            choice("cross-entropy", "entropy"),
            "'cross-entropy': -(1/k) sum log w; 'entropy': sum w log w (= -H(w))",
        ),
    ),
    outputs=("discriminator", "generator", "payoff"),
    reference="Arora, Ge, Liang, Ma & Zhang 2017, Generalization and Equilibrium in GANs, section 5 (MIX+GAN)",
)
def mix_gan(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """MIX+GAN: ``min_{u} max_{v} sum_ij u_i v_j phi(G_i, D_j)`` with ``u = softmax(a_G)``,
    ``v = softmax(a_D)``, ``phi = payoff[i, j]``; each player adds ``beta * R`` of its own weights.

    ``payoff = u^T P v``, ``discriminator = -payoff + beta R(v)``, ``generator = payoff + beta R(u)``.
    """
    p, a_g, a_d = x["payoff"], x["generatorLogits"], x["discriminatorLogits"]
    if p.dim() != 2:
        raise InputError(f"{_MIX}: payoff must be a matrix [k_G, k_D], got shape {list(p.shape)}")
    if tuple(a_g.shape) != (p.shape[0],) or tuple(a_d.shape) != (p.shape[1],):
        raise InputError(
            f"{_MIX}: generatorLogits {list(a_g.shape)} and discriminatorLogits {list(a_d.shape)} "
            f"must match the payoff's rows and columns {list(p.shape)}"
        )
    u, v = torch.softmax(a_g, dim=0), torch.softmax(a_d, dim=0)
    mixed = torch.einsum("i,ij,j->", u, p, v)

    def reg(a: torch.Tensor) -> torch.Tensor:
        log_w = torch.log_softmax(a, dim=0)
        if params["regularizer"] == "cross-entropy":
            return -log_w.mean()
        return (torch.softmax(a, dim=0) * log_w).sum()

    beta = params["beta"]
    return {
        "discriminator": beta * reg(a_d) - mixed,
        "generator": mixed + beta * reg(a_g),
        "payoff": mixed,
    }
