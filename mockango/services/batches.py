"""Batches: named groups of a project's assets (``create_batch``, ``create_batches``, ``assign_batches``).

The rows are :mod:`mockango.records.projects`' ``batches`` and ``asset_batches``; these
are the rules of the SDK calls that change them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest
from ..events import ProjectChanged
from ..ids import new_object_id
from ..models import Project, User
from ..records import cells
from ..records import projects as project_rows
from .context import Context


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{where} must be a non-empty batch name")
    return value


def resolve(project: Project, names_or_ids: Any, where: str) -> list[str]:
    """Batch ids for a list of batch ids or names, or :class:`InvalidRequest` naming the unknown one."""
    if not isinstance(names_or_ids, list):
        raise InvalidRequest(f"{where} must be a list of batch ids or names")
    ids, by_name = project.named_batches(names_or_ids)
    resolved = []
    for index, value in enumerate(names_or_ids):
        if not isinstance(value, str):
            raise InvalidRequest(f"{where}[{index}] must be a batch id or name (a string), got {type(value).__name__}")
        if value in ids:
            resolved.append(value)
        elif value in by_name:
            resolved.append(by_name[value])
        else:
            raise InvalidRequest(f"{where}[{index}]: no batch {value!r} in project '{project.name}'")
    return list(dict.fromkeys(resolved))


def _new_batches(project: Project, body: Mapping) -> list[tuple[str, str]]:
    """The (id, name) pairs a create call adds, after checking its shape."""
    names = {b.name for b in project.batches}
    if "batches" not in body:
        name = _name(body.get("name"), "name")
        if name in names:
            raise InvalidRequest(f"name: a batch named '{name}' already exists in this project")
        return [(new_object_id(), name)]
    listed = body["batches"]
    if not isinstance(listed, list):
        raise InvalidRequest("batches must be a list of {'_id', 'name'} / {'name'} objects")
    existing = {b.id: b for b in project.batches}
    new: list[tuple[str, str]] = []
    kept: set[str] = set()
    for index, item in enumerate(listed):
        if not isinstance(item, Mapping):
            raise InvalidRequest(f"batches[{index}] must be an object with 'name'")
        name = _name(item.get("name"), f"batches[{index}].name")
        if item.get("_id") is not None:
            batch = existing.get(item["_id"]) if isinstance(item["_id"], str) else None
            if batch is None:
                raise InvalidRequest(f"batches[{index}]._id: no batch '{item['_id']}' in this project")
            if batch.name != name:
                raise InvalidRequest(f"batches[{index}]: renaming batch '{batch.name}' is not simulated")
            kept.add(batch.id)
            continue
        if name in names or any(n == name for _, n in new):
            raise InvalidRequest(f"batches[{index}].name: a batch named '{name}' already exists")
        new.append((new_object_id(), name))
    dropped = [b.name for b in project.batches if b.id not in kept]
    if dropped:
        raise InvalidRequest(
            f"batches must list every existing batch with its _id (missing: {dropped}); "
            f"deleting batches is not simulated"
        )
    return new


class BatchService:
    """The SDK's batch calls for one host."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def create(self, user: User, project_id: str, body: Any) -> dict:
        """``{"name"}`` (1.4.10) adds one batch; ``{"batches": [...]}`` (1.3.x, ``create_batches``) is the
        whole list: every existing batch (by ``_id``) plus new ones (``name`` only)."""
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be {'name': ...} or {'batches': [...]}")
        with self._context.store.write() as db:
            project = self._context.scope(user).project(project_id)  # read inside the write: no batch slips in
            new = _new_batches(project, body)
            project_rows.add_batches(db, project.id, new, len(project.batches))
        self._context.notifier.publish(ProjectChanged(project.id))
        made = [{"_id": batch_id, "name": name} for batch_id, name in new]
        if "batches" in body:
            everything = [b.to_dict() for b in project.batches] + made
            return {"project": {"_id": project.id, "batches": everything}, "batches": made}
        return {"project": made[0], "batch": made[0]}

    def assign(self, user: User, body: Any) -> dict:
        """Add batches to assets (an asset keeps the batches it had)."""
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be {'projectId', 'assets', 'batches'}")
        asset_ids = body.get("assets")
        if not isinstance(asset_ids, list) or not asset_ids or not all(isinstance(a, str) for a in asset_ids):
            raise InvalidRequest("assets must be a non-empty list of asset ids")
        project = self._context.scope(user).project(body.get("projectId"))
        batch_ids = resolve(project, body.get("batches"), "batches")
        if not batch_ids:
            raise InvalidRequest("batches must name at least one batch")
        with self._context.store.write() as db:
            found = {r["id"]: r for r in project_rows.assets_with_batches(db, project.id, asset_ids)}
            for index, asset_id in enumerate(asset_ids):
                if asset_id not in found:
                    raise InvalidRequest(f"assets[{index}]: no asset '{asset_id}' in this project")
            regrouped = []
            for row in found.values():
                current = json.loads(row["batches"])
                added = [b for b in batch_ids if b not in current]
                if added:
                    now_in = project_rows.join_batches(db, row["pk"], current + added, added)
                    regrouped.append((row["position"], row["batches"], now_in, row["stage"], row["pre_labeled"]))
            cells.regrouped(db, project.id, regrouped)  # the counted cells follow the assets' batch groups
        self._context.notifier.publish(ProjectChanged(project.id))
        return {"assets": len(found), "batches": batch_ids}
