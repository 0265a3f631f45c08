"""JSON paths as users read them: ``jsonContent[3].objects[0].bounding-box.width``.

Built only when an issue is reported, so the valid path pays nothing for them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

__all__ = ["format_path", "show"]

_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*$")


def format_path(root: str, parts: Iterable[object]) -> str:
    out = [root]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(str(part)):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(str(part))}]")
    return "".join(out)


def show(value: object, limit: int = 60) -> str:
    """A value as it appeared in the JSON, shortened for a message."""
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 2] + "…'"
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
