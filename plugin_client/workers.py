"""The threads a plugin's callbacks run in: bounded, and never holding the process open.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so a
plugin process stopped with Ctrl+C during a long run would wait for the callback to finish
(and log every line it can no longer send). These workers are daemon threads: stopping the
plugin abandons the runs in flight, and the host ends them as disconnected.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("plugin_client")


class Workers:
    """Up to ``count`` daemon threads that run submitted calls in order of arrival."""

    def __init__(self, count: int, name: str = "plugin-callback") -> None:
        self.count, self.name = max(1, count), name
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # workers waiting for a call, minus calls waiting for a worker
        self._busy = 0
        self._closed = False

    def submit(self, call: Callable[..., object], *args: object) -> None:
        """Run ``call(*args)`` in a worker; RuntimeError once :meth:`shutdown` was called."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the workers are shut down")
            self._calls.put((call, args))
            if self._idle == 0 and len(self._threads) < self.count:
                thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1  # a waiting worker takes this call

    @property
    def busy(self) -> int:
        """How many calls are running now."""
        return self._busy

    def shutdown(self) -> None:
        """Take no more calls; calls not yet started are dropped, running ones are left to end (or be
        abandoned when the process exits)."""
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._calls.put(None)

    def _work(self) -> None:
        while True:
            item = self._calls.get()
            if item is None or self._closed:
                return
            call, args = item
            with self._lock:
                self._busy += 1
            try:
                call(*args)
            except Exception:  # the calls handle their own errors; this keeps the worker alive regardless
                log.exception("a plugin worker's call raised")
            finally:
                with self._lock:
                    self._busy -= 1
                    self._idle += 1
