"""Specs of this group register themselves on import (see ``registry.py``)."""

from __future__ import annotations
