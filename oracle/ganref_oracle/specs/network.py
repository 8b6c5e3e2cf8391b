"""Networks as data (DESIGN.md, "Second-order autodiff"): an MLP critic and a convolutional
critic, given by their weights, with every activation a critic uses. Each spec returns the
critic's scores and a gradient penalty, sum_i ||grad_x c(x_i)||^2, which is built with
``torch.autograd.grad(..., create_graph=True)``: the protocol's gradients of that penalty with
respect to the weights are second derivatives of the critic, and its Hessian-vector products third
derivatives, so these two specs check ganref's double (and triple) backprop through every layer
and activation. Written from the definitions with torch primitives (``addmm``, ``F.conv2d``,
``F.group_norm``, pools), independently of ganref's TypeScript."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Mapping, Optional

import torch

from ..nets import (
    ALPHA,
    NORMALIZATIONS,
    PADDINGS,
    POOLINGS,
    activation_param,
    collect_conv_layers,
    collect_layers,
    conv_blocks,
    conv_feature_size,
    conv_layer_names,
    flatten_nhwc,
    forward,
    input_width,
    layer_names,
    output_width,
    require_batch,
)
from ..registry import InputError, Param, choice, register

X = Mapping[str, Optional[torch.Tensor]]


def _positive_int(value: Any) -> int:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or value != int(value) or value < 1:
        raise ValueError(f"expected an integer >= 1, got {value!r}")
    return int(value)


def _positive(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
        raise ValueError(f"expected a finite number > 0, got {value!r}")
    return float(value)


def score_and_penalty(critic: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> Dict[str, torch.Tensor]:
    """``score`` = c(x) [n] and ``gradientPenalty`` = sum_i ||d c(x_i) / d x_i||^2.

    The input gradient of sum_i c(x_i) is per example because examples do not interact; it is
    kept on the graph (``create_graph``), so the penalty is differentiable in the weights and in x.
    When x is not a ``wrt`` leaf, a detached copy that requires grad stands in for it."""
    xg = x if x.requires_grad else x.detach().requires_grad_(True)
    score = critic(xg)
    (gx,) = torch.autograd.grad(score.sum(), xg, create_graph=True)
    penalty = torch.einsum("i,i->", gx.reshape(-1), gx.reshape(-1))
    return {"score": score, "gradientPenalty": penalty}


def _one_output(spec: str, prefix: str, layers) -> None:
    if output_width(layers) != 1:
        raise InputError(
            f"{spec}: the last layer of '{prefix}' must have one output (a score), got {output_width(layers)}"
        )


# --- network/mlp --------------------------------------------------------------------------------

_MLP = "network/mlp"
_MLP_REQUIRED, _MLP_OPTIONAL = layer_names("dense", 2, 1)


@register(
    _MLP,
    inputs=("x",) + _MLP_REQUIRED,
    optional=_MLP_OPTIONAL,
    params=(
        activation_param("activation", "relu", "activation after every layer but the last"),
        activation_param("outputActivation", "linear", "activation after the last layer"),
        ALPHA,
    ),
    outputs=("score", "gradientPenalty"),
    reference="Gulrajani et al. 2017, eq. 3 (the penalty's per-example input-gradient norm); networks as data",
)
def mlp_critic(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """c(x) = outAct(act(... act(x W_0 + b_0) ...) W_{L-1} + b_{L-1}) with one output, and
    sum_i ||grad_x c(x_i)||^2."""
    layers = collect_layers(_MLP, x, "dense")
    _one_output(_MLP, "dense", layers)
    xs = x["x"]
    require_batch(_MLP, "x", xs, input_width(layers), "dense")

    def critic(t: torch.Tensor) -> torch.Tensor:
        return forward(layers, t, params["activation"], params["outputActivation"], params["alpha"]).reshape(-1)

    return score_and_penalty(critic, xs)


# --- network/conv -------------------------------------------------------------------------------

_CONV = "network/conv"
_CONV_REQUIRED, _CONV_OPTIONAL = conv_layer_names("conv", 1, 1)
_HEAD_REQUIRED, _HEAD_OPTIONAL = layer_names("dense", 1, 1)


@register(
    _CONV,
    inputs=("x",) + _CONV_REQUIRED + _HEAD_REQUIRED,
    optional=_CONV_OPTIONAL + _HEAD_OPTIONAL,
    params=(
        activation_param("activation", "relu", "activation of every conv block and between dense layers"),
        activation_param("outputActivation", "linear", "activation after the last dense layer"),
        ALPHA,
        Param("stride", 1, _positive_int, "stride of every convolution"),
        Param("padding", "same", choice(*PADDINGS), "TensorFlow 'same' (smaller half before) or 'valid'"),
        Param("pooling", "none", choice(*POOLINGS), "after each block's activation: 2x2 windows, stride 2, 'valid'"),
        Param(
            "normalization",
            "none",
            choice(*NORMALIZATIONS),
            "'layer': per example over C, H, W with per-channel gamma, beta; 'batch': fixed statistics convMean, convVariance",
        ),
        Param("epsilon", 1e-5, _positive, "epsilon of the normalization"),
    ),
    outputs=("score", "gradientPenalty"),
    reference="Gulrajani et al. 2017, eq. 3 and section 4 (layer-normalized critics); networks as data",
)
def conv_critic(x: X, params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
    """Conv blocks pool(act(norm(conv2d(h, K_l) + b_l))) on NHWC images, then an MLP head on the
    NHWC-flattened features to one score; and sum_i ||grad_x c(x_i)||^2."""
    conv = collect_conv_layers(_CONV, x, "conv", params["normalization"])
    head = collect_layers(_CONV, x, "dense")
    _one_output(_CONV, "dense", head)
    xs = x["x"]
    if xs.dim() != 4 or xs.shape[3] != conv[0]["W"].shape[2]:
        raise InputError(
            f"{_CONV}: x must be images [n, H, W, {int(conv[0]['W'].shape[2])}], got shape {list(xs.shape)}"
        )
    width = conv_feature_size(_CONV, conv, list(xs.shape), params["stride"], params["padding"], params["pooling"])
    if input_width(head) != width:
        raise InputError(f"{_CONV}: denseW0 must have {width} rows (the flattened features), got {input_width(head)}")

    def critic(t: torch.Tensor) -> torch.Tensor:
        h = conv_blocks(
            conv,
            t,
            params["activation"],
            params["alpha"],
            params["stride"],
            params["padding"],
            params["pooling"],
            params["normalization"],
            params["epsilon"],
        )
        return forward(
            head, flatten_nhwc(h), params["activation"], params["outputActivation"], params["alpha"]
        ).reshape(-1)

    return score_and_penalty(critic, xs)
