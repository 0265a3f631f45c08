"""Tasks: one per asset, moving through its project's workflow stages.

A task waits at a stage with a status (``TODO``, ``Completed`` at Complete), an assignee
(an email), a priority, a review status and an answer. Its answer is kept in the label
import format (``objects``, ``classifications``, ``relations``) and shown the way Ango Hub
shows it (``tools``, ``classifications``, ``relations``). Until someone submits one, a
task shows its asset's imported pre-labels. Every submit, review, move and assignment is
a history entry.

:class:`TaskBook` holds the tasks of one Hub with indexes by project and by stage, so a
page of tasks at one stage costs O(offset + limit), not O(project). It imports no Flask;
the Hub's lock guards it (every public method takes it).
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import workflow
from .assets import paging
from .errors import Conflict, InvalidRequest, LabelImportError, NotFound
from .filters import check_filter, record_matches
from .ids import new_object_id
from .models import Asset, Project, User, iso_time

if TYPE_CHECKING:
    from .hub import Hub

TASK_ID_MASK = 0x5a5a5a5a5a5a5a5a5a5a5a5a
"""A task's id is its asset's id XOR this: deterministic for seeded data, and distinct from the asset id."""

FILTER_FIELDS = ("_id", "stage", "batches", "status", "reviewStatus", "type", "assignee", "externalId",
                 "asset", "createdAt", "updatedAt", "createdBy", "updatedBy", "priority", "duration",
                 "totalDuration", "openIssuesCount", "isDraft", "isSkipped", "isBenchmark")
REVIEW_STATUSES = ("Accepted", "Rejected", "Todo", "Fixed")


def task_id_for(asset_id: str) -> str:
    try:
        return "%024x" % (int(asset_id, 16) ^ TASK_ID_MASK)
    except ValueError:  # an asset id that is not hex (given by a test): a fresh id
        return new_object_id()


def empty_answer() -> dict:
    return {"objects": [], "classifications": [], "relations": []}


@dataclass
class Task:
    id: str
    project_id: str
    asset_id: str
    stage: str
    status: str = "TODO"
    assignee: str | None = None
    review_status: str | None = None
    priority: int = 0
    answer: dict | None = None
    """The submitted answer (import format), or None: the asset's pre-labels show instead."""
    brush_data_url: str | None = None
    medical_brush_data_url: str | None = None
    duration: float = 0
    total_duration: float = 0
    is_benchmark: bool = False
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    updated_by: str | None = None
    history: list[str] = field(default_factory=list)


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
    return {"tools": tools, "classifications": classifications,
            "relations": copy.deepcopy(list(answer.get("relations") or []))}


class TaskBook:
    """The tasks, stages and task history of one Hub."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._lock = hub._lock
        self.tasks: dict[str, Task] = {}
        self.history: dict[str, dict] = {}
        self._stages: dict[str, list[dict]] = {}                   # project id -> its workflow
        self._by_project: dict[str, dict[str, None]] = {}          # project id -> task ids, oldest first
        self._by_stage: dict[tuple[str, str], dict[str, None]] = {}  # (project, stage) -> task ids
        self._by_asset: dict[str, str] = {}
        self._turn = itertools.count()

    # ------------------------------------------------------------------ stages

    def stages(self, project_id: str) -> list[dict]:
        return self._stages.get(project_id) or workflow.default_stages()

    def set_stages(self, user: User, project_id: str, stages: Any) -> list[dict]:
        """Replace a project's workflow; refused while a stage it drops still holds tasks."""
        with self._lock:
            project = self._hub.project_for(user, project_id)
            checked = workflow.check_stages(stages)
            kept = {s["id"] for s in checked}
            for stage in self.stages(project.id):
                waiting = len(self._by_stage.get((project.id, stage["id"]), ()))
                if stage["id"] not in kept and waiting:
                    raise Conflict(f"stage '{stage['id']}' still holds {waiting} task(s): requeue them to a stage "
                                   f"of the new workflow first (requeue_tasks)")
            for stage in checked:
                if stage["type"] == workflow.PLUGIN and stage["pluginId"] not in self._hub.plugins:
                    index = checked.index(stage)
                    raise InvalidRequest(f"stages[{index}].pluginId: no plugin '{stage['pluginId']}' on this host")
            self._stages[project.id] = checked
            for stage_id in list(self._stage_ids_with_tasks(project.id)):
                for task_id in self._by_stage[(project.id, stage_id)]:
                    self.tasks[task_id].status = workflow.status_at(checked, stage_id)
            self._hub._notify("workflow", {"project": project.id})
            return copy.deepcopy(checked)

    def _stage_ids_with_tasks(self, project_id: str) -> Iterable[str]:
        return [s["id"] for s in self.stages(project_id) if self._by_stage.get((project_id, s["id"]))]

    # -------------------------------------------------------------- lifecycle

    def add(self, project: Project, assets: Iterable[Asset]) -> None:
        """A task per new asset, waiting at the stage after Start (caller holds the lock)."""
        stages = self.stages(project.id)
        stage = workflow.first_work_stage(stages)
        status = workflow.status_at(stages, stage)
        project_tasks = self._by_project.setdefault(project.id, {})
        at_stage = self._by_stage.setdefault((project.id, stage), {})
        for asset in assets:
            task = Task(id=task_id_for(asset.id), project_id=project.id, asset_id=asset.id, stage=stage,
                        status=status, created_at=asset.created_at, updated_at=asset.created_at)
            self.tasks[task.id] = task
            self._by_asset[asset.id] = task.id
            project_tasks[task.id] = None
            at_stage[task.id] = None

    def remove_assets(self, asset_ids: Iterable[str]) -> None:
        """Forget the tasks of deleted assets (caller holds the lock)."""
        for asset_id in asset_ids:
            task = self.tasks.pop(self._by_asset.pop(asset_id, ""), None)
            if task is None:
                continue
            self._by_project.get(task.project_id, {}).pop(task.id, None)
            self._by_stage.get((task.project_id, task.stage), {}).pop(task.id, None)
            for entry_id in task.history:
                self.history.pop(entry_id, None)

    def remove_project(self, project_id: str) -> None:
        self.remove_assets([self.tasks[t].asset_id for t in list(self._by_project.get(project_id, {}))])
        self._by_project.pop(project_id, None)
        self._stages.pop(project_id, None)

    def labels_imported(self, asset_ids: Iterable[str], session_id: str | None) -> None:
        """Imported labels replace the tasks' answers: each task shows its new pre-labels (caller holds the lock)."""
        for asset_id in dict.fromkeys(asset_ids):
            task = self.task_for_asset(asset_id)
            if task is not None:
                task.answer = None
                self._record(task, "import", f"session:{session_id}" if session_id else None)

    def task_for_asset(self, asset_id: str) -> Task | None:
        return self.tasks.get(self._by_asset.get(asset_id, ""))

    def stage_counts(self, project_id: str) -> dict[str, int]:
        with self._lock:
            return {s["id"]: len(self._by_stage.get((project_id, s["id"]), ())) for s in self.stages(project_id)}

    # ------------------------------------------------------------------- views

    def _task(self, user: User | None, task_id: Any) -> Task:
        task = self.tasks.get(task_id) if isinstance(task_id, str) else None
        if task is not None and user is not None:
            project = self._hub.projects.get(task.project_id)
            if project is None or project.organization_id != user.organization_id:
                task = None
        if task is None:
            raise NotFound(f"task '{task_id}' not found")
        return task

    def answer_of(self, task: Task) -> dict:
        """The answer a task shows (import format): its own, else its asset's pre-labels."""
        if task.answer is not None:
            return task.answer
        labels = self._hub.assets[task.asset_id].labels
        if labels is None:
            return empty_answer()
        return {"objects": labels.get("objects") or [], "classifications": labels.get("classifications") or [],
                "relations": labels.get("relations") or []}

    def view(self, task: Task, *, with_answer: bool) -> dict:
        asset = self._hub.assets[task.asset_id]
        project = self._hub.projects[task.project_id]
        body = {
            "_id": task.id,
            "project": task.project_id,
            "asset": task.asset_id,
            "externalId": asset.external_id,
            "data": asset.url(self._hub.base_url),
            "batches": list(asset.batches),
            "stage": task.stage,
            "status": task.status,
            "assignee": task.assignee,
            "reviewStatus": task.review_status,
            "priority": task.priority,
            "type": "default",
            "isBenchmark": task.is_benchmark,
            "isDraft": False,
            "isSkipped": False,
            "duration": task.duration,
            "totalDuration": task.total_duration,
            "openIssuesCount": self._hub.issues.open_count(task.id),
            "brushDataUrl": task.brush_data_url,
            "medicalBrushDataUrl": task.medical_brush_data_url,
            "createdAt": iso_time(task.created_at),
            "updatedAt": iso_time(task.updated_at),
            "createdBy": None,
            "updatedBy": task.updated_by,
        }
        if with_answer:
            body["answer"] = shown_answer(self.answer_of(task), project.category_schema)
        return body

    def get(self, user: User, task_id: Any) -> dict:
        """One task; its answer always comes along (the official client merges into it even
        when it asked without ``includeAnswer``)."""
        with self._lock:
            return self.view(self._task(user, task_id), with_answer=True)

    def page(self, user: User, project_id: str, *, page: Any = 1, limit: Any = 10, filters: Any = None,
             with_answer: bool = False, sort: str | None = None) -> tuple[list[dict], int]:
        """One page of a project's tasks matching ``filters`` (``TaskFilter`` fields), oldest first."""
        page, limit = paging(page, limit)
        filters = check_filter(filters or {}, FILTER_FIELDS)
        descending = False
        if sort:
            keys = [k.strip() for k in sort.split(",") if k.strip()]
            if keys not in (["createdAt"], ["-createdAt"]):
                raise InvalidRequest(f"'sort' {sort!r} is not simulated: use createdAt or -createdAt")
            descending = keys == ["-createdAt"]
        with self._lock:
            project = self._hub.project_for(user, project_id)
            candidates, rest = self._candidates(project.id, filters)
            ordered = reversed(list(candidates)) if descending else iter(candidates)
            if not rest:
                total = len(candidates)
                chosen = itertools.islice(ordered, (page - 1) * limit, page * limit)
                return [self.view(self.tasks[t], with_answer=with_answer) for t in chosen], total
            matched = [t for t in ordered if record_matches(self.view(self.tasks[t], with_answer=False), rest)]
            chosen = matched[(page - 1) * limit: page * limit]
            return [self.view(self.tasks[t], with_answer=with_answer) for t in chosen], len(matched)

    def _candidates(self, project_id: str, filters: dict) -> tuple[Any, dict]:
        """Task ids from the best index for ``filters``, and the conditions still to check."""
        stage = filters.get("stage")
        if isinstance(stage, Mapping) and set(stage) == {"$eq"}:
            stage = stage["$eq"]
        if isinstance(stage, str):
            rest = {k: v for k, v in filters.items() if k != "stage"}
            return self._by_stage.get((project_id, stage), {}), rest
        return self._by_project.get(project_id, {}), filters

    def history_of(self, user: User, task_id: Any) -> list[dict]:
        with self._lock:
            task = self._task(user, task_id)
            return [copy.deepcopy(self.history[h]) for h in task.history]

    def history_entry(self, user: User, entry_id: Any) -> dict:
        with self._lock:
            entry = self.history.get(entry_id) if isinstance(entry_id, str) else None
            if entry is not None:
                try:
                    self._task(user, entry["task"])
                except NotFound:
                    entry = None
            if entry is None:
                raise NotFound(f"task history entry '{entry_id}' not found")
            return copy.deepcopy(entry)

    # ----------------------------------------------------------------- changes

    def _record(self, task: Task, action: str, actor: str | None, **extra: Any) -> dict:
        entry = {"_id": new_object_id(), "task": task.id, "project": task.project_id, "asset": task.asset_id,
                 "action": action, "stage": task.stage, "actor": actor, "createdAt": iso_time(time.time()),
                 **extra}
        self.history[entry["_id"]] = entry
        task.history.append(entry["_id"])
        task.updated_at = time.time()
        task.updated_by = actor
        return entry

    def _move(self, task: Task, stage_id: str) -> None:
        stages = self.stages(task.project_id)
        self._by_stage.get((task.project_id, task.stage), {}).pop(task.id, None)
        self._by_stage.setdefault((task.project_id, stage_id), {})[task.id] = None
        task.stage = stage_id
        task.status = workflow.status_at(stages, stage_id)

    def annotate(self, user: User, task_id: Any, body: Any, *, next_stage: bool = False,
                 is_plugin: bool = False, actor: str | None = None) -> dict:
        """Submit an answer: checked against the ontology, stored whole or not at all."""
        from .validation import validate_labels

        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an object with 'answer'")
        answer = body.get("answer")
        if not isinstance(answer, Mapping):
            raise InvalidRequest("answer must be an object with 'objects', 'classifications', 'relations'")
        for key in ("brushDataUrl", "medicalBrushDataUrl"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise InvalidRequest(f"{key} must be a URL string or null")
        duration = body.get("duration", 0)
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration < 0:
            raise InvalidRequest(f"duration must be a number of seconds >= 0, got {duration!r}")
        with self._lock:
            task = self._task(user, task_id)
            project = self._hub.projects[task.project_id]
            asset = self._hub.assets[task.asset_id]
            # 1.1.x clients send a task's objects under ``tools`` (the name a task's answer shows them by).
            objects = answer.get("objects") if "objects" in answer else answer.get("tools")
            stored = {"objects": list(objects or []),
                      "classifications": list(answer.get("classifications") or []),
                      "relations": list(answer.get("relations") or [])}
            unknown = set(answer) - set(stored) - {"tools"}
            if unknown:
                raise InvalidRequest(f"answer: unknown key(s) {sorted(unknown)}; an answer holds objects, "
                                     f"classifications and relations")
            item = {"externalId": asset.external_id, **stored}
            report = validate_labels([item], project.category_schema, [asset.reference(self._hub.base_url)],
                                     project_name=project.name, root="answer")
            if not report.ok:
                errors = [{**e.to_dict(), "path": e.path.replace("answer[0]", "answer", 1)} for e in report.errors]
                shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
                raise LabelImportError(f"{len(errors)} error(s) in the answer, the task was not changed: {shown}",
                                       details=errors, warnings=[w.to_dict() for w in report.warnings])
            stages = self.stages(task.project_id)
            target = workflow.next_stage(stages, task.stage) if next_stage else None
            if next_stage and target is None:
                raise Conflict(f"task '{task.id}' is at stage '{task.stage}', which leads nowhere: "
                               f"send it without nextStage")
            task.answer = copy.deepcopy(stored)
            task.brush_data_url = body.get("brushDataUrl") or task.brush_data_url
            task.medical_brush_data_url = body.get("medicalBrushDataUrl") or task.medical_brush_data_url
            task.duration = duration
            task.total_duration += duration
            self._record(task, "plugin-submit" if is_plugin else "submit", actor or user.email,
                         answer=copy.deepcopy(stored), duration=duration)
            if target is not None:
                self._move(task, target)
            self._hub._notify("task", {"project": task.project_id, "task": task.id, "stage": task.stage})
            return self.view(task, with_answer=True)

    def review(self, user: User, task_id: Any, review_status: Any) -> dict:
        """A reviewer's decision: Accepted moves on, Rejected goes back (the Review stage's second exit)."""
        if review_status not in REVIEW_STATUSES:
            raise InvalidRequest(f"reviewStatus must be one of {list(REVIEW_STATUSES)}, got {review_status!r}")
        with self._lock:
            task = self._task(user, task_id)
            stages = self.stages(task.project_id)
            stage = workflow.stage_by_id(stages, task.stage)
            if stage is None or stage["type"] != workflow.REVIEW:
                raise Conflict(f"task '{task.id}' is at stage '{task.stage}', not at a Review stage")
            task.review_status = review_status
            self._record(task, "review", user.email, reviewStatus=review_status)
            if review_status in ("Accepted", "Rejected"):
                target = workflow.next_stage(stages, task.stage, rejected=review_status == "Rejected")
                if target is not None:
                    self._move(task, target)
            self._hub._notify("task", {"project": task.project_id, "task": task.id, "stage": task.stage})
            return self.view(task, with_answer=False)

    def _select(self, project: Project, filters: Any) -> list[Task]:
        """Tasks picked by requeue/priority filters (taskIds, externalIds, assetIds, fromStageIds)."""
        if not isinstance(filters, Mapping):
            raise InvalidRequest("filters must be an object")
        keys = ("taskIds", "externalIds", "assetIds", "fromStageIds")
        for key, value in filters.items():
            if key not in keys:
                raise InvalidRequest(f"filters.{key}: unknown filter; use {', '.join(keys)}")
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidRequest(f"filters.{key} must be a list of strings")
        for index, stage_id in enumerate(filters.get("fromStageIds") or []):
            if workflow.stage_by_id(self.stages(project.id), stage_id) is None:
                raise InvalidRequest(f"filters.fromStageIds[{index}]: no stage '{stage_id}' in this project")
        if filters.get("taskIds"):
            for index, task_id in enumerate(filters["taskIds"]):
                task = self.tasks.get(task_id)
                if task is None or task.project_id != project.id:
                    raise InvalidRequest(f"filters.taskIds[{index}]: no task '{task_id}' in this project")
            ids = list(dict.fromkeys(filters["taskIds"]))
        else:
            ids = list(self._by_project.get(project.id, {}))
        chosen = []
        for task_id in ids:
            task = self.tasks[task_id]
            asset = self._hub.assets[task.asset_id]
            if filters.get("externalIds") and asset.external_id not in filters["externalIds"]:
                continue
            if filters.get("assetIds") and asset.id not in filters["assetIds"]:
                continue
            if filters.get("fromStageIds") and task.stage not in filters["fromStageIds"]:
                continue
            chosen.append(task)
        return chosen

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
        with self._lock:
            project = self._hub.project_for(user, project_id)
            stage = workflow.stage_by_id(self.stages(project.id), to_stage) if isinstance(to_stage, str) else None
            if stage is None:
                raise InvalidRequest(f"toStageId: no stage {to_stage!r} in this project's workflow")
            if stage["type"] == workflow.START:
                raise InvalidRequest("toStageId: tasks cannot wait at the Start stage")
            chosen = self._select(project, filters or {})
            for task in chosen:
                if options.get("removeAnnotations"):
                    task.answer = empty_answer()
                if options.get("removeAssignee"):
                    task.assignee = None
                if options.get("removeStageHistory"):
                    for entry_id in task.history:
                        self.history.pop(entry_id, None)
                    task.history = []
                task.review_status = None
                self._move(task, stage["id"])
                self._record(task, "requeue", user.email)
            self._hub._notify("task", {"project": project.id, "requeued": len(chosen)})
            return len(chosen)

    def set_priority(self, user: User, project_id: str, priority: Any, filters: Any = None) -> int:
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise InvalidRequest(f"priority must be a whole number, got {priority!r}")
        with self._lock:
            project = self._hub.project_for(user, project_id)
            chosen = self._select(project, filters or {})
            for task in chosen:
                task.priority = priority
            return len(chosen)

    def assign(self, user: User, project_id: Any, task_ids: Any, email: Any, stage: Any) -> int:
        """Give tasks waiting at ``stage`` to the organization member with ``email``."""
        if not isinstance(task_ids, list) or not task_ids or not all(isinstance(t, str) for t in task_ids):
            raise InvalidRequest("tasks must be a non-empty list of task ids")
        if not isinstance(email, str) or not email:
            raise InvalidRequest("user must be the assignee's email")
        with self._lock:
            project = self._hub.project_for(user, project_id)
            members = {u.email for u in self._hub.users.values() if u.organization_id == user.organization_id}
            if email not in members:
                raise InvalidRequest(f"user: '{email}' is not a member of this organization")
            if workflow.stage_by_id(self.stages(project.id), stage) is None:
                raise InvalidRequest(f"stage: no stage {stage!r} in this project's workflow")
            chosen = []
            for index, task_id in enumerate(task_ids):
                task = self.tasks.get(task_id)
                if task is None or task.project_id != project.id:
                    raise InvalidRequest(f"tasks[{index}]: no task '{task_id}' in this project")
                if task.stage != stage:
                    raise Conflict(f"tasks[{index}]: task '{task_id}' is at stage '{task.stage}', not '{stage}'")
                chosen.append(task)
            for task in chosen:
                task.assignee = email
                self._record(task, "assign", user.email, assignee=email)
            return len(chosen)

    def set_benchmark(self, user: User, project_id: str, task_ids: Any, is_benchmark: Any) -> int:
        if not isinstance(is_benchmark, bool):
            raise InvalidRequest("isBenchmark must be true or false")
        with self._lock:
            project = self._hub.project_for(user, project_id)
            chosen = self._select(project, {"taskIds": task_ids} if isinstance(task_ids, list) else task_ids)
            for task in chosen:
                task.is_benchmark = is_benchmark
            return len(chosen)

    # --------------------------------------------------------- for tests (no key)

    def set_task(self, task_id: str, **changes: Any) -> Task:
        """Change a task directly (stage, assignee, priority, answer...): a test's setup, no checks on answers."""
        with self._lock:
            task = self._task(None, task_id)
            stage = changes.pop("stage", None)
            if stage is not None:
                if workflow.stage_by_id(self.stages(task.project_id), stage) is None:
                    raise InvalidRequest(f"no stage '{stage}' in this project's workflow")
                self._move(task, stage)
            for name, value in changes.items():
                if not hasattr(task, name) or name in ("id", "project_id", "asset_id", "history"):
                    raise InvalidRequest(f"a task has no settable field '{name}'")
                setattr(task, name, value)
            self._hub._notify("task", {"project": task.project_id, "task": task.id, "stage": task.stage})
            return task

    def project_tasks(self, project_id: str, *, with_answer: bool = True) -> list[dict]:
        with self._lock:
            return [self.view(self.tasks[t], with_answer=with_answer) for t in self._by_project.get(project_id, {})]
