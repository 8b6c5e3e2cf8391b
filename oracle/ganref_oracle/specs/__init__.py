"""The spec implementations. Each module registers its specs on import (see ``registry.py``).

To add a spec: write one function decorated with :func:`ganref_oracle.registry.register` in one
of these modules (or a new module imported below).
"""

from . import divergences, objectives, theory  # noqa: F401  (imported to register the specs)

__all__ = ["divergences", "objectives", "theory"]
