"""Project settings the SDK changes: create, clone, delete/purge, the ontology, the workflow,
benchmark settings (table ``project_settings``), and the organization's member list.

``POST /v2/project/{id}`` carries one of three bodies (``create_label_set``,
``update_workflow_stages``, ``update_benchmark_settings``): :meth:`ProjectAdmin.update`
tells them apart by their keys.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..errors import Conflict, InvalidRequest
from ..events import ProjectChanged
from ..ids import new_object_id
from ..models import User
from ..records import project_deletion, project_settings
from ..records import projects as project_rows
from ..records import tasks as task_rows
from ..records.accounts import Accounts
from .context import Context
from .deletions import ProjectDeletions
from .projects import ProjectService
from .tasks import TaskService

PROJECT_TYPES = ("ango",)
LABEL_VALIDATION_KEYS = {"customValidationEnabled": bool, "validationFunction": str, "externalValidation": dict}
BENCHMARK_KEYS = ("benchmarkEnabled", "benchmarkRatio", "benchmarkCutoff")


class ProjectAdmin:
    """Project settings the SDK changes, for one host."""

    def __init__(
        self, context: Context, projects: ProjectService, tasks: TaskService, deletions: ProjectDeletions
    ) -> None:
        self._context = context
        self._projects = projects
        self._tasks = tasks
        self._deletions = deletions

    def view(self, project_id: str) -> dict:
        """``get_project``'s ``data.project``: the record plus its workflow and settings."""
        body = self._projects.records.require(project_id).to_dict()
        body["stages"] = self._tasks.stages(project_id)
        body["type"] = "ango"
        with self._context.store.read() as db:
            settings = project_settings.settings(db, project_id)
        body.update(settings)
        body["assetBuilderTemplates"] = settings.get("assetBuilderTemplates", [])
        return body

    def _change_settings(self, project_id: str, change: Any) -> None:
        """Read a project's settings, ``change(settings)``, and keep them, in one transaction."""
        with self._context.store.write() as db:
            settings = project_settings.settings(db, project_id)
            change(settings)
            project_settings.save(db, project_id, settings)

    def set_label_validation(self, user: User, project_id: str, body: Any) -> dict:
        """``update_label_validation``: keep the project's label validation settings (docs:
        https://docs.imerit.net/sdk/sdk-documentation/project-level-sdk-functions/update_label_validation);
        mockango stores them and shows them on ``get_project`` (it does not run the JavaScript)."""
        if not isinstance(body, Mapping) or not any(key in body for key in LABEL_VALIDATION_KEYS):
            raise InvalidRequest(f"the body must hold one of {', '.join(LABEL_VALIDATION_KEYS)}")
        for key, kind in LABEL_VALIDATION_KEYS.items():
            if body.get(key) is not None and not isinstance(body[key], kind):
                raise InvalidRequest(f"{key} must be {'true or false' if kind is bool else 'a ' + kind.__name__}")
        project = self._context.scope(user).project(project_id)
        self._change_settings(
            project.id,
            lambda settings: settings.update({k: body[k] for k in LABEL_VALIDATION_KEYS if body.get(k) is not None}),
        )
        return self.view(project.id)

    def add_asset_builder_template(self, user: User, project_id: str, body: Any) -> dict:
        """``create_asset_builder_template``: a template kept on the project, with its own ``_id`` (docs:
        https://docs.imerit.net/sdk/sdk-documentation/project-level-sdk-functions/create_asset_builder_template);
        ``get_project`` lists it in ``assetBuilderTemplates``, as the real host's does."""
        if not isinstance(body, Mapping) or not isinstance(body.get("name"), str) or not body["name"]:
            raise InvalidRequest("a template needs a 'name' (and 'template', 'data_config', ...)")
        if not isinstance(body.get("template", ""), str):
            raise InvalidRequest("'template' must be the template's HTML, a string")
        project = self._context.scope(user).project(project_id)
        template = {"_id": new_object_id(), **{k: v for k, v in body.items() if k != "_id"}}

        def add(settings: dict) -> None:
            templates = list(settings.get("assetBuilderTemplates", []))
            if any(t.get("name") == body["name"] for t in templates):
                raise Conflict(f"project '{project.name}' already has an asset builder template named {body['name']!r}")
            settings["assetBuilderTemplates"] = [*templates, template]

        self._change_settings(project.id, add)
        return template

    def create(self, user: User, body: Any) -> dict:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be {'name', 'description'}")
        kind = body.get("type", "ango")
        if kind not in PROJECT_TYPES:
            raise InvalidRequest(f"type {kind!r} is not simulated: mockango projects are of type 'ango'")
        project = self._projects.create(
            user.organization_id, body.get("name"), {}, (), description=body.get("description") or ""
        )
        return self.view(project.id)

    def update(self, user: User, project_id: str, body: Any) -> dict:
        """``POST /v2/project/{id}``: one of three bodies (``create_label_set``, ``update_workflow_stages``,
        ``update_benchmark_settings``), told apart by their keys."""
        if not isinstance(body, Mapping) or not body:
            raise InvalidRequest("the body must hold 'categorySchema', 'stages' or benchmark settings")
        unknown = set(body) - {"categorySchema", "stages", *BENCHMARK_KEYS}
        if unknown:
            raise InvalidRequest(
                f"cannot change {sorted(unknown)} of a project here: send categorySchema, stages "
                f"or {', '.join(BENCHMARK_KEYS)}"
            )
        kinds = [k for k in ("categorySchema", "stages") if k in body] + (
            ["benchmark settings"] if any(k in body for k in BENCHMARK_KEYS) else []
        )
        if len(kinds) != 1:
            raise InvalidRequest(f"send one change at a time, got {kinds}")
        if "stages" in body:
            self._tasks.set_stages(user, project_id, body["stages"])
        elif "categorySchema" in body:
            self._projects.set_ontology(user, project_id, body["categorySchema"])
        else:
            self.set_benchmark(user, project_id, body)
        return self.view(self._context.scope(user).project(project_id).id)

    def set_benchmark(self, user: User, project_id: str, body: Mapping) -> None:
        if not isinstance(body.get("benchmarkEnabled"), bool):
            raise InvalidRequest("benchmarkEnabled must be true or false")
        ratio = body.get("benchmarkRatio")
        if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int) or not 0 <= ratio <= 100):
            raise InvalidRequest(f"benchmarkRatio must be a whole percentage 0..100, got {ratio!r}")
        if body.get("benchmarkCutoff") is not None and not isinstance(body["benchmarkCutoff"], bool):
            raise InvalidRequest("benchmarkCutoff must be true or false")
        project = self._context.scope(user).project(project_id)
        with self._context.store.write() as db:
            values = project_settings.settings(db, project.id)
            values.update({k: body[k] for k in BENCHMARK_KEYS if body.get(k) is not None})
            project_settings.save(db, project.id, values)

    def delete(self, user: User, project_id: str, *, confirm_name: Any = None, purge: bool = False) -> dict:
        """Delete a project with everything hanging on it: hidden at once, its rows removed in chunks
        between other writes (:mod:`.deletions`), so a big project's delete never stalls the store."""
        project = self._context.scope(user).project(project_id)
        if purge and confirm_name != project.name:
            raise InvalidRequest(f"confirmName must be the project's name ({project.name!r}), got {confirm_name!r}")
        if Accounts(self._context.store).default_id("project") == project.id:
            raise Conflict(
                "the demo project cannot be deleted (tests and the dashboard rely on it); "
                "create your own project to delete"
            )
        with self._context.store.write() as db:
            project_deletion.hide(db, project.id, time.time())  # gone for every lookup from here on
        self._deletions.start()  # its rows go a chunk at a time, between other writes
        if purge:
            self._context.objects.delete_prefix(f"{project.organization_id}/{project.id}/")
        self._context.notifier.publish(ProjectChanged(project.id, deleted=True))
        return {"_id": project.id, "name": project.name}

    def clone(self, user: User, project_id: str, body: Any) -> dict:
        """A new project "<name> copy" with the chosen settings; assets and tasks stay behind."""
        body = body if isinstance(body, Mapping) else {}
        flags = ("categorySchema", "assignedTo", "batches", "workflow", "pluginPresets", "projectGeneralSettings")
        for key, value in body.items():
            if key not in flags:
                raise InvalidRequest(f"{key}: unknown clone option; use {', '.join(flags)}")
            if not isinstance(value, bool):
                raise InvalidRequest(f"{key} must be true or false")
        source = self._context.scope(user).project(project_id)
        schema = source.category_schema if body.get("categorySchema", True) else {}
        clone = self._projects.create(
            user.organization_id, f"{source.name} copy", schema, (), description=source.description
        )
        with self._context.store.write() as db:
            if body.get("batches", True):
                project_rows.copy_batches(db, source.id, clone.id)
            if body.get("workflow", True):
                task_rows.copy_workflow(db, source.id, clone.id)
            if body.get("projectGeneralSettings", True):
                project_settings.copy(db, source.id, clone.id)
        return self.view(clone.id)
