"""What counts as a number, shared by the fast check and the jsonschema type checker.

JSON Schema's "number" accepts NaN and Infinity (Python's json module parses
them); an annotation cannot use them, so both paths reject them through these
two predicates, which keeps the fast and detailed paths in agreement.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["is_number", "is_integer"]

_isfinite = math.isfinite


def is_number(value: object) -> bool:
    """A finite real number that is not a bool."""
    t = type(value)
    if t is int:
        return True
    if t is float:
        return _isfinite(value)  # type: ignore[arg-type]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return _isfinite(value)


def is_integer(value: object) -> bool:
    """An int (not bool), or a finite float with no fractional part, as JSON Schema has it."""
    t = type(value)
    if t is int:
        return True
    if t is float:
        return value.is_integer()  # type: ignore[union-attr]
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and _isfinite(value) and float(value).is_integer()
