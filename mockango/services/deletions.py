"""Hidden projects removed in the background, a short write transaction at a time.

A project's delete hides it at once (:mod:`mockango.records.project_deletion`); this removes
its rows. In a file store (``mockango serve``) a thread deletes in transactions that stop once
they have held the writer :data:`CHUNK_SECONDS` (a step of :data:`STEP_SECONDS` at a time: a
step's cost varies with the rows it cascades to and with the machine's load, so a transaction
sized in rows overshot its target up to 5x), rests as long after each one, and checkpoints the
write-ahead log itself in that rest, so another write waits at most about one chunk and never
pays for copying the delete's pages (measured by ``bench/project_delete.py``). In memory (the
fixture, ``MockAngo``) projects are small and the chunks run at once, in the deleting call.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

from ..records import project_deletion
from ..store import Store

logger = logging.getLogger(__name__)

CHUNK_SECONDS = 0.01
"""How long one chunk's transaction may hold the writer before it commits; the rest after it is as long."""
STEP_SECONDS = 0.002
"""What one step (one :func:`~mockango.records.project_deletion.delete_some`) should take: a chunk
ends within about one step of :data:`CHUNK_SECONDS`."""
FIRST_STEP = 64
SMALLEST_STEP, LARGEST_STEP = 8, 1024
MOST_REST = 0.1
IN_MEMORY_STEP = 8192


class ProjectDeletions:
    """Removes the rows of hidden projects: in a thread for a file store, at once in memory."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._closed = False
        self._busy = False
        self._asked = 0  # start() calls so far: a start while the thread looks finds it looking again
        self._step = FIRST_STEP
        self.clock: Callable[[], float] = time.perf_counter
        """Times the chunks (tests replace it)."""

    def start(self) -> None:
        """Remove what is hidden: now (memory), or from the background thread (started if needed)."""
        if self.store.memory:
            self._remove_all()
            return
        with self._lock:
            self._closed = False  # a Hub closed and used again (MockAngo restarted on it) deletes again
            self._busy = True
            self._asked += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="mockango-project-deletions", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no hidden project has rows left (tests, benches); False if ``timeout`` passed first."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._busy and self._thread is not None and self._thread.is_alive():
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def close(self) -> None:
        """Stop the thread after its current chunk; what is left is resumed by the next :meth:`start`
        (or the next open of the store)."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(10)

    def _remove_all(self) -> None:
        while True:
            with self.store.read() as db:
                waiting = project_deletion.pending(db)
            if not waiting:
                return
            for project_id in waiting:
                done = False
                while not done:
                    with self.store.write() as db:
                        _, done = project_deletion.delete_some(db, project_id, IN_MEMORY_STEP)

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                asked = self._asked
            try:
                with self.store.read() as db:
                    waiting = project_deletion.pending(db)
            except Exception:  # the store was closed under us (the Hub is shutting down)
                logger.exception("project deletions stopped")
                return
            if not waiting:
                with self._lock:
                    if self._asked != asked:
                        continue  # a delete came in while we looked: look again
                    self._busy = False
                    self._wake.notify_all()
                    self._wake.wait_for(lambda: self._closed or self._asked != asked)
                continue
            for project_id in waiting:
                if not self._remove(project_id):
                    return

    def _remove(self, project_id: str) -> bool:
        """One project's rows, chunk by chunk; False when closed meanwhile."""
        done = False
        while not done:
            with self._lock:
                if self._closed:
                    return False
            try:
                with self.store.write() as db:
                    held_from = self.clock()  # from when the writer is ours: waiting for it holds nobody up
                    done = self._chunk(db, project_id, held_from + CHUNK_SECONDS)
                committed = self.clock()
                # Copy the chunk's pages from the log into the file now, outside the writer's lock: left to
                # SQLite, the commit that takes the log past 1,000 pages copies them, often another request's.
                self.store.checkpoint()
            except Exception:
                logger.exception(
                    "deleting project %s stopped; it stays hidden and is resumed at the next start", project_id
                )
                return False
            held = committed - held_from
            rest = min(max(held - (self.clock() - committed), 0.002), MOST_REST)  # the checkpoint was rest too
            with self._lock:
                if self._wake.wait_for(lambda: self._closed, timeout=rest):
                    return False
        return True

    def _chunk(self, db: sqlite3.Connection, project_id: str, deadline: float) -> bool:
        """Steps of one transaction until ``deadline`` or the project's end; True when it is gone."""
        while True:
            began = self.clock()
            _, done = project_deletion.delete_some(db, project_id, self._step)
            ended = self.clock()
            # Aim each step at STEP_SECONDS: a loaded machine or a costly stretch of rows gets smaller ones.
            if ended - began < STEP_SECONDS / 2:
                self._step = min(self._step * 2, LARGEST_STEP)
            elif ended - began > STEP_SECONDS * 2:
                self._step = max(self._step // 2, SMALLEST_STEP)
            if done or ended >= deadline:
                return done
