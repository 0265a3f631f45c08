"""Asset listings: the paging and filter arguments the REST API accepts, checked before any query.

How assets are stored and found is in :mod:`mockango.records.projects`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest

MAX_PAGE_LIMIT = 1000
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


def paging(page: Any, limit: Any) -> tuple[int, int]:
    try:
        page, limit = int(page), int(limit)
    except (TypeError, ValueError):
        raise InvalidRequest(f"'page' and 'limit' must be whole numbers, got page={page!r}, limit={limit!r}")
    if page < 1:
        raise InvalidRequest(f"'page' must be 1 or more, got {page}")
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InvalidRequest(f"'limit' must be between 1 and {MAX_PAGE_LIMIT}, got {limit}")
    return page, limit


def check_filters(filters: Mapping) -> None:
    """Refuse filter keys and values the real host would not understand, saying which."""
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise InvalidRequest(f"unknown filter key(s) {sorted(unknown)}: use {', '.join(FILTER_KEYS)}")
    batches = filters.get("batches")
    if batches is not None and (not isinstance(batches, list) or not all(isinstance(b, str) for b in batches)):
        raise InvalidRequest("filter 'batches' must be a list of batch ids")
    if "isPreLabeled" in filters and not isinstance(filters["isPreLabeled"], bool):
        raise InvalidRequest("filter 'isPreLabeled' must be true or false")
