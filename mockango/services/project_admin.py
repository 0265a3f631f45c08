"""Project settings the SDK changes: create, clone, delete/purge, the ontology, the workflow,
benchmark settings (table ``project_settings``), and the organization's member list.

``POST /v2/project/{id}`` carries one of three bodies (``create_label_set``,
``update_workflow_stages``, ``update_benchmark_settings``): :func:`update_project`
tells them apart by their keys.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidRequest
from ..ids import new_object_id
from ..models import User
from ..records import project_deletion
from ..records.values import to_json

if TYPE_CHECKING:
    from ..hub import Hub

SCHEMA = """
CREATE TABLE IF NOT EXISTS project_settings (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    settings TEXT NOT NULL
);
"""
EXPORTED = ("project_settings",)

PROJECT_TYPES = ("ango",)
BENCHMARK_KEYS = ("benchmarkEnabled", "benchmarkRatio", "benchmarkCutoff")


def _settings(hub: Hub, project_id: str) -> dict:
    with hub.store.read() as db:
        row = db.execute("SELECT settings FROM project_settings WHERE project_id = ?", (project_id,)).fetchone()
    return json.loads(row["settings"]) if row else {}


def project_view(hub: Hub, project_id: str) -> dict:
    """``get_project``'s ``data.project``: the record plus its workflow and settings."""
    body = hub.projects.require(project_id).to_dict()
    body["stages"] = hub.tasks.stages(project_id)
    body["type"] = "ango"
    settings = _settings(hub, project_id)
    body.update(settings)
    body["assetBuilderTemplates"] = settings.get("assetBuilderTemplates", [])
    return body


def _save_settings(hub: Hub, project_id: str, settings: Mapping) -> None:
    with hub.store.write() as db:
        db.execute(
            "INSERT OR REPLACE INTO project_settings (project_id, settings) VALUES (?, ?)",
            (project_id, to_json(dict(settings), "settings")),
        )


LABEL_VALIDATION_KEYS = {"customValidationEnabled": bool, "validationFunction": str, "externalValidation": dict}


def set_label_validation(hub: Hub, user: User, project_id: str, body: Any) -> dict:
    """``update_label_validation``: keep the project's label validation settings (docs:
    https://docs.imerit.net/sdk/sdk-documentation/project-level-sdk-functions/update_label_validation); mockango
    stores them and shows them on ``get_project`` (it does not run the JavaScript)."""
    if not isinstance(body, Mapping) or not any(key in body for key in LABEL_VALIDATION_KEYS):
        raise InvalidRequest(f"the body must hold one of {', '.join(LABEL_VALIDATION_KEYS)}")
    for key, kind in LABEL_VALIDATION_KEYS.items():
        if body.get(key) is not None and not isinstance(body[key], kind):
            raise InvalidRequest(f"{key} must be {'true or false' if kind is bool else 'a ' + kind.__name__}")
    project = hub.project_for(user, project_id)
    settings = _settings(hub, project.id)
    settings.update({key: body[key] for key in LABEL_VALIDATION_KEYS if body.get(key) is not None})
    _save_settings(hub, project.id, settings)
    return project_view(hub, project.id)


def add_asset_builder_template(hub: Hub, user: User, project_id: str, body: Any) -> dict:
    """``create_asset_builder_template``: a template kept on the project, with its own ``_id`` (docs:
    https://docs.imerit.net/sdk/sdk-documentation/project-level-sdk-functions/create_asset_builder_template);
    ``get_project`` lists it in ``assetBuilderTemplates``, as the real host's does."""
    if not isinstance(body, Mapping) or not isinstance(body.get("name"), str) or not body["name"]:
        raise InvalidRequest("a template needs a 'name' (and 'template', 'data_config', ...)")
    if not isinstance(body.get("template", ""), str):
        raise InvalidRequest("'template' must be the template's HTML, a string")
    project = hub.project_for(user, project_id)
    settings = _settings(hub, project.id)
    templates = list(settings.get("assetBuilderTemplates", []))
    if any(t.get("name") == body["name"] for t in templates):
        raise Conflict(f"project '{project.name}' already has an asset builder template named {body['name']!r}")
    template = {"_id": new_object_id(), **{k: v for k, v in body.items() if k != "_id"}}
    settings["assetBuilderTemplates"] = [*templates, template]
    _save_settings(hub, project.id, settings)
    return template


def create_project(hub: Hub, user: User, body: Any) -> dict:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be {'name', 'description'}")
    kind = body.get("type", "ango")
    if kind not in PROJECT_TYPES:
        raise InvalidRequest(f"type {kind!r} is not simulated: mockango projects are of type 'ango'")
    project = hub.create_project(
        body.get("name"), {}, (), organization_id=user.organization_id, description=body.get("description") or ""
    )
    return project_view(hub, project.id)


def update_project(hub: Hub, user: User, project_id: str, body: Any) -> dict:
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
        hub.tasks.set_stages(user, project_id, body["stages"])
    elif "categorySchema" in body:
        set_ontology(hub, user, project_id, body["categorySchema"])
    else:
        set_benchmark(hub, user, project_id, body)
    return project_view(hub, hub.project_for(user, project_id).id)


def set_ontology(hub: Hub, user: User, project_id: str, schema: Any) -> None:
    if not isinstance(schema, Mapping):
        raise InvalidRequest("categorySchema must be an object with tools, classifications, relations")
    schema = {"tools": [], "classifications": [], "relations": [], **copy.deepcopy(dict(schema))}
    hub._check_ontology(schema)
    project = hub.project_for(user, project_id)
    with hub.store.write() as db:
        db.execute(
            "UPDATE projects SET category_schema = ? WHERE id = ?", (to_json(schema, "categorySchema"), project.id)
        )
    hub._notify("project", {"id": project.id})


def set_benchmark(hub: Hub, user: User, project_id: str, body: Mapping) -> None:
    if not isinstance(body.get("benchmarkEnabled"), bool):
        raise InvalidRequest("benchmarkEnabled must be true or false")
    ratio = body.get("benchmarkRatio")
    if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int) or not 0 <= ratio <= 100):
        raise InvalidRequest(f"benchmarkRatio must be a whole percentage 0..100, got {ratio!r}")
    if body.get("benchmarkCutoff") is not None and not isinstance(body["benchmarkCutoff"], bool):
        raise InvalidRequest("benchmarkCutoff must be true or false")
    project = hub.project_for(user, project_id)
    settings = {**_settings(hub, project.id), **{k: body[k] for k in BENCHMARK_KEYS if body.get(k) is not None}}
    with hub.store.write() as db:
        db.execute(
            "INSERT OR REPLACE INTO project_settings (project_id, settings) VALUES (?, ?)",
            (project.id, to_json(settings, "settings")),
        )


def delete_project(hub: Hub, user: User, project_id: str, *, confirm_name: Any = None, purge: bool = False) -> dict:
    """Delete a project with everything hanging on it: hidden at once, its rows removed in chunks
    between other writes (:mod:`.deletions`), so a big project's delete never stalls the store."""
    project = hub.project_for(user, project_id)
    if purge and confirm_name != project.name:
        raise InvalidRequest(f"confirmName must be the project's name ({project.name!r}), got {confirm_name!r}")
    if hub.accounts.default_id("project") == project.id:
        raise Conflict(
            "the demo project cannot be deleted (tests and the dashboard rely on it); create your own project to delete"
        )
    with hub.store.write() as db:
        project_deletion.hide(db, project.id, time.time())  # gone for every lookup from here on
    hub.deletions.start()  # its rows go a chunk at a time, between other writes
    if purge:
        hub.objects.delete_prefix(f"{project.organization_id}/{project.id}/")
    hub._notify("project", {"id": project.id, "deleted": True})
    return {"_id": project.id, "name": project.name}


def clone_project(hub: Hub, user: User, project_id: str, body: Any) -> dict:
    """A new project "<name> copy" with the chosen settings; assets and tasks stay behind."""
    body = body if isinstance(body, Mapping) else {}
    flags = ("categorySchema", "assignedTo", "batches", "workflow", "pluginPresets", "projectGeneralSettings")
    for key, value in body.items():
        if key not in flags:
            raise InvalidRequest(f"{key}: unknown clone option; use {', '.join(flags)}")
        if not isinstance(value, bool):
            raise InvalidRequest(f"{key} must be true or false")
    source = hub.project_for(user, project_id)
    schema = source.category_schema if body.get("categorySchema", True) else {}
    clone = hub.create_project(
        f"{source.name} copy", schema, (), organization_id=user.organization_id, description=source.description
    )
    with hub.store.write() as db:
        if body.get("batches", True):
            db.executemany(
                "INSERT INTO batches (id, project_id, name, position) VALUES (?, ?, ?, ?)",
                [(new_object_id(), clone.id, b.name, n) for n, b in enumerate(source.batches)],
            )
        if body.get("workflow", True):
            db.execute(
                "INSERT INTO workflows (project_id, stages, first_stage, first_status) SELECT ?, stages, "
                "first_stage, first_status FROM workflows WHERE project_id = ?",
                (clone.id, source.id),
            )
        if body.get("projectGeneralSettings", True):
            db.execute(
                "INSERT INTO project_settings (project_id, settings) SELECT ?, settings FROM "
                "project_settings WHERE project_id = ?",
                (clone.id, source.id),
            )
    return project_view(hub, clone.id)
