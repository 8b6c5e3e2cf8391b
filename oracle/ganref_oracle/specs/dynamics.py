"""Training dynamics (``dynamics/*``): two-player games as vector fields, update rules and
trajectories, Jacobians and their eigenvalues.

Written from the papers, independently of the TypeScript: the fields are the hand-derived
closed forms below (TypeScript differentiates its library losses with autodiff); torch's
autograd gives only the Jacobians, the consensus term, the unrolled surrogate's gradient and the
gradients the protocol asks for, and ``torch.linalg.eigvals`` (LAPACK) the eigenvalues.

Convention (CATALOG.md, section D): the state is s = (player 1, player 2), each player minimises
its own loss, and the field is v = (-dL1/ds1, -dL2/ds2); gradient play is s <- s + eta v(s).

The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, section 2.2) in the catalog's convention
(discriminators score real data high): real samples r = sigma eps_r (or the point 0), fake
samples f = theta + sigma eps_f (or theta), logits psi x, E the sample mean.

  GAN:   dL_D/dpsi = E[-r sigmoid(-psi r)] + E[f sigmoid(psi f)]
         minimax dL_G/dtheta = -psi E[sigmoid(psi f)]; non-saturating -psi E[sigmoid(-psi f)]
  WGAN:  dL_D/dpsi = E[f] - E[r];  dL_G/dtheta = -psi
  hinge: dL_D/dpsi = E[-r 1(1 - psi r > 0)] + E[f 1(1 + psi f > 0)];  dL_G/dtheta = -psi
  R1, R2 (gamma): + gamma psi (gamma/2 |dD/dx|^2 = gamma/2 psi^2);
  gradient penalty (lambda): + 2 lambda (|psi| - 1) sign(psi)
  consensus (gamma): w = v - gamma d/ds (|v|^2 / 2)

The paper writes L(theta, psi) = E f(D(G(z))) + E f(-D(x)) with D high on FAKE data and
f(t) = -log(1 + exp(-t)) (GAN) or t (WGAN); its psi is minus ours, which leaves every eigenvalue
unchanged.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import torch

from ..registry import choice, InputError, Param, register
from ._common import softplus

Field = Callable[[torch.Tensor], torch.Tensor]
X = Mapping[str, Optional[torch.Tensor]]

RULES = ("simultaneous", "alternating", "consensus", "extragradient", "optimistic", "unrolled")
OBJECTIVES = ("minimax", "non-saturating", "wasserstein", "hinge")
REGULARIZERS = ("none", "r1", "r2", "gradient-penalty", "instance-noise", "consensus")

MAX_STEPS = 10000
MAX_INNER = 100


def _finite(minimum: float, *, strict: bool) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        if value < minimum or (strict and value == minimum):
            raise ValueError(f"expected a finite number {'>' if strict else '>='} {minimum}, got {value!r}")
        return float(value)

    return check


def _integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value != int(value)
            or not minimum <= value <= maximum
        ):
            raise ValueError(f"expected an integer in [{minimum}, {maximum}], got {value!r}")
        return int(value)

    return check


RULE_PARAMS = (
    Param("rule", "simultaneous", choice(*RULES), "the update rule of the trajectory"),
    Param("eta", 0.1, _finite(0.0, strict=True), "step size > 0"),
    Param("steps", 100, _integer(0, MAX_STEPS), "T, the number of steps"),
    Param("criticSteps", 1, _integer(1, MAX_INNER), "alternating: critic steps per generator step"),
    Param("consensus", 1.0, _finite(0.0, strict=False), "consensus rule: gamma >= 0"),
    Param("unroll", 5, _integer(0, MAX_INNER), "unrolled: K critic steps in the surrogate"),
)

OUTPUTS = ("field", "jacobian", "eigenvalues", "trajectory")


def _state(spec: str, s: Optional[torch.Tensor]) -> torch.Tensor:
    assert s is not None
    if s.dim() != 1 or s.shape[0] != 2:
        raise InputError(f"{spec}: input 'state' must have shape [2], got {list(s.shape)}")
    # Jacobians differentiate the field with respect to the state, also when the protocol does
    # not ask for gradients (then the state is a plain tensor).
    return s if s.requires_grad else s.detach().requires_grad_(True)


def _grad(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    (g,) = torch.autograd.grad(y, [x], create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def jacobian_of(field: Field, s: torch.Tensor) -> torch.Tensor:
    """J_ij = d v_i / d s_j, one autograd row per output, kept in the graph."""
    v = field(s)
    return torch.stack([_grad(v[i], s) for i in range(v.shape[0])])


def eigenvalues_of(j: torch.Tensor) -> torch.Tensor:
    """The eigenvalues of a real 2x2 matrix as rows (re, im), by LAPACK: real ones in decreasing
    order, a complex pair with the positive imaginary part first."""
    e = torch.linalg.eigvals(j)
    re, im = e.real, e.imag
    if bool((im == 0).all()):
        order = torch.argsort(re.detach(), descending=True)
    else:
        order = torch.argsort(im.detach(), descending=True)
    return torch.stack([re[order], im[order]], dim=1)


def _with_consensus(field: Field, gamma: float) -> Field:
    def w(s: torch.Tensor) -> torch.Tensor:
        v = field(s)
        return v - gamma * _grad(0.5 * torch.dot(v, v), s)

    return w


def _critic_steps(field: Field, s: torch.Tensor, eta: float, k: int) -> torch.Tensor:
    for _ in range(k):
        s = torch.stack([s[0], s[1] + eta * field(s)[1]])
    return s


def trajectory_of(
    field: Field, loss1: Callable[[torch.Tensor], torch.Tensor], s0: torch.Tensor, p: Mapping[str, Any]
) -> torch.Tensor:
    """States s_0 ... s_T of the rule ``p['rule']`` (see src/dynamics/rules.ts for the papers)."""
    eta, rule = p["eta"], p["rule"]
    states: List[torch.Tensor] = [s0]
    s = s0
    prev: Optional[torch.Tensor] = None
    for _ in range(p["steps"]):
        if rule == "simultaneous":
            s = s + eta * field(s)
        elif rule == "alternating":
            c = _critic_steps(field, s, eta, p["criticSteps"])
            s = torch.stack([c[0] + eta * field(c)[0], c[1]])
        elif rule == "consensus":
            v = field(s)
            s = s + eta * (v - p["consensus"] * _grad(0.5 * torch.dot(v, v), s))
        elif rule == "extragradient":
            s = s + eta * field(s + eta * field(s))
        elif rule == "optimistic":
            v = field(s)
            s = s + eta * (2 * v - (v if prev is None else prev))
            prev = v
        else:  # unrolled: player 1 descends L1(s1, s2^K(s)), player 2 takes a plain step
            k = p["unroll"]
            g1 = _grad(loss1(_critic_steps(field, s, eta, k)), s)[0]
            s = torch.stack([s[0] - eta * g1, s[1] + eta * field(s)[1]])
        states.append(s)
    return torch.stack(states)


def _outputs(
    field: Field, loss1: Callable[[torch.Tensor], torch.Tensor], s: torch.Tensor, params: Mapping[str, Any]
) -> Dict[str, torch.Tensor]:
    j = jacobian_of(field, s)
    return {
        "field": field(s),
        "jacobian": j,
        "eigenvalues": eigenvalues_of(j),
        "trajectory": trajectory_of(field, loss1, s, params),
    }


@register(
    "dynamics/bilinear",
    inputs=("state",),
    params=RULE_PARAMS,
    outputs=OUTPUTS,
    reference="Salimans et al. 2016 (xy); Mescheder, Nowozin & Geiger 2017; Gidel et al. 2019; Daskalakis et al. 2018; Metz et al. 2017",
)
def bilinear(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """f(x, y) = xy, x minimises, y maximises: v(x, y) = (-y, x); L1 = xy."""
    s = _state("dynamics/bilinear", x["state"])

    def field(t: torch.Tensor) -> torch.Tensor:
        return torch.stack([-t[1], t[0]])

    return _outputs(field, lambda t: t[0] * t[1], s, params)


def _noise(spec: str, name: str, t: Optional[torch.Tensor]) -> torch.Tensor:
    if t is None:
        raise InputError(f"{spec}: regularizer 'instance-noise' needs input {name!r}")
    if t.dim() != 1 or t.shape[0] == 0:
        raise InputError(f"{spec}: input {name!r} must have shape [n], n >= 1, got {list(t.shape)}")
    return t


@register(
    "dynamics/dirac-gan",
    inputs=("state",),
    optional=("noiseReal", "noiseFake"),
    params=(
        Param("objective", "non-saturating", choice(*OBJECTIVES), "the objective"),
        Param("regularizer", "none", choice(*REGULARIZERS), "the regularizer"),
        Param("gamma", 1.0, _finite(0.0, strict=False), "r1, r2, consensus: gamma >= 0"),
        Param("lambda", 1.0, _finite(0.0, strict=False), "gradient-penalty: lambda >= 0"),
        Param("sigma", 1.0, _finite(0.0, strict=False), "instance-noise: sigma >= 0"),
    )
    + RULE_PARAMS,
    outputs=OUTPUTS,
    reference="Mescheder, Geiger & Nowozin 2018, sections 2.2, 3 and 4 (eq. 9-10)",
)
def dirac_gan(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """The Dirac-GAN's closed-form field (module docstring) under the objective and regularizer."""
    spec = "dynamics/dirac-gan"
    s = _state(spec, x["state"])
    obj, reg = params["objective"], params["regularizer"]
    gamma, lam, sigma = params["gamma"], params["lambda"], params["sigma"]
    noisy = reg == "instance-noise"
    if noisy:
        eps_r = _noise(spec, "noiseReal", x["noiseReal"])
        eps_f = _noise(spec, "noiseFake", x["noiseFake"])
    elif x["noiseReal"] is not None or x["noiseFake"] is not None:
        raise InputError(f"{spec}: noise inputs are taken only with regularizer 'instance-noise'")

    def samples(t: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if noisy:
            return sigma * eps_r, t[0] + sigma * eps_f
        return torch.zeros_like(t[:1]), t[:1]

    def gradient_play(t: torch.Tensor) -> torch.Tensor:
        theta, psi = t[0], t[1]
        r, f = samples(t)
        if obj in ("minimax", "non-saturating"):
            d_disc = (-r * torch.sigmoid(-psi * r)).mean() + (f * torch.sigmoid(psi * f)).mean()
            sign = 1.0 if obj == "minimax" else -1.0
            d_gen = -psi * torch.sigmoid(sign * psi * f).mean()
        elif obj == "wasserstein":
            d_disc = f.mean() - r.mean()
            d_gen = -psi
        else:  # hinge
            d_disc = (-r * (1 - psi * r > 0).to(r.dtype)).mean() + (f * (1 + psi * f > 0).to(f.dtype)).mean()
            d_gen = -psi
        if reg in ("r1", "r2"):
            d_disc = d_disc + gamma * psi
        elif reg == "gradient-penalty":
            d_disc = d_disc + 2 * lam * (torch.abs(psi) - 1) * torch.sign(psi)
        del theta
        return torch.stack([-d_gen, -d_disc])

    def loss1(t: torch.Tensor) -> torch.Tensor:
        """The generator's loss L_G (for the unrolled surrogate)."""
        psi = t[1]
        _, f = samples(t)
        if obj == "minimax":
            return -softplus(psi * f).mean()
        if obj == "non-saturating":
            return softplus(-psi * f).mean()
        return -(psi * f).mean()

    field = _with_consensus(gradient_play, gamma) if reg == "consensus" else gradient_play
    return _outputs(field, loss1, s, params)
