"""The request journal: the last HTTP calls the host answered (tests read it to see what a plugin did).

Kept in memory, bounded, and not in the store: it is a diagnostic of this process,
written on every request, and a write per request would make every GET wait for
the writer during a long import.
"""

from __future__ import annotations

import collections
import threading
import time

SCHEMA = ""

JOURNAL_SIZE = 10_000


class Journal:
    """The last :data:`JOURNAL_SIZE` HTTP calls, oldest first, each ``{"time", "method", "path", "query",
    "status", "session", "agent"}`` (``session``: the run whose per-run key made the call, else None;
    ``agent``: the caller's User-Agent)."""

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: collections.deque[dict] = collections.deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, method: str, path: str, status: int, query: str, session_id: str | None,
            agent: str | None = None) -> None:
        entry = {"time": time.time(), "method": method, "path": path, "query": query, "status": status,
                 "session": session_id, "agent": agent}
        with self._lock:
            self._entries.append(entry)

    def entries(self, session_id: str | None = None) -> list[dict]:
        with self._lock:
            if session_id is None:
                return list(self._entries)
            return [entry for entry in self._entries if entry["session"] == session_id]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
