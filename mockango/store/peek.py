"""A look into a state file without opening a host on it (``serve --fresh``, ``state export``)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from ..errors import StorageError


@dataclass(frozen=True)
class StateSummary:
    """What a state file holds, in counts, and the seed its data was made with (None: not recorded)."""

    plugins: int
    sessions: int
    seed: str | None


def peek(path: str | os.PathLike[str]) -> StateSummary:
    """Read a state file read-only; :class:`StorageError` when it is no SQLite file of mockango's."""
    try:
        db = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True)
        try:
            plugins = db.execute("SELECT count(*) FROM plugins").fetchone()[0]
            sessions = db.execute("SELECT count(*) FROM sessions").fetchone()[0]
            row = db.execute("SELECT value FROM settings WHERE name = 'seed'").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StorageError(str(exc)) from exc
    return StateSummary(plugins, sessions, None if row is None else str(row[0]))
