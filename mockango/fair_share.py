"""Fair turns between client addresses: a client that has taken much more of the interpreter lately waits,
before its next request is read, while a lighter client's request is being served.

One Python interpreter serves every client, so a client sending requests back to back over one
kept-alive connection keeps it busy all the time, and every other client's request waits for the
interpreter lock at each of its steps (socket reads, SQLite calls, the answer's write). Measured
with ``bench/abuse.py`` (2 cores): such a client sending 404s, even with a 10-byte path, took a
legitimate ``GET /v2/listProjects`` from 127.0.0.1 from a p99 of ~2.5 ms to 6-8 ms (2-3×); with a
30 KB path and a 60 KB User-Agent, to 9-11 ms. Making each request cheaper only lets the client
send more of them.

So each client address's CPU time (its request threads' own CPU clock, from a request's first byte
to its answer) is kept as a sum that halves every :data:`HALF_LIFE` seconds. Before a request is
read, and again before it is served, its thread waits while another address that used less than
1/:data:`HEAVIER` as much has a request being served since less than :data:`LONGEST_WAIT` seconds,
and for that long at most: a lighter client's long request (an import) delays a heavier one once,
by that much at most, not at every call. Nothing is refused and no request is dropped. Requests
from one address never wait for each other: plugins running in parallel on one machine are one
address. Socket.IO requests (a websocket lives as long as its plugin) are never counted as being
served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

HALF_LIFE = 1.0
"""Seconds after which a client address's counted CPU time has halved."""
HEAVIER = 1.2
"""An address waits for another's request only when it has used more than this many times its CPU time."""
LONGEST_WAIT = 0.02
"""Seconds a request waits at most for lighter clients' requests; an older request is no longer waited for."""
_FORGET_BELOW = 1e-6  # counted seconds under which an address with nothing being served is forgotten
_PRUNE_PAST = 64  # addresses remembered before the forgettable ones are forgotten


class FairShare:
    """The CPU each client address used lately, and the requests being served for each (see the module)."""

    def __init__(
        self, half_life: float = HALF_LIFE, heavier: float = HEAVIER, longest_wait: float = LONGEST_WAIT
    ) -> None:
        self.half_life = half_life
        self.heavier = heavier
        self.longest_wait = longest_wait
        self.waits = 0
        """Requests that waited for a lighter client's (tests and benches read it)."""
        self._used: dict[str, tuple[float, float]] = {}  # address -> (CPU seconds, when counted)
        self._serving: dict[object, tuple[str, float]] = {}  # request -> (address, when its serving began)
        self._waiting = 0
        self._turns = threading.Condition(threading.Lock())

    def used(self, address: str, now: float | None = None) -> float:
        """CPU seconds ``address`` used, halved for every :attr:`half_life` since."""
        with self._turns:
            return self._used_at(address, time.monotonic() if now is None else now)

    def wait_turn(self, address: str) -> None:
        """Before a request of ``address`` is read: wait while a lighter address has a request being served."""
        with self._turns:
            if all(served == address for served, _ in self._serving.values()):
                return  # nobody else's request is being served (the usual case: no clock read)
            deadline = time.monotonic() + self.longest_wait
            waited = False
            while True:
                now = time.monotonic()
                if now >= deadline or not self._lighter_served(address, now):
                    break
                waited = True
                self._waiting += 1
                try:
                    self._turns.wait(deadline - now)
                finally:
                    self._waiting -= 1
            self.waits += waited

    @contextmanager
    def serving(self, address: str) -> Iterator[None]:
        """While a request of ``address`` is being served (after its head was read, until its answer)."""
        request = object()
        with self._turns:
            self._serving[request] = (address, time.monotonic())
        try:
            yield
        finally:
            with self._turns:
                del self._serving[request]
                if self._waiting:
                    self._turns.notify_all()

    def count(self, address: str, cpu_seconds: float) -> None:
        """``address``'s request took ``cpu_seconds`` of its thread's CPU."""
        now = time.monotonic()
        with self._turns:
            self._used[address] = (self._used_at(address, now) + cpu_seconds, now)
            if len(self._used) > _PRUNE_PAST:
                served = {served for served, _ in self._serving.values()}
                for other in [a for a in self._used if a not in served]:
                    if self._used_at(other, now) < _FORGET_BELOW:
                        del self._used[other]

    def _used_at(self, address: str, now: float) -> float:
        seconds, at = self._used.get(address, (0.0, now))
        return seconds * 0.5 ** ((now - at) / self.half_life) if seconds else 0.0

    def _lighter_served(self, address: str, now: float) -> bool:
        mine = self._used_at(address, now)
        return any(
            other != address and now - began < self.longest_wait and mine > self.heavier * self._used_at(other, now)
            for other, began in self._serving.values()
        )
