"""The assets a run created through its key (table ``run_uploads``), and deleting assets with what hangs on them."""

from __future__ import annotations

import json
import sqlite3

from . import asset_order, cells
from . import tasks as task_rows
from .tasks import task_id_for

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_uploads (
    session_id TEXT NOT NULL,
    asset_pk INTEGER NOT NULL REFERENCES assets(pk) ON DELETE CASCADE,
    PRIMARY KEY (session_id, asset_pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_uploads_by_asset ON run_uploads(asset_pk);
"""
EXPORTED = ("run_uploads",)


def made_by_run(db: sqlite3.Connection, session_id: str, asset_ids: list[str]) -> None:
    """Remember that a run's key created these assets."""
    db.execute(
        "INSERT INTO run_uploads (session_id, asset_pk) SELECT ?, pk FROM assets "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (session_id, json.dumps(asset_ids)),
    )


def created_by(db: sqlite3.Connection, session_id: str) -> list[str]:
    """Ids of the assets a run created, in creation order."""
    return [
        r[0]
        for r in db.execute(
            "SELECT a.id FROM run_uploads u JOIN assets a ON a.pk = u.asset_pk WHERE u.session_id = ? ORDER BY a.pk",
            (session_id,),
        )
    ]


def prioritize(db: sqlite3.Connection, asset_ids: list[str], priority: int) -> None:
    """Give the tasks of these assets a priority."""
    db.execute(
        "UPDATE tasks SET priority = ? WHERE id IN (SELECT value FROM json_each(?))",
        (priority, json.dumps([task_id_for(i) for i in asset_ids])),
    )


def assets_by_id(db: sqlite3.Connection, asset_ids: list[str]) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM assets WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(asset_ids),)
    ).fetchall()


def of_project(db: sqlite3.Connection, project_id: str, asset_ids: list[str]) -> list[sqlite3.Row]:
    """(id, pk, position, pre_labeled, batches, and the task's stage) of those of the assets that are the project's."""
    return db.execute(
        "SELECT a.id, a.pk, a.position, a.pre_labeled, a.batches, t.stage FROM assets a "
        "JOIN tasks t ON t.asset_pk = a.pk WHERE +a.project_id = ? AND a.id IN (SELECT value FROM json_each(?))",
        (project_id, json.dumps(asset_ids)),
    ).fetchall()


def delete_assets(db: sqlite3.Connection, project_id: str, rows: list[sqlite3.Row]) -> None:
    """Delete assets (rows of :func:`of_project`) with their tasks and issues; the counters of their
    batches, stages and project follow, and the others keep their positions (gaps are counted in
    :mod:`.asset_order`, so no later asset is renumbered)."""
    pks = json.dumps([r["pk"] for r in rows])
    # Only the batches the deleted assets are in (a project may have one batch per asset).
    db.execute(
        "UPDATE batches SET asset_count = asset_count - (SELECT count(*) FROM asset_batches m "
        "WHERE m.batch_id = batches.id AND m.asset_pk IN (SELECT value FROM json_each(:pks))) "
        "WHERE id IN (SELECT batch_id FROM asset_batches WHERE asset_pk IN "
        "(SELECT value FROM json_each(:pks)))",
        {"pks": pks},
    )
    task_rows.forget(db, pks)
    cells.forget(db, project_id, [(r["position"], r["batches"], r["stage"], r["pre_labeled"]) for r in rows])
    db.execute("DELETE FROM assets WHERE pk IN (SELECT value FROM json_each(?))", (pks,))
    db.execute(
        "UPDATE projects SET asset_count = asset_count - ?, pre_labeled_count = pre_labeled_count - ? WHERE id = ?",
        (len(rows), sum(r["pre_labeled"] for r in rows), project_id),
    )
    asset_order.count_removed(db, project_id, [r["position"] for r in rows])
