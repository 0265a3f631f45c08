"""Deleting a whole project without holding the writer for its size: hidden at once, removed in chunks.

Deleting a project of a million assets in one statement holds the store's only writer for tens
of seconds (its cascades touch every asset, task, history entry and batch membership), and every
other write waits. So a delete first *hides* the project (a row in ``projects_deleted``, one
short transaction): from then on every lookup answers as if it were gone (:data:`VISIBLE` in
their SQL). Then :class:`mockango.deletions.ProjectDeletions` removes its rows a chunk per short
transaction (:func:`delete_some`), letting other writes in between; the last chunk deletes the
project row, and with it (cascading) the small tables and the ``projects_deleted`` row. A
restart resumes where it stopped: the hidden row is in the store.
"""

from __future__ import annotations

import json
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects_deleted (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    deleted_at REAL NOT NULL
) WITHOUT ROWID;
"""
EXPORTED = ("projects_deleted",)


def visible(column: str) -> str:
    """An SQL condition: the project whose id is in ``column`` is not being deleted (one probe)."""
    return f"NOT EXISTS (SELECT 1 FROM projects_deleted WHERE projects_deleted.project_id = {column})"


def hidden_in_organization(db: sqlite3.Connection, organization_id: str) -> int:
    """How many of an organization's projects are hidden (being deleted): usually none, so a listing can
    count and skip its rows as bare index entries, without probing each one (:func:`visible`)."""
    return db.execute(
        # CROSS JOIN: from the few hidden projects to theirs, never from the organization's many projects.
        "SELECT count(*) FROM projects_deleted d CROSS JOIN projects p ON p.id = d.project_id "
        "WHERE p.organization_id = ?",
        (organization_id,),
    ).fetchone()[0]


def hide(db: sqlite3.Connection, project_id: str, now: float) -> None:
    """Mark a project deleted: every lookup stops seeing it when this transaction commits."""
    db.execute("INSERT OR IGNORE INTO projects_deleted (project_id, deleted_at) VALUES (?, ?)", (project_id, now))


def pending(db: sqlite3.Connection) -> list[str]:
    """Hidden projects whose rows are still (partly) there, oldest first."""
    return [row[0] for row in db.execute("SELECT project_id FROM projects_deleted ORDER BY deleted_at, project_id")]


def delete_some(db: sqlite3.Connection, project_id: str, chunk: int) -> tuple[int, bool]:
    """Delete up to ``chunk`` of a hidden project's assets (their tasks, history, issues and
    memberships cascade with them), newest first; or, with no asset left, up to ``chunk`` of its
    batches; or, with none either, the project row itself. Returns (rows deleted, project gone)."""
    assets = [
        row[0]
        for row in db.execute(
            "SELECT pk FROM assets WHERE project_id = ? ORDER BY position DESC LIMIT ?", (project_id, chunk)
        )
    ]
    if assets:
        db.execute("DELETE FROM assets WHERE pk IN (SELECT value FROM json_each(?))", (json.dumps(assets),))
        return len(assets), False
    batches = [row[0] for row in db.execute("SELECT id FROM batches WHERE project_id = ? LIMIT ?", (project_id, chunk))]
    if batches:
        db.execute("DELETE FROM batches WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(batches),))
        return len(batches), False
    counts = db.execute(
        "DELETE FROM cell_blocks WHERE (project_id, family, size, group_pk, value, block) IN (SELECT project_id, "
        "family, size, group_pk, value, block FROM cell_blocks WHERE project_id = ? LIMIT ?)",
        (project_id, chunk),
    ).rowcount
    if counts:
        return counts, False
    db.execute("DELETE FROM projects WHERE id = ?", (project_id,))
    db.execute("DELETE FROM projects_deleted WHERE project_id = ?", (project_id,))  # a row of no project
    return 1, True
