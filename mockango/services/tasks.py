"""Tasks and workflow: the SDK's get_tasks, get_task, annotate, review, requeue, assign, priority and history.

One task per asset moves through its project's workflow stages (:mod:`mockango.workflow`). An answer
is checked against the ontology and the asset before it is stored, whole or not at all; a submit
with ``nextStage`` moves the task on, a review moves it on (Accepted) or back (Rejected). The rows
and their queries are :mod:`mockango.records.tasks`; the counters behind totals and pages are kept
there too, so a page never reads the whole project.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from .. import workflow
from ..assets import paging
from ..errors import Conflict, InvalidRequest, LabelImportError, NotFound
from ..events import TaskChanged, WorkflowChanged
from ..filters import check_filter
from ..models import User, iso_time
from ..records import accounts as account_rows
from ..records import plugins as plugin_rows
from ..records import tasks as task_rows
from ..records.projects import Projects
from ..records.tasks import SETTABLE, answer_of, shown_answer, task_id_for
from ..records.values import Record, to_json
from .context import Context

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
SELECT_FILTERS = ("taskIds", "externalIds", "assetIds", "fromStageIds")


def _settable(name: str, value: Any) -> bool:
    if name == "priority":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 2**31
    if name == "is_benchmark":
        return isinstance(value, bool)
    if name == "review_status":
        return value is None or value in REVIEW_STATUSES
    return value is None or isinstance(value, str)


def history_dict(row: Record) -> dict:
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


class TaskService:
    """The tasks, stages and task history of one host."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self.store = context.store
        self._projects = Projects(context.store)

    # ------------------------------------------------------------------ stages

    def stages(self, project_id: str, db: sqlite3.Connection | None = None) -> list[dict]:
        if db is None:
            with self.store.read() as db:
                return self.stages(project_id, db)
        return task_rows.workflow_stages(db, project_id) or workflow.default_stages()

    def set_stages(self, user: User, project_id: str, stages: Any) -> list[dict]:
        """Replace a project's workflow; refused while a stage it drops still holds tasks."""
        project = self._context.scope(user).project(project_id)
        checked = workflow.check_stages(stages)
        plugins = plugin_rows.Plugins(self.store)
        for index, stage in enumerate(checked):
            if stage["type"] == workflow.PLUGIN:
                plugin = plugins.get(stage["pluginId"])
                if plugin is None or plugin.organization_id != user.organization_id:
                    raise InvalidRequest(
                        f"stages[{index}].pluginId: no plugin '{stage['pluginId']}' in your organization"
                    )
        kept = {s["id"] for s in checked}
        with self.store.write() as db:
            for stage in self.stages(project.id, db):
                waiting = task_rows.waiting_at(db, project.id, stage["id"]) if stage["id"] not in kept else 0
                if waiting:
                    raise Conflict(
                        f"stage '{stage['id']}' still holds {waiting} task(s): requeue them to a stage "
                        f"of the new workflow first (requeue_tasks)"
                    )
            status_at = {stage["id"]: workflow.status_at(checked, stage["id"]) for stage in checked}
            task_rows.save_workflow(db, project.id, checked, workflow.first_work_stage(checked), status_at)
        self._context.notifier.publish(WorkflowChanged(project.id))
        return copy.deepcopy(checked)

    def stage_counts(self, project_id: str) -> dict[str, int]:
        with self.store.read() as db:
            counts = task_rows.stage_counts(db, project_id)
            return {s["id"]: counts.get(s["id"], 0) for s in self.stages(project_id, db)}

    # ------------------------------------------------------------------- views

    def _view(self, row: Record, schema: Mapping | None) -> dict:
        """A task as the REST API shows it; with its answer when ``schema`` is given."""
        base = self._context.base_url.rstrip("/")
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
            row = self._context.scope(user).task(db, task_id)
            return self._view(row, json.loads(row["category_schema"]))

    def for_asset(self, asset_id: str) -> dict:
        """An asset's task (a control-side view: no key)."""
        return self.get(None, task_id_for(asset_id))

    def own_answers(self, task_ids: list[str]) -> dict[str, dict | None]:
        """Each task's own answer (import format), or None while it shows its asset's pre-label:
        what the dashboard draws apart from the pre-label. One indexed read for the whole page."""
        with self.store.read() as db:
            found = task_rows.own_answers(db, task_ids)
        return {task_id: None if (text := found.get(task_id)) is None else json.loads(text) for task_id in task_ids}

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
        (see :mod:`mockango.records.task_query`)."""
        page, limit = paging(page, limit)
        filters = check_filter(filters or {}, FILTER_FIELDS)
        descending = False
        if sort:
            keys = [k.strip() for k in sort.split(",") if k.strip()]
            if keys not in (["createdAt"], ["-createdAt"]):
                raise InvalidRequest(f"'sort' {sort!r} is not simulated: use createdAt or -createdAt")
            descending = keys == ["-createdAt"]
        project = self._context.scope(user).project(project_id)
        schema = project.category_schema if with_answer else None
        with self.store.read() as db:
            search = task_rows.search(
                db,
                project.id,
                self.stages(project.id, db),
                filters,
                descending=descending,
            )
            rows = search.page(page, limit)
            total = search.total()
        return [self._view(r, schema) for r in rows], total

    def iter_project(self, project_id: str) -> list[sqlite3.Row]:
        """Every task row of a project in order (exports); read in one snapshot."""
        with self.store.read() as db:
            return task_rows.project_rows(db, project_id)

    def project_tasks(self, project_id: str, *, with_answer: bool = True) -> list[dict]:
        project = self._projects.require(project_id)
        schema = project.category_schema if with_answer else None
        return [self._view(row, schema) for row in self.iter_project(project.id)]

    def history_rows(self, task_pk: int) -> list[dict]:
        with self.store.read() as db:
            return [history_dict(r) for r in task_rows.history(db, task_pk)]

    def latest_history(self, user: User, task_id: Any, limit: int) -> tuple[list[dict], int]:
        """A task's latest ``limit`` history entries, oldest first, and how many it has (its index)."""
        with self.store.read() as db:
            row = self._context.scope(user).task(db, task_id)
            entries, total = task_rows.latest_history(db, row["pk"], limit)
        return [history_dict(entry) for entry in reversed(entries)], total

    def history_of(self, user: User, task_id: Any) -> list[dict]:
        with self.store.read() as db:
            row = self._context.scope(user).task(db, task_id)
        return self.history_rows(row["pk"])

    def history_entry(self, user: User, entry_id: Any) -> dict:
        with self.store.read() as db:
            row = task_rows.history_entry(db, entry_id) if isinstance(entry_id, str) else None
        if row is None or row["organization_id"] != user.organization_id:
            raise NotFound(f"task history entry '{entry_id}' not found")
        return history_dict(row)

    # ----------------------------------------------------------------- changes

    def note(self, task_id: str, action: str, **details: Any) -> None:
        """Add an entry to a task's history: what the host did about it (e.g. a Plugin stage that could not run)."""
        with self.store.write() as db:
            row = self._context.scope(None).task(db, task_id)
            task_rows.add_history(db, row["pk"], row["stage"], action, None, **details)

    @staticmethod
    def _move(db: sqlite3.Connection, row: Record, stages: list[dict], stage_id: str) -> None:
        task_rows.move(db, row, stage_id, workflow.status_at(stages, stage_id))

    def annotate(
        self,
        user: User,
        task_id: Any,
        body: Any,
        *,
        next_stage: bool = False,
        is_plugin: bool = False,
        warnings_out: list[dict] | None = None,
    ) -> dict:
        """Submit an answer: checked against the ontology, stored whole or not at all.

        The answer is read as a Model plugin's is (:func:`mockango.validation.answers.check_answer`).
        Returns the task view; ``warnings_out`` receives the warnings (e.g. rules of unknown evidence accepted).
        """
        from ..validation.answers import check_answer
        from ..validation.evidence import refuses

        strict = self._context.strict
        if not isinstance(body, Mapping) or not isinstance(body.get("answer"), Mapping):
            raise InvalidRequest(
                "the body must be an object with 'answer', an object with 'objects', 'classifications', 'relations'",
                details=[{"path": "answer", "code": "answer_not_object", "message": "'answer' must be an object"}],
            )
        answer = body["answer"]
        lenient: list[dict] = []

        def unknown_rule(code: str, path: str, message: str) -> None:
            if refuses(code, strict):
                raise InvalidRequest(message, details=[{"path": path, "code": code, "message": message}])
            lenient.append({"path": path, "code": code, "message": message + " (ignored)"})

        brushes = {}
        for key in ("brushDataUrl", "medicalBrushDataUrl"):
            if body.get(key) is not None and not isinstance(body[key], str):
                unknown_rule("answer_brush_url", key, f"{key} must be a URL string or null")
            elif body.get(key) is not None:
                brushes[key] = body[key]
        duration = body.get("duration", 0)
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 <= duration < 1e9:
            unknown_rule("answer_duration", "duration", f"duration must be a number of seconds >= 0, got {duration!r}")
            duration = 0
        scope = self._context.scope(user)
        with self.store.read() as db:
            row = scope.task(db, task_id)
        project = self._projects.require(row["project_id"])
        reference = {
            "_id": row["asset_id"],
            "externalId": row["external_id"],
            "data": self._view(row, None)["data"],
            "metadata": json.loads(row["metadata"]),
        }
        check = check_answer(
            answer, reference, project.category_schema, root="answer", project_name=project.name, strict=strict
        )
        warnings = lenient + [w.to_dict() for w in check.warnings]
        if not check.ok:
            errors = [e.to_dict() for e in check.errors]
            shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
            raise LabelImportError(
                f"{len(errors)} error(s) in the answer, the task was not changed: {shown}",
                details=errors,
                warnings=warnings,
            )
        stored = check.stored
        if warnings_out is not None:
            warnings_out.extend(warnings)
        text = to_json(stored, "answer")
        with self.store.write() as db:
            row = scope.task(db, task_id)  # again, inside the transaction: it may have moved
            stages = self.stages(row["project_id"], db)
            target = workflow.next_stage(stages, row["stage"]) if next_stage else None
            if next_stage and target is None:
                raise Conflict(
                    f"task '{row['id']}' is at stage '{row['stage']}', which leads nowhere: send it without nextStage"
                )
            task_rows.submit(
                db, row["pk"], text, brushes.get("brushDataUrl"), brushes.get("medicalBrushDataUrl"), duration
            )
            action = "plugin-submit" if is_plugin else "submit"
            task_rows.add_history(db, row["pk"], row["stage"], action, user.email, answer=stored, duration=duration)
            if target is not None:
                self._move(db, row, stages, target)
        self._context.notifier.publish(TaskChanged(row["project_id"], task=row["id"], stage=target or row["stage"]))
        return self.get(user, row["id"])

    def review(self, user: User, task_id: Any, review_status: Any) -> dict:
        """A reviewer's decision: Accepted moves on, Rejected goes back (the Review stage's second exit)."""
        if review_status not in REVIEW_STATUSES:
            raise InvalidRequest(f"reviewStatus must be one of {list(REVIEW_STATUSES)}, got {review_status!r}")
        scope = self._context.scope(user)
        with self.store.write() as db:
            row = scope.task(db, task_id)
            stages = self.stages(row["project_id"], db)
            stage = workflow.stage_by_id(stages, row["stage"])
            if stage is None or stage["type"] != workflow.REVIEW:
                raise Conflict(f"task '{row['id']}' is at stage '{row['stage']}', not at a Review stage")
            task_rows.set_field(db, row["pk"], "review_status", review_status)
            task_rows.add_history(db, row["pk"], row["stage"], "review", user.email, reviewStatus=review_status)
            if review_status in ("Accepted", "Rejected"):
                target = workflow.next_stage(stages, row["stage"], rejected=review_status == "Rejected")
                if target is not None:
                    self._move(db, row, stages, target)
        self._context.notifier.publish(TaskChanged(row["project_id"], task=row["id"]))
        with self.store.read() as db:
            return self._view(scope.task(db, row["id"]), None)

    def _select(self, db: sqlite3.Connection, project_id: str, filters: Any) -> list[sqlite3.Row]:
        """Task rows picked by requeue/priority filters (taskIds, externalIds, assetIds, fromStageIds)."""
        if not isinstance(filters, Mapping):
            raise InvalidRequest("filters must be an object")
        for key, value in filters.items():
            if key not in SELECT_FILTERS:
                raise InvalidRequest(f"filters.{key}: unknown filter; use {', '.join(SELECT_FILTERS)}")
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidRequest(f"filters.{key} must be a list of strings")
        stage_ids = {s["id"] for s in self.stages(project_id, db)}
        for index, stage_id in enumerate(filters.get("fromStageIds") or []):
            if stage_id not in stage_ids:
                raise InvalidRequest(f"filters.fromStageIds[{index}]: no stage '{stage_id}' in this project")
        rows = task_rows.chosen(db, project_id, filters)
        if filters.get("taskIds") and not any(filters.get(key) for key in SELECT_FILTERS[1:]):
            found = {r["id"] for r in rows}
            for index, task_id in enumerate(filters["taskIds"]):
                if task_id not in found:
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
        project = self._context.scope(user).project(project_id)
        with self.store.write() as db:
            stages = self.stages(project.id, db)
            stage = workflow.stage_by_id(stages, to_stage) if isinstance(to_stage, str) else None
            if stage is None:
                raise InvalidRequest(f"toStageId: no stage {to_stage!r} in this project's workflow")
            if stage["type"] == workflow.START:
                raise InvalidRequest("toStageId: tasks cannot wait at the Start stage")
            rows = self._select(db, project.id, filters or {})
            task_rows.requeue(
                db,
                project.id,
                rows,
                stage["id"],
                workflow.status_at(stages, stage["id"]),
                user.email,
                remove_annotations=bool(options.get("removeAnnotations")),
                remove_assignee=bool(options.get("removeAssignee")),
                remove_history=bool(options.get("removeStageHistory")),
            )
        self._context.notifier.publish(TaskChanged(project.id, requeued=len(rows)))
        return len(rows)

    def set_priority(self, user: User, project_id: str, priority: Any, filters: Any = None) -> int:
        if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > 2**31:
            raise InvalidRequest(f"priority must be a whole number, got {priority!r}")
        project = self._context.scope(user).project(project_id)
        with self.store.write() as db:
            rows = self._select(db, project.id, filters or {})
            task_rows.set_many(db, [r["pk"] for r in rows], "priority", priority)
        return len(rows)

    def set_benchmark(self, user: User, project_id: str, task_ids: Any, is_benchmark: Any) -> int:
        if not isinstance(is_benchmark, bool):
            raise InvalidRequest("isBenchmark must be true or false")
        if not isinstance(task_ids, list) or not task_ids:
            raise InvalidRequest("tasks must be a non-empty list of task ids")
        project = self._context.scope(user).project(project_id)
        with self.store.write() as db:
            rows = self._select(db, project.id, {"taskIds": task_ids})
            task_rows.set_many(db, [r["pk"] for r in rows], "is_benchmark", int(is_benchmark))
        return len(rows)

    def assign(self, user: User, project_id: Any, task_ids: Any, email: Any, stage: Any) -> int:
        """Give tasks waiting at ``stage`` to the organization member with ``email``."""
        if not isinstance(task_ids, list) or not task_ids or not all(isinstance(t, str) for t in task_ids):
            raise InvalidRequest("tasks must be a non-empty list of task ids")
        if not isinstance(email, str) or not email:
            raise InvalidRequest("user must be the assignee's email")
        project = self._context.scope(user).project(project_id)
        with self.store.write() as db:
            if not account_rows.is_member(db, user.organization_id, email):
                raise InvalidRequest(f"user: '{email}' is not a member of this organization")
            if workflow.stage_by_id(self.stages(project.id, db), stage) is None:
                raise InvalidRequest(f"stage: no stage {stage!r} in this project's workflow")
            rows = []
            for index, task_id in enumerate(task_ids):
                row = task_rows.in_project(db, project.id, task_id)
                if row is None:
                    raise InvalidRequest(f"tasks[{index}]: no task '{task_id}' in this project")
                if row["stage"] != stage:
                    raise Conflict(f"tasks[{index}]: task '{task_id}' is at stage '{row['stage']}', not '{stage}'")
                rows.append(row)
            for row in rows:
                task_rows.set_field(db, row["pk"], "assignee", email)
                task_rows.add_history(db, row["pk"], row["stage"], "assign", user.email, assignee=email)
        return len(rows)

    def store_plugin_answer(self, asset_id: str, answer: Mapping, actor: str | None) -> dict:
        """A Model plugin's answer (import format, already validated) becomes the asset's task's answer,
        with a ``plugin-answer`` history entry; returns the task as ``get_task`` shows it."""
        stored = {key: list(answer.get(key) or []) for key in ("objects", "classifications", "relations")}
        task_id = task_id_for(asset_id)
        with self.store.write() as db:
            row = self._context.scope(None).task(db, task_id)
            task_rows.set_answer(db, row["pk"], to_json(stored, "answer"))
            task_rows.add_history(db, row["pk"], row["stage"], "plugin-answer", actor, answer=stored)
        self._context.notifier.publish(TaskChanged(row["project_id"], task=row["id"], stage=row["stage"]))
        return self.get(None, task_id)

    # --------------------------------------------------------- for tests (no key)

    def set_task(self, task_id: str, **changes: Any) -> dict:
        """Change a task directly (``stage``, ``answer`` in import format, ``assignee``, ``priority``, ...):
        a test's setup; answers are stored as given, unchecked."""
        with self.store.write() as db:
            row = self._context.scope(None).task(db, task_id)
            stage = changes.pop("stage", None)
            if stage is not None:
                stages = self.stages(row["project_id"], db)
                if workflow.stage_by_id(stages, stage) is None:
                    raise InvalidRequest(f"no stage '{stage}' in this project's workflow")
                self._move(db, row, stages, stage)
            if "answer" in changes:
                answer = changes.pop("answer")
                task_rows.set_answer(db, row["pk"], None if answer is None else to_json(dict(answer), "answer"))
            for name, value in changes.items():
                if name not in SETTABLE:
                    raise InvalidRequest(
                        f"a task has no settable field '{name}': use stage, answer or {', '.join(SETTABLE)}"
                    )
                if not _settable(name, value):
                    raise InvalidRequest(f"{name}={value!r} is not a value a task's {name} can hold")
                task_rows.set_field(db, row["pk"], name, value)
        self._context.notifier.publish(TaskChanged(row["project_id"], task=row["id"]))
        return self.get(None, task_id)
