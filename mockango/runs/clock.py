"""The run clock: each run ends at its time limit, on a timer of its own."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

CLOCK_NAP = 3600.0  # seconds the run clock sleeps at most before it looks at its earliest deadline again


class SessionClock:
    """Ends each run at its time limit, on a timer of its own: nobody has to read the session.

    One daemon thread per Hub, started with the first run and stopped by :meth:`close`;
    it sleeps until the earliest deadline and calls ``expire(session_id)`` then. A run that
    ends sooner is :meth:`forget`-ten at once, so the clock holds only the runs in flight
    (not every run of the last ``run_timeout`` seconds): its heap is compacted whenever
    more than half of it is forgotten entries.
    """

    def __init__(self, expire: Callable[[str], None]) -> None:
        self._expire = expire
        self._due: list[tuple[float, str]] = []  # a heap; may hold forgotten entries, skipped when popped
        self._pending: dict[str, float] = {}  # session id -> deadline, of the runs still in flight
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def add(self, session_id: str, deadline: float) -> None:
        """Expire ``session_id`` at ``deadline`` (``time.monotonic()`` clock)."""
        with self._wake:
            heapq.heappush(self._due, (deadline, session_id))
            self._pending[session_id] = deadline
            if self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._loop, args=(self._stop,), name="mockango run clock", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def forget(self, session_id: str) -> None:
        """The run ended: no timer for it any more."""
        with self._wake:
            if self._pending.pop(session_id, None) is not None and len(self._due) > 2 * len(self._pending) + 32:
                self._due = [(deadline, sid) for sid, deadline in self._pending.items()]
                heapq.heapify(self._due)

    def __len__(self) -> int:
        """How many runs the clock waits for (those in flight)."""
        with self._wake:
            return len(self._pending)

    def clear(self) -> None:
        with self._wake:
            self._due.clear()
            self._pending.clear()
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._stop.set()
            self._due.clear()
            self._pending.clear()
            thread, self._thread = self._thread, None
            self._wake.notify()
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)

    def _loop(self, stop: threading.Event) -> None:
        while True:
            with self._wake:
                while not stop.is_set() and (not self._due or self._due[0][0] > time.monotonic()):
                    # Capped: a wait past threading.TIMEOUT_MAX raises OverflowError and would end the clock.
                    self._wake.wait(None if not self._due else min(self._due[0][0] - time.monotonic(), CLOCK_NAP))
                if stop.is_set():
                    return
                deadline, session_id = heapq.heappop(self._due)
                if self._pending.get(session_id) != deadline:
                    continue  # forgotten: the run ended before its time limit
                del self._pending[session_id]
            try:
                self._expire(session_id)
            except Exception:  # the session is gone (reset), or the store refused: the next read retries
                pass
