"""Training procedures (``training/*``): the unrolled surrogate."""

from __future__ import annotations

from typing import Any, Dict, Mapping

import torch

from ..registry import choice, Param, register
from ._games import _grad, _number, _steps, Game, GAME_INPUTS, GAME_OPTIONAL, GAME_PARAMS, X


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
            m_hat = mi / (1 - b1**t)
            s_hat = si / (1 - b2**t)
            # sqrt with derivative 0 at 0 (where the step's numerator m_hat is 0 too), not NaN.
            pos = s_hat > 0
            root = torch.where(
                pos, torch.sqrt(torch.where(pos, s_hat, torch.ones_like(s_hat))), torch.zeros_like(s_hat)
            )
            new.append(p + lr * m_hat / (root + eps))
        theta = new
    return {"surrogate": game.value(phi, theta), "generator": game.generator_loss(phi, theta)}
