"""Query parameters, read one way for every route: pages, limits, whole numbers, flags, choices and JSON.

Everything here reads through :mod:`mockango.input_limits` (digits only, range-checked, strict JSON
with bounded depth and no NaN), so a query parameter can never reach the store as something it
cannot hold. Refusals are 400s that name the parameter: ``query parameter 'page' must be 1 or more``.
"""

from __future__ import annotations

from typing import Any, overload

from flask import request

from ... import input_limits
from ...assets import paging
from ...errors import InvalidRequest
from ...input_limits import MAX_SQL_INTEGER


def named(name: str) -> str:
    return f"query parameter '{name}'"


def page_and_limit(default_limit: int) -> tuple[int, int]:
    """The ``page`` (1 or more; past any data: an empty page) and ``limit`` (1 to 1000) asked for."""
    args = request.args
    return paging(args.get("page") or 1, args.get("limit") or default_limit, where=named("{}"))


def whole_number(name: str, default: int, *, low: int, high: int | None = None) -> int:
    """``name`` as an int from ``low`` to ``high`` (``default`` when absent or empty); a value past any
    data (an offset into a list) is taken as the largest SQLite can hold."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return input_limits.whole_number(raw, named(name), low=low, high=high, ceiling=MAX_SQL_INTEGER)


def number(name: str, *, low: float, high: float) -> float | None:
    """``name`` as a finite number, brought within ``[low, high]``; None when absent."""
    value = input_limits.query_number(request.args.get(name), name)
    return None if value is None else min(max(float(value), low), high)


def flag(name: str, default: bool = False) -> bool:
    """``name`` as ``true``/``false``."""
    return input_limits.flag(request.args.get(name), named(name), default=default)


@overload
def choice(name: str, options: tuple[str, ...] | None, default: str) -> str: ...
@overload
def choice(name: str, options: tuple[str, ...] | None, default: None = None) -> str | None: ...
def choice(name: str, options: tuple[str, ...] | None, default: str | None = None) -> str | None:
    """``name`` as one of ``options`` (any text when None; ``default`` when absent or empty)."""
    value = request.args.get(name) or default
    if value is not None and options is not None and value not in options:
        raise InvalidRequest(f"{named(name)} must be one of {', '.join(options)}, got {value!r}")
    return value


def json_value(name: str) -> Any:
    """``name`` holding JSON, read as strictly as a body; None when absent."""
    return input_limits.json_parameter(request.args, name)


def json_object(name: str) -> dict | None:
    """``name`` holding a JSON object; None when absent."""
    value = json_value(name)
    if value is not None and not isinstance(value, dict):
        raise InvalidRequest(f"{named(name)} must be a JSON object, got {type(value).__name__}")
    return value


def documented_page(maximum: int, doc: str, default_limit: int = 10) -> tuple[int, int]:
    """``page`` and ``limit`` of an Ango listing whose docs cap ``limit`` (rule ``limit_documented``: the
    refusal names the cap and the page that states it)."""
    page = whole_number("page", 1, low=1)
    try:
        limit = whole_number("limit", default_limit, low=1, high=maximum)
    except InvalidRequest as exc:
        raise InvalidRequest(
            f"{exc.message} (Ango's API docs allow at most {maximum} per page: {doc})",
            details=[{"path": "limit", "code": "limit_documented", "message": exc.message}],
        ) from None
    return page, limit


def json_list(name: str) -> list | None:
    """``name`` holding a JSON list (``batches=["b1", "b2"]``); None when absent."""
    value = json_value(name)
    if value is not None and not isinstance(value, list):
        raise InvalidRequest(f"{named(name)} must be a JSON list, got {type(value).__name__}")
    return value
