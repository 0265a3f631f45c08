"""Free-form values (metadata, ontologies, labels, configs, log entries) as JSON text in the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest

Record = sqlite3.Row | Mapping[str, Any]
"""A row as a query gives it, or the same fields as a dict."""

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # one encoder: json.dumps(**options) builds one per call


def to_json(value: Any, what: str) -> str:
    """``value`` as compact JSON, or :class:`InvalidRequest` naming ``what`` when it cannot be stored."""
    try:
        return _ENCODE(value)
    except RecursionError:
        raise InvalidRequest(f"{what} is nested too deeply to be stored") from None
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"{what} cannot be stored as JSON: {exc}") from None


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
