"""The control API's project data: what a person sets up in Hub's UI for tasks and storages.

``GET /api/projects/{id}/tasks`` (with answers), ``POST /api/tasks/{id}`` (move, assign,
prioritise, answer: the answer is checked like ``annotate_task``'s), ``PUT
/api/storages/{id}/files?bucket=&path=`` (put a file in a storage's bucket).
Same ``apikey`` header and organization scope as the rest of ``/api``.
"""

from __future__ import annotations

from flask import Blueprint, request

from ...errors import InvalidRequest
from ..middleware.caller import current_user, hub
from ..middleware.envelope import plain
from ..middleware.limits import json_body
from ..middleware.params import page_and_limit

blueprint = Blueprint("control_tasks", __name__, url_prefix="/api")

TASK_FIELDS = ("stage", "assignee", "priority", "answer")
TASKS_PER_PAGE = 100


@blueprint.get("/projects/<project_id>/tasks")
def project_tasks(project_id: str):
    user = current_user()
    page, limit = page_and_limit(TASKS_PER_PAGE)
    tasks, total = hub().tasks.page(
        user,
        project_id,
        page=page,
        limit=limit,
        with_answer=True,
        filters={"stage": request.args["stage"]} if request.args.get("stage") else None,
    )
    return plain({"tasks": tasks, "total": total, "stages": hub().tasks.stages(hub().project_for(user, project_id).id)})


@blueprint.post("/tasks/<task_id>")
def change_task(task_id: str):
    user = current_user()
    body = json_body()
    unknown = set(body) - set(TASK_FIELDS)
    if unknown:
        raise InvalidRequest(f"cannot set {sorted(unknown)} on a task: set {', '.join(TASK_FIELDS)}")
    if "priority" in body and (
        isinstance(body["priority"], bool) or not isinstance(body["priority"], int) or abs(body["priority"]) > 2**31
    ):
        raise InvalidRequest("priority must be a whole number (at most 2**31 either way)")
    if "stage" in body and not isinstance(body["stage"], str):
        raise InvalidRequest("stage must be a stage id (a string)")
    if "assignee" in body and body["assignee"] is not None and not isinstance(body["assignee"], str):
        raise InvalidRequest("assignee must be an email or null")
    h = hub()
    project_id = h.tasks.get(user, task_id)["project"]  # the caller's organization only
    if "stage" in body and body["stage"] not in {s["id"] for s in h.tasks.stages(project_id)}:
        raise InvalidRequest(f"stage: no stage {body['stage']!r} in this project's workflow")  # before any change
    if "answer" in body:
        h.tasks.annotate(user, task_id, {"answer": body["answer"]})
    changes = {k: body[k] for k in ("stage", "assignee", "priority") if k in body}
    return plain(h.tasks.set_task(task_id, **changes) if changes else h.tasks.get(user, task_id))


@blueprint.put("/storages/<storage_id>/files")
def put_storage_file(storage_id: str):
    user = current_user()
    hub().storages.check(user, storage_id)
    info = hub().storages.put_file(
        storage_id, request.args.get("bucket") or "", request.args.get("path") or "", request.get_data()
    )
    return plain(info, 201)
