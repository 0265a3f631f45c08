"""Tasks and workflow over HTTP: get_tasks, get_task, annotate, review, requeue, assign, priority, history."""

from __future__ import annotations

from flask import Blueprint, request

from ..middleware.caller import current_user, hub, run_session
from ..middleware.envelope import success
from ..middleware.limits import json_body
from ..middleware.params import flag, json_list, json_object, page_and_limit

blueprint = Blueprint("tasks", __name__, url_prefix="/v2")


def _task_filter() -> dict:
    """``filter`` (TaskFilter JSON), plus the deprecated ``status[eq]``, ``stage`` and ``batches`` parameters."""
    filters = json_object("filter") or {}
    if request.args.get("status[eq]"):
        filters.setdefault("status", {"$eq": request.args["status[eq]"]})
    if request.args.get("stage"):
        filters.setdefault("stage", request.args["stage"])
    batches = json_list("batches")
    if batches:
        filters.setdefault("batches", {"$in": batches})
    return filters


@blueprint.get("/project/<project_id>/tasks")
def get_tasks(project_id: str):
    user = current_user()
    page, limit = page_and_limit(10)
    tasks, total = hub().tasks.page(
        user,
        project_id,
        page=page,
        limit=limit,
        filters=_task_filter(),
        with_answer=flag("includeAnswer"),
        sort=request.args.get("sort"),
    )
    return success({"tasks": tasks, "total": total})


@blueprint.get("/task/<task_id>")
def get_task(task_id: str):
    user = current_user()
    flag("includeAnswer")  # checked; the answer always comes along (see TaskBook.get)
    return success({"task": hub().tasks.get(user, task_id)})


@blueprint.post("/annotate/<task_id>")
def annotate(task_id: str):
    warnings: list[dict] = []
    task = hub().runs.annotate(
        current_user(),
        task_id,
        json_body(),
        next_stage=flag("nextStage"),
        is_plugin=flag("isPlugin"),
        run_session=run_session(),
        warnings_out=warnings,
    )
    # Ango's import-export API page answers the submitted task as data.label; data.task is kept for older callers.
    return success({"label": task, "task": task, **({"warnings": warnings} if warnings else {})})


@blueprint.post("/review/<task_id>")
def review(task_id: str):
    user = current_user()
    return success({"task": hub().tasks.review(user, task_id, json_body().get("reviewStatus"))})


@blueprint.post("/project/<project_id>/requeueTasks")
def requeue(project_id: str):
    user = current_user()
    body = json_body()
    count = hub().tasks.requeue(user, project_id, body.get("toStageId"), body.get("filters"), body.get("options"))
    return success({"requeued": count})


@blueprint.post("/project/<project_id>/updatePriority")
def update_priority(project_id: str):
    user = current_user()
    body = json_body()
    return success({"updated": hub().tasks.set_priority(user, project_id, body.get("priority"), body.get("filters"))})


@blueprint.post("/project/<project_id>/benchmark-tasks")
def benchmark_tasks(project_id: str):
    user = current_user()
    body = json_body()
    return success({"updated": hub().tasks.set_benchmark(user, project_id, body.get("tasks"), body.get("isBenchmark"))})


@blueprint.post("/task/assign")
def assign():
    user = current_user()
    body = json_body()
    count = hub().tasks.assign(user, body.get("project"), body.get("tasks"), body.get("user"), body.get("stage"))
    return success({"assigned": count})


@blueprint.get("/task/<task_id>/history")
def task_history(task_id: str):
    user = current_user()
    return success({"taskHistory": hub().tasks.history_of(user, task_id)})


@blueprint.get("/taskHistory/<entry_id>")
def task_history_entry(entry_id: str):
    user = current_user()
    return success({"taskHistory": hub().tasks.history_entry(user, entry_id)})
