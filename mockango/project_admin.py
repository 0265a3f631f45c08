"""Project settings the SDK changes: create, clone, delete/purge, the ontology, the workflow,
benchmark settings, and the organization's member list.

``POST /v2/project/{id}`` carries one of three bodies (``create_label_set``,
``update_workflow_stages``, ``update_benchmark_settings``): :func:`update_project`
tells them apart by their keys.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import Conflict, InvalidRequest, NotFound
from .models import User

if TYPE_CHECKING:
    from .hub import Hub

PROJECT_TYPES = ("ango",)
BENCHMARK_KEYS = ("benchmarkEnabled", "benchmarkRatio", "benchmarkCutoff")


def project_view(hub: Hub, project_id: str) -> dict:
    """``get_project``'s ``data.project``: the record plus its workflow and settings."""
    with hub._lock:
        project = hub.projects[project_id]
        body = project.to_dict()
        body["stages"] = copy.deepcopy(hub.tasks.stages(project.id))
        body["type"] = "ango"
        body.update(copy.deepcopy(hub.project_settings.get(project.id, {})))
        body.setdefault("assetBuilderTemplates", [])
        return body


def create_project(hub: Hub, user: User, body: Any) -> dict:
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be {'name', 'description'}")
    kind = body.get("type", "ango")
    if kind not in PROJECT_TYPES:
        raise InvalidRequest(f"type {kind!r} is not simulated: mockango projects are of type 'ango'")
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise InvalidRequest("description must be a string")
    project = hub.create_project(body.get("name"), {}, (), organization_id=user.organization_id,
                                 description=description)
    return project_view(hub, project.id)


def update_project(hub: Hub, user: User, project_id: str, body: Any) -> dict:
    if not isinstance(body, Mapping) or not body:
        raise InvalidRequest("the body must hold 'categorySchema', 'stages' or benchmark settings")
    kinds = [k for k in ("categorySchema", "stages") if k in body] + \
        (["benchmark"] if any(k in body for k in BENCHMARK_KEYS) else [])
    unknown = set(body) - {"categorySchema", "stages", *BENCHMARK_KEYS}
    if unknown:
        raise InvalidRequest(f"cannot change {sorted(unknown)} of a project here: send categorySchema, stages "
                             f"or {', '.join(BENCHMARK_KEYS)}")
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
    with hub._lock:
        project = hub.project_for(user, project_id)
        project.category_schema = schema
        hub._notify("project", {"id": project.id})


def set_benchmark(hub: Hub, user: User, project_id: str, body: Mapping) -> None:
    if not isinstance(body.get("benchmarkEnabled"), bool):
        raise InvalidRequest("benchmarkEnabled must be true or false")
    ratio = body.get("benchmarkRatio")
    if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int) or not 0 <= ratio <= 100):
        raise InvalidRequest(f"benchmarkRatio must be a whole percentage 0..100, got {ratio!r}")
    if body.get("benchmarkCutoff") is not None and not isinstance(body["benchmarkCutoff"], bool):
        raise InvalidRequest("benchmarkCutoff must be true or false")
    with hub._lock:
        project = hub.project_for(user, project_id)
        settings = hub.project_settings.setdefault(project.id, {})
        settings.update({k: body[k] for k in BENCHMARK_KEYS if body.get(k) is not None})


def delete_project(hub: Hub, user: User, project_id: str, *, confirm_name: Any = None, purge: bool = False) -> dict:
    with hub._lock:
        project = hub.project_for(user, project_id)
        if purge and confirm_name != project.name:
            raise InvalidRequest(f"confirmName must be the project's name ({project.name!r}), got {confirm_name!r}")
        if hub.default_project is project:
            raise Conflict("the demo project cannot be deleted (tests and the dashboard rely on it); "
                           "create your own project to delete")
        hub.tasks.remove_project(project.id)
        hub.issues.forget_project(project.id)
        for asset_id in project.asset_ids:
            hub.assets.pop(asset_id, None)
        del hub.projects[project.id]
        hub.project_settings.pop(project.id, None)
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
    with hub._lock:
        source = hub.project_for(user, project_id)
        schema = source.category_schema if body.get("categorySchema", True) else {}
        clone = hub.create_project(f"{source.name} copy", schema, (), organization_id=user.organization_id,
                                   description=source.description)
        if body.get("batches", True):
            from .models import Batch
            from .ids import new_object_id

            clone.batches = [Batch(id=new_object_id(), name=b.name) for b in source.batches]
        if body.get("workflow", True) and source.id in hub.tasks._stages:
            hub.tasks._stages[clone.id] = copy.deepcopy(hub.tasks._stages[source.id])
        if body.get("projectGeneralSettings", True) and source.id in hub.project_settings:
            hub.project_settings[clone.id] = copy.deepcopy(hub.project_settings[source.id])
        return project_view(hub, clone.id)


def organization_members(hub: Hub, user: User, organization_id: Any) -> list[dict]:
    if organization_id != user.organization_id:
        raise NotFound(f"organization '{organization_id}' not found")
    with hub._lock:
        return [{"_id": u.id, "email": u.email, "name": u.name, "organizationRole": "admin"}
                for u in hub.users.values() if u.organization_id == organization_id]
