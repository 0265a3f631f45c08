"""Asset listings: the paging and filter arguments the REST API accepts, checked before any query.

How assets are stored and found is in :mod:`mockango.records.projects`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest

MAX_PAGE_LIMIT = 1000
FILTER_KEYS = ("_id", "externalId", "isPreLabeled", "batches")


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
