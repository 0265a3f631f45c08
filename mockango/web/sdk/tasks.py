"""Tasks and workflow over HTTP: get_tasks, get_task, annotate, review, requeue, assign, priority, history."""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import InvalidRequest, MockangoError
from ...services.exports import json_parameter
from ..middleware.caller import current_user, hub, request_api_key
from .rest import json_body, success

blueprint = Blueprint("tasks", __name__, url_prefix="/v2")


def _flag(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw.lower() not in ("true", "false"):
        raise InvalidRequest(f"{name} must be true or false, got {raw!r}")
    return raw.lower() == "true"


def _task_filter() -> dict:
    """``filter`` (TaskFilter JSON), plus the deprecated ``status[eq]``, ``stage`` and ``batches`` parameters."""
    filters = json_parameter(request.args, "filter", "a JSON object") or {}
    if not isinstance(filters, dict):
        raise InvalidRequest("'filter' must be a JSON object")
    if request.args.get("status[eq]"):
        filters.setdefault("status", {"$eq": request.args["status[eq]"]})
    if request.args.get("stage"):
        filters.setdefault("stage", request.args["stage"])
    batches = json_parameter(request.args, "batches", "a JSON list of batch ids")
    if batches:
        filters.setdefault("batches", {"$in": batches})
    return filters


@blueprint.get("/project/<project_id>/tasks")
def get_tasks(project_id: str):
    user = current_user()
    tasks, total = hub().tasks.page(
        user,
        project_id,
        page=request.args.get("page", 1),
        limit=request.args.get("limit", 10),
        filters=_task_filter(),
        with_answer=_flag("includeAnswer"),
        sort=request.args.get("sort"),
    )
    return success({"tasks": tasks, "total": total})


@blueprint.get("/task/<task_id>")
def get_task(task_id: str):
    user = current_user()
    _flag("includeAnswer")  # checked; the answer always comes along (see TaskBook.get)
    return success({"task": hub().tasks.get(user, task_id)})


@blueprint.post("/annotate/<task_id>")
def annotate(task_id: str):
    user = current_user()
    h = hub()
    session_id = h.session_for_key(request_api_key())
    try:
        task = h.tasks.annotate(user, task_id, json_body(), next_stage=_flag("nextStage"), is_plugin=_flag("isPlugin"))
    except MockangoError as error:
        if session_id:
            h.type_runs.plugin_annotate_refused(session_id, task_id, error)
        raise
    if session_id:
        h.type_runs.plugin_annotated(session_id, task)
    return success({"task": task})


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
