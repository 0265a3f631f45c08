"""The dashboard's page links: a bounded pager, never one link per page."""

from __future__ import annotations

import math

PAGER_SPREAD = 2
"""How many page links the pager shows on each side of the current page."""


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
