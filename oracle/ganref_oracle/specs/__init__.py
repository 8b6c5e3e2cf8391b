"""The spec implementations. Each module registers its specs on import (see ``registry.py``).

To add a spec: write one function decorated with :func:`ganref_oracle.registry.register` in one
of these modules (or a new module imported below).
"""

from . import (  # noqa: F401  (imported to register the specs)
    divergences,
    divergences_discrete,
    fdiv,
    networks,
    objectives,
    objectives_features,
    objectives_losses,
    objectives_networks,
    regularizers_game,
    regularizers_gradient,
    regularizers_layers,
    theory,
)

__all__ = [
    "divergences",
    "divergences_discrete",
    "fdiv",
    "networks",
    "objectives",
    "objectives_features",
    "objectives_losses",
    "objectives_networks",
    "regularizers_game",
    "regularizers_gradient",
    "regularizers_layers",
    "theory",
]
