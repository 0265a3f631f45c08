"""Asset listings: the paging and filter arguments the REST API accepts, checked before any query.

How assets are stored and found is in :mod:`mockango.records.projects`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest
from .input_limits import MAX_SQL_INTEGER, whole_number

MAX_PAGE_LIMIT = 1000
MAX_PAGE = MAX_SQL_INTEGER // MAX_PAGE_LIMIT
"""The highest page looked for: any page past it is as empty as it, and its offset fits SQLite's integers."""
MAX_HOSTED_SIDE = 4096
"""Largest width or height of a hosted asset's image (a 4096x4096 PNG takes ~0.2 s to make)."""
DEFAULT_HOSTED_SIZE = (640, 480)
FILTER_KEYS = ("_id", "externalId", "isPreLabeled", "batches")


def hosted_size(metadata: Mapping, *, where: str = "metadata") -> tuple[int, int]:
    """The width and height a hosted asset's image is made at: whole numbers of 1 to MAX_HOSTED_SIDE pixels."""
    size = []
    for side, default in zip(("width", "height"), DEFAULT_HOSTED_SIZE):
        value = metadata.get(side)
        if value is None:
            value = default
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HOSTED_SIDE:
            raise InvalidRequest(
                f"{where}.{side} of a hosted asset must be a whole number of pixels from 1 to "
                f"{MAX_HOSTED_SIDE}, got {value!r}"
            )
        size.append(value)
    return size[0], size[1]


def paging(page: Any, limit: Any, *, where: str = "'{}'") -> tuple[int, int]:
    """``page`` (1 or more) and ``limit`` (1 to :data:`MAX_PAGE_LIMIT`), from ints or their query text.

    A page past any data answers an empty page: it is taken as :data:`MAX_PAGE`, so its offset still
    fits SQLite's integers. ``where`` names the values in messages (``"query parameter '{}'"`` on the web).
    """
    return (
        whole_number(page, where.format("page"), low=1, ceiling=MAX_PAGE),
        whole_number(limit, where.format("limit"), low=1, high=MAX_PAGE_LIMIT),
    )


FILTER_SHAPES = "_id, externalId (text), isPreLabeled (true or false), batches (a list of batch ids)"


def check_filters(filters: Mapping) -> None:
    """Refuse filter keys and values the host cannot match, saying which and what it takes.

    The shapes are those the official client documents for ``get_assets`` (imerit-ango 1.4.10,
    ``SDK.get_assets``: ``_id: str, externalId: str, isPreLabeled: bool, batches: [ids]``); what the
    real host makes of an operator such as ``{"$regex": ...}`` is not known, and mockango cannot
    match it, so it says so instead of answering a wrong page. A null matches nothing, as before.
    """
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise InvalidRequest(f"unknown filter key(s) {sorted(unknown)}: use {', '.join(FILTER_KEYS)}")
    for key in ("_id", "externalId", "isPreLabeled"):
        value = filters.get(key)
        wanted = bool if key == "isPreLabeled" else str
        if key in filters and not isinstance(value, wanted) and not (value is None and wanted is str):
            shape = "true or false" if wanted is bool else "text"
            operators = (
                "; operators such as $regex are not simulated"
                if isinstance(value, Mapping) and any(str(k).startswith("$") for k in value)
                else ""
            )
            raise InvalidRequest(
                f"filter '{key}' must be {shape}, got {_json_shown(value)}: mockango matches the filters the "
                f"official client documents: {FILTER_SHAPES}{operators}"
            )
    batches = filters.get("batches")
    if batches is not None and (not isinstance(batches, list) or not all(isinstance(b, str) for b in batches)):
        raise InvalidRequest("filter 'batches' must be a list of batch ids")


def _json_shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:80] + "..."
