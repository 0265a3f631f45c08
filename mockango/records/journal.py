"""The request journal: the last HTTP calls the host answered (tests read it to see what a plugin did).

Kept in memory, bounded, and not in the store: it is a diagnostic of this process,
written on every request, and a write per request would make every GET wait for
the writer during a long import.
"""

from __future__ import annotations

SCHEMA = ""
