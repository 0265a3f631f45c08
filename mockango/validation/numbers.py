"""What counts as a number, shared by the fast check and the jsonschema type checker.

JSON Schema's "number" accepts NaN and Infinity (Python's json module parses
them); an annotation cannot use them, so both paths reject them through these
two predicates, which keeps the fast and detailed paths in agreement.
"""

from __future__ import annotations

import math
import numbers
from typing import TypeGuard

__all__ = ["is_number", "is_integer"]

_isfinite = math.isfinite


def is_number(value: object) -> TypeGuard[float]:
    """A finite real number that is not a bool (to mypy: an int or a float, as JSON has them)."""
    t = type(value)  # once: this runs for every number of an import (mypy cannot narrow through `t`)
    if t is int:
        return True
    if t is float:
        return _isfinite(value)  # type: ignore[arg-type]  # a float: t is float
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return _isfinite(value)


def is_integer(value: object) -> bool:
    """An int (not bool), or a finite float with no fractional part, as JSON Schema has it."""
    t = type(value)  # once: this runs for every number of an import (mypy cannot narrow through `t`)
    if t is int:
        return True
    if t is float:
        return value.is_integer()  # type: ignore[attr-defined]  # a float: t is float
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and _isfinite(value) and float(value).is_integer()
