"""What input the host accepts at all: strict JSON, bounded depth and size, encodable text.

Every door (REST and control API bodies, query parameters, Socket.IO events, the
dashboard's forms, the Python API's create calls) checks here before anything is
stored, so nothing stored can later break an answer, the dashboard or a save:

- JSON is strict both ways: ``NaN``, ``Infinity`` and ``-Infinity`` are refused on
  input (also as ``1e999``, which Python would read as infinity) and never written;
- nesting is bounded by :data:`MAX_DEPTH` (a 100,000-deep array would otherwise
  raise ``RecursionError`` wherever it is read, copied or saved);
- integers longer than Python's 4,300 digits are refused with a message, not a crash;
- text must be encodable as UTF-8 (a lone surrogate such as ``"\\ud800"`` cannot be
  written into a page or a file);
- names, descriptions and free-form values (configs, extra fields) have size limits.

Pure functions over plain values; errors are :class:`~mockango.errors.InvalidRequest`
naming the JSON path of what was wrong.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest

MAX_DEPTH = 100
"""Deepest nesting of objects and arrays accepted (a label import needs ~10: classifications nest)."""
MAX_BODY_BYTES = 32 * 1024 * 1024
"""Default request body limit (``MockAngo(max_body=...)``, ``mockango serve --max-body``)."""
MAX_NAME_LENGTH = 1_000
"""Longest plugin, project or organization name, in characters."""
MAX_TEXT_LENGTH = 100_000
"""Longest description, in characters."""
MAX_FREE_FORM_BYTES = 1024 * 1024
"""Largest free-form value (a plugin's default config, a run's config) once written as JSON."""
MAX_QUERY_NUMBER_LENGTH = 30
"""Longest number accepted in a query parameter (``page``, ``limit``, ``wait``)."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_CONTAINERS = (dict, list, tuple)


def _refuse_constant(name: str) -> Any:
    raise InvalidRequest(f"the JSON holds {name}, which is not a number in JSON: send a finite number or null")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidRequest(f"the JSON number {text[:40]} is too large to be a finite number")
    return value


SHARED_PARSE_BYTES = 64 * 1024
"""Texts longer than this are parsed with a Python hook per object, so other threads get turns."""


def _object(pairs: list[tuple[str, Any]]) -> dict:
    """One JSON object, as json.loads makes it (the last of repeated keys wins).

    Being Python code, each call is a point where the interpreter may hand the GIL to another
    thread: without it, ``json.loads`` of a 1.5 MB import body is one C call that holds the GIL
    for 20-80 ms on this machine, and every other request of the server waits that long.
    """
    return dict(pairs)


def loads(text: str | bytes, *, where: str = "the body") -> Any:
    """Parse strict JSON and check it (:func:`check_value`); :class:`InvalidRequest` says what was wrong."""
    if isinstance(text, (bytes, bytearray)):
        encoding = json.detect_encoding(text)  # UTF-8 (with or without a BOM), -16 or -32, as json.loads does
        try:
            text = bytes(text).decode(encoding)
        except UnicodeDecodeError as exc:
            raise InvalidRequest(f"{where} is not {encoding.upper()} text: byte {exc.start} cannot be decoded")
    try:
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_object if len(text) > SHARED_PARSE_BYTES else None,
        )
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        raise InvalidRequest(f"{where} is nested deeper than the limit of {MAX_DEPTH} levels")
    except InvalidRequest as exc:
        raise InvalidRequest(f"{where}: {exc.message}")
    except ValueError:  # only integers longer than Python's int_max_str_digits get here
        raise InvalidRequest(f"{where} holds an integer with too many digits (more than 4300)")
    # The hooks above refused non-finite numbers. A lone surrogate can only come from a
    # \uD800-\uDFFF escape (UTF-8 text cannot hold one), so the full walk is needed only
    # when the text has such an escape; otherwise checking the depth is enough (~8x faster).
    if _SURROGATE_ESCAPE.search(text):
        check_value(value, where="$")
    elif not _within_depth(value, 1, MAX_DEPTH):
        check_value(value, where="$")  # finds the path of what is too deep, and says so
    return value


def loads_object(raw: bytes) -> dict:
    """A request body that must be one JSON object (strict, as :func:`loads`); :class:`InvalidRequest` else."""
    if not raw.strip():
        raise InvalidRequest("the request needs a JSON body (Content-Type: application/json)")
    body = loads(raw)
    if not isinstance(body, dict):
        raise InvalidRequest(f"the body must be a JSON object, got {type(body).__name__}")
    return body


def _within_depth(node: Any, depth: int, max_depth: int) -> bool:
    """Whether no container under ``node`` (at ``depth``) is deeper than ``max_depth``; recursion
    is bounded by ``max_depth`` itself."""
    if type(node) is dict:
        node = node.values()
    elif type(node) is not list:
        return True
    if depth > max_depth:
        return False
    depth += 1
    for child in node:
        kind = type(child)
        if (kind is dict or kind is list) and not _within_depth(child, depth, max_depth):
            return False
    return True


def dumps(value: Any, **kwargs: Any) -> str:
    """JSON text that strict parsers accept: a non-finite number raises ``ValueError`` instead."""
    return json.dumps(value, allow_nan=False, **kwargs)


def _path(parents: dict, node_id: int, key: Any = None) -> str:
    parts = []
    if key is not None:
        parts.append(key)
    while node_id in parents:
        node_id, step = parents[node_id]
        parts.append(step)
    path = "$"
    for step in reversed(parts):
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if str(step).isidentifier() else f"[{step!r}]")
    return path


def check_value(value: Any, *, where: str = "$", max_depth: int = MAX_DEPTH) -> None:
    """Refuse what cannot be stored and shown: nesting past ``max_depth``, non-finite numbers,
    text that is not encodable, and anything that is not a JSON type. Iterative, so depth costs nothing.

    ``where`` is the JSON path of ``value``, used as the prefix of the message's path.
    """
    parents: dict[int, tuple[int, Any]] = {}
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, _CONTAINERS) else []
    if not stack:
        _check_scalar(value, lambda: where)
        return
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            path = where + _path(parents, id(node))[1:]
            raise InvalidRequest(f"{path} is nested deeper than the limit of {max_depth} levels")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in items:
            if isinstance(node, dict):
                if not isinstance(key, str):
                    raise InvalidRequest(f"{where + _path(parents, id(node))[1:]} has a key that is not text: {key!r}")
                if _SURROGATE.search(key):
                    raise InvalidRequest(
                        f"{where + _path(parents, id(node))[1:]} has a key that is not valid "
                        "Unicode text (a lone surrogate such as \\ud800)"
                    )
            if isinstance(item, _CONTAINERS):
                parents[id(item)] = (id(node), key)
                stack.append((item, depth + 1))
            else:
                _check_scalar(item, lambda: where + _path(parents, id(node), key)[1:])


def _check_scalar(value: Any, path) -> None:
    kind = type(value)
    if kind is str:
        if _SURROGATE.search(value):
            raise InvalidRequest(
                f"{path()} is not valid Unicode text: it holds a lone surrogate "
                f"(such as \\ud800), which cannot be encoded"
            )
    elif kind is float:
        if not math.isfinite(value):
            raise InvalidRequest(f"{path()} is {value}, which is not a number in JSON: send a finite number")
    elif value is not None and kind not in (int, bool):
        if isinstance(value, (str, int, float)):  # subclasses (enums, numpy-like) are fine once checked as such
            _check_scalar(str(value) if isinstance(value, str) else float(value), path)
            return
        raise InvalidRequest(f"{path()} is a {kind.__name__}, which JSON cannot hold")


def check_text(value: Any, field: str, *, max_length: int = MAX_TEXT_LENGTH, required: bool = False) -> None:
    """A name or description: text, encodable, at most ``max_length`` characters."""
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise InvalidRequest(f"'{field}' must be text, got {type(value).__name__}")
    if len(value) > max_length:
        raise InvalidRequest(f"'{field}' is {len(value):,} characters long; the limit is {max_length:,}")
    if _SURROGATE.search(value):
        raise InvalidRequest(f"'{field}' is not valid Unicode text: it holds a lone surrogate (such as \\ud800)")


def check_free_form(value: Any, field: str, *, max_bytes: int = MAX_FREE_FORM_BYTES) -> None:
    """A free-form JSON value (a config, extra fields): storable JSON of at most ``max_bytes``."""
    check_value(value, where=field)
    size = len(dumps(value).encode("utf-8"))
    if size > max_bytes:
        raise InvalidRequest(f"{field} is {size:,} bytes as JSON; the limit is {max_bytes:,}")


def query_number(raw: str | None, name: str, *, integer: bool = False) -> float | int | None:
    """A number from the query string, finite and short; ``None`` when absent."""
    if raw is None:
        return None
    kind = "a whole number" if integer else "a number"
    if len(raw) > MAX_QUERY_NUMBER_LENGTH:
        raise InvalidRequest(f"'{name}' must be {kind}, got {len(raw)} characters")
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be {kind}, got {raw!r}")
    if not math.isfinite(value):
        raise InvalidRequest(f"'{name}' must be a finite number, got {raw!r}")
    return value


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
MAX_SQL_INTEGER = 2**63 - 1
"""SQLite's largest integer: a bigger one raises OverflowError wherever it is bound."""
MAX_SHOWN_NUMBER = 60
"""Longest number text repeated in a message (a longer one is cut and marked)."""


def whole_number(value: object, name: str, *, low: int, high: int | None = None, ceiling: int | None = None) -> int:
    """``value`` (an int, or its decimal text as a query string holds it) as an int from ``low`` to ``high``.

    Text must be plain digits with an optional sign (``int()`` would also take ``" 2"`` and ``"1_000"``),
    at most :data:`MAX_QUERY_NUMBER_LENGTH` of them. A value over ``ceiling`` is taken as ``ceiling``: for a page or an offset past any data, which
    answers an empty page rather than overflow SQLite's 64-bit integers. ``name`` says what the value
    is in the message (``"query parameter 'page'"``); anything else is :class:`InvalidRequest`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidRequest(f"{name} must be a whole number, got {_shown(value)}")
    text = value if isinstance(value, str) else str(value)
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
        raise InvalidRequest(f"{name} must be a whole number, got {_shown(value)}")
    digits = text.lstrip("+-").lstrip("0")
    sign = -1 if text.startswith("-") else 1
    shown = text if len(text) <= MAX_SHOWN_NUMBER else f"{text[:MAX_SHOWN_NUMBER]}... ({len(digits)} digits)"
    if len(digits) > MAX_QUERY_NUMBER_LENGTH and high is None and sign > 0:
        raise InvalidRequest(
            f"{name} must be a whole number of at most {MAX_QUERY_NUMBER_LENGTH} digits, got {len(digits)} digits"
        )
    # Past 30 digits every bound here is crossed: don't convert thousands of digits to find that out.
    number = int(text) if len(digits) <= MAX_QUERY_NUMBER_LENGTH else sign * 10 ** (MAX_QUERY_NUMBER_LENGTH + 1)
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise InvalidRequest(f"{name} must be {bounds}, got {shown}")
    return number if ceiling is None else min(number, ceiling)


def flag(raw: str | None, name: str, *, default: bool = False) -> bool:
    """A ``true``/``false`` query parameter (either case, as the SDK sends ``str(bool).lower()``)."""
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise InvalidRequest(f"{name} must be true or false, got {_shown(raw)}")
    return raw.lower() == "true"


def json_parameter(params: Mapping[str, str], name: str) -> Any:
    """A query parameter that carries JSON (``filters=<url-encoded JSON>``), read as strictly as a body
    (:func:`loads`); ``None`` when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    return loads(raw, where=f"query parameter '{name}'")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN_NUMBER else f"{text[:MAX_SHOWN_NUMBER]}... ({len(text)} characters)"


_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gib": 1024**3,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
}


def parse_size(text: str) -> int:
    """``"32MiB"``, ``"64 KiB"``, ``"2GB"`` or plain bytes as a positive number of bytes (``ValueError`` else)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match and match.group(2).lower()
    if not match or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size: write bytes, or a number with KiB, MiB, GiB, KB, MB or GB")
    size = int(float(match.group(1)) * _UNITS[unit])
    if size < 1:
        raise ValueError(f"{text!r} is not a size of at least one byte")
    return size


def format_size(size: int) -> str:
    """``33554432`` as ``"32 MiB"``: whole binary units when exact, else bytes."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"
