"""Divergences between discrete distributions (CATALOG.md, section A).

Inputs are probability vectors on the last axis (``[..., k]``); masses of 0 are allowed, with
``0 log(0/q) = 0`` and ``p log(p/0) = +inf`` for ``p > 0``. Logs are natural. The vectors are
used as given (not renormalised), so the formulas are also defined off the simplex.
"""

from __future__ import annotations

from typing import Mapping, Optional

import torch

from ._common import require_rank, require_same_shape


def _pair(spec: str, x: Mapping[str, Optional[torch.Tensor]]):
    p, q = x["p"], x["q"]
    require_rank(spec, "p", p, at_least=1)
    require_same_shape(spec, "p", p, "q", q)
    return p, q
