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

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..nets import ALPHA, activation_param, collect_layers, forward, input_width, layer_names, output_width, require_batch
from ..registry import InputError, Param, choice, register

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
            raise ValueError(f"expected a finite number {'>' if strict else '>='} {minimum}"
                             + (f" and {'<' if max_strict else '<='} {maximum}" if maximum is not None else "")
                             + f", got {value!r}")
        return float(value)

    return check


def _steps(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value != int(value) or not 0 <= value <= 100:
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


# --- penalty/discriminator-gradient-norm ------------------------------------------------------


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


# --- penalty/historical-averaging -------------------------------------------------------------


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
        raise InputError(f"penalty/historical-averaging: theta {list(theta.shape)} and average {list(average.shape)} differ in shape")
    diff = (theta - average).reshape(-1)
    return {"penalty": torch.dot(diff, diff)}


# --- training/unrolled ------------------------------------------------------------------------


@register(
    "training/unrolled",
    inputs=GAME_INPUTS,
    optional=GAME_OPTIONAL,
    params=(
        Param("steps", 5, _steps, "K, the number of unrolled discriminator steps, an integer in [0, 100]"),
        Param("optimizer", "adam", choice("sgd", "adam"), "the discriminator's optimizer in the unrolling"),
        Param("learningRate", 1e-3, _number(0.0), "step size, >= 0"),
        Param("beta1", 0.9, _number(0.0, maximum=1.0, max_strict=True), "Adam beta1 in [0, 1)"),
        Param("beta2", 0.999, _number(0.0, maximum=1.0, max_strict=True), "Adam beta2 in [0, 1)"),
        Param("epsilon", 1e-8, _number(0.0, strict=True), "Adam epsilon > 0"),
    )
    + GAME_PARAMS,
    outputs=("surrogate", "generator"),
    reference="Metz, Poole, Pfau & Sohl-Dickstein 2017, Unrolled GANs, eq. 4-6",
)
def unrolled(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """theta^0 = theta_D, theta^{k+1} = theta^k + eta dV/dtheta^k (SGD) or an Adam ascent step on
    V (state from zero, bias-corrected); ``surrogate`` = f_K = V(theta_G, theta^K),
    ``generator`` = L_G(theta_G, theta^K). Every step stays in the autograd graph."""
    game = Game("training/unrolled", x, params)
    phi, theta = Game.flat(game.gen), Game.flat(game.disc)
    lr, b1, b2, eps = params["learningRate"], params["beta1"], params["beta2"], params["epsilon"]
    m = [torch.zeros_like(p) for p in theta]
    s = [torch.zeros_like(p) for p in theta]
    for t in range(1, params["steps"] + 1):
        ascent = _grad(game.value(phi, theta), theta)  # dV/dtheta: the discriminator ascends V
        if params["optimizer"] == "sgd":
            theta = [p + lr * g for p, g in zip(theta, ascent)]
            continue
        m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, ascent)]
        s = [b2 * si + (1 - b2) * g * g for si, g in zip(s, ascent)]
        new = []
        for p, mi, si in zip(theta, m, s):
            m_hat = mi / (1 - b1 ** t)
            s_hat = si / (1 - b2 ** t)
            # sqrt with derivative 0 at 0 (where the step's numerator m_hat is 0 too), not NaN.
            pos = s_hat > 0
            root = torch.where(pos, torch.sqrt(torch.where(pos, s_hat, torch.ones_like(s_hat))), torch.zeros_like(s_hat))
            new.append(p + lr * m_hat / (root + eps))
        theta = new
    return {"surrogate": game.value(phi, theta), "generator": game.generator_loss(phi, theta)}
