"""Tasks: one per asset, moving through its project's workflow stages (tables ``workflows``,
``tasks``, ``task_history``).

A task waits at a stage with a status (``TODO``, ``Completed`` at Complete), an assignee
(an email), a priority, a review status and an answer. Its answer is kept in the label
import format (``objects``, ``classifications``, ``relations``) and shown the way Ango Hub
shows it (``tools`` with titles, ``classifications``, ``relations``). Until someone submits
one, a task shows its asset's imported pre-labels (``answer`` NULL).

A new asset gets its task (at the stage after Start) in the same transaction, made set-based
by :func:`add_tasks_for_assets` after the assets' bulk insert; a trigger makes labels imported
onto an asset its task's answer (with a history entry). A task's id is its asset's id with the
last hex digit mirrored (``0``<->``f``): stable for seeded data, one index probe away.

A task has its asset's position (growing, with gaps where assets were deleted); a page of a
whole project starts at the position :mod:`.asset_order` finds for its offset: O(limit + blocks)
however deep. A filtered page and its total come from the counts of the cells the filter picks
(:mod:`.cells`: batch group x stage, counted per block of positions) and the few rows it must
check (:mod:`.task_query`): O(cells x blocks + limit), never a scan. Every move between stages
updates the cells (:func:`.cells.moved`) and the stage counters (``task_counts``, a trigger);
deleting assets takes their tasks off both explicitly (:func:`forget`, :func:`.cells.forget`).
State export/import (``mockango state export``) carries workflows, tasks and their history;
:func:`restore_after_import` then gives assets a file had no task for (older exports) a fresh
one at their first stage and recounts the counters from the imported tasks.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..ids import new_object_id
from . import analytics, cells
from .project_deletion import visible
from .task_query import TaskSearch
from .values import Record, from_json, to_json

if TYPE_CHECKING:
    import sqlite3


_NOW = "((julianday('now') - 2440587.5) * 86400.0)"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS workflows (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    stages TEXT NOT NULL,
    first_stage TEXT NOT NULL,
    first_status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    asset_pk INTEGER NOT NULL UNIQUE REFERENCES assets(pk) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    review_status TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    answer TEXT,
    brush_data_url TEXT,
    medical_brush_data_url TEXT,
    duration REAL NOT NULL DEFAULT 0,
    total_duration REAL NOT NULL DEFAULT 0,
    is_benchmark INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    updated_by TEXT
);
CREATE INDEX IF NOT EXISTS tasks_in_order ON tasks(project_id, position);
CREATE INDEX IF NOT EXISTS tasks_by_stage ON tasks(project_id, stage, position);
CREATE INDEX IF NOT EXISTS tasks_by_assignee ON tasks(project_id, assignee, position) WHERE assignee IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_by_review ON tasks(project_id, review_status, position)
    WHERE review_status IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_prioritized ON tasks(project_id, position) WHERE priority != 0;
CREATE INDEX IF NOT EXISTS tasks_benchmarks ON tasks(project_id, position) WHERE is_benchmark != 0;
CREATE INDEX IF NOT EXISTS tasks_updated ON tasks(project_id, position) WHERE updated_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_timed ON tasks(project_id, position) WHERE duration != 0 OR total_duration != 0;
DROP INDEX IF EXISTS tasks_touched;
CREATE INDEX IF NOT EXISTS tasks_touched_times ON tasks(project_id, position, updated_at, stage, created_at)
    WHERE updated_at != created_at;
CREATE TABLE IF NOT EXISTS task_counts (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (project_id, stage)
) WITHOUT ROWID;
DROP TRIGGER IF EXISTS task_counts_on_insert;
CREATE TRIGGER IF NOT EXISTS task_counts_on_move AFTER UPDATE OF stage ON tasks
WHEN NEW.stage != OLD.stage BEGIN
    UPDATE task_counts SET count = count - 1 WHERE project_id = OLD.project_id AND stage = OLD.stage;
    INSERT INTO task_counts (project_id, stage, count) VALUES (NEW.project_id, NEW.stage, 1)
        ON CONFLICT (project_id, stage) DO UPDATE SET count = count + 1;
END;
CREATE TABLE IF NOT EXISTS task_history (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    task_pk INTEGER NOT NULL REFERENCES tasks(pk) ON DELETE CASCADE,
    action TEXT NOT NULL,
    stage TEXT NOT NULL,
    actor TEXT,
    created_at REAL NOT NULL,
    details TEXT NOT NULL DEFAULT '{{}}'
);
CREATE INDEX IF NOT EXISTS task_history_by_task ON task_history(task_pk, pk);
DROP TRIGGER IF EXISTS tasks_for_new_assets;
DROP TRIGGER IF EXISTS tasks_follow_asset_order;
CREATE TRIGGER IF NOT EXISTS tasks_show_imported_labels AFTER UPDATE OF labels ON assets
WHEN NEW.labels IS NOT NULL BEGIN
    INSERT INTO task_history (id, task_pk, action, stage, actor, created_at)
        SELECT lower(hex(randomblob(12))), pk, 'import', stage,
               CASE WHEN NEW.labeled_by_session IS NULL THEN NULL ELSE 'session:' || NEW.labeled_by_session END,
               {_NOW}
        FROM tasks WHERE asset_pk = NEW.pk;
    UPDATE tasks SET answer = NULL, updated_at = {_NOW} WHERE asset_pk = NEW.pk;
END;
"""
EXPORTED: tuple[str, ...] = ("workflows", "tasks", "task_history")

SETTABLE = {
    "assignee": "assignee",
    "priority": "priority",
    "review_status": "review_status",
    "is_benchmark": "is_benchmark",
    "brush_data_url": "brush_data_url",
}
_MIRROR = str.maketrans("0123456789abcdef", "fedcba9876543210")
_COLUMNS = (
    "t.pk, t.id, t.project_id, t.position, t.stage, t.status, t.assignee, t.review_status, t.priority, "
    "t.answer, t.brush_data_url, t.medical_brush_data_url, t.duration, t.total_duration, t.is_benchmark, "
    "t.created_at, t.updated_at, t.updated_by, a.id AS asset_id, a.external_id, a.data, a.hosted, "
    "a.batches, a.labels, a.metadata, (SELECT count(*) FROM issues i WHERE i.task_id = t.id AND i.status = 'Open') "
    "AS open_issues"
)
_FROM = "FROM tasks t JOIN assets a ON a.pk = t.asset_pk"


def add_tasks_for_assets(db: sqlite3.Connection, first_asset_pk: int, *, missing_only: bool = False) -> int:
    """Give every asset from ``first_asset_pk`` on its task (at its project's first stage), inside the
    caller's transaction; returns how many. ``missing_only`` skips assets that have one already.

    Set-based, after the assets' bulk insert: one INSERT ... SELECT and one grouped counter
    update instead of a trigger per asset row (measured: 100k assets with their tasks 2.6 s with
    the trigger; see docs/figures.md, "Scale and crash safety").
    """
    first_task_pk = db.execute("SELECT coalesce(max(pk), 0) + 1 FROM tasks").fetchone()[0]
    made = db.execute(
        "INSERT INTO tasks (id, project_id, asset_pk, position, stage, status, created_at, updated_at) "
        "SELECT substr(a.id, 1, 23) || substr('fedcba9876543210', instr('0123456789abcdef', substr(a.id, 24, 1)), 1), "
        "a.project_id, a.pk, a.position, coalesce(w.first_stage, 'Label'), coalesce(w.first_status, 'TODO'), "
        "a.created_at, a.created_at "
        "FROM assets a LEFT JOIN workflows w ON w.project_id = a.project_id WHERE a.pk >= ? "
        + ("AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.asset_pk = a.pk) " if missing_only else "")
        + "ORDER BY a.pk",
        (first_asset_pk,),
    ).rowcount
    if made:
        db.execute(
            "INSERT INTO task_counts (project_id, stage, count) "
            "SELECT project_id, stage, count(*) FROM tasks NOT INDEXED WHERE pk >= ? GROUP BY project_id, stage "
            "ON CONFLICT (project_id, stage) DO UPDATE SET count = count + excluded.count",
            (first_task_pk,),
        )
    return made


def restore_after_import(db: sqlite3.Connection) -> int:
    """After a state import (same transaction): a fresh task for every asset the file gave none
    (exports older than tasks in them), then the stage counters recounted from the tasks, which
    came in without the counters' bookkeeping; returns how many tasks were made."""
    made = add_tasks_for_assets(db, 0, missing_only=True)
    db.execute("DELETE FROM task_counts")
    db.execute(
        "INSERT INTO task_counts (project_id, stage, count) "
        "SELECT project_id, stage, count(*) FROM tasks GROUP BY project_id, stage"
    )
    return made


def task_id_for(asset_id: str) -> str:
    """The id of an asset's task (the trigger's rule, in Python)."""
    return asset_id[:23] + asset_id[23:].translate(_MIRROR)


def empty_answer() -> dict:
    return {"objects": [], "classifications": [], "relations": []}


def shown_answer(answer: Mapping | None, schema: Mapping) -> dict:
    """An import-format answer as Ango Hub shows a task's: ``tools`` with their titles."""
    answer = answer or {}
    titles = {t.get("schemaId"): t.get("title") for t in schema.get("tools", [])}
    class_titles = {c.get("schemaId"): c.get("title") for c in schema.get("classifications", [])}
    tools = []
    for item in answer.get("objects") or []:
        shown = copy.deepcopy(item)
        shown.setdefault("title", titles.get(item.get("schemaId")))
        tools.append(shown)
    classifications = []
    for item in answer.get("classifications") or []:
        shown = copy.deepcopy(item)
        shown.setdefault("title", class_titles.get(item.get("schemaId")))
        classifications.append(shown)
    return {
        "tools": tools,
        "classifications": classifications,
        "relations": copy.deepcopy(list(answer.get("relations") or [])),
    }


def answer_of(row: Record) -> dict:
    """The answer a task row shows (import format): its own, else its asset's pre-labels."""
    if row["answer"] is not None:
        return json.loads(row["answer"])
    labels = from_json(row["labels"])
    if labels is None:
        return empty_answer()
    return {
        "objects": labels.get("objects") or [],
        "classifications": labels.get("classifications") or [],
        "relations": labels.get("relations") or [],
    }


# ------------------------------------------------------------------ workflows


def workflow_stages(db: sqlite3.Connection, project_id: str) -> list[dict] | None:
    """A project's stages as stored (None: it never changed its workflow)."""
    row = db.execute("SELECT stages FROM workflows WHERE project_id = ?", (project_id,)).fetchone()
    return json.loads(row["stages"]) if row else None


def waiting_at(db: sqlite3.Connection, project_id: str, stage: str) -> int:
    """How many of the project's tasks wait at ``stage`` (from the counters)."""
    row = db.execute("SELECT count FROM task_counts WHERE project_id = ? AND stage = ?", (project_id, stage)).fetchone()
    return row[0] if row else 0


def stage_counts(db: sqlite3.Connection, project_id: str) -> dict[str, int]:
    return dict(db.execute("SELECT stage, count FROM task_counts WHERE project_id = ?", (project_id,)).fetchall())


def save_workflow(
    db: sqlite3.Connection, project_id: str, stages: list[dict], first: str, status_at: Mapping[str, str]
) -> None:
    """Keep a project's new workflow (``first``: where new tasks wait) and give each stage's tasks its status."""
    db.execute(
        "INSERT OR REPLACE INTO workflows (project_id, stages, first_stage, first_status) VALUES (?, ?, ?, ?)",
        (project_id, to_json(stages, "stages"), first, status_at[first]),
    )
    for stage, status in status_at.items():
        db.execute(
            "UPDATE tasks SET status = ? WHERE project_id = ? AND stage = ? AND status != ?",
            (status, project_id, stage, status),
        )


def copy_workflow(db: sqlite3.Connection, source_id: str, clone_id: str) -> None:
    """A project's workflow (if it has its own) for its clone."""
    db.execute(
        "INSERT INTO workflows (project_id, stages, first_stage, first_status) SELECT ?, stages, "
        "first_stage, first_status FROM workflows WHERE project_id = ?",
        (clone_id, source_id),
    )


# ---------------------------------------------------------------------- reads


def task_row(db: sqlite3.Connection, task_id: str) -> sqlite3.Row | None:
    """A task with its asset and its project's organization and ontology (a deleted project's: None)."""
    return db.execute(
        f"SELECT {_COLUMNS}, p.organization_id, p.category_schema {_FROM} "
        f"JOIN projects p ON p.id = t.project_id WHERE t.id = ? AND {visible('t.project_id')}",
        (task_id,),
    ).fetchone()


def project_rows(db: sqlite3.Connection, project_id: str) -> list[sqlite3.Row]:
    """Every task row of a project, in order."""
    return db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE t.project_id = ? ORDER BY t.position", (project_id,)).fetchall()


def search(
    db: sqlite3.Connection,
    project_id: str,
    stages: list[dict],
    filters: Mapping[str, Any],
    *,
    descending: bool = False,
) -> TaskSearch:
    """A page's search over a project's tasks (see :mod:`.task_query`)."""
    return TaskSearch(db, project_id, stages, filters, columns=_COLUMNS, descending=descending)


def history(db: sqlite3.Connection, task_pk: int) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT h.*, t.id AS task_id, t.project_id, a.id AS asset_id FROM task_history h "
        "JOIN tasks t ON t.pk = h.task_pk JOIN assets a ON a.pk = t.asset_pk "
        "WHERE h.task_pk = ? ORDER BY h.pk",
        (task_pk,),
    ).fetchall()


def latest_history(db: sqlite3.Connection, task_pk: int, limit: int) -> tuple[list[sqlite3.Row], int]:
    """A task's latest ``limit`` history entries, newest first, and how many it has (its index)."""
    total = db.execute("SELECT count(*) FROM task_history WHERE task_pk = ?", (task_pk,)).fetchone()[0]
    entries = db.execute(
        "SELECT h.*, t.id AS task_id, t.project_id, a.id AS asset_id FROM task_history h "
        "JOIN tasks t ON t.pk = h.task_pk JOIN assets a ON a.pk = t.asset_pk "
        "WHERE h.task_pk = ? ORDER BY h.pk DESC LIMIT ?",
        (task_pk, limit),
    ).fetchall()
    return entries, total


def own_answers(db: sqlite3.Connection, task_ids: list[str]) -> dict[str, str | None]:
    """Each task's own answer as stored (JSON, or None while it shows its asset's pre-label): one indexed read."""
    rows = db.execute(
        "SELECT id, answer FROM tasks WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(task_ids),)
    ).fetchall()
    return {row["id"]: row["answer"] for row in rows}


def history_entry(db: sqlite3.Connection, entry_id: str) -> sqlite3.Row | None:
    return db.execute(
        "SELECT h.*, t.id AS task_id, t.project_id, a.id AS asset_id, p.organization_id "
        "FROM task_history h JOIN tasks t ON t.pk = h.task_pk "
        "JOIN assets a ON a.pk = t.asset_pk JOIN projects p ON p.id = t.project_id "
        f"WHERE h.id = ? AND {visible('t.project_id')}",
        (entry_id,),
    ).fetchone()


def chosen(db: sqlite3.Connection, project_id: str, filters: Mapping[str, list[str]]) -> list[sqlite3.Row]:
    """(pk, id, stage) of the tasks that requeue/priority filters pick (taskIds, externalIds, assetIds,
    fromStageIds: each a list), in order."""
    where, args = ["t.project_id = ?"], [project_id]
    for key, column in (
        ("taskIds", "t.id"),
        ("externalIds", "a.external_id"),
        ("assetIds", "a.id"),
        ("fromStageIds", "t.stage"),
    ):
        if filters.get(key):
            where.append(f"{column} IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(filters[key]))
    return db.execute(
        f"SELECT t.pk, t.id, t.stage, t.position, a.batches {_FROM} WHERE {' AND '.join(where)} ORDER BY t.position",
        args,
    ).fetchall()


def in_project(db: sqlite3.Connection, project_id: str, task_id: str) -> sqlite3.Row | None:
    return db.execute(
        "SELECT pk, id, stage FROM tasks WHERE id = ? AND project_id = ?", (task_id, project_id)
    ).fetchone()


# -------------------------------------------------------------------- changes


def add_history(
    db: sqlite3.Connection, task_pk: int, stage: str, action: str, actor: str | None, **details: Any
) -> None:
    """An entry in a task's history; the task is then updated by ``actor``, now."""
    now = time.time()
    db.execute(
        "INSERT INTO task_history (id, task_pk, action, stage, actor, created_at, details) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (new_object_id(), task_pk, action, stage, actor, now, to_json(details, "history")),
    )
    analytics.count(db, task_pk, action, actor, now, details.get("duration"))
    db.execute("UPDATE tasks SET updated_at = ?, updated_by = ? WHERE pk = ?", (now, actor, task_pk))


def move(db: sqlite3.Connection, row: Record, stage: str, status: str) -> None:
    """A task (a row with its pk, project, position, batches and stage) to ``stage``; its cell follows."""
    db.execute("UPDATE tasks SET stage = ?, status = ? WHERE pk = ?", (stage, status, row["pk"]))
    cells.moved(db, row["project_id"], [(row["position"], row["batches"], row["stage"], stage)])


def submit(
    db: sqlite3.Connection, task_pk: int, answer: str, brush: str | None, medical_brush: str | None, duration: float
) -> None:
    """A submitted answer (JSON), with its brush URLs when given and the time it took."""
    db.execute(
        "UPDATE tasks SET answer = ?, brush_data_url = COALESCE(?, brush_data_url), "
        "medical_brush_data_url = COALESCE(?, medical_brush_data_url), duration = ?, "
        "total_duration = total_duration + ? WHERE pk = ?",
        (answer, brush, medical_brush, duration, duration, task_pk),
    )


def set_answer(db: sqlite3.Connection, task_pk: int, answer: str | None) -> None:
    db.execute("UPDATE tasks SET answer = ? WHERE pk = ?", (answer, task_pk))


def set_field(db: sqlite3.Connection, task_pk: int, name: str, value: Any) -> None:
    """Set one of :data:`SETTABLE`'s fields."""
    db.execute(f"UPDATE tasks SET {SETTABLE[name]} = ? WHERE pk = ?", (value, task_pk))  # noqa: S608


def set_many(db: sqlite3.Connection, task_pks: list[int], name: str, value: Any) -> None:
    """Set one of :data:`SETTABLE`'s fields on many tasks."""
    db.executemany(f"UPDATE tasks SET {SETTABLE[name]} = ? WHERE pk = ?", [(value, pk) for pk in task_pks])  # noqa: S608


def requeue(
    db: sqlite3.Connection,
    project_id: str,
    rows: list[sqlite3.Row],
    stage: str,
    status: str,
    actor: str,
    *,
    remove_annotations: bool = False,
    remove_assignee: bool = False,
    remove_history: bool = False,
) -> None:
    """Send tasks (rows of :func:`chosen`) to ``stage``, each with a ``requeue`` history entry.

    Set-based: a statement per task, each firing the stage counter's trigger, made a requeue of
    32k tasks take 7 s (every statement of a long transaction cost more than the one before).
    """
    pks = json.dumps([row["pk"] for row in rows])
    picked = "pk IN (SELECT value FROM json_each(?))"
    if remove_annotations:
        db.execute(f"UPDATE tasks SET answer = ? WHERE {picked}", (to_json(empty_answer(), "answer"), pks))
    if remove_assignee:
        db.execute(f"UPDATE tasks SET assignee = NULL WHERE {picked}", (pks,))
    if remove_history:
        db.execute(f"DELETE FROM task_history WHERE task_{picked}", (pks,))
    now = time.time()
    db.execute(
        f"UPDATE tasks SET review_status = NULL, stage = ?, status = ?, updated_at = ?, updated_by = ? WHERE {picked}",
        (stage, status, now, actor, pks),
    )
    cells.moved(db, project_id, [(row["position"], row["batches"], row["stage"], stage) for row in rows])
    db.executemany(
        "INSERT INTO task_history (id, task_pk, action, stage, actor, created_at, details) "
        "VALUES (?, ?, 'requeue', ?, ?, ?, ?)",
        [
            (new_object_id(), row["pk"], stage, actor, now, to_json({"fromStage": row["stage"]}, "history"))
            for row in rows
        ],
    )


def forget(db: sqlite3.Connection, asset_pks: str) -> None:
    """Take the tasks of assets about to be deleted (``asset_pks``: a JSON list) off the stage counters."""
    leaving = db.execute(
        "SELECT project_id, stage, count(*) FROM tasks WHERE asset_pk IN "
        "(SELECT value FROM json_each(?)) GROUP BY project_id, stage",
        (asset_pks,),
    ).fetchall()
    db.executemany(
        "UPDATE task_counts SET count = count - ? WHERE project_id = ? AND stage = ?",
        [(n, project_id, stage) for project_id, stage, n in leaving],
    )
