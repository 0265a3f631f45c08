"""Keep ``mockango serve`` on one CPU, and its worker processes on all the others may use.

The server is one Python interpreter: at most one of its threads runs Python at a time, and each
SQLite call and socket read lets go of the interpreter lock, so the threads of concurrent requests
hand it to each other many times a request. When those threads run on different CPUs, each hand-off
wakes a thread on another CPU, which costs far more than a switch on the same one (on a virtual
machine, an interrupt through the hypervisor). Measured on 2 cores (KVM) with ``bench/load.py``:
the same server pinned to one CPU served 1.5x the runs/s at 4 concurrent runs, 1.8x at 16, at
about two thirds of the CPU a run, and as many runs/s at 16 as at 4 (docs/figures.md, "One CPU").

Worker processes (big label imports, exports) are Python interpreters of their own: they are given
back every CPU the server could use before it pinned itself, so they never compete with it.
Linux only (``os.sched_setaffinity``); elsewhere, and on a machine with one usable CPU, nothing is
pinned.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OneCpu", "Pinned", "quietest_cpu", "busy_ticks", "allow_cpus"]

SAMPLE_SECONDS = 0.05
"""How long the CPUs' use is watched before the quietest one is picked."""


@dataclass(frozen=True)
class Pinned:
    """Where the process was pinned, and the CPUs it could use before (its workers' share)."""

    cpu: int
    before: frozenset[int]


def busy_ticks(proc_stat: str) -> dict[int, int]:
    """Each CPU's busy time so far (clock ticks neither idle nor waiting for I/O), from ``/proc/stat``'s text."""
    busy: dict[int, int] = {}
    for line in proc_stat.splitlines():
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu":
            continue
        ticks = [int(field) for field in rest.split()]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        # guest and guest_nice (fields 9 and 10) are already counted in user and nice
        busy[int(name[3:])] = sum(ticks[:8]) - idle
    return busy


def quietest_cpu(allowed: Iterable[int], before: dict[int, int], after: dict[int, int], tiebreak: int) -> int:
    """The allowed CPU that was busy least between two :func:`busy_ticks` samples.

    Ties (an idle machine) go by ``tiebreak`` (a process id), so several servers started at once on an
    idle machine spread over the CPUs rather than all taking the first.
    """
    cpus = sorted(allowed)
    used = {cpu: after.get(cpu, 0) - before.get(cpu, 0) for cpu in cpus}
    least = min(used.values())
    candidates = [cpu for cpu in cpus if used[cpu] == least]
    return candidates[tiebreak % len(candidates)]


def _read_busy() -> dict[int, int]:
    try:
        return busy_ticks(Path("/proc/stat").read_text())
    except OSError:
        return {}


class OneCpu:
    """Watches the CPUs from its creation on; :meth:`pin` puts the process on the one that was quietest since.

    ``mockango serve`` creates it first thing and pins from a thread of its own (:meth:`pin_soon`) once its
    server runs: the watching costs it no start time.
    """

    def __init__(self) -> None:
        self.allowed: frozenset[int] | None = (
            frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else None
        )
        self._first = _read_busy() if self.can_pin else {}
        self._since = time.monotonic()

    @property
    def can_pin(self) -> bool:
        """False where pinning is not possible (not Linux) or not worth it (one usable CPU)."""
        return self.allowed is not None and len(self.allowed) > 1

    def pin(self, watch_at_least: float = SAMPLE_SECONDS) -> Pinned | None:
        """Pin every thread of this process (and so every thread it starts later) to the quietest allowed CPU.

        Waits out what is left of ``watch_at_least`` seconds of watching first; None when it cannot pin.
        """
        if self.allowed is None or not self.can_pin:
            return None
        time.sleep(max(0.0, self._since + watch_at_least - time.monotonic()))
        cpu = quietest_cpu(self.allowed, self._first, _read_busy(), os.getpid())
        done: set[int] = set()
        while True:  # again until no new thread: one started meanwhile by an unpinned thread is caught too
            threads = set(_thread_ids()) - done
            if not threads:
                return Pinned(cpu, self.allowed)
            for thread_id in threads:
                try:
                    os.sched_setaffinity(thread_id, {cpu})
                except OSError:  # a thread that ended meanwhile
                    pass
            done |= threads

    def pin_soon(self, watch_at_least: float = SAMPLE_SECONDS) -> Future[Pinned | None]:
        """:meth:`pin` from a thread of its own, so nothing waits out the watching; the future says where."""
        pinned: Future[Pinned | None] = Future()

        def pin() -> None:
            try:
                pinned.set_result(self.pin(watch_at_least))
            except BaseException as exc:  # handed to whoever reads the future
                pinned.set_exception(exc)

        threading.Thread(target=pin, name="mockango pin", daemon=True).start()
        return pinned


def _thread_ids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        return [0]  # this thread alone


def allow_cpus(pid: int, cpus: frozenset[int] | None) -> None:
    """Let process ``pid`` (a worker this server started, which inherited its pin) run on ``cpus``.

    None (nothing was pinned) leaves it as it is; a process that already ended is left alone.
    """
    if cpus is None or not hasattr(os, "sched_setaffinity"):
        return
    try:
        os.sched_setaffinity(pid, cpus)
    except (ProcessLookupError, PermissionError):
        pass
