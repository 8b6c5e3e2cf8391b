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
    optional = tuple(
        n for l in range(layers, layers + optional_layers) for n in (f"{prefix}W{l}", f"{prefix}B{l}")
    )
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
                f"{spec}: {prefix}W{l} has {w.shape[0]} rows but layer {l - 1} has "
                f"{layers[-1][0].shape[1]} outputs"
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
