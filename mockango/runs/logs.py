"""A plugin's log line as a session keeps it: level and time added, an over-long message cut, and saying so."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .. import models
from ..records.values import to_json


def log_entry(payload: Mapping[str, Any], level: str, line_limit: int) -> dict:
    """The entry kept for a ``log`` payload: at most ``line_limit`` characters of ``msg``; fields beyond
    the log's own are dropped when the entry would be much larger than that."""
    entry = {**dict(payload), "level": level, "msg": payload.get("msg"), "time": models.iso_time(time.time())}
    message = entry["msg"]
    if isinstance(message, str) and len(message) > line_limit:
        cut = len(message) - line_limit
        entry["msg"] = message[:line_limit] + f"... [{cut} characters cut: the host keeps {line_limit} per log line]"
        entry["truncated"] = True
    text = to_json(entry, "the log entry")
    if len(text) > 2 * line_limit + 4096:  # large fields besides 'msg': keep only the log's own
        entry = {key: entry.get(key) for key in ("session", "level", "msg", "time")}
        entry["truncated"] = True
        entry["msg"] = (
            f"{entry['msg']} [other fields of this entry dropped: {len(text)} characters is over the host's limit]"
            if isinstance(entry["msg"], str)
            else entry["msg"]
        )
    return entry
