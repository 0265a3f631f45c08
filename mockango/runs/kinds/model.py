"""Model: a run on one asset and its task; the answer is checked against the ontology and submitted to the task.

Event fields: ``assetId``, ``dataURL``, ``taskId``, ``overwrite`` (default true), ``workflow`` (default
false); 1.1.x clients read the task from ``labeltask`` ``{_id, answer: {tools, classifications,
relations}}``. The answer is ``{objects, classifications, relations}`` (1.4.10, plugin_client) or
``{data, answer: {...}}`` (1.3.x, the vendor's sample); a refused one fails the run with every error,
its paths read from ``response``. In workflow mode the plugin submits the task itself
(``POST /v2/annotate/{taskId}``), and that call ends the run. A workflow's Plugin stage runs Model
plugins in workflow mode on each task that reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import InvalidRequest
from ...models import Project, Session
from .registry import Outcome, PluginKind, RunField, RunServices, as_bool, errors_reason


class Model(PluginKind):
    name: ClassVar[str] = "model"
    title: ClassVar[str] = "Model"
    has_classes: ClassVar[bool] = True
    form_heading: ClassVar[str] = "Asset"
    fields: ClassVar[tuple[RunField, ...]] = (
        RunField(
            "asset",
            "asset",
            "Model: the asset to run on (its id or external id).",
            widget="asset",
            label="Asset",
            hint="its id or external id; one asset per run",
            cli="--asset",
            required=True,
        ),
        RunField(
            "task",
            "taskId",
            "Model: the asset's task id.",
            label="Task",
            hint="optional: the asset's task id",
            cli="--task",
        ),
        RunField(
            "overwrite",
            "overwrite",
            "Model: replace the task's answer [default: yes].",
            schema={"type": "boolean"},
            widget="checkbox",
            label="Keep the task's current answer (overwrite off)",
            form_name="keepAnswer",
            inverted=True,
            cli="--overwrite/--no-overwrite",
        ),
        RunField(
            "workflow",
            "workflow",
            "Model: answer through POST /v2/annotate.",
            schema={"type": "boolean"},
            widget="checkbox",
            label="Workflow mode (the plugin submits the task itself)",
            cli="--workflow/--no-workflow",
        ),
    )

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        asset = services.run_asset(project, given["asset"])
        task = services.task_of(asset["_id"])
        task_id = given.get("task")
        if task_id is not None and task_id != task["_id"]:
            raise InvalidRequest(
                f"task '{task_id}' is not the task of asset '{asset['externalId']}' "
                f"({asset['_id']}): its task is '{task['_id']}'"
            )
        answer = task.get("answer") or {}
        return {
            "assetId": asset["_id"],
            "dataURL": asset["data"],
            "taskId": task["_id"],
            "overwrite": as_bool(given.get("overwrite"), "overwrite", True),
            "workflow": as_bool(given.get("workflow"), "workflow", False),
            # 1.1.x Model plugins read the task from here (its answer in the task format: ``tools``).
            "labeltask": {
                "_id": task["_id"],
                "answer": {
                    "tools": list(answer.get("tools", answer.get("objects")) or []),
                    "classifications": list(answer.get("classifications") or []),
                    "relations": list(answer.get("relations") or []),
                },
            },
        }

    def read_answer(self, services: RunServices, session: Session, payload: Mapping[str, Any]) -> Outcome:
        """Validate the answer against the project's ontology and the asset; submit it to the asset's task."""
        from ...validation import validate_labels

        response = payload.get("response")
        item, root, errors = answer_item(response)
        project = services.project(session.project_id)
        asset = services.asset(project, session.event.get("assetId")) if project is not None else None
        if project is None or asset is None:
            return Outcome(False, message=response, reason="the run's asset no longer exists")
        if not errors:
            if "data" not in item:
                item.setdefault("externalId", asset["externalId"])
            reference = {key: asset[key] for key in ("_id", "externalId", "data", "metadata")}
            report = validate_labels(
                [item], project.category_schema, [reference], project_name=project.name, root="response"
            )
            errors = relabel([issue.to_dict() for issue in report.errors], root)
        if errors:
            return Outcome(
                False, message=response, errors=errors, reason=errors_reason("the Model plugin's answer", errors)
            )
        stored = {key: list(item.get(key) or []) for key in ("objects", "classifications", "relations")}
        task = services.store_answer(asset["_id"], stored, f"session:{session.id}")
        return Outcome(
            True, message=response, result={"assetId": asset["_id"], "taskId": task["_id"], "answer": stored}
        )

    def answers_elsewhere(self, event: Mapping[str, Any]) -> bool:
        return bool(event.get("workflow"))

    def ended_by_annotate(self, session: Session, task_id: Any) -> bool:
        return bool(session.event.get("workflow")) and session.event.get("taskId") == task_id

    def plugin_stage_options(self, task: Mapping[str, Any]) -> dict[str, Any]:
        return {"asset": task["asset"], "task": task["_id"], "workflow": True}


def answer_item(response: Any) -> tuple[dict, str, list[dict]]:
    """The import item a Model answer stands for, the JSON path it sits at, and any shape errors.

    1.4.10 and plugin_client answer ``{objects, classifications, relations}``; 1.3.x sends what
    the callback returned, which in the vendor's sample is ``{data, answer: {...}}``.
    """
    if not isinstance(response, Mapping):
        return (
            {},
            "response",
            [
                {
                    "path": "response",
                    "code": "not_an_object",
                    "message": f"a Model plugin must answer an object with 'objects', "
                    f"'classifications' and 'relations', got {type(response).__name__} "
                    "(is its process running a ModelPlugin?)",
                }
            ],
        )
    if "answer" in response:
        answer, root = response.get("answer"), "response.answer"
        if not isinstance(answer, Mapping):
            return (
                {},
                root,
                [
                    {
                        "path": root,
                        "code": "not_an_object",
                        "message": "'answer' must be an object with 'objects', 'classifications', 'relations'",
                    }
                ],
            )
        item = dict(answer)
        if "data" in response:
            item["data"] = response["data"]
        return item, root, []
    return dict(response), "response", []


def relabel(errors: list[dict], root: str) -> list[dict]:
    """Validator issues of a one-item import, with paths read from the session's answer."""
    prefix = "response[0]"
    out = []
    for issue in errors:
        path = issue["path"]
        if path.startswith(prefix):
            path = root + path[len(prefix) :]
        out.append({**issue, "path": path})
    return out


KIND = Model()
