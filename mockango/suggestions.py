"""'Did you mean ...?' candidates: only names close enough to be the one meant.

Asset names share prefixes and extensions ("005-enough.png", "015-show.png"), which
lift difflib's default 0.6 ratio for unrelated names; a high cutoff, and only the
matches about as close as the best, keep the hints honest.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.8
"""The least similarity ratio (0..1) a suggestion needs."""
SPREAD = 0.1
"""Further suggestions must be within this of the best one."""


def close_matches(wrong: str, known: Iterable[str], *, n: int = 3, cutoff: float = CUTOFF) -> list[str]:
    """Up to ``n`` names of ``known`` close to ``wrong``, best first; [] when none is close."""
    scored = []
    for name in known:
        matcher = difflib.SequenceMatcher(None, wrong, name)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            ratio = matcher.ratio()
            if ratio >= cutoff:
                scored.append((ratio, name))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    if not scored:
        return []
    best = scored[0][0]
    return [name for ratio, name in scored[:n] if ratio >= best - SPREAD]
