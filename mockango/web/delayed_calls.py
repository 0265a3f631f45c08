"""Calls made later from one thread: a delayed close of a refused socket costs an entry in a heap, not a thread.

Before, each refused heartbeat slept in a thread of its own (up to 10 s): 2,000 bad heartbeats
on one websocket took the server from 7 to 1,129 threads. Here one thread, started when a
call is first scheduled and ended when none is left, makes every call when its time comes;
at most ``limit`` calls wait at once (past that, :meth:`DelayedCalls.later` says no and the
caller acts at once).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable

logger = logging.getLogger("mockango.socket")

DEFAULT_LIMIT = 10_000


class DelayedCalls:
    """``later(seconds, key, call)``: run ``call()`` in ``seconds``, once per ``key`` at a time."""

    def __init__(self, *, limit: int = DEFAULT_LIMIT, name: str = "mockango delayed calls") -> None:
        self.limit = limit
        self._name = name
        self._heap: list[tuple[float, int, Hashable, Callable[[], object]]] = []
        self._waiting: set[Hashable] = set()
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def later(self, seconds: float, key: Hashable, call: Callable[[], object]) -> bool:
        """Schedule ``call`` (True), or say it cannot wait (False: too many waiting). A call already waiting
        under ``key`` stays as it is: a second one for the same socket adds nothing."""
        with self._changed:
            if key in self._waiting:
                return True
            if len(self._heap) >= self.limit:
                return False
            heapq.heappush(self._heap, (time.monotonic() + seconds, next(self._order), key, call))
            self._waiting.add(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._changed.notify()
        return True

    def __len__(self) -> int:
        return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._changed:
                while True:
                    if not self._heap:
                        self._thread = None  # the next later() starts a new one
                        return
                    due, _, key, call = self._heap[0]
                    wait = due - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self._heap)
                        self._waiting.discard(key)
                        break
                    self._changed.wait(wait)
            try:
                call()
            except Exception:
                logger.exception("a delayed call failed")
