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
    example_config: ClassVar[str] = '{\n  "box_share": 0.5\n}'
    """What examples/model_plugin.py reads."""
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
        """Validate the answer against the project's ontology and the asset, as ``POST /v2/annotate`` reads one
        (:func:`mockango.validation.answers.check_answer`); submit it to the asset's task."""
        from ...validation.answers import check_answer

        response = payload.get("response")
        answer, root = answer_at(response)
        project = services.project(session.project_id)
        asset = services.asset(project, session.event.get("assetId")) if project is not None else None
        if project is None or asset is None:
            return Outcome(False, message=response, reason="the run's asset no longer exists")
        check = check_answer(
            answer, asset, project.category_schema, root=root, project_name=project.name, strict=services.strict
        )
        if not check.ok:
            errors = [issue.to_dict() for issue in check.errors]
            if errors[0]["code"] == "answer_not_object" and root == "response":
                errors[0]["message"] += f", got {type(answer).__name__} (is its process running a ModelPlugin?)"
            return Outcome(
                False, message=response, errors=errors, reason=errors_reason("the Model plugin's answer", errors)
            )
        stored = {key: list(value) for key, value in check.stored.items()}
        task = services.store_answer(asset["_id"], stored, f"session:{session.id}")
        return Outcome(
            True,
            message=response,
            result={"assetId": asset["_id"], "taskId": task["_id"], "answer": stored},
            warnings=[w.to_dict() for w in check.warnings],
        )

    def answers_elsewhere(self, event: Mapping[str, Any]) -> bool:
        return bool(event.get("workflow"))

    def ended_by_annotate(self, session: Session, task_id: Any) -> bool:
        return bool(session.event.get("workflow")) and session.event.get("taskId") == task_id

    def plugin_stage_options(self, task: Mapping[str, Any]) -> dict[str, Any]:
        return {"asset": task["asset"], "task": task["_id"], "workflow": True}


def answer_at(response: Any) -> tuple[Any, str]:
    """The answer a Model plugin's response holds, and the JSON path it sits at.

    1.4.10 and plugin_client answer ``{objects, classifications, relations}`` (1.3.22's merge adds
    ``externalId``); the vendor's older sample answered ``{data, answer: {...}}``.
    """
    if isinstance(response, Mapping) and "answer" in response and not any(k in response for k in ("objects", "tools")):
        return response.get("answer"), "response.answer"
    return response, "response"


KIND = Model()
