"""Runs: sessions with what was sent and what came back, their log lines, imports and run keys."""

from __future__ import annotations

import heapq
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import models
from ..ids import key_digest
from ..models import Session
from ..store import Store
from . import session_pages
from .values import from_json, to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    run_by TEXT NOT NULL,
    event TEXT NOT NULL,
    time_limit REAL NOT NULL,
    started_at REAL NOT NULL,
    deadline_at REAL NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    reason TEXT,
    ended_at REAL,
    connection_id TEXT,
    log_count INTEGER NOT NULL DEFAULT 0,
    dropped_logs INTEGER NOT NULL DEFAULT 0,
    plugin_type TEXT NOT NULL DEFAULT 'batch-model',
    result TEXT,
    errors TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_organization ON sessions(organization_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_plugin ON sessions(organization_id, plugin_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions(organization_id, status, started_at);
CREATE INDEX IF NOT EXISTS sessions_running ON sessions(deadline_at) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS session_logs (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_imports (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_late_answers (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_keys (
    digest TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE
) WITHOUT ROWID;
"""
EXPORTED = ("sessions", "session_logs", "session_imports", "session_late_answers", "run_keys")

RESTARTED = "mockango restarted while the run was in flight"


def session_from(db: sqlite3.Connection, row: sqlite3.Row, *, with_logs: bool = True, logs_from: int = 0) -> Session:
    """The session of a ``sessions`` row; ``with_logs``: with its logs (from line ``logs_from`` on, read by
    its index range: a live page asks only for the lines it has not shown), imports and late answers."""
    session = Session(
        id=row["id"],
        plugin_id=row["plugin_id"],
        project_id=row["project_id"],
        organization_id=row["organization_id"],
        run_by=row["run_by"],
        event=json.loads(row["event"]),
        deadline=time.monotonic() + (row["deadline_at"] - time.time()),
        time_limit=row["time_limit"],
        started_at=row["started_at"],
        status=row["status"],
        message=from_json(row["message"]),
        reason=row["reason"],
        ended_at=row["ended_at"],
        connection_id=row["connection_id"],
        plugin_type=row["plugin_type"],
        result=from_json(row["result"]),
        errors=from_json(row["errors"]) or [],
    )
    if with_logs:
        session.logs = [
            json.loads(r[0])
            for r in db.execute(
                "SELECT entry FROM session_logs WHERE session_id = ? AND seq >= ? ORDER BY seq", (row["id"], logs_from)
            )
        ]
        if row["dropped_logs"] and logs_from <= row["log_count"]:  # the note after the kept lines
            session.logs.append(
                {
                    "session": row["id"],
                    "level": "WARNING",
                    "truncated": True,
                    "msg": f"{row['dropped_logs']} more log line(s) were dropped: the session kept the "
                    f"first {row['log_count']} (the host's limit per session)",
                    "time": models.iso_time(row["ended_at"] or time.time()),
                }
            )
        session.imports = [
            json.loads(r[0])
            for r in db.execute("SELECT entry FROM session_imports WHERE session_id = ? ORDER BY seq", (row["id"],))
        ]
        session.late_answers = [
            json.loads(r[0])
            for r in db.execute(
                "SELECT entry FROM session_late_answers WHERE session_id = ? ORDER BY seq", (row["id"],)
            )
        ]
    return session


def insert_session(db: sqlite3.Connection, session: Session, run_key: str) -> None:
    db.execute(
        "INSERT INTO sessions (id, organization_id, plugin_id, project_id, run_by, event, time_limit, "
        "started_at, deadline_at, status, connection_id, plugin_type) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session.id,
            session.organization_id,
            session.plugin_id,
            session.project_id,
            session.run_by,
            to_json(session.event, "the run event"),
            session.time_limit,
            session.started_at,
            session.started_at + session.time_limit,
            session.status,
            session.connection_id,
            session.plugin_type,
        ),
    )
    db.execute(
        "INSERT INTO run_keys (digest, user_id, session_id) VALUES (?, ?, ?)",
        (key_digest(run_key), session.run_by, session.id),
    )
    session_pages.added(db, session.organization_id, session.plugin_id, session.status, session.id)


def finish(
    db: sqlite3.Connection,
    session_id: str,
    status: str,
    *,
    message: Any = None,
    reason: str | None = None,
    result: Any = None,
    errors: list | None = None,
) -> bool:
    """End a running session; False when it had already ended (the first ending wins).

    ``result`` is what the answer meant for the plugin's type, ``errors`` every error of a refused one.
    """
    changed = db.execute(
        "UPDATE sessions SET status = ?, message = ?, reason = ?, ended_at = ?, result = ?, "
        "errors = ? WHERE id = ? AND status = 'running'",
        (
            status,
            None if message is None else to_json(message, "'response'"),
            reason,
            time.time(),
            None if result is None else to_json(result, "the run's result"),
            to_json(errors, "the answer's errors") if errors else None,
            session_id,
        ),
    ).rowcount
    if changed == 1:
        session_pages.moved(db, session_id, models.RUNNING, status)
    return changed == 1


def add_late_answer(db: sqlite3.Connection, session_id: str, entry: str) -> None:
    """A response that came after its session ended: kept, to show what the plugin did after all."""
    db.execute(
        "INSERT INTO session_late_answers (session_id, seq, entry) VALUES (?, "
        "(SELECT coalesce(max(seq) + 1, 0) FROM session_late_answers WHERE session_id = ?), ?)",
        (session_id, session_id, entry),
    )


def fail_interrupted(db: sqlite3.Connection) -> int:
    """At start: runs that were in flight when the host stopped cannot finish any more."""
    running = [r[0] for r in db.execute("SELECT id FROM sessions WHERE status = 'running'")]
    for session_id in running:
        db.execute(
            "UPDATE sessions SET status = 'failed', reason = ?, ended_at = started_at WHERE id = ?",
            (RESTARTED, session_id),
        )
        session_pages.moved(db, session_id, models.RUNNING, models.FAILED)
    return len(running)


class Sessions:
    """Sessions read from the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, session_id: Any, *, with_logs: bool = True, logs_from: int = 0) -> Session | None:
        if not isinstance(session_id, str):
            return None
        with self.store.read() as db:
            row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            return session_from(db, row, with_logs=with_logs, logs_from=logs_from) if row else None

    def by_key(self, api_key: str) -> tuple[str, str, str | None] | None:
        """(user id, session id, the session's status) of the run whose event carried this key."""
        with self.store.read() as db:
            row = db.execute(
                "SELECT k.user_id, k.session_id, s.status FROM run_keys k LEFT JOIN sessions s ON s.id = k.session_id "
                "WHERE k.digest = ?",
                (key_digest(api_key),),
            ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def page(
        self,
        organization_id: str,
        *,
        plugin_id: str | None = None,
        status: str | None = None,
        page: int = 1,
        limit: int = 50,
        newest_first: bool = True,
        with_logs: bool = True,
    ) -> tuple[list[Session], int]:
        """One page of a listing (see :mod:`.session_pages`: O(limit + log n)) and how many it holds."""
        with self.store.read() as db:
            ids, total = session_pages.window(
                db,
                organization_id,
                plugin_id=plugin_id or session_pages.ANY,
                status=status or session_pages.ANY,
                page=page,
                limit=limit,
                newest_first=newest_first,
            )
            found = []
            for session_id in ids:
                row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
                found.append(session_from(db, row, with_logs=with_logs))
            return found, total

    def last_log(self, session_id: str) -> dict | None:
        with self.store.read() as db:
            row = db.execute(
                "SELECT entry FROM session_logs WHERE session_id = ? ORDER BY seq DESC LIMIT 1", (session_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def running_on(self, connection_id: str) -> list[str]:
        with self.store.read() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT id FROM sessions WHERE status = 'running' AND connection_id = ?", (connection_id,)
                )
            ]

    def count(self) -> int:
        with self.store.read() as db:
            return db.execute("SELECT count(*) FROM sessions").fetchone()[0]


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
