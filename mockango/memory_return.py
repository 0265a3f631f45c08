"""Memory given back to the system after a burst of big requests.

A request with a 60 KB header is read, copied, parsed and freed, while small things it leaves behind
(its journal entry) are allocated between those copies; Python frees the copies, but glibc keeps the
pages they sat in, in the arena of each connection's thread. 2,500 such requests left ``mockango
serve`` 25 MiB bigger for good (``bench/abuse.py``), with only 4 MiB of it still in use.
``malloc_trim(0)`` hands the free pages back. It runs once :data:`TRIM_AFTER` bytes of requests were
read since the last time, at most once per :data:`TRIM_EVERY` seconds, from a timer thread (one at a
time): a host serving ordinary requests never pays for it, and a burst costs one call (a few ms) a
second. Where the C library has no ``malloc_trim`` (musl, macOS), nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable

TRIM_AFTER = 1024 * 1024
"""Bytes of requests read (lines, headers, bodies) after which free memory is handed back."""
TRIM_EVERY = 1.0
"""Seconds between two hand-backs at most; the last one comes this long after a burst's last big read."""


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


class MemoryReturn:
    """Counts the bytes a server reads; past :data:`TRIM_AFTER`, frees what the allocator holds unused."""

    def __init__(self, after: int = TRIM_AFTER, every: float = TRIM_EVERY) -> None:
        self.after = after
        self.every = every
        self.trims = 0
        """How many times memory was handed back (tests and benches read it)."""
        self._trim = _malloc_trim()
        self._read = 0
        self._lock = threading.Lock()
        self._pending: threading.Timer | None = None

    @property
    def available(self) -> bool:
        return self._trim is not None

    def read(self, count: int) -> None:
        """``count`` more bytes of requests were read."""
        if self._trim is None or count <= 0:
            return
        with self._lock:
            self._read += count
            if self._read < self.after or self._pending is not None:
                return  # not yet, or already coming: a burst adds nothing more
            timer = self._pending = threading.Timer(self.every, self._hand_back)
        timer.name, timer.daemon = "mockango memory return", True
        timer.start()

    def _hand_back(self) -> None:
        with self._lock:
            self._read = 0
            self._pending = None
        self._trim()
        self.trims += 1
