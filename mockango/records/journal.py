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
FIELDS = ("time", "method", "path", "query", "status", "session", "agent")
AGENTS_KEPT = 64
"""Distinct User-Agent strings shared between entries (a client sends the same one on every call)."""


class Journal:
    """The last :data:`JOURNAL_SIZE` HTTP calls, oldest first, each ``{"time", "method", "path", "query",
    "status", "session", "agent"}`` (``session``: the run whose per-run key made the call, else None;
    ``agent``: the caller's User-Agent).

    Kept as tuples (a third of a dict's size) with one copy of each User-Agent: full, it holds
    about 3.6 MiB (6.0 MiB as dicts), measured with tracemalloc.
    """

    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: collections.deque[tuple] = collections.deque(maxlen=size)
        self._agents: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(
        self, method: str, path: str, status: int, query: str, session_id: str | None, agent: str | None = None
    ) -> None:
        with self._lock:
            if agent is not None:
                if len(self._agents) >= AGENTS_KEPT and agent not in self._agents:
                    self._agents.clear()
                agent = self._agents.setdefault(agent, agent)
            self._entries.append((time.time(), method, path, query, status, session_id, agent))

    def entries(self, session_id: str | None = None) -> list[dict]:
        with self._lock:
            kept = [entry for entry in self._entries if session_id is None or entry[5] == session_id]
        return [dict(zip(FIELDS, entry)) for entry in kept]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
