"""Who uses a state file: `mockango serve` holds it for its whole life, `state import`/`export` for theirs.

An exclusive ``flock`` on ``<state>.lock`` beside the file (SQLite's own locks are per transaction and
would let an import replace a live host's data between two of its requests). The file holds the holder's
command and pid, for the message; it is removed on release, and the lock ends with the process however it
ends (after ``kill -9`` the file stays until the next holder removes it). Where ``fcntl`` is missing
(Windows) nothing is locked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from .errors import StateFileError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class StateInUse(StateFileError):
    """Another process holds the state file."""


class StateLock:
    """The lock of one state file; :meth:`acquire` it, :meth:`release` it (or let the process end)."""

    def __init__(self, state_path: str | os.PathLike) -> None:
        self.path = Path(str(state_path) + ".lock")
        self.state = Path(state_path)
        self._file: TextIO | None = None

    def acquire(self, command: str) -> None:
        """Take the lock for ``command`` (e.g. ``"mockango serve"``), or raise :class:`StateInUse` naming its holder."""
        if fcntl is None or self._file is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            handle = open(self.path, "a+")  # noqa: SIM115 - kept open: the lock lives as long as the file is open
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise StateInUse(
                    f"{self.state} is in use by {holder}: stop it first (Ctrl+C or SIGTERM), then run {command} again"
                )
            if self._still_at_path(handle):
                break
            handle.close()  # the holder released (and removed) it between our open and our lock: again
        handle.seek(0)
        handle.truncate()
        handle.write(f"`{command}` (pid {os.getpid()})")
        handle.flush()
        self._file = handle

    def _still_at_path(self, handle) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Remove the lock file, then drop the lock (in that order: nobody can lock a file that is gone)."""
        if self._file is not None:
            if self._still_at_path(self._file):
                self.path.unlink(missing_ok=True)
            self._file.close()
            self._file = None

    def __enter__(self) -> StateLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
