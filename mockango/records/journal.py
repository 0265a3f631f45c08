"""The request journal: the last HTTP calls the host answered (tests read it to see what a plugin did).

Kept in memory, bounded, and not in the store: it is a diagnostic of this process,
written on every request, and a write per request would make every GET wait for
the writer during a long import. Bounded twice: by entries (:data:`JOURNAL_SIZE`) and
by bytes (:data:`JOURNAL_BYTES`), with each path, query and User-Agent cut at
:data:`FIELD_LIMIT` characters and marked, so that huge requests (a 60 KB path, a 60 KB
User-Agent) cannot make it grow past a few MiB.
"""

from __future__ import annotations

import collections
import sys
import threading
import time

SCHEMA = ""

JOURNAL_SIZE = 10_000
JOURNAL_BYTES = 8 * 1024 * 1024
"""What the kept entries may hold in all (Python's own sizes of their strings, plus each tuple)."""
FIELD_LIMIT = 2_000
"""Characters kept of a path, query or User-Agent; the rest is cut and the entry says how much."""
_ENTRY_BYTES = 150  # the tuple, its float and int, beside the strings
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

    def __init__(self, size: int = JOURNAL_SIZE, max_bytes: int = JOURNAL_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        """What the kept entries hold, as counted against :attr:`max_bytes`."""
        self._entries: collections.deque[tuple] = collections.deque()
        self._sizes: collections.deque[int] = collections.deque()
        self._agents: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(
        self, method: str, path: str, status: int, query: str, session_id: str | None, agent: str | None = None
    ) -> None:
        path, query = _cut(path), _cut(query)
        method = _cut(method)
        with self._lock:
            if agent is not None:
                agent = _cut(agent)
                if len(self._agents) >= AGENTS_KEPT and agent not in self._agents:
                    self._agents.clear()
                agent = self._agents.setdefault(agent, agent)
            size = _ENTRY_BYTES + sum(sys.getsizeof(text) for text in (method, path, query, agent) if text)
            self._entries.append((time.time(), method, path, query, status, session_id, agent))
            self._sizes.append(size)
            self.bytes += size
            while len(self._entries) > self.size or (self.bytes > self.max_bytes and len(self._entries) > 1):
                self._entries.popleft()
                self.bytes -= self._sizes.popleft()

    def entries(self, session_id: str | None = None) -> list[dict]:
        with self._lock:
            kept = [entry for entry in self._entries if session_id is None or entry[5] == session_id]
        return [dict(zip(FIELDS, entry)) for entry in kept]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def _cut(text: str) -> str:
    if len(text) <= FIELD_LIMIT:
        return text
    return f"{text[:FIELD_LIMIT]}… [cut: {len(text) - FIELD_LIMIT:,} more characters]"
