"""GAN objectives: a discriminator (critic) loss and a generator loss each (``objective/*``)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import torch
import torch.nn.functional as F

from ..nets import activation_param, ALPHA, collect_layers, forward, input_width, output_width, require_batch
from ..registry import choice, InputError, Param, REDUCTION, register
from ._common import reduce_losses, require_rank, require_same_shape, softplus
from ._features import _margin, _non_negative, _weighted_mean as _weighted_feature_mean
from ._logit_losses import _batches, _gan_discriminator_loss
from ._network_objectives import (
    _AE_OPTIONAL,
    _AE_REQUIRED,
    _EB,
    _MIX,
    _MR,
    _MR_OPTIONAL,
    _MR_REQUIRED,
    _NETS,
    _number,
    _weights,
    X,
)
from ._two_batch import _finite_number, _OUTPUTS, _smoothing_target, _two_batches, _weighted_mean, _WEIGHTS
from .fdiv import ALPHA as FDIV_ALPHA, family, NAMES


@register(
    "objective/minimax",
    inputs=("logitsReal", "logitsFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=("discriminator", "generator"),
    reference="Goodfellow et al. 2014, eq. 1 and Algorithm 1",
)
def minimax(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """The minimax GAN game ``min_G max_D V(D, G)`` (Goodfellow et al. 2014, eq. 1).

    ``discriminator = E[softplus(-l_r)] + E[softplus(l_f)]`` (= ``-V``);
    ``generator = E[log(1 - D(G(z)))] = -E[softplus(l_f)]`` (the saturating loss that
    Algorithm 1 descends).
    """
    reduction = params["reduction"]
    l_r, l_f, w_r, w_f = _batches("objective/minimax", x, "logitsReal", "logitsFake", reduction)
    return {
        "discriminator": _gan_discriminator_loss(l_r, l_f, w_r, w_f, reduction),
        "generator": -reduce_losses(softplus(l_f), w_f, reduction),
    }


@register(
    "objective/non-saturating",
    inputs=("logitsReal", "logitsFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=("discriminator", "generator"),
    reference="Goodfellow et al. 2014, section 3 (maximise log D(G(z)))",
)
def non_saturating(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """The non-saturating game: D as in minimax, G maximises ``log D(G(z))``.

    Goodfellow et al. 2014, section 3: "Rather than training G to minimize log(1 - D(G(z))) we
    can train G to maximize log D(G(z))". ``generator = -E[log D(G(z))] = E[softplus(-l_f)]``.
    """
    reduction = params["reduction"]
    l_r, l_f, w_r, w_f = _batches("objective/non-saturating", x, "logitsReal", "logitsFake", reduction)
    return {
        "discriminator": _gan_discriminator_loss(l_r, l_f, w_r, w_f, reduction),
        "generator": reduce_losses(softplus(-l_f), w_f, reduction),
    }


@register(
    "objective/wasserstein",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=("discriminator", "generator"),
    reference="Arjovsky et al. 2017, section 3 (Kantorovich-Rubinstein duality) and Algorithm 1",
)
def wasserstein(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """WGAN (Arjovsky et al. 2017): the critic maximises ``E[c_r] - E[c_f]`` over
    (clipped, hence Lipschitz) critics, the Kantorovich-Rubinstein dual of W1 (section 3).

    ``discriminator = E[c_f] - E[c_r]`` (the critic's loss, minimised);
    ``generator = -E[c_f]`` (the generator step of Algorithm 1).
    """
    reduction = params["reduction"]
    c_r, c_f, w_r, w_f = _batches("objective/wasserstein", x, "criticReal", "criticFake", reduction)
    return {
        "discriminator": reduce_losses(c_f, w_f, reduction) - reduce_losses(c_r, w_r, reduction),
        "generator": -reduce_losses(c_f, w_f, reduction),
    }


@register(
    "objective/loss-sensitive",
    inputs=("lossReal", "lossFake", "xReal", "xFake"),
    optional=("weights",),
    params=(
        Param("lambda", 1.0, _non_negative, "weight of the margin (hinge) term, >= 0"),
        Param("margin", "l1", choice("l1", "l2"), "Delta: 'l1' sum |x_r - x_f|, 'l2' ||x_r - x_f||_2"),
        REDUCTION,
    ),
    outputs=("discriminator", "generator"),
    reference="Qi 2017, Loss-Sensitive GANs on Lipschitz Densities, section 3 (S and T)",
)
def loss_sensitive(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """LS-GAN, the pairs ``(x_r[i], x_f[i])`` standing for the paper's ``(x, G(z))``.

    ``discriminator = reduce(L_r + lambda * max(0, Delta + L_r - L_f))`` (the paper's ``S``,
    per pair), ``generator = reduce(L_f)`` (``T``), with the same per-pair weights.
    """
    spec = "objective/loss-sensitive"
    l_r, l_f, x_r, x_f, w = x["lossReal"], x["lossFake"], x["xReal"], x["xFake"], x["weights"]
    require_rank(spec, "lossReal", l_r, exactly=1)
    require_same_shape(spec, "lossReal", l_r, "lossFake", l_f)
    require_rank(spec, "xReal", x_r, at_least=2)
    require_same_shape(spec, "xReal", x_r, "xFake", x_f)
    if x_r.shape[0] != l_r.shape[0]:
        raise InputError(f"{spec}: xReal has {x_r.shape[0]} rows but lossReal has {l_r.shape[0]} values")
    if w is not None:
        require_same_shape(spec, "weights", w, "lossReal", l_r)
    lam, reduction = params["lambda"], params["reduction"]
    violation = torch.clamp(_margin(x_r, x_f, params["margin"]) + l_r - l_f, min=0)
    objective = l_r + lam * violation
    return {
        "discriminator": reduce_losses(objective, w, reduction),
        "generator": reduce_losses(l_f, w, reduction),
    }


@register(
    "objective/feature-matching",
    inputs=("featuresReal", "featuresFake"),
    optional=("weightsReal", "weightsFake"),
    outputs=("generator",),
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.1",
)
def feature_matching(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``generator = ||mu_r - mu_f||_2^2`` summed over every feature (non-batch axes flattened),
    ``mu`` the (weighted) batch means of the discriminator features."""
    spec = "objective/feature-matching"
    f_r, f_f = x["featuresReal"], x["featuresFake"]
    w_r, w_f = x["weightsReal"], x["weightsFake"]
    require_rank(spec, "featuresReal", f_r, at_least=2)
    require_rank(spec, "featuresFake", f_f, at_least=2)
    if tuple(f_r.shape[1:]) != tuple(f_f.shape[1:]):
        raise InputError(f"{spec}: feature shapes differ: {list(f_r.shape)} and {list(f_f.shape)}")
    for name, w, f in (("weightsReal", w_r, f_r), ("weightsFake", w_f, f_f)):
        if w is not None and tuple(w.shape) != (f.shape[0],):
            raise InputError(f"{spec}: {name} must have shape [{f.shape[0]}], got {list(w.shape)}")
    gap = _weighted_feature_mean(f_r.flatten(start_dim=1), w_r) - _weighted_feature_mean(f_f.flatten(start_dim=1), w_f)
    return {"generator": torch.dot(gap, gap)}


@register(
    "objective/least-squares",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(
        REDUCTION,
        Param("a", 0.0, _finite_number, "the discriminator's target for fake data"),
        Param("b", 1.0, _finite_number, "the discriminator's target for real data"),
        Param("c", 1.0, _finite_number, "the value the generator wants D to give fake data"),
    ),
    outputs=_OUTPUTS,
    reference="Mao et al. 2017, Least Squares Generative Adversarial Networks, eq. 2",
)
def least_squares(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """LSGAN (Mao et al. 2017, eq. 2) on the raw (linear) discriminator output ``D``:

    ``min_D 1/2 E_x[(D(x) - b)^2] + 1/2 E_z[(D(G(z)) - a)^2]`` and
    ``min_G 1/2 E_z[(D(G(z)) - c)^2]``; each squared error is half of torch's elementwise MSE.
    """
    reduction = params["reduction"]
    d_r, d_f, w_r, w_f = _two_batches(
        "objective/least-squares", x, "criticReal", "criticFake", paired=False, reduction=reduction
    )

    def half_mse(d: torch.Tensor, target: float) -> torch.Tensor:
        return 0.5 * F.mse_loss(d, torch.full_like(d, target), reduction="none")

    return {
        "discriminator": reduce_losses(half_mse(d_r, params["b"]), w_r, reduction)
        + reduce_losses(half_mse(d_f, params["a"]), w_f, reduction),
        "generator": reduce_losses(half_mse(d_f, params["c"]), w_f, reduction),
    }


@register(
    "objective/hinge",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(REDUCTION,),
    outputs=_OUTPUTS,
    reference="Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization, eq. 16-17",
)
def hinge(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Hinge GAN in the form of Miyato et al. 2018, eq. 16-17: the critic maximises
    ``V_D = E[min(0, -1 + D(x))] + E[min(0, -1 - D(G(z)))]``, so its loss is ``-V_D``; the
    generator minimises ``-E[D(G(z))]``.

    At a kink (``D(x) = 1`` or ``D(G(z)) = -1``) ``torch.minimum`` splits the gradient between
    its tied arguments, so this server returns half the one-sided slope there; the loss is not
    differentiable at those points and clients compare gradients only away from them.
    """
    reduction = params["reduction"]
    c_r, c_f, w_r, w_f = _two_batches(
        "objective/hinge", x, "criticReal", "criticFake", paired=False, reduction=reduction
    )
    zero = torch.zeros((), dtype=c_r.dtype)
    v_real = torch.minimum(zero, c_r - 1.0)
    v_fake = torch.minimum(zero, -1.0 - c_f)
    return {
        "discriminator": -(reduce_losses(v_real, w_r, reduction) + reduce_losses(v_fake, w_f, reduction)),
        "generator": -reduce_losses(c_f, w_f, reduction),
    }


@register(
    "objective/relativistic",
    inputs=("criticReal", "criticFake"),
    optional=_WEIGHTS,
    params=(
        REDUCTION,
        Param(
            "variant",
            "standard",
            choice("standard", "average"),
            "'standard' (RSGAN, paired samples) or 'average' (RaSGAN)",
        ),
    ),
    outputs=_OUTPUTS,
    reference="Jolicoeur-Martineau 2018, The relativistic discriminator, section 4 (RSGAN, RaSGAN)",
)
def relativistic(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Relativistic standard and average GANs (Jolicoeur-Martineau 2018), ``C`` the critic's
    non-transformed output and ``D(x_r, x_f) = sigmoid(C(x_r) - C(x_f))``:

    * standard: ``L_D = -E[log sigmoid(C(x_r) - C(x_f))]`` over pairs ``(x_r[i], x_f[i])``,
      ``L_G = -E[log sigmoid(C(x_f) - C(x_r))]``; pair ``i`` has weight ``w_r[i] * w_f[i]``.
    * average: ``D~(x_r) = sigmoid(C(x_r) - E[C(x_f)])``, ``D~(x_f) = sigmoid(C(x_f) - E[C(x_r)])``,
      ``L_D = -E_r[log D~(x_r)] - E_f[log(1 - D~(x_f))]`` and
      ``L_G = -E_f[log D~(x_f)] - E_r[log(1 - D~(x_r))]``; the inner ``E`` are weighted means,
      and ``log(1 - sigmoid(t)) = logsigmoid(-t)``.
    """
    reduction, variant = params["reduction"], params["variant"]
    c_r, c_f, w_r, w_f = _two_batches(
        "objective/relativistic",
        x,
        "criticReal",
        "criticFake",
        paired=variant == "standard",
        reduction=reduction,
    )
    if variant == "standard":
        if w_r is None and w_f is None:
            w = None
        else:
            ones = torch.ones_like(c_r)
            w = (ones if w_r is None else w_r) * (ones if w_f is None else w_f)
        return {
            "discriminator": reduce_losses(-F.logsigmoid(c_r - c_f), w, reduction),
            "generator": reduce_losses(-F.logsigmoid(c_f - c_r), w, reduction),
        }
    real_vs_fakes = c_r - _weighted_mean(c_f, w_f)  # logit of D~(x_r)
    fake_vs_reals = c_f - _weighted_mean(c_r, w_r)  # logit of D~(x_f)
    return {
        "discriminator": reduce_losses(-F.logsigmoid(real_vs_fakes), w_r, reduction)
        + reduce_losses(-F.logsigmoid(-fake_vs_reals), w_f, reduction),
        "generator": reduce_losses(-F.logsigmoid(fake_vs_reals), w_f, reduction)
        + reduce_losses(-F.logsigmoid(-real_vs_fakes), w_r, reduction),
    }


@register(
    "objective/label-smoothing",
    inputs=("logitsReal", "logitsFake"),
    optional=_WEIGHTS,
    params=(
        REDUCTION,
        Param("alpha", 0.9, _smoothing_target, "the discriminator's target for real data, in (0, 1]"),
    ),
    outputs=_OUTPUTS,
    reference="Salimans et al. 2016, Improved Techniques for Training GANs, section 3.4",
)
def label_smoothing(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """One-sided label smoothing (Salimans et al. 2016, section 3.4): the discriminator's
    binary cross-entropy with target ``alpha`` for real data and ``0`` for generated data,
    from logits (torch's ``binary_cross_entropy_with_logits`` with soft targets); the generator
    keeps the non-saturating loss ``-E[log sigmoid(l_f)]`` (cross-entropy with target 1).
    """
    reduction = params["reduction"]
    l_r, l_f, w_r, w_f = _two_batches(
        "objective/label-smoothing", x, "logitsReal", "logitsFake", paired=False, reduction=reduction
    )
    alpha = params["alpha"]

    def bce(logits: torch.Tensor, target: float) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target), reduction="none")

    return {
        "discriminator": reduce_losses(bce(l_r, alpha), w_r, reduction) + reduce_losses(bce(l_f, 0.0), w_f, reduction),
        "generator": reduce_losses(bce(l_f, 1.0), w_f, reduction),
    }


@register(
    _EB,
    inputs=("xReal", "xFake") + _AE_REQUIRED,
    optional=_AE_OPTIONAL + ("weightsReal", "weightsFake"),
    params=(
        Param("margin", 1.0, _number(0.0, True), "the hinge margin m > 0"),
        Param(
            "energy", "mse", choice("mse", "l2"), "'mse': mean squared reconstruction error; 'l2': its Euclidean norm"
        ),
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


@register(
    "objective/f-gan",
    inputs=("vReal", "vFake"),
    optional=("weightsReal", "weightsFake"),
    params=(Param("divergence", "gan", choice(*NAMES), "the f-divergence"), FDIV_ALPHA, REDUCTION),
    outputs=("discriminator", "generator", "generatorHeuristic"),
    reference="Nowozin, Cseke & Tomioka 2016, eq. 6 and section 3.2",
)
def f_gan(x: Mapping[str, Optional[torch.Tensor]], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """``F = E_P[g_f(V_r)] - E_Q[f*(g_f(V_f))]`` (eq. 6): the discriminator maximises it
    (``discriminator = -F``), the generator minimises it (``generator = -E_Q[f*(g_f(V_f))]``,
    the theta-dependent part), or maximises ``E_Q[g_f(V_f)]`` (section 3.2:
    ``generatorHeuristic = -E_Q[g_f(V_f)]``)."""
    spec = "objective/f-gan"
    reduction = params["reduction"]
    v_r, v_f = x["vReal"], x["vFake"]
    w_r, w_f = x["weightsReal"], x["weightsFake"]
    require_rank(spec, "vReal", v_r, exactly=1)
    require_rank(spec, "vFake", v_f, exactly=1)
    if w_r is not None:
        require_same_shape(spec, "weightsReal", w_r, "vReal", v_r)
    if w_f is not None:
        require_same_shape(spec, "weightsFake", w_f, "vFake", v_f)
    if reduction == "none" and v_r.shape != v_f.shape:
        raise InputError(f"{spec}: reduction 'none' needs equal batch sizes")
    fam = family(params["divergence"], params["alpha"], spec)
    real_term = reduce_losses(fam.activation(v_r), w_r, reduction)
    fake_conj = reduce_losses(fam.fused(v_f), w_f, reduction)
    return {
        "discriminator": fake_conj - real_term,
        "generator": -fake_conj,
        "generatorHeuristic": -reduce_losses(fam.activation(v_f), w_f, reduction),
    }
