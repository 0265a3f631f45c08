"""Batches: named groups of a project's assets (``create_batch``, ``create_batches``, ``assign_batches``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidRequest
from .ids import new_object_id
from .models import Batch, Project, User

if TYPE_CHECKING:
    from .hub import Hub


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{where} must be a non-empty batch name")
    return value


def resolve(project: Project, names_or_ids: Any, where: str) -> list[str]:
    """Batch ids for a list of batch ids or names, or :class:`InvalidRequest` naming the unknown one."""
    if not isinstance(names_or_ids, list):
        raise InvalidRequest(f"{where} must be a list of batch ids or names")
    by_name = {b.name: b.id for b in project.batches}
    ids = project.batch_ids()
    resolved = []
    for index, value in enumerate(names_or_ids):
        if value in ids:
            resolved.append(value)
        elif value in by_name:
            resolved.append(by_name[value])
        else:
            raise InvalidRequest(f"{where}[{index}]: no batch {value!r} in project '{project.name}'")
    return list(dict.fromkeys(resolved))


def create(hub: Hub, user: User, project_id: str, body: Any) -> dict:
    """``{"name"}`` (1.4.10) adds one batch; ``{"batches": [...]}`` (1.3.x, ``create_batches``) is the
    whole list: every existing batch (by ``_id``) plus new ones (``name`` only)."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be {'name': ...} or {'batches': [...]}")
    with hub._lock:
        project = hub.project_for(user, project_id)
        existing = {b.id: b for b in project.batches}
        names = {b.name for b in project.batches}
        if "batches" in body:
            listed = body["batches"]
            if not isinstance(listed, list):
                raise InvalidRequest("batches must be a list of {'_id', 'name'} / {'name'} objects")
            new: list[Batch] = []
            kept: set[str] = set()
            for index, item in enumerate(listed):
                if not isinstance(item, Mapping):
                    raise InvalidRequest(f"batches[{index}] must be an object with 'name'")
                name = _name(item.get("name"), f"batches[{index}].name")
                if item.get("_id") is not None:
                    batch = existing.get(item["_id"])
                    if batch is None:
                        raise InvalidRequest(f"batches[{index}]._id: no batch '{item['_id']}' in this project")
                    if batch.name != name:
                        raise InvalidRequest(f"batches[{index}]: renaming batch '{batch.name}' is not simulated")
                    kept.add(batch.id)
                    continue
                if name in names or any(b.name == name for b in new):
                    raise InvalidRequest(f"batches[{index}].name: a batch named '{name}' already exists")
                new.append(Batch(id=new_object_id(), name=name))
            dropped = [b.name for b in project.batches if b.id not in kept]
            if dropped:
                raise InvalidRequest(f"batches must list every existing batch with its _id (missing: {dropped}); "
                                     f"deleting batches is not simulated")
            project.batches.extend(new)
            hub._notify("project", {"id": project.id})
            return {"project": {"_id": project.id, "batches": [b.to_dict() for b in project.batches]},
                    "batches": [b.to_dict() for b in new]}
        name = _name(body.get("name"), "name")
        if name in names:
            raise InvalidRequest(f"name: a batch named '{name}' already exists in this project")
        batch = Batch(id=new_object_id(), name=name)
        project.batches.append(batch)
        hub._notify("project", {"id": project.id})
        return {"project": batch.to_dict(), "batch": batch.to_dict()}


def assign(hub: Hub, user: User, body: Any) -> dict:
    """Add batches to assets (an asset keeps the batches it had)."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be {'projectId', 'assets', 'batches'}")
    asset_ids = body.get("assets")
    if not isinstance(asset_ids, list) or not asset_ids or not all(isinstance(a, str) for a in asset_ids):
        raise InvalidRequest("assets must be a non-empty list of asset ids")
    with hub._lock:
        project = hub.project_for(user, body.get("projectId"))
        batch_ids = resolve(project, body.get("batches"), "batches")
        if not batch_ids:
            raise InvalidRequest("batches must name at least one batch")
        assets = []
        for index, asset_id in enumerate(asset_ids):
            asset = hub.assets.get(asset_id)
            if asset is None or asset.project_id != project.id:
                raise InvalidRequest(f"assets[{index}]: no asset '{asset_id}' in this project")
            assets.append(asset)
        for asset in assets:
            asset.batches.extend(b for b in batch_ids if b not in asset.batches)
        hub._notify("project", {"id": project.id})
        return {"assets": len(assets), "batches": batch_ids}
