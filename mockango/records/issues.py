"""Issues: notes a reviewer pins on a task (optionally on an object or a place), with comments
(table ``issues``; an issue goes with its task)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..models import iso_time
from .project_deletion import visible
from .values import Record

if TYPE_CHECKING:
    import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    task_pk INTEGER NOT NULL REFERENCES tasks(pk) ON DELETE CASCADE,
    task_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT,
    created_at REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS issues_by_project ON issues(project_id, pk);
CREATE INDEX IF NOT EXISTS issues_by_task ON issues(task_id, status);
CREATE INDEX IF NOT EXISTS issues_of_task ON issues(task_id, pk);
CREATE INDEX IF NOT EXISTS issues_by_asset ON issues(asset_id, pk);
CREATE INDEX IF NOT EXISTS issues_by_task_pk ON issues(task_pk);
CREATE INDEX IF NOT EXISTS issues_by_stage ON issues(project_id, stage, pk);
CREATE INDEX IF NOT EXISTS issues_by_creator ON issues(project_id, created_by, pk);
"""
EXPORTED = ("issues",)  # after tasks, which they hang on


def issue_dict(row: Record) -> dict:
    return {
        "_id": row["id"],
        "labelTask": row["task_id"],
        "asset": row["asset_id"],
        "project": row["project_id"],
        "stage": row["stage"],
        "status": row["status"],
        "createdBy": row["created_by"],
        "createdAt": iso_time(row["created_at"]),
        **json.loads(row["body"]),
    }


def insert(db: sqlite3.Connection, issue_id: str, task: Record, created_by: str, created_at: float, body: str) -> None:
    """A new open issue on ``task`` (a task row); ``body``: its other fields, as JSON."""
    db.execute(
        "INSERT INTO issues (id, project_id, task_pk, task_id, asset_id, stage, status, created_by, "
        "created_at, body) VALUES (?, ?, ?, ?, ?, ?, 'Open', ?, ?, ?)",
        (
            issue_id,
            task["project_id"],
            task["pk"],
            task["id"],
            task["asset_id"],
            task["stage"],
            created_by,
            created_at,
            body,
        ),
    )


def issue_row(db: sqlite3.Connection, issue_id: str) -> sqlite3.Row | None:
    """An issue with its project's organization (a deleted project's: None)."""
    return db.execute(
        "SELECT i.*, p.organization_id FROM issues i JOIN projects p ON p.id = i.project_id "
        f"WHERE i.id = ? AND {visible('i.project_id')}",
        (issue_id,),
    ).fetchone()


FIND_COLUMNS = {"asset": "asset_id", "task": "task_id", "stage": "stage", "created_by": "created_by"}


def find(db: sqlite3.Connection, project_id: str, **equal: Any) -> list[sqlite3.Row]:
    """A project's issues, oldest first, whose columns equal the values given (``asset``, ``task``,
    ``stage``, ``created_by``; None: any)."""
    where, args = ["project_id = ?"], [project_id]
    for name, value in equal.items():
        if value is not None:
            where.append(f"{FIND_COLUMNS[name]} = ?")
            args.append(value)
    return db.execute(f"SELECT * FROM issues WHERE {' AND '.join(where)} ORDER BY pk", args).fetchall()


def update(db: sqlite3.Connection, issue_pk: int, status: str, body: str) -> None:
    db.execute("UPDATE issues SET status = ?, body = ? WHERE pk = ?", (status, body, issue_pk))


def delete(db: sqlite3.Connection, issue_pk: int) -> None:
    db.execute("DELETE FROM issues WHERE pk = ?", (issue_pk,))
