"""Game regularizers (CATALOG.md, C): consensus optimization, the discriminator-gradient-norm
penalty, historical averaging and unrolled GANs.

The game, written from the papers. A generator G (an MLP given as data, prefix ``gen``, its
parameters phi) maps noise z [m, k] to samples; a discriminator D (prefix ``disc``, parameters
theta, one linear output) scores samples; x [n, d] is real data. With D's outputs on real and
generated samples, the value of the game is (Goodfellow et al. 2014, eq. 1; Arjovsky et al.
2017 for the critic)::

    V = E[log sigmoid(D(x))] + E[log(1 - sigmoid(D(G(z))))]    ('minimax', 'non-saturating')
    V = E[D(x)] - E[D(G(z))]                                   ('wasserstein')

The discriminator ascends V (its loss is L_D = -V); the generator's loss L_G is
``E[log(1 - sigmoid(D(G(z))))]`` ('minimax'), ``-E[log sigmoid(D(G(z)))]`` ('non-saturating') or
``-E[D(G(z))]`` ('wasserstein'). log sigmoid is ``F.logsigmoid``, stable from logits.

Gradients of the players' losses with respect to their parameters are taken with
``torch.autograd.grad(..., create_graph=True)``, so the protocol's gradients and Hessian-vector
products of the outputs differentiate through them (double and triple backprop). Optimizer steps
of the unrolled discriminator are written out (``torch.optim`` steps are not differentiable).
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Tuple

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
from ..registry import InputError, Param, choice

X = Mapping[str, Optional[torch.Tensor]]
Layers = List[Tuple[torch.Tensor, torch.Tensor]]


def _number(minimum: float, *, strict: bool = False, maximum: Optional[float] = None, max_strict: bool = False) -> Any:
    def check(value: Any) -> float:
        ok = (
            not isinstance(value, bool)
            and isinstance(value, (int, float))
            and value == value
            and abs(value) != float("inf")
            and (value > minimum if strict else value >= minimum)
            and (maximum is None or (value < maximum if max_strict else value <= maximum))
        )
        if not ok:
            raise ValueError(
                f"expected a finite number {'>' if strict else '>='} {minimum}"
                + (f" and {'<' if max_strict else '<='} {maximum}" if maximum is not None else "")
                + f", got {value!r}"
            )
        return float(value)

    return check


def _steps(value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value != value
        or value != int(value)
        or not 0 <= value <= 100
    ):
        raise ValueError(f"expected an integer in [0, 100], got {value!r}")
    return int(value)


OBJECTIVE = Param(
    "objective",
    "non-saturating",
    choice("minimax", "non-saturating", "wasserstein"),
    "base objective of the game: 'minimax', 'non-saturating' or 'wasserstein'",
)
GAME_PARAMS = (
    OBJECTIVE,
    activation_param("activation", "tanh", "hidden activation of G and D"),
    activation_param("outputActivation", "linear", "output activation of G (D's is linear)"),
    ALPHA,
)
_GEN_REQUIRED, _GEN_OPTIONAL = layer_names("gen", 1, 1)
_DISC_REQUIRED, _DISC_OPTIONAL = layer_names("disc", 1, 1)
GAME_INPUTS = ("x", "z") + _GEN_REQUIRED + _DISC_REQUIRED
GAME_OPTIONAL = _GEN_OPTIONAL + _DISC_OPTIONAL


class Game:
    """The game of one request: networks, batches and the base objective."""

    def __init__(self, spec: str, x: X, params: Mapping[str, Any]) -> None:
        self.gen = collect_layers(spec, x, "gen")
        self.disc = collect_layers(spec, x, "disc")
        if output_width(self.disc) != 1:
            raise InputError(f"{spec}: the discriminator must have one output, got {output_width(self.disc)}")
        if output_width(self.gen) != input_width(self.disc):
            raise InputError(f"{spec}: the generator must output {input_width(self.disc)} features (D's input width)")
        self.x, self.z = x["x"], x["z"]
        require_batch(spec, "x", self.x, input_width(self.disc), "disc")
        require_batch(spec, "z", self.z, input_width(self.gen), "gen")
        self.objective = params["objective"]
        self.act, self.out_act, self.alpha = params["activation"], params["outputActivation"], params["alpha"]

    @staticmethod
    def flat(layers: Layers) -> List[torch.Tensor]:
        """Parameters as leaves that can be differentiated (inputs not in ``wrt`` become fresh leaves)."""
        return [p if p.requires_grad else p.detach().requires_grad_(True) for wb in layers for p in wb]

    @staticmethod
    def pairs(flat: Sequence[torch.Tensor]) -> Layers:
        return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]

    def scores(self, gen: Sequence[torch.Tensor], disc: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        d = self.pairs(disc)
        fake = forward(self.pairs(gen), self.z, self.act, self.out_act, self.alpha)
        real_scores = forward(d, self.x, self.act, "linear", self.alpha).squeeze(1)
        fake_scores = forward(d, fake, self.act, "linear", self.alpha).squeeze(1)
        return real_scores, fake_scores

    def value(self, gen: Sequence[torch.Tensor], disc: Sequence[torch.Tensor]) -> torch.Tensor:
        """V(phi, theta), which the discriminator ascends."""
        r, f = self.scores(gen, disc)
        if self.objective == "wasserstein":
            return r.mean() - f.mean()
        return F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()

    def generator_loss(self, gen: Sequence[torch.Tensor], disc: Sequence[torch.Tensor]) -> torch.Tensor:
        _, f = self.scores(gen, disc)
        if self.objective == "wasserstein":
            return -f.mean()
        if self.objective == "minimax":
            return F.logsigmoid(-f).mean()
        return -F.logsigmoid(f).mean()


def _grad(y: torch.Tensor, params: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    grads = torch.autograd.grad(y, list(params), create_graph=True, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)]


def _sq(ts: Sequence[torch.Tensor]) -> torch.Tensor:
    """Sum of squared entries, as dot products: ``vector_norm(t) ** 2`` would differentiate
    through sqrt and give NaN (0/0) second derivatives where a gradient is exactly 0."""
    return torch.stack([torch.dot(t.reshape(-1), t.reshape(-1)) for t in ts]).sum()


# --- penalty/consensus ------------------------------------------------------------------------


# --- penalty/discriminator-gradient-norm ------------------------------------------------------


# --- penalty/historical-averaging -------------------------------------------------------------


# --- training/unrolled ------------------------------------------------------------------------
