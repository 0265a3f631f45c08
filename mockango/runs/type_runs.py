"""Each plugin type's part of a run on the Hub: the event fields it gets, and what its answer does.

The rules themselves are plain functions in :mod:`mockango.runs.kinds.registry`; this module applies
them to a Hub's state: it finds a Model run's asset and task, stores a Model answer on the
task (or refuses it with every error), ends a workflow run when its plugin submits the task,
finds an Export's uploaded file, and lists the assets an upload run created. The Hub calls
:meth:`TypeRuns.event_fields` when a run starts and :meth:`TypeRuns.interpret` when its answer
comes back (outside any store transaction: storing an answer takes its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import models
from ..errors import InvalidRequest, MockangoError, NotFound
from ..models import Project, Session
from .kinds import registry as plugin_types

if TYPE_CHECKING:
    from ..hub import Hub


class TypeRuns:
    """The per-type side of runs for one Hub."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    # ------------------------------------------------------------------ events

    def event_fields(self, kind: str, project: Project, given: Mapping[str, Any]) -> dict:
        """The run event's fields of the plugin's own type (see ``plugin_types``)."""
        if kind == plugin_types.MODEL:
            asset = self.run_asset(project, given["asset"])
            task = self.task_of(asset, given.get("task"))
            return plugin_types.model_fields(asset["_id"], asset["data"], task, given)
        if kind == plugin_types.EXPORT:
            fields = plugin_types.export_fields(given)
            if given.get("stage") is not None:
                self.check_stages(project, fields["stage"])
            return fields
        if kind == plugin_types.FILE_EXPLORER:
            return plugin_types.file_explorer_fields(given)
        if kind == plugin_types.MARKDOWN:
            return plugin_types.markdown_fields(given)
        if kind == plugin_types.INPUT:
            return plugin_types.input_fields(given)
        return {}

    def check_stages(self, project: Project, stages: list[str]) -> None:
        """An Export run's stages must be stages of the project's workflow (Hub's export dialog offers
        only those): refused before the run starts, as an unknown batch is, not by the plugin's export."""
        known = [stage["id"] for stage in self._hub.tasks.stages(project.id)]
        for stage in stages:
            if stage not in known:
                raise InvalidRequest(
                    f"stage '{stage}' is not a stage of project '{project.name}' (stages: {', '.join(known)})"
                )

    def run_asset(self, project: Project, ref: Any) -> dict:
        """The asset a Model run is for: its ``_id``, or an ``externalId`` that names exactly one asset."""
        if not isinstance(ref, str) or not ref:
            raise InvalidRequest("'asset' must be the id or external id of one asset of the project")
        for key in ("_id", "externalId"):
            found, total = self._hub.projects.find_assets(
                project, self._hub.base_url, page=1, limit=1, filters={key: ref}
            )
            if total == 1:
                return found[0]
            if total > 1:
                raise InvalidRequest(
                    f"external id '{ref}' names {total} assets of project '{project.name}': pass the asset's _id"
                )
        raise NotFound(f"asset '{ref}' is not an asset of project '{project.name}' (give its _id or externalId)")

    def task_of(self, asset: Mapping, task_id: Any = None) -> dict:
        """The asset's task as a Model run event names it: ``{_id, answer}`` in the task format (``tools``).

        A ``task`` given for a run must be the asset's own.
        """
        task = self._hub.tasks.for_asset(asset["_id"])
        if task_id is not None and task_id != task["_id"]:
            raise InvalidRequest(
                f"task '{task_id}' is not the task of asset '{asset['externalId']}' "
                f"({asset['_id']}): its task is '{task['_id']}'"
            )
        return {"_id": task["_id"], "answer": task["answer"]}

    # ----------------------------------------------------------------- answers

    def interpret(self, session: Session, payload: Mapping) -> plugin_types.Outcome:
        """What a plugin's answer means for its type; a Model answer is validated and stored here."""
        response = payload.get("response")
        kind = session.plugin_type
        if payload.get("export") is True and kind != plugin_types.EXPORT:
            title = plugin_types.KINDS[kind].title
            return plugin_types.Outcome(
                False,
                message=response,
                reason=(
                    f"the plugin answered as an Export plugin does ({{export: true}}), but it is registered as a "
                    f"{title} plugin: create it with type 'export', or run its process with the {title} plugin class"
                ),
            )
        if kind == plugin_types.MODEL:
            return self._store_model_answer(session, response)
        if kind == plugin_types.FILE_EXPLORER:
            outcome = plugin_types.listing(response)
            if session.event.get("upload") and outcome.ok:
                outcome.result["assets"] = self.assets_created_by(session.id)
            return outcome
        if kind == plugin_types.EXPORT:
            return plugin_types.export_answer(payload, lambda url: self.exported_file(url, session.organization_id))
        if kind == plugin_types.MARKDOWN:
            return plugin_types.Outcome(True, message=response, result={"assets": self.assets_created_by(session.id)})
        return plugin_types.Outcome(True, message=response, result=response)

    def _store_model_answer(self, session: Session, response: Any) -> plugin_types.Outcome:
        """Validate a Model answer against the project's ontology and the asset; submit it to the asset's task."""
        from ..validation.answers import check_answer

        answer, root = plugin_types.model_answer(response)
        project = self._hub.projects.get(session.project_id)
        found, _ = self._hub.projects.find_assets(
            project, self._hub.base_url, page=1, limit=1, filters={"_id": session.event.get("assetId")}
        )
        if not found:
            return plugin_types.Outcome(False, message=response, reason="the run's asset no longer exists")
        asset = found[0]
        check = check_answer(
            answer, asset, project.category_schema, root=root, project_name=project.name, strict=self._hub.strict
        )
        if not check.ok:
            errors = [issue.to_dict() for issue in check.errors]
            if errors[0]["code"] == "answer_not_object" and root == "response":
                errors[0]["message"] += f", got {type(answer).__name__} (is its process running a ModelPlugin?)"
            return plugin_types.Outcome(
                False,
                message=response,
                errors=errors,
                reason=plugin_types.errors_reason("the Model plugin's answer", errors),
            )
        self._hub.log_lenient(session.id, "the Model plugin's answer", [w.to_dict() for w in check.warnings])
        stored = {key: list(value) for key, value in check.stored.items()}
        task = self._hub.tasks.store_plugin_answer(asset["_id"], stored, f"session:{session.id}")
        return plugin_types.Outcome(
            True, message=response, result={"assetId": asset["_id"], "taskId": task["_id"], "answer": stored}
        )

    def plugin_annotated(self, session_id: str, task: Mapping) -> None:
        """A run key submitted a task (``POST /v2/annotate``): a workflow Model run on that task ends with it."""
        session = self._hub.sessions.get(session_id, with_logs=False)
        if session is None or session.finished or not self._annotates(session, task.get("_id")):
            return
        shown = task.get("answer") or {}
        answer = {
            "objects": shown.get("tools", []),
            "classifications": shown.get("classifications", []),
            "relations": shown.get("relations", []),
        }
        self._hub._finish(
            session.id,
            models.SUCCEEDED,
            message=f"task {task.get('_id')} submitted to stage {task.get('stage')}",
            result={
                "assetId": task.get("asset"),
                "taskId": task.get("_id"),
                "answer": answer,
                "stage": task.get("stage"),
            },
        )

    def plugin_annotate_refused(self, session_id: str, task_id: str, error: Exception) -> None:
        """A workflow Model run's annotate call was refused: the run fails with every error of it."""
        session = self._hub.sessions.get(session_id, with_logs=False)
        if session is None or session.finished or not self._annotates(session, task_id):
            return
        details = getattr(error, "details", None)
        self._hub._finish(
            session.id,
            models.FAILED,
            errors=list(details) if isinstance(details, list) else None,
            reason=f"the plugin's POST /v2/annotate/{task_id} was refused: {getattr(error, 'message', error)}",
        )

    @staticmethod
    def _annotates(session: Session, task_id: Any) -> bool:
        event = session.event
        return (
            session.plugin_type == plugin_types.MODEL and bool(event.get("workflow")) and event.get("taskId") == task_id
        )

    def assets_created_by(self, session_id: str) -> list[str]:
        """Ids of the assets a run created (a Markdown or File Explorer upload), in creation order."""
        return self._hub.uploads.created_by(session_id)

    def exported_file(self, url: str, organization_id: str | None = None) -> tuple[str, bytes] | None:
        """The file an Export plugin uploaded, found by its signed URL: (name, bytes), or None.

        Only this host's object store counts, and only the given organization's files when one is given.
        """
        try:
            key = self._hub.objects.key_of_url(url)
        except MockangoError:
            return None
        if organization_id is not None and key.split("/", 1)[0] != organization_id:
            return None
        try:
            return key.rsplit("/", 1)[-1], self._hub.objects.get(key)
        except MockangoError:
            return None
