"""What an export reads: a project's tasks with their assets in position order, a chunk at a time,
and the history of a whole chunk of tasks in one query.

An export is O(project) by nature, so what matters is that it reads each row once, holds one
chunk at a time, and asks SQLite few questions: one keyset query per :data:`CHUNK` tasks
(through ``tasks_in_order``) and one per chunk for their history (``task_history_by_task``),
instead of a query and a read transaction per task. The caller holds one read snapshot for
the whole export, so the file is one consistent state of the project.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

CHUNK = 1000
COLUMNS = (
    "t.pk, t.id, t.position, t.stage, t.status, t.assignee, t.review_status, t.priority, t.answer, "
    "t.brush_data_url, t.duration, t.total_duration, t.created_at, t.updated_at, a.id AS asset_id, "
    "a.external_id, a.data, a.hosted, a.batches, a.labels, a.metadata"
)


def task_chunks(
    db: sqlite3.Connection,
    project_id: str,
    *,
    stages: Iterable[str] | None = None,
    batch_ids: Iterable[str] | None = None,
    chunk: int = CHUNK,
) -> Iterator[list[sqlite3.Row]]:
    """The project's tasks (with their asset's columns) in position order, ``chunk`` rows at a time;
    only those at one of ``stages`` and in one of ``batch_ids`` when given."""
    where, args = ["t.project_id = ?"], [project_id]
    if stages is not None:
        where.append("t.stage IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(list(stages)))
    if batch_ids is not None:
        where.append(
            "EXISTS (SELECT 1 FROM asset_batches m WHERE m.asset_pk = t.asset_pk AND m.batch_id IN "
            "(SELECT value FROM json_each(?)))"
        )
        args.append(json.dumps(list(batch_ids)))
    sql = (
        f"SELECT {COLUMNS} FROM tasks t INDEXED BY tasks_in_order JOIN assets a ON a.pk = t.asset_pk "
        f"WHERE {' AND '.join(where)} AND t.position > ? ORDER BY t.position LIMIT ?"
    )
    last = -1
    while True:
        rows = db.execute(sql, (*args, last, chunk)).fetchall()
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        last = rows[-1]["position"]


def histories(db: sqlite3.Connection, task_pks: list[int]) -> dict[int, list[sqlite3.Row]]:
    """The history entries of these tasks, oldest first, by task: one query for all of them."""
    found: dict[int, list[sqlite3.Row]] = {}
    for row in db.execute(
        "SELECT task_pk, id, action, stage, actor, created_at, details FROM task_history "
        "WHERE task_pk IN (SELECT value FROM json_each(?)) ORDER BY task_pk, pk",
        (json.dumps(task_pks),),
    ):
        found.setdefault(row["task_pk"], []).append(row)
    return found


def batch_names(db: sqlite3.Connection, project_id: str, batch_ids: Iterable[str]) -> dict[str, str]:
    """The names of these batches of the project, by id (a project may have a batch per asset: a chunk
    looks up only the ones its rows name)."""
    return {
        row[0]: row[1]
        for row in db.execute(
            "SELECT id, name FROM batches WHERE id IN (SELECT value FROM json_each(?)) AND +project_id = ?",
            (json.dumps(list(dict.fromkeys(batch_ids))), project_id),
        )
    }
