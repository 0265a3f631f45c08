"""Mongo-style field filters, as the official client's ``TaskFilter`` sends them.

``{"stage": {"$in": [...]}, "status": {"$eq": "TODO"}, "priority": {"$gte": 2}}``: each
field is a plain value (equality) or an object of operators. A list field (``batches``)
matches ``$eq``/``$in`` when any of its values does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest

MAX_PATTERN = 200
OPERATORS = ("$eq", "$ne", "$in", "$nin", "$regex", "$exists", "$gt", "$gte", "$lt", "$lte")


def check_filter(filters: Any, fields: tuple[str, ...], *, where: str = "filter") -> dict:
    """The filter as a dict, or :class:`InvalidRequest` naming the unknown field or operator."""
    if not isinstance(filters, Mapping):
        raise InvalidRequest(f"'{where}' must be a JSON object of field conditions")
    for name, condition in filters.items():
        if name not in fields:
            raise InvalidRequest(f"{where}.{name}: unknown field; filter on {', '.join(fields)}")
        if isinstance(condition, Mapping):
            for operator, operand in condition.items():
                if operator not in OPERATORS:
                    raise InvalidRequest(f"{where}.{name}.{operator}: unknown operator; use {', '.join(OPERATORS)}")
                if operator in ("$in", "$nin") and not isinstance(operand, list):
                    raise InvalidRequest(f"{where}.{name}.{operator} must be a list")
                if operator == "$regex":
                    if not isinstance(operand, str) or len(operand) > MAX_PATTERN:
                        raise InvalidRequest(
                            f"{where}.{name}.$regex must be a pattern of at most {MAX_PATTERN} characters"
                        )
                    try:
                        re.compile(operand)
                    except (re.error, TypeError) as exc:
                        raise InvalidRequest(f"{where}.{name}.$regex is not a valid pattern: {exc}")
    return dict(filters)


def _compare(value: Any, operator: str, operand: Any) -> bool:
    if operator == "$eq":
        return value == operand
    if operator == "$ne":
        return value != operand
    if operator == "$in":
        return value in operand
    if operator == "$nin":
        return value not in operand
    if operator == "$regex":
        return isinstance(value, str) and re.search(operand, value) is not None
    if operator == "$exists":
        return (value is not None) == bool(operand)
    try:
        if operator == "$gt":
            return value is not None and value > operand
        if operator == "$gte":
            return value is not None and value >= operand
        if operator == "$lt":
            return value is not None and value < operand
        if operator == "$lte":
            return value is not None and value <= operand
    except TypeError:
        return False
    return False


def field_matches(value: Any, condition: Any) -> bool:
    conditions = condition.items() if isinstance(condition, Mapping) else [("$eq", condition)]
    for operator, operand in conditions:
        if isinstance(value, list) and operator in ("$eq", "$in", "$regex"):
            if not any(_compare(v, operator, operand) for v in value):
                return False
        elif isinstance(value, list) and operator in ("$ne", "$nin"):
            if not all(_compare(v, operator, operand) for v in value):
                return False
        elif not _compare(value, operator, operand):
            return False
    return True


def record_matches(record: Mapping, filters: Mapping) -> bool:
    return all(field_matches(record.get(name), condition) for name, condition in filters.items())
