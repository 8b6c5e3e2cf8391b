"""f-divergences and the f-GAN objective (Nowozin, Cseke & Tomioka 2016, "f-GAN", Tables 1-2).

For a convex generator ``f`` on ``u > 0`` the f-divergence is ``D_f(P||Q) = sum q f(p/q)``
(eq. 1). Its Fenchel conjugate is ``f*(t) = sup_{u in dom f} (u t - f(u))`` (eq. 3; the
supremum over the generator's own domain ``u >= 0``), which gives the variational lower bound
``D_f >= E_P[T] - E_Q[f*(T)]`` (eq. 4), tight at ``T = f'(p/q)``. The f-GAN game (eq. 6) is
``min_theta max_omega F = E_P[g_f(V)] - E_Q[f*(g_f(V))]`` with the output activation ``g_f``
of Table 2 mapping the raw network output ``V`` into ``dom f*``.

Each ``fdiv/<name>`` spec returns, for inputs ``u`` (> 0), ``t`` (in dom f*), ``v`` (real) and a
pair of probability vectors ``p``, ``q``:

* ``f`` = f(u), ``conjugate`` = f*(t), ``activation`` = g_f(v),
* ``conjugateOfActivation`` = f*(g_f(v)), in a closed form simplified by hand (the composition
  loses every digit once g_f(v) rounds onto the boundary of dom f*),
* ``fPrimeAtOne`` = f'(1), by autograd of the generator at u = 1 (for the total variation,
  whose generator has a kink at 1, autograd's |x|' = 0 at 0 is the paper's value),
* ``divergence`` = D_f(P||Q) in the textbook closed form of each divergence (not through f).

Conventions that are not literally Table 2, each checked in ``tests/test_fdiv.py``:

* Pearson chi^2: the conjugate of (u - 1)^2 over u >= 0 is ``t + t^2/4`` for ``t >= -2`` and
  ``-1`` below (maximiser u = 0); Table 2's ``t + t^2/4`` on all of R is the conjugate of the
  generator extended to u < 0.
* Total variation: over u >= 0 the conjugate is ``max(t, -1/2)`` for ``t <= 1/2``.
* alpha > 1: for ``1 + (alpha - 1) t <= 0`` the supremum is at u = 0: ``f*(t) = -1/alpha``.
* Jensen-Shannon: Table 1's generator gives ``sum q f(p/q) = KL(P||M) + KL(Q||M) = 2 JSD``
  (Table 1's formula carries a factor 1/2 that its generator does not); we keep the generator.
* GAN: ``f(1) = -log 4``; ``D_GAN = 2 JSD - log 4``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Mapping, Optional

import torch

from ..registry import InputError, Param, register
from ._common import require_rank, require_same_shape, softplus, xlog_ratio

NAMES = (
    "kl",
    "reverse-kl",
    "pearson-chi2",
    "neyman-chi2",
    "squared-hellinger",
    "jensen-shannon",
    "gan",
    "total-variation",
    "alpha",
)

LOG2 = math.log(2.0)
REFERENCE = "Nowozin, Cseke & Tomioka 2016, f-GAN, Tables 1 and 2, eq. 1-4"


def _alpha_value(value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a finite number other than 0 and 1, got {value!r}")
    if value in (0, 1):
        raise ValueError(f"alpha must differ from 0 and 1, got {value!r}")
    return float(value)


ALPHA = Param("alpha", None, _alpha_value, "alpha of the alpha-divergence (real, not 0 or 1)")


class Family:
    """The five functions of one generator, written from Tables 1 and 2 (torch, any dtype)."""

    def __init__(
        self,
        f: Callable[[torch.Tensor], torch.Tensor],
        conjugate: Callable[[torch.Tensor], torch.Tensor],
        activation: Callable[[torch.Tensor], torch.Tensor],
        fused: Callable[[torch.Tensor], torch.Tensor],
        divergence: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        in_domain: Callable[[torch.Tensor], torch.Tensor],
    ) -> None:
        self.f = f
        self.conjugate = conjugate
        self.activation = activation
        self.fused = fused
        self.divergence = divergence
        self.in_domain = in_domain


def _safe(mask: torch.Tensor, x: torch.Tensor, value: float) -> torch.Tensor:
    return torch.where(mask, x, torch.full_like(x, value))


def _ratio_sum(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """sum of num/den with num/0 = +inf for num > 0 and 0/0 = 0 (zero masses)."""
    pos = den > 0
    d = _safe(pos, den, 1.0)
    inf = torch.full_like(num, math.inf)
    term = torch.where(pos, num / d, torch.where(num > 0, inf, torch.zeros_like(num)))
    return term.sum(-1)


def _kl() -> Family:
    return Family(
        f=lambda u: torch.special.xlogy(u, u),
        conjugate=lambda t: torch.exp(t - 1.0),
        activation=lambda v: v * 1.0,
        fused=lambda v: torch.exp(v - 1.0),
        divergence=lambda p, q: xlog_ratio(p, q).sum(-1),
        in_domain=lambda t: torch.isfinite(t),
    )


def _reverse_kl() -> Family:
    return Family(
        f=lambda u: -torch.log(u),
        conjugate=lambda t: -1.0 - torch.log(-t),
        activation=lambda v: -torch.exp(-v),
        fused=lambda v: v - 1.0,
        divergence=lambda p, q: xlog_ratio(q, p).sum(-1),
        in_domain=lambda t: t < 0,
    )


def _pearson() -> Family:
    def conj(t: torch.Tensor) -> torch.Tensor:
        return torch.where(t >= -2.0, 0.25 * t * t + t, torch.full_like(t, -1.0))

    return Family(
        f=lambda u: (u - 1.0) ** 2,
        conjugate=conj,
        activation=lambda v: v * 1.0,
        fused=conj,
        divergence=lambda p, q: _ratio_sum((p - q) ** 2, q),
        in_domain=lambda t: torch.isfinite(t),
    )


def _neyman() -> Family:
    return Family(
        f=lambda u: (1.0 - u) ** 2 / u,
        conjugate=lambda t: 2.0 - 2.0 * torch.sqrt(1.0 - t),
        activation=lambda v: 1.0 - torch.exp(v),
        # 1 - g(v) = e^v, so f*(g(v)) = 2 - 2 e^{v/2}
        fused=lambda v: 2.0 - 2.0 * torch.exp(0.5 * v),
        divergence=lambda p, q: _ratio_sum((p - q) ** 2, p),
        in_domain=lambda t: t < 1.0,
    )


def _hellinger() -> Family:
    return Family(
        f=lambda u: (torch.sqrt(u) - 1.0) ** 2,
        conjugate=lambda t: t / (1.0 - t),
        activation=lambda v: 1.0 - torch.exp(v),
        # g/(1 - g) with 1 - g = e^v: (1 - e^v) e^{-v}
        fused=lambda v: torch.exp(-v) - 1.0,
        divergence=lambda p, q: ((torch.sqrt(p) - torch.sqrt(q)) ** 2).sum(-1),
        in_domain=lambda t: t < 1.0,
    )


def _jensen_shannon() -> Family:
    def f(u: torch.Tensor) -> torch.Tensor:
        return torch.special.xlogy(u, u) - (u + 1.0) * torch.log((u + 1.0) / 2.0)

    def div(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        m = 0.5 * (p + q)
        return (xlog_ratio(p, m, diff=0.5 * (p - q)) + xlog_ratio(q, m, diff=0.5 * (q - p))).sum(-1)

    return Family(
        f=f,
        conjugate=lambda t: -torch.log(2.0 - torch.exp(t)),
        activation=lambda v: LOG2 - softplus(-v),
        # 2 - exp(g(v)) = 2 - 2 sigmoid(v) = 2 sigmoid(-v); -log of it = softplus(v) - log 2
        fused=lambda v: softplus(v) - LOG2,
        divergence=div,
        in_domain=lambda t: t < LOG2,
    )


def _gan() -> Family:
    def f(u: torch.Tensor) -> torch.Tensor:
        return torch.special.xlogy(u, u) - torch.special.xlogy(u + 1.0, u + 1.0)

    def conj(t: torch.Tensor) -> torch.Tensor:
        # -log(1 - e^t), as -log(-expm1(t)): exact for t near 0; 1 - e^t rounds for t << 0 only
        # where the value is below 1e-16 relative in float64.
        return -torch.log(-torch.expm1(t))

    def div(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        s = p + q
        return (xlog_ratio(p, s, diff=-q) + xlog_ratio(q, s, diff=-p)).sum(-1)

    return Family(
        f=f,
        conjugate=conj,
        activation=lambda v: -softplus(-v),
        fused=softplus,
        divergence=div,
        in_domain=lambda t: t < 0,
    )


def _total_variation() -> Family:
    return Family(
        f=lambda u: 0.5 * torch.abs(u - 1.0),
        conjugate=lambda t: torch.clamp(t, min=-0.5),
        activation=lambda v: 0.5 * torch.tanh(v),
        fused=lambda v: 0.5 * torch.tanh(v),
        divergence=lambda p, q: 0.5 * torch.abs(p - q).sum(-1),
        in_domain=lambda t: t <= 0.5,
    )


def _alpha(alpha: float) -> Family:
    a = alpha / (alpha - 1.0)
    c = 1.0 / (alpha * (alpha - 1.0))

    def f(u: torch.Tensor) -> torch.Tensor:
        return c * (torch.pow(u, alpha) - 1.0 - alpha * (u - 1.0))

    def conj(t: torch.Tensor) -> torch.Tensor:
        s = 1.0 + (alpha - 1.0) * t
        pos = s > 0
        s_pos = _safe(pos, s, 1.0)
        value = (torch.pow(s_pos, a) - 1.0) / alpha
        if alpha > 1.0:
            return torch.where(pos, value, torch.full_like(t, -1.0 / alpha))
        # alpha < 0 reaches the closed end s = 0 of the domain, where s^a = 0 (a > 0)
        return torch.where(pos, value, torch.full_like(t, -1.0 / alpha))

    def div(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        # sum [p^alpha q^(1-alpha) - q - alpha (p - q)] / (alpha (alpha - 1)), with the limits
        # p^alpha q^(1-alpha) = 0 where one mass is 0 and the exponent of that mass is positive,
        # +inf where it is negative, 0 where both are 0.
        both = (p > 0) & (q > 0)
        mixed = torch.pow(_safe(both, p, 1.0), alpha) * torch.pow(_safe(both, q, 1.0), 1.0 - alpha)
        inf = torch.full_like(p, math.inf)
        zero = torch.zeros_like(p)
        only_q = (p == 0) & (q > 0)
        only_p = (p > 0) & (q == 0)
        edge = torch.where(only_q, inf if alpha < 0 else zero, torch.where(only_p, inf if alpha > 1 else zero, zero))
        mixed = torch.where(both, mixed, edge)
        return (c * (mixed - q - alpha * (p - q))).sum(-1)

    if alpha > 1.0:
        activation = lambda v: v * 1.0  # noqa: E731
        fused = conj
        in_domain = torch.isfinite
    else:
        bound = 1.0 / (1.0 - alpha)

        def activation(v: torch.Tensor) -> torch.Tensor:
            return bound - softplus(-v)

        def fused(v: torch.Tensor) -> torch.Tensor:
            # 1 + (alpha - 1) g(v) = (1 - alpha) softplus(-v), so f*(g(v)) =
            # (exp(a (log(1 - alpha) + log softplus(-v))) - 1) / alpha. softplus(-v) is taken as
            # log1p(exp(-v)) for v >= 0 and -v + log1p(exp(v)) below: autograd's second derivative
            # of log-sigmoid loses ~1e-3 relative at v = 30 in float64, which the power a < 0
            # amplifies into the Hessian; these primitives keep it to rounding.
            pos = v >= 0
            vp = _safe(pos, v, 1.0)
            vn = _safe(~pos, v, -1.0)
            sp = torch.where(pos, torch.log1p(torch.exp(-vp)), -vn + torch.log1p(torch.exp(vn)))
            return torch.expm1(a * (math.log(1.0 - alpha) + torch.log(sp))) / alpha

        def in_domain(t: torch.Tensor) -> torch.Tensor:
            return t <= bound if alpha < 0 else t < bound

    return Family(f=f, conjugate=conj, activation=activation, fused=fused, divergence=div, in_domain=in_domain)


FIXED: Dict[str, Callable[[], Family]] = {
    "kl": _kl,
    "reverse-kl": _reverse_kl,
    "pearson-chi2": _pearson,
    "neyman-chi2": _neyman,
    "squared-hellinger": _hellinger,
    "jensen-shannon": _jensen_shannon,
    "gan": _gan,
    "total-variation": _total_variation,
}


def family(name: str, alpha: Optional[float], spec: str) -> Family:
    """The family member, checking that alpha is given exactly when the name is 'alpha'."""
    if name == "alpha":
        if alpha is None:
            raise InputError(f"{spec}: the alpha-divergence needs the parameter 'alpha'")
        return _alpha(alpha)
    if alpha is not None:
        raise InputError(f"{spec}: parameter 'alpha' is only for the alpha-divergence, not {name!r}")
    return FIXED[name]()


def _f_prime_at_one(fam: Family, dtype: torch.dtype) -> torch.Tensor:
    one = torch.ones((), dtype=dtype, requires_grad=True)
    with torch.enable_grad():
        (g,) = torch.autograd.grad(fam.f(one), one)
    return g.detach()


def _fdiv_spec(name: str) -> None:
    spec_id = f"fdiv/{name}"
    params = (ALPHA,) if name == "alpha" else ()

    @register(
        spec_id,
        inputs=("u", "t", "v", "p", "q"),
        params=params,
        outputs=("f", "conjugate", "activation", "conjugateOfActivation", "fPrimeAtOne", "divergence"),
        reference=REFERENCE,
    )
    def evaluate(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
        u, t, v, p, q = x["u"], x["t"], x["v"], x["p"], x["q"]
        for n, ten in (("u", u), ("t", t), ("v", v), ("p", p)):
            require_rank(spec_id, n, ten, at_least=1)
        require_same_shape(spec_id, "p", p, "q", q)
        fam = family(name, params.get("alpha"), spec_id)
        if not bool((u > 0).all()):
            raise InputError(f"{spec_id}: u must be > 0")
        if not bool(fam.in_domain(t.detach()).all()):
            raise InputError(f"{spec_id}: t must lie in the domain of f*")
        return {
            "f": fam.f(u),
            "conjugate": fam.conjugate(t),
            "activation": fam.activation(v),
            "conjugateOfActivation": fam.fused(v),
            "fPrimeAtOne": _f_prime_at_one(fam, u.dtype),
            "divergence": fam.divergence(p, q),
        }

    evaluate.__doc__ = f"fdiv/{name}: see the module docstring."


for _name in NAMES:
    _fdiv_spec(_name)
