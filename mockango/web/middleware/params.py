"""Paged listings on the web side: reading ``page``/``limit`` from a query, and a bounded pager.

Every listing of the control API and the dashboard answers one page and the total,
so a request's cost does not grow with a project's size or the host's history.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ...assets import MAX_PAGE_LIMIT
from ...errors import InvalidRequest
from ...models import FINAL_STATUSES, RUNNING

SESSION_STATUSES = (RUNNING, *sorted(FINAL_STATUSES))
PAGER_SPREAD = 2
"""How many page links the pager shows on each side of the current page."""


def whole_number(args: Mapping, name: str, default: int, *, low: int, high: int | None = None) -> int:
    """``args[name]`` as an int in ``[low, high]``; a clear 400 naming the parameter otherwise."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidRequest(f"query parameter '{name}' must be a whole number, got {raw!r}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise InvalidRequest(f"query parameter '{name}' must be {bounds}, got {value}")
    return value


def page_and_limit(args: Mapping, default_limit: int) -> tuple[int, int]:
    """The ``page`` (1 or more) and ``limit`` (1 to :data:`MAX_PAGE_LIMIT`) a listing was asked for."""
    return (
        whole_number(args, "page", 1, low=1),
        whole_number(args, "limit", default_limit, low=1, high=MAX_PAGE_LIMIT),
    )


def session_status(args: Mapping) -> str | None:
    """The ``status`` filter of a sessions listing (None: any), refused unless it is a real status."""
    status = args.get("status") or None
    if status is not None and status not in SESSION_STATUSES:
        raise InvalidRequest(f"query parameter 'status' must be one of {', '.join(SESSION_STATUSES)}, got {status!r}")
    return status


def page_count(total: int, limit: int) -> int:
    return max(1, math.ceil(total / limit))


def pager(page: int, pages: int, spread: int = PAGER_SPREAD) -> list[int | None]:
    """The page numbers to link: first, last, and ``spread`` either side of ``page``; None for a gap.

    At most ``2 * spread + 5`` entries however many pages there are (never one link per page).
    """
    shown = sorted({1, pages, *range(max(1, page - spread), min(pages, page + spread) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links
