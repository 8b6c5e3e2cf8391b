"""Networks described as data (DESIGN.md, "Critics and networks ... described as data").

A multilayer perceptron travels as ordinary named input tensors of a spec, ``{prefix}W0``,
``{prefix}B0``, ``{prefix}W1``, ... with ``W_l`` of shape ``[d_l, d_{l+1}]`` (row-vector
convention: ``h_{l+1} = act(h_l @ W_l + b_l)``, the transpose of ``torch.nn.Linear.weight``) and
``b_l`` of shape ``[d_{l+1}]``, plus parameters naming its activations. Because the weights are
inputs, the protocol's ``wrt`` differentiates with respect to them like any other input.

The forward pass here is written with ``torch.addmm`` and torch's own activation functions,
independently of ganref's TypeScript.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .registry import InputError, Param, choice

Act = Callable[[torch.Tensor, float], torch.Tensor]

#: Activation name -> function of (pre-activation, alpha). Conventions are PyTorch's: leaky-relu
#: has negative slope ``alpha``; elu has alpha 1; selu the constants of Klambauer et al. 2017;
#: swish and silu are ``x * sigmoid(x)``; softplus is ``log(1 + e^x)`` exactly (``logaddexp``,
#: not ``F.softplus``, which returns ``x`` itself above its threshold of 20).
ACTIVATIONS: Dict[str, Act] = {
    "linear": lambda z, a: z,
    "relu": lambda z, a: torch.relu(z),
    "leaky-relu": lambda z, a: F.leaky_relu(z, negative_slope=a),
    "elu": lambda z, a: F.elu(z),
    "selu": lambda z, a: F.selu(z),
    "tanh": lambda z, a: torch.tanh(z),
    "sigmoid": lambda z, a: torch.sigmoid(z),
    "softplus": lambda z, a: torch.logaddexp(z, torch.zeros((), dtype=z.dtype)),
    "swish": lambda z, a: F.silu(z),
    "silu": lambda z, a: F.silu(z),
}


def _non_negative(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
        raise ValueError(f"expected a finite number >= 0, got {value!r}")
    return float(value)


def activation_param(name: str, default: str, doc: str) -> Param:
    """A parameter naming one of :data:`ACTIVATIONS`."""
    return Param(name, default, choice(*ACTIVATIONS), doc)


#: The negative slope of leaky-relu (default 0.2, as ganref's).
ALPHA = Param("alpha", 0.2, _non_negative, "negative slope of 'leaky-relu', >= 0")


def layer_names(prefix: str, layers: int, optional_layers: int = 0) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(required, optional) input names of a network with ``layers`` layers, up to
    ``layers + optional_layers``: ``{prefix}W{l}``, ``{prefix}B{l}``."""
    required = tuple(n for l in range(layers) for n in (f"{prefix}W{l}", f"{prefix}B{l}"))
    optional = tuple(n for l in range(layers, layers + optional_layers) for n in (f"{prefix}W{l}", f"{prefix}B{l}"))
    return required, optional


def collect_layers(
    spec: str, x: Mapping[str, Optional[torch.Tensor]], prefix: str
) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """The layers ``(W_l, b_l)`` of the network ``prefix``, in order, shape-checked.

    Layers run while ``{prefix}W{l}`` is present; a bias without its weight, a weight without its
    bias, a gap, or widths that do not chain are ``BAD_PARAMS``.
    """
    layers: List[Tuple[torch.Tensor, torch.Tensor]] = []
    names = sorted(n for n in x if n.startswith(prefix) and x[n] is not None)
    l = 0
    while x.get(f"{prefix}W{l}") is not None:
        w, b = x[f"{prefix}W{l}"], x.get(f"{prefix}B{l}")
        if b is None:
            raise InputError(f"{spec}: {prefix}W{l} was sent without its bias {prefix}B{l}")
        if w.dim() != 2:
            raise InputError(f"{spec}: {prefix}W{l} must be a matrix [in, out], got shape {list(w.shape)}")
        if layers and w.shape[0] != layers[-1][0].shape[1]:
            raise InputError(
                f"{spec}: {prefix}W{l} has {w.shape[0]} rows but layer {l - 1} has {layers[-1][0].shape[1]} outputs"
            )
        if tuple(b.shape) != (w.shape[1],):
            raise InputError(f"{spec}: {prefix}B{l} must have shape [{w.shape[1]}], got {list(b.shape)}")
        layers.append((w, b))
        l += 1
    used = {n for i in range(l) for n in (f"{prefix}W{i}", f"{prefix}B{i}")}
    stray = [n for n in names if n not in used]
    if stray:
        raise InputError(f"{spec}: {stray} do not continue the layers of '{prefix}' (0..{l - 1})")
    if not layers:
        raise InputError(f"{spec}: network '{prefix}' has no layer ({prefix}W0 missing)")
    return layers


def forward(
    layers: Sequence[Tuple[torch.Tensor, torch.Tensor]],
    h: torch.Tensor,
    activation: str,
    output_activation: str,
    alpha: float,
) -> torch.Tensor:
    """``outAct(act(... act(h @ W_0 + b_0) ...) @ W_{L-1} + b_{L-1})``."""
    for l, (w, b) in enumerate(layers):
        name = output_activation if l == len(layers) - 1 else activation
        h = ACTIVATIONS[name](torch.addmm(b, h, w), alpha)
    return h


def input_width(layers: Sequence[Tuple[torch.Tensor, torch.Tensor]]) -> int:
    return int(layers[0][0].shape[0])


def output_width(layers: Sequence[Tuple[torch.Tensor, torch.Tensor]]) -> int:
    return int(layers[-1][0].shape[1])


def require_batch(spec: str, name: str, t: torch.Tensor, width: int, net: str) -> None:
    """``BAD_PARAMS`` unless ``t`` is a batch ``[n, width]`` for network ``net``."""
    if t.dim() != 2 or t.shape[1] != width:
        raise InputError(f"{spec}: {name} must be a batch [n, {width}] for '{net}', got shape {list(t.shape)}")


# --- convolutional networks as data ------------------------------------------------------------
#
# A convnet travels as input tensors ``{prefix}W{l}`` (filter ``[kh, kw, in, out]``, TF.js's NHWC
# layout), ``{prefix}B{l}`` (bias ``[out]``) and, per normalization, ``{prefix}Gamma{l}``,
# ``{prefix}Beta{l}`` (``[out]``) and ``{prefix}Mean{l}``, ``{prefix}Variance{l}`` (``[out]``),
# followed by an MLP head (the functions above) on the features flattened in NHWC order. Images
# arrive as NHWC ``[n, H, W, C]``; torch works in NCHW, so images are permuted by (0, 3, 1, 2),
# filters by (3, 2, 0, 1) to torch's ``[out, in, kh, kw]``, and the last feature map back by
# (0, 2, 3, 1) before flattening, so that the head's rows mean the same features on both sides.
# Written from the definitions with ``F.conv2d`` (cross-correlation, as TF.js), ``F.pad``,
# ``F.group_norm`` (one group = layer norm over C, H, W with per-channel affine) and an explicit
# inference-form batch norm (``F.batch_norm`` cannot differentiate its running statistics).

PADDINGS = ("same", "valid")
POOLINGS = ("none", "avg", "max")
NORMALIZATIONS = ("none", "layer", "batch")
NORM_TENSORS = {"none": (), "layer": ("Gamma", "Beta"), "batch": ("Gamma", "Beta", "Mean", "Variance")}


def conv_layer_names(prefix: str, layers: int, optional_layers: int = 0) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(required, optional) names of ``layers`` conv layers (filter and bias), up to
    ``layers + optional_layers``, every normalization tensor of every layer being optional."""
    required = tuple(n for l in range(layers) for n in (f"{prefix}W{l}", f"{prefix}B{l}"))
    optional = tuple(
        n for l in range(layers, layers + optional_layers) for n in (f"{prefix}W{l}", f"{prefix}B{l}")
    ) + tuple(f"{prefix}{k}{l}" for l in range(layers + optional_layers) for k in ("Gamma", "Beta", "Mean", "Variance"))
    return required, optional


def collect_conv_layers(
    spec: str, x: Mapping[str, Optional[torch.Tensor]], prefix: str, normalization: str
) -> List[Dict[str, torch.Tensor]]:
    """The conv layers of ``prefix`` in order: dicts with ``W``, ``B`` and the normalization's
    tensors, shape-checked (``BAD_PARAMS`` on a gap, a stray tensor, channels that do not chain,
    a normalization tensor missing or not used, or a negative variance)."""
    layers: List[Dict[str, torch.Tensor]] = []
    l = 0
    while x.get(f"{prefix}W{l}") is not None:
        w, b = x[f"{prefix}W{l}"], x.get(f"{prefix}B{l}")
        if b is None:
            raise InputError(f"{spec}: {prefix}W{l} was sent without its bias {prefix}B{l}")
        if w.dim() != 4:
            raise InputError(f"{spec}: {prefix}W{l} must be a filter [kh, kw, in, out], got shape {list(w.shape)}")
        if layers and w.shape[2] != layers[-1]["W"].shape[3]:
            raise InputError(
                f"{spec}: {prefix}W{l} takes {w.shape[2]} channels but layer {l - 1} gives {layers[-1]['W'].shape[3]}"
            )
        out = int(w.shape[3])
        layer = {"W": w, "B": b}
        for key in ("B",) + NORM_TENSORS[normalization]:
            t = x.get(f"{prefix}{key}{l}")
            if t is None:
                raise InputError(f"{spec}: normalization {normalization!r} needs {prefix}{key}{l} [{out}]")
            if tuple(t.shape) != (out,):
                raise InputError(f"{spec}: {prefix}{key}{l} must have shape [{out}], got {list(t.shape)}")
            layer[key] = t
        if "Variance" in layer and bool((layer["Variance"] < 0).any()):
            raise InputError(f"{spec}: {prefix}Variance{l} must be >= 0")
        layers.append(layer)
        l += 1
    used = {f"{prefix}{k}{i}" for i in range(l) for k in ("W", "B") + NORM_TENSORS[normalization]}
    stray = sorted(n for n in x if x[n] is not None and n.startswith(prefix) and n not in used)
    if stray:
        raise InputError(f"{spec}: {stray} are not used by {l} conv layer(s) with normalization {normalization!r}")
    if not layers:
        raise InputError(f"{spec}: convnet '{prefix}' has no layer ({prefix}W0 missing)")
    return layers


def tf_same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int]:
    """TensorFlow's 'same' padding along one axis: (before, after), the smaller half before."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_blocks(
    layers: Sequence[Mapping[str, torch.Tensor]],
    x_nhwc: torch.Tensor,
    activation: str,
    alpha: float,
    stride: int,
    padding: str,
    pooling: str,
    normalization: str,
    eps: float,
) -> torch.Tensor:
    """The conv blocks pool(act(norm(conv2d(h, W) + b))) on NHWC images; returns NCHW features."""
    h = x_nhwc.permute(0, 3, 1, 2).contiguous()
    for layer in layers:
        w = (
            layer["W"].permute(3, 2, 0, 1).contiguous()
        )  # slow_conv2d double backward wants contiguous weights (torch 1.13)
        if padding == "same":
            top, bottom = tf_same_padding(int(h.shape[2]), int(w.shape[2]), stride)
            left, right = tf_same_padding(int(h.shape[3]), int(w.shape[3]), stride)
            h = F.pad(h, (left, right, top, bottom))
        z = F.conv2d(h, w, layer["B"], stride=stride)
        if normalization == "layer":
            z = F.group_norm(z, 1, layer["Gamma"], layer["Beta"], eps)
        elif normalization == "batch":
            c = (1, -1, 1, 1)
            scale = layer["Gamma"] * torch.rsqrt(layer["Variance"] + eps)
            z = (z - layer["Mean"].reshape(c)) * scale.reshape(c) + layer["Beta"].reshape(c)
        h = ACTIVATIONS[activation](z, alpha)
        if pooling == "avg":
            h = F.avg_pool2d(h, 2, 2)
        elif pooling == "max":
            h = F.max_pool2d(h, 2, 2)
    return h


def flatten_nhwc(h_nchw: torch.Tensor) -> torch.Tensor:
    """NCHW features flattened in TF.js's NHWC order (h, w, c)."""
    return h_nchw.permute(0, 2, 3, 1).reshape(h_nchw.shape[0], -1)


def conv_feature_size(
    spec: str,
    layers: Sequence[Mapping[str, torch.Tensor]],
    shape: Sequence[int],
    stride: int,
    padding: str,
    pooling: str,
) -> int:
    """The flattened feature width for images of ``shape`` [n, H, W, C]; BAD_PARAMS when a feature
    map would be empty."""
    h, w = int(shape[1]), int(shape[2])
    for l, layer in enumerate(layers):
        kh, kw = int(layer["W"].shape[0]), int(layer["W"].shape[1])
        if padding == "same":
            h, w = -(-h // stride), -(-w // stride)
        else:
            h = (h - kh) // stride + 1 if h >= kh else 0
            w = (w - kw) // stride + 1 if w >= kw else 0
        if pooling != "none":
            h, w = h // 2, w // 2
        if h < 1 or w < 1:
            raise InputError(f"{spec}: images {list(shape)} are too small: conv block {l} leaves an empty feature map")
    return h * w * int(layers[-1]["W"].shape[3])
