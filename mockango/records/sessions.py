"""Runs: sessions with what was sent and what came back, their log lines, imports and run keys."""

from __future__ import annotations

import json
import sqlite3
import time
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
        # One statement for the three lists (a session is read on every long-poll wake-up): the logs from
        # line ``logs_from`` on, the imports, the late answers, each in its order.
        parts: tuple[list, list, list] = ([], [], [])
        for part, _, entry in db.execute(
            "SELECT 0 AS part, seq, entry FROM session_logs WHERE session_id = :session AND seq >= :logs_from "
            "UNION ALL SELECT 1, seq, entry FROM session_imports WHERE session_id = :session "
            "UNION ALL SELECT 2, seq, entry FROM session_late_answers WHERE session_id = :session ORDER BY part, seq",
            {"session": row["id"], "logs_from": logs_from},
        ):
            parts[part].append(json.loads(entry))
        session.logs, session.imports, session.late_answers = parts
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


def speaker_row(db: sqlite3.Connection, session_id: str) -> sqlite3.Row | None:
    """What deciding who may log to or answer a session needs of it."""
    return db.execute(
        "SELECT id, organization_id, plugin_id, run_by, status, deadline_at, time_limit, log_count "
        "FROM sessions WHERE id = ?",
        (session_id,),
    ).fetchone()


def add_log(db: sqlite3.Connection, session_id: str, seq: int, entry: str) -> None:
    """Keep one log line (``seq``: the session's ``log_count`` before it)."""
    db.execute("INSERT INTO session_logs (session_id, seq, entry) VALUES (?, ?, ?)", (session_id, seq, entry))
    db.execute("UPDATE sessions SET log_count = log_count + 1 WHERE id = ?", (session_id,))


def drop_log(db: sqlite3.Connection, session_id: str) -> None:
    """A log line past the session's limit: only counted."""
    db.execute("UPDATE sessions SET dropped_logs = dropped_logs + 1 WHERE id = ?", (session_id,))


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
        row = self.store.one(
            "SELECT k.user_id, k.session_id, s.status FROM run_keys k LEFT JOIN sessions s ON s.id = k.session_id "
            "WHERE k.digest = ?",
            (key_digest(api_key),),
        )
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

    def all(self) -> list[Session]:
        """Every session of every organization, oldest first (test reports)."""
        with self.store.read() as db:
            rows = db.execute("SELECT * FROM sessions ORDER BY started_at, rowid").fetchall()
            return [session_from(db, row) for row in rows]
