"""Counters behind a project's performance analytics (table ``performance_counts``): per project, member,
day and action, kept as task history is written, so a report's cost follows the days and members asked about."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS performance_counts (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    day TEXT NOT NULL,
    action TEXT NOT NULL,
    count INTEGER NOT NULL,
    duration REAL NOT NULL,
    PRIMARY KEY (project_id, day, actor, action)
) WITHOUT ROWID;
"""
EXPORTED = ("performance_counts",)

COUNTED = {"submit": "submitted", "plugin-submit": "submitted", "review": "reviewed"}
"""History actions that count, and the name they count under."""


def count(db: sqlite3.Connection, task_pk: int, action: str, actor: str | None, when: float, duration: Any) -> None:
    """Add one history entry to the counters (where task history is written: :func:`.tasks.add_history`)."""
    if action not in COUNTED or not actor:
        return
    seconds = float(duration) if isinstance(duration, (int, float)) and not isinstance(duration, bool) else 0.0
    day = dt.datetime.fromtimestamp(when, dt.timezone.utc).date().isoformat()
    db.execute(
        "INSERT INTO performance_counts (project_id, actor, day, action, count, duration) "
        "SELECT project_id, ?, ?, ?, 1, ? FROM tasks WHERE pk = ? "
        "ON CONFLICT (project_id, day, actor, action) DO UPDATE SET count = count + 1, "
        "duration = duration + excluded.duration",
        (actor, day, COUNTED[action], seconds, task_pk),
    )


def totals(db: sqlite3.Connection, project_id: str, start: str | None, end: str | None) -> list[sqlite3.Row]:
    """(actor, action, n, seconds) summed over the days from ``start`` to ``end`` (ISO dates; None: open)."""
    where, args = ["project_id = ?"], [project_id]
    if start:
        where.append("day >= ?")
        args.append(start)
    if end:
        where.append("day <= ?")
        args.append(end)
    return db.execute(
        f"SELECT actor, action, sum(count) AS n, sum(duration) AS seconds FROM performance_counts "
        f"WHERE {' AND '.join(where)} GROUP BY actor, action ORDER BY actor",
        args,
    ).fetchall()
