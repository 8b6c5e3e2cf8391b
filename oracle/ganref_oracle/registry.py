"""The oracle's own registry of specs, keyed by the catalog ids of ``CATALOG.md``.

A spec is one decorated function::

    @register(
        "objective/wasserstein",
        inputs=("criticReal", "criticFake"),
        optional=("weightsReal", "weightsFake"),
        params=(REDUCTION,),
        outputs=("discriminator", "generator"),
        reference="Arjovsky et al. 2017",
    )
    def wasserstein(x, params):
        ...
        return {"discriminator": ..., "generator": ...}

The function receives ``x``, a mapping from every declared input name to a tensor (``None`` for
an optional input that was not sent), and ``params``, the validated parameters with defaults
filled in. It returns a mapping from each declared output name to a tensor. Unknown parameters,
parameters out of range, missing required inputs and unknown inputs are ``BAD_PARAMS``; a spec
raises :class:`InputError` (also ``BAD_PARAMS``) when an input has a shape it does not take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import torch

from .protocol import BAD_PARAMS, EVAL_FAILED, OracleError

SpecFn = Callable[[Mapping[str, Optional[torch.Tensor]], Mapping[str, Any]], Mapping[str, torch.Tensor]]


class InputError(OracleError):
    """An input (or parameter) the spec cannot take: reported as ``BAD_PARAMS``."""

    def __init__(self, message: str) -> None:
        super().__init__(BAD_PARAMS, message)


@dataclass(frozen=True)
class Param:
    """A spec parameter: its name, default, and a validator.

    ``validate`` receives the JSON value and returns the value the spec will see, or raises
    ``ValueError`` with a message saying what was expected.
    """

    name: str
    default: Any
    validate: Callable[[Any], Any]
    doc: str = ""


def choice(*options: str) -> Callable[[Any], str]:
    """A validator accepting exactly one of the given strings."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"expected one of {list(options)}, got {value!r}")
        return value

    return check


#: The reduction parameter shared by the objectives: mean = sum(w*l)/sum(w), sum, or none.
REDUCTION = Param(
    "reduction",
    "mean",
    choice("mean", "sum", "none"),
    "reduction of per-example losses: 'mean' = sum(w*l)/sum(w), 'sum' = sum(w*l), 'none' = w*l",
)


@dataclass(frozen=True)
class Spec:
    """A registered spec: id, signature, implementation and paper reference."""

    id: str
    fn: SpecFn
    inputs: Tuple[str, ...]
    optional: Tuple[str, ...]
    params: Tuple[Param, ...]
    outputs: Tuple[str, ...]
    reference: str
    doc: str

    @property
    def all_inputs(self) -> Tuple[str, ...]:
        """Required then optional input names."""
        return self.inputs + self.optional

    def bind_params(self, raw: Mapping[str, Any]) -> Dict[str, Any]:
        """Validate ``raw`` against the declared parameters; defaults fill missing keys."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise OracleError(
                BAD_PARAMS,
                f"{self.id}: unknown parameter(s) {unknown}; known: {sorted(known) or 'none'}",
            )
        bound: Dict[str, Any] = {}
        for name, param in known.items():
            value = raw.get(name, param.default)
            try:
                bound[name] = param.validate(value)
            except ValueError as exc:
                raise OracleError(BAD_PARAMS, f"{self.id}: parameter {name!r}: {exc}") from None
        return bound

    def check_inputs(self, names: Iterable[str]) -> None:
        """Every required input present, nothing the spec does not take."""
        names = set(names)
        missing = [n for n in self.inputs if n not in names]
        if missing:
            raise OracleError(BAD_PARAMS, f"{self.id}: missing input(s) {missing}")
        unknown = sorted(names - set(self.all_inputs))
        if unknown:
            raise OracleError(
                BAD_PARAMS,
                f"{self.id}: unknown input(s) {unknown}; it takes {list(self.all_inputs)}",
            )

    def __call__(self, inputs: Mapping[str, torch.Tensor], params: Mapping[str, Any]) -> Dict[str, torch.Tensor]:
        """Evaluate the spec; ``inputs`` must already have passed :meth:`check_inputs`."""
        x = {name: inputs.get(name) for name in self.all_inputs}
        out = self.fn(x, params)
        if set(out) != set(self.outputs):
            raise OracleError(
                EVAL_FAILED,
                f"{self.id}: implementation returned {sorted(out)}, declared {list(self.outputs)}",
            )
        return {name: out[name] for name in self.outputs}


REGISTRY: Dict[str, Spec] = {}


def register(
    spec_id: str,
    *,
    inputs: Sequence[str],
    outputs: Sequence[str],
    optional: Sequence[str] = (),
    params: Sequence[Param] = (),
    reference: str = "",
) -> Callable[[SpecFn], SpecFn]:
    """Decorator: register ``fn`` as the implementation of catalog id ``spec_id``."""

    def decorate(fn: SpecFn) -> SpecFn:
        if spec_id in REGISTRY:
            raise ValueError(f"spec {spec_id!r} registered twice")
        names = list(inputs) + list(optional)
        if len(set(names)) != len(names):
            raise ValueError(f"spec {spec_id!r}: duplicate input names")
        if not outputs or len(set(outputs)) != len(outputs):
            raise ValueError(f"spec {spec_id!r}: outputs must be distinct and non-empty")
        for name in list(names) + list(outputs):
            if ":" in name:
                raise ValueError(f"spec {spec_id!r}: name {name!r} contains ':'")
        REGISTRY[spec_id] = Spec(
            id=spec_id,
            fn=fn,
            inputs=tuple(inputs),
            optional=tuple(optional),
            params=tuple(params),
            outputs=tuple(outputs),
            reference=reference,
            doc=(fn.__doc__ or "").strip(),
        )
        return fn

    return decorate


def get_spec(spec_id: str) -> Optional[Spec]:
    """The registered spec, or ``None`` (after loading the built-in specs)."""
    load_builtin_specs()
    return REGISTRY.get(spec_id)


def spec_ids() -> List[str]:
    """Sorted ids of every registered spec."""
    load_builtin_specs()
    return sorted(REGISTRY)


def spec_defaults() -> Dict[str, Dict[str, Any]]:
    """Each spec's parameter defaults, by id then parameter name (reported by ``hello``)."""
    load_builtin_specs()
    return {spec_id: {p.name: p.default for p in spec.params} for spec_id, spec in sorted(REGISTRY.items())}


def load_builtin_specs() -> None:
    """Import :mod:`ganref_oracle.specs`, whose modules register themselves on import."""
    from . import specs  # noqa: F401  (import for its side effect)
