"""The spec implementations, one module per catalog prefix (``divergence.py`` holds
``divergence/*``, ...), as the catalog (``src/catalog/specs/<prefix>/<name>.ts``) and the fixtures
(``fixtures/<prefix>/<name>.json``). Each module registers its specs on import (see
``registry.py``); modules starting with ``_`` hold helpers shared by several specs.

To add a spec: write one function decorated with :func:`ganref_oracle.registry.register` in the
module of its prefix (a new prefix: a new module, imported below).
"""

from . import (  # noqa: F401  (imported to register the specs)
    constraint,
    divergence,
    dynamics,
    fdiv,
    layer,
    metric,
    network,
    noise,
    objective,
    penalty,
    theory,
    training,
)

__all__ = [
    "constraint",
    "divergence",
    "dynamics",
    "fdiv",
    "layer",
    "metric",
    "network",
    "noise",
    "objective",
    "penalty",
    "theory",
    "training",
]
