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
however deep. A page at one stage walks the (project, stage, position) index: O(offset +
limit). Totals come from counters kept on every insert and move (``task_counts``), never from a scan;
other filters walk the smallest index that holds their matches (:mod:`.task_query`). Deleting assets
takes their tasks off the counters explicitly (:meth:`TaskBook.forget`), not by a trigger.
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

from .. import workflow
from ..assets import paging
from ..errors import Conflict, InvalidRequest, LabelImportError, NotFound
from ..filters import check_filter
from ..ids import new_object_id
from ..models import User, iso_time
from ..store import RowLike
from .project_deletion import visible
from .task_query import TaskSearch
from .values import from_json, to_json

if TYPE_CHECKING:
    import sqlite3

    from ..hub import Hub

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

FILTER_FIELDS = (
    "_id",
    "stage",
    "batches",
    "status",
    "reviewStatus",
    "type",
    "assignee",
    "externalId",
    "asset",
    "createdAt",
    "updatedAt",
    "createdBy",
    "updatedBy",
    "priority",
    "duration",
    "totalDuration",
    "openIssuesCount",
    "isDraft",
    "isSkipped",
    "isBenchmark",
)
REVIEW_STATUSES = ("Accepted", "Rejected", "Todo", "Fixed")
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
    the trigger; see README "Scale and crash safety").
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


def _settable(name: str, value: Any) -> bool:
    if name == "priority":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 2**31
    if name == "is_benchmark":
        return isinstance(value, bool)
    if name == "review_status":
        return value is None or value in REVIEW_STATUSES
    return value is None or isinstance(value, str)


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


def answer_of(row: RowLike) -> dict:
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


class TaskBook:
    """The tasks, stages and task history of one Hub, over its store."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self.store = hub.store

    # ------------------------------------------------------------------ stages

    def stages(self, project_id: str, db: sqlite3.Connection | None = None) -> list[dict]:
        if db is None:
            with self.store.read() as db:
                return self.stages(project_id, db)
        row = db.execute("SELECT stages FROM workflows WHERE project_id = ?", (project_id,)).fetchone()
        return json.loads(row["stages"]) if row else workflow.default_stages()

    def set_stages(self, user: User, project_id: str, stages: Any) -> list[dict]:
        """Replace a project's workflow; refused while a stage it drops still holds tasks."""
        project = self._hub.project_for(user, project_id)
        checked = workflow.check_stages(stages)
        for index, stage in enumerate(checked):
            if stage["type"] == workflow.PLUGIN:
                plugin = self._hub.plugins.get(stage["pluginId"])
                if plugin is None or plugin.organization_id != user.organization_id:
                    raise InvalidRequest(
                        f"stages[{index}].pluginId: no plugin '{stage['pluginId']}' in your organization"
                    )
        kept = {s["id"] for s in checked}
        first = workflow.first_work_stage(checked)
        with self.store.write() as db:
            for stage in self.stages(project.id, db):
                if stage["id"] in kept:
                    continue
                row = db.execute(
                    "SELECT count FROM task_counts WHERE project_id = ? AND stage = ?", (project.id, stage["id"])
                ).fetchone()
                waiting = row[0] if row else 0
                if waiting:
                    raise Conflict(
                        f"stage '{stage['id']}' still holds {waiting} task(s): requeue them to a stage "
                        f"of the new workflow first (requeue_tasks)"
                    )
            db.execute(
                "INSERT OR REPLACE INTO workflows (project_id, stages, first_stage, first_status) VALUES (?, ?, ?, ?)",
                (project.id, to_json(checked, "stages"), first, workflow.status_at(checked, first)),
            )
            for stage in checked:
                db.execute(
                    "UPDATE tasks SET status = ? WHERE project_id = ? AND stage = ? AND status != ?",
                    (
                        workflow.status_at(checked, stage["id"]),
                        project.id,
                        stage["id"],
                        workflow.status_at(checked, stage["id"]),
                    ),
                )
        self._hub._notify("workflow", {"project": project.id})
        return copy.deepcopy(checked)

    def stage_counts(self, project_id: str) -> dict[str, int]:
        with self.store.read() as db:
            counts = dict(
                db.execute("SELECT stage, count FROM task_counts WHERE project_id = ?", (project_id,)).fetchall()
            )
            return {s["id"]: counts.get(s["id"], 0) for s in self.stages(project_id, db)}

    # ------------------------------------------------------------------- views

    def _row(self, db: sqlite3.Connection, user: User | None, task_id: Any) -> sqlite3.Row:
        row = None
        if isinstance(task_id, str):
            row = db.execute(
                f"SELECT {_COLUMNS}, p.organization_id, p.category_schema {_FROM} "
                f"JOIN projects p ON p.id = t.project_id WHERE t.id = ? AND {visible('t.project_id')}",
                (task_id,),
            ).fetchone()
        if row is None or (user is not None and row["organization_id"] != user.organization_id):
            raise NotFound(f"task '{task_id}' not found")
        return row

    def _view(self, row: RowLike, schema: Mapping | None) -> dict:
        """A task as the REST API shows it; with its answer when ``schema`` is given."""
        base = self._hub.base_url.rstrip("/")
        body = {
            "_id": row["id"],
            "project": row["project_id"],
            "asset": row["asset_id"],
            "externalId": row["external_id"],
            "data": base + row["data"] if row["hosted"] else row["data"],
            "batches": json.loads(row["batches"]),
            "stage": row["stage"],
            "status": row["status"],
            "assignee": row["assignee"],
            "reviewStatus": row["review_status"],
            "priority": row["priority"],
            "type": "default",
            "isBenchmark": bool(row["is_benchmark"]),
            "isDraft": False,
            "isSkipped": False,
            "duration": row["duration"],
            "totalDuration": row["total_duration"],
            "openIssuesCount": row["open_issues"],
            "brushDataUrl": row["brush_data_url"],
            "medicalBrushDataUrl": row["medical_brush_data_url"],
            "createdAt": iso_time(row["created_at"]),
            "updatedAt": iso_time(row["updated_at"]),
            "createdBy": None,
            "updatedBy": row["updated_by"],
        }
        if schema is not None:
            body["answer"] = shown_answer(answer_of(row), schema)
        return body

    def get(self, user: User | None, task_id: Any) -> dict:
        """One task; its answer always comes along (the official client merges into it even
        when it asked without ``includeAnswer``)."""
        with self.store.read() as db:
            row = self._row(db, user, task_id)
            return self._view(row, json.loads(row["category_schema"]))

    def for_asset(self, asset_id: str) -> dict:
        """An asset's task (a control-side view: no key)."""
        return self.get(None, task_id_for(asset_id))

    def page(
        self,
        user: User,
        project_id: str,
        *,
        page: Any = 1,
        limit: Any = 10,
        filters: Any = None,
        with_answer: bool = False,
        sort: str | None = None,
    ) -> tuple[list[dict], int]:
        """One page of a project's tasks matching ``filters`` (``TaskFilter`` fields), oldest first,
        and how many match: through indexes and counters, never a read of the whole project
        (see :mod:`.task_query`)."""
        page, limit = paging(page, limit)
        filters = check_filter(filters or {}, FILTER_FIELDS)
        descending = False
        if sort:
            keys = [k.strip() for k in sort.split(",") if k.strip()]
            if keys not in (["createdAt"], ["-createdAt"]):
                raise InvalidRequest(f"'sort' {sort!r} is not simulated: use createdAt or -createdAt")
            descending = keys == ["-createdAt"]
        project = self._hub.project_for(user, project_id)
        schema = project.category_schema if with_answer else None
        with self.store.read() as db:
            search = TaskSearch(
                db,
                project.id,
                self.stages(project.id, db),
                filters,
                columns=_COLUMNS,
                view=lambda row: self._view(row, None),
                descending=descending,
            )
            rows = search.page(page, limit)
            total = search.total()
        return [self._view(r, schema) for r in rows], total

    def iter_project(self, project_id: str) -> list[Mapping]:
        """Every task row of a project in order (exports); read in one snapshot."""
        with self.store.read() as db:
            return db.execute(
                f"SELECT {_COLUMNS} {_FROM} WHERE t.project_id = ? ORDER BY t.position", (project_id,)
            ).fetchall()

    def history_rows(self, task_pk: int) -> list[dict]:
        with self.store.read() as db:
            return [
                self._entry(r)
                for r in db.execute(
                    "SELECT h.*, t.id AS task_id, t.project_id, a.id AS asset_id FROM task_history h "
                    "JOIN tasks t ON t.pk = h.task_pk JOIN assets a ON a.pk = t.asset_pk "
                    "WHERE h.task_pk = ? ORDER BY h.pk",
                    (task_pk,),
                )
            ]

    @staticmethod
    def _entry(row: Mapping) -> dict:
        return {
            "_id": row["id"],
            "task": row["task_id"],
            "project": row["project_id"],
            "asset": row["asset_id"],
            "action": row["action"],
            "stage": row["stage"],
            "actor": row["actor"],
            "createdAt": iso_time(row["created_at"]),
            **json.loads(row["details"]),
        }

    def history_of(self, user: User, task_id: Any) -> list[dict]:
        with self.store.read() as db:
            row = self._row(db, user, task_id)
        return self.history_rows(row["pk"])

    def history_entry(self, user: User, entry_id: Any) -> dict:
        with self.store.read() as db:
            row = db.execute(
                "SELECT h.*, t.id AS task_id, t.project_id, a.id AS asset_id, p.organization_id "
                "FROM task_history h JOIN tasks t ON t.pk = h.task_pk "
                "JOIN assets a ON a.pk = t.asset_pk JOIN projects p ON p.id = t.project_id "
                f"WHERE h.id = ? AND {visible('t.project_id')}",
                (entry_id if isinstance(entry_id, str) else "",),
            ).fetchone()
        if row is None or row["organization_id"] != user.organization_id:
            raise NotFound(f"task history entry '{entry_id}' not found")
        return self._entry(row)

    # ----------------------------------------------------------------- changes

    @staticmethod
    def _record(
        db: sqlite3.Connection, task_pk: int, stage: str, action: str, actor: str | None, **details: Any
    ) -> None:
        now = time.time()
        db.execute(
            "INSERT INTO task_history (id, task_pk, action, stage, actor, created_at, details) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_object_id(), task_pk, action, stage, actor, now, to_json(details, "history")),
        )
        db.execute("UPDATE tasks SET updated_at = ?, updated_by = ? WHERE pk = ?", (now, actor, task_pk))

    def note(self, task_id: str, action: str, **details: Any) -> None:
        """Add an entry to a task's history: what the host did about it (e.g. a Plugin stage that could not run)."""
        with self.store.write() as db:
            row = self._row(db, None, task_id)
            self._record(db, row["pk"], row["stage"], action, None, **details)

    def _move(self, db: sqlite3.Connection, row: RowLike, stages: list[dict], stage_id: str) -> None:
        db.execute(
            "UPDATE tasks SET stage = ?, status = ? WHERE pk = ?",
            (stage_id, workflow.status_at(stages, stage_id), row["pk"]),
        )

    def annotate(
        self, user: User, task_id: Any, body: Any, *, next_stage: bool = False, is_plugin: bool = False
    ) -> dict:
        """Submit an answer: checked against the ontology, stored whole or not at all."""
        from ..validation import validate_labels

        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an object with 'answer'")
        answer = body.get("answer")
        if not isinstance(answer, Mapping):
            raise InvalidRequest("answer must be an object with 'objects', 'classifications', 'relations'")
        # 1.1.x clients send a task's objects under ``tools`` (the name a task's answer shows them by).
        if "tools" in answer and "objects" not in answer:
            answer = {("objects" if key == "tools" else key): value for key, value in answer.items()}
        unknown = set(answer) - {"objects", "classifications", "relations"}
        if unknown:
            raise InvalidRequest(
                f"answer: unknown key(s) {sorted(unknown)}; an answer holds objects, classifications and relations"
            )
        for key in ("brushDataUrl", "medicalBrushDataUrl"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise InvalidRequest(f"{key} must be a URL string or null")
        duration = body.get("duration", 0)
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 <= duration < 1e9:
            raise InvalidRequest(f"duration must be a number of seconds >= 0, got {duration!r}")
        stored = {
            "objects": answer.get("objects") or [],
            "classifications": answer.get("classifications") or [],
            "relations": answer.get("relations") or [],
        }
        with self.store.read() as db:
            row = self._row(db, user, task_id)
        project = self._hub.projects.require(row["project_id"])  # gone only if deleted meanwhile: 404
        reference = {
            "_id": row["asset_id"],
            "externalId": row["external_id"],
            "data": self._view(row, None)["data"],
            "metadata": json.loads(row["metadata"]),
        }
        report = validate_labels(
            [{"externalId": row["external_id"], **stored}],
            project.category_schema,
            [reference],
            project_name=project.name,
            root="answer",
        )
        if not report.ok:
            errors = [{**e.to_dict(), "path": e.path.replace("answer[0]", "answer", 1)} for e in report.errors]
            shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
            raise LabelImportError(
                f"{len(errors)} error(s) in the answer, the task was not changed: {shown}",
                details=errors,
                warnings=[w.to_dict() for w in report.warnings],
            )
        text = to_json(stored, "answer")
        with self.store.write() as db:
            row = self._row(db, user, task_id)  # again, inside the transaction: it may have moved
            stages = self.stages(row["project_id"], db)
            target = workflow.next_stage(stages, row["stage"]) if next_stage else None
            if next_stage and target is None:
                raise Conflict(
                    f"task '{row['id']}' is at stage '{row['stage']}', which leads nowhere: send it without nextStage"
                )
            db.execute(
                "UPDATE tasks SET answer = ?, brush_data_url = COALESCE(?, brush_data_url), "
                "medical_brush_data_url = COALESCE(?, medical_brush_data_url), duration = ?, "
                "total_duration = total_duration + ? WHERE pk = ?",
                (text, body.get("brushDataUrl"), body.get("medicalBrushDataUrl"), duration, duration, row["pk"]),
            )
            self._record(
                db,
                row["pk"],
                row["stage"],
                "plugin-submit" if is_plugin else "submit",
                user.email,
                answer=stored,
                duration=duration,
            )
            if target is not None:
                self._move(db, row, stages, target)
        self._hub._notify("task", {"project": row["project_id"], "task": row["id"], "stage": target or row["stage"]})
        return self.get(user, row["id"])

    def review(self, user: User, task_id: Any, review_status: Any) -> dict:
        """A reviewer's decision: Accepted moves on, Rejected goes back (the Review stage's second exit)."""
        if review_status not in REVIEW_STATUSES:
            raise InvalidRequest(f"reviewStatus must be one of {list(REVIEW_STATUSES)}, got {review_status!r}")
        with self.store.write() as db:
            row = self._row(db, user, task_id)
            stages = self.stages(row["project_id"], db)
            stage = workflow.stage_by_id(stages, row["stage"])
            if stage is None or stage["type"] != workflow.REVIEW:
                raise Conflict(f"task '{row['id']}' is at stage '{row['stage']}', not at a Review stage")
            db.execute("UPDATE tasks SET review_status = ? WHERE pk = ?", (review_status, row["pk"]))
            self._record(db, row["pk"], row["stage"], "review", user.email, reviewStatus=review_status)
            if review_status in ("Accepted", "Rejected"):
                target = workflow.next_stage(stages, row["stage"], rejected=review_status == "Rejected")
                if target is not None:
                    self._move(db, row, stages, target)
        self._hub._notify("task", {"project": row["project_id"], "task": row["id"]})
        with self.store.read() as db:
            return self._view(self._row(db, user, row["id"]), None)

    def _select(self, db: sqlite3.Connection, project_id: str, filters: Any) -> list[sqlite3.Row]:
        """Task rows picked by requeue/priority filters (taskIds, externalIds, assetIds, fromStageIds)."""
        if not isinstance(filters, Mapping):
            raise InvalidRequest("filters must be an object")
        keys = ("taskIds", "externalIds", "assetIds", "fromStageIds")
        for key, value in filters.items():
            if key not in keys:
                raise InvalidRequest(f"filters.{key}: unknown filter; use {', '.join(keys)}")
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidRequest(f"filters.{key} must be a list of strings")
        stage_ids = {s["id"] for s in self.stages(project_id, db)}
        for index, stage_id in enumerate(filters.get("fromStageIds") or []):
            if stage_id not in stage_ids:
                raise InvalidRequest(f"filters.fromStageIds[{index}]: no stage '{stage_id}' in this project")
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
        rows = db.execute(
            f"SELECT t.pk, t.id, t.stage {_FROM} WHERE {' AND '.join(where)} ORDER BY t.position", args
        ).fetchall()
        if filters.get("taskIds"):
            found = {r["id"] for r in rows}
            for index, task_id in enumerate(filters["taskIds"]):
                if (
                    task_id not in found
                    and not filters.get("externalIds")
                    and not filters.get("assetIds")
                    and not filters.get("fromStageIds")
                ):
                    raise InvalidRequest(f"filters.taskIds[{index}]: no task '{task_id}' in this project")
        return rows

    def requeue(self, user: User, project_id: str, to_stage: Any, filters: Any = None, options: Any = None) -> int:
        """Send the chosen tasks to ``to_stage``; returns how many moved."""
        options = options or {}
        if not isinstance(options, Mapping):
            raise InvalidRequest("options must be an object")
        allowed = ("removeAnnotations", "removeAssignee", "removeStageHistory")
        for key, value in options.items():
            if key not in allowed:
                raise InvalidRequest(f"options.{key}: unknown option; use {', '.join(allowed)}")
            if not isinstance(value, bool):
                raise InvalidRequest(f"options.{key} must be true or false")
        project = self._hub.project_for(user, project_id)
        with self.store.write() as db:
            stages = self.stages(project.id, db)
            stage = workflow.stage_by_id(stages, to_stage) if isinstance(to_stage, str) else None
            if stage is None:
                raise InvalidRequest(f"toStageId: no stage {to_stage!r} in this project's workflow")
            if stage["type"] == workflow.START:
                raise InvalidRequest("toStageId: tasks cannot wait at the Start stage")
            rows = self._select(db, project.id, filters or {})
            # Set-based: a statement per task, each firing the stage counter's trigger, made a requeue of
            # 32k tasks take 7 s (every statement of a long transaction cost more than the one before).
            pks = json.dumps([row["pk"] for row in rows])
            chosen = "pk IN (SELECT value FROM json_each(?))"
            if options.get("removeAnnotations"):
                db.execute(f"UPDATE tasks SET answer = ? WHERE {chosen}", (to_json(empty_answer(), "answer"), pks))
            if options.get("removeAssignee"):
                db.execute(f"UPDATE tasks SET assignee = NULL WHERE {chosen}", (pks,))
            if options.get("removeStageHistory"):
                db.execute(f"DELETE FROM task_history WHERE task_{chosen}", (pks,))
            now = time.time()
            db.execute(
                f"UPDATE tasks SET review_status = NULL, stage = ?, status = ?, updated_at = ?, updated_by = ? "
                f"WHERE {chosen}",
                (stage["id"], workflow.status_at(stages, stage["id"]), now, user.email, pks),
            )
            db.executemany(
                "INSERT INTO task_history (id, task_pk, action, stage, actor, created_at, details) "
                "VALUES (?, ?, 'requeue', ?, ?, ?, ?)",
                [
                    (
                        new_object_id(),
                        row["pk"],
                        stage["id"],
                        user.email,
                        now,
                        to_json({"fromStage": row["stage"]}, "history"),
                    )
                    for row in rows
                ],
            )
        self._hub._notify("task", {"project": project.id, "requeued": len(rows)})
        return len(rows)

    def set_priority(self, user: User, project_id: str, priority: Any, filters: Any = None) -> int:
        if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > 2**31:
            raise InvalidRequest(f"priority must be a whole number, got {priority!r}")
        project = self._hub.project_for(user, project_id)
        with self.store.write() as db:
            rows = self._select(db, project.id, filters or {})
            db.executemany("UPDATE tasks SET priority = ? WHERE pk = ?", [(priority, r["pk"]) for r in rows])
        return len(rows)

    def set_benchmark(self, user: User, project_id: str, task_ids: Any, is_benchmark: Any) -> int:
        if not isinstance(is_benchmark, bool):
            raise InvalidRequest("isBenchmark must be true or false")
        if not isinstance(task_ids, list) or not task_ids:
            raise InvalidRequest("tasks must be a non-empty list of task ids")
        project = self._hub.project_for(user, project_id)
        with self.store.write() as db:
            rows = self._select(db, project.id, {"taskIds": task_ids})
            db.executemany(
                "UPDATE tasks SET is_benchmark = ? WHERE pk = ?", [(int(is_benchmark), r["pk"]) for r in rows]
            )
        return len(rows)

    def assign(self, user: User, project_id: Any, task_ids: Any, email: Any, stage: Any) -> int:
        """Give tasks waiting at ``stage`` to the organization member with ``email``."""
        if not isinstance(task_ids, list) or not task_ids or not all(isinstance(t, str) for t in task_ids):
            raise InvalidRequest("tasks must be a non-empty list of task ids")
        if not isinstance(email, str) or not email:
            raise InvalidRequest("user must be the assignee's email")
        project = self._hub.project_for(user, project_id)
        with self.store.write() as db:
            member = db.execute(
                "SELECT 1 FROM users WHERE organization_id = ? AND email = ?", (user.organization_id, email)
            ).fetchone()
            if member is None:
                raise InvalidRequest(f"user: '{email}' is not a member of this organization")
            if workflow.stage_by_id(self.stages(project.id, db), stage) is None:
                raise InvalidRequest(f"stage: no stage {stage!r} in this project's workflow")
            rows = []
            for index, task_id in enumerate(task_ids):
                row = db.execute(
                    "SELECT pk, id, stage FROM tasks WHERE id = ? AND project_id = ?", (task_id, project.id)
                ).fetchone()
                if row is None:
                    raise InvalidRequest(f"tasks[{index}]: no task '{task_id}' in this project")
                if row["stage"] != stage:
                    raise Conflict(f"tasks[{index}]: task '{task_id}' is at stage '{row['stage']}', not '{stage}'")
                rows.append(row)
            for row in rows:
                db.execute("UPDATE tasks SET assignee = ? WHERE pk = ?", (email, row["pk"]))
                self._record(db, row["pk"], row["stage"], "assign", user.email, assignee=email)
        return len(rows)

    @staticmethod
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

    def store_plugin_answer(self, asset_id: str, answer: Mapping, actor: str | None) -> dict:
        """A Model plugin's answer (import format, already validated) becomes the asset's task's answer,
        with a ``plugin-answer`` history entry; returns the task as ``get_task`` shows it."""
        stored = {key: list(answer.get(key) or []) for key in ("objects", "classifications", "relations")}
        task_id = task_id_for(asset_id)
        with self.store.write() as db:
            row = self._row(db, None, task_id)
            db.execute("UPDATE tasks SET answer = ? WHERE pk = ?", (to_json(stored, "answer"), row["pk"]))
            self._record(db, row["pk"], row["stage"], "plugin-answer", actor, answer=stored)
        self._hub._notify("task", {"project": row["project_id"], "task": row["id"], "stage": row["stage"]})
        return self.get(None, task_id)

    # --------------------------------------------------------- for tests (no key)

    def set_task(self, task_id: str, **changes: Any) -> dict:
        """Change a task directly (``stage``, ``answer`` in import format, ``assignee``, ``priority``, ...):
        a test's setup; answers are stored as given, unchecked."""
        with self.store.write() as db:
            row = self._row(db, None, task_id)
            stage = changes.pop("stage", None)
            if stage is not None:
                stages = self.stages(row["project_id"], db)
                if workflow.stage_by_id(stages, stage) is None:
                    raise InvalidRequest(f"no stage '{stage}' in this project's workflow")
                self._move(db, row, stages, stage)
            if "answer" in changes:
                answer = changes.pop("answer")
                db.execute(
                    "UPDATE tasks SET answer = ? WHERE pk = ?",
                    (None if answer is None else to_json(dict(answer), "answer"), row["pk"]),
                )
            for name, value in changes.items():
                if name not in SETTABLE:
                    raise InvalidRequest(
                        f"a task has no settable field '{name}': use stage, answer or {', '.join(SETTABLE)}"
                    )
                if not _settable(name, value):
                    raise InvalidRequest(f"{name}={value!r} is not a value a task's {name} can hold")
                db.execute(f"UPDATE tasks SET {SETTABLE[name]} = ? WHERE pk = ?", (value, row["pk"]))  # noqa: S608
        self._hub._notify("task", {"project": row["project_id"], "task": row["id"]})
        return self.get(None, task_id)

    def project_tasks(self, project_id: str, *, with_answer: bool = True) -> list[dict]:
        project = self._hub.projects.require(project_id)
        schema = project.category_schema if with_answer else None
        return [self._view(row, schema) for row in self.iter_project(project.id)]
