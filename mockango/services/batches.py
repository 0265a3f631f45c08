"""Batches: named groups of a project's assets (``create_batch``, ``create_batches``, ``assign_batches``).

The rows are :mod:`mockango.records.projects`' ``batches`` and ``asset_batches``; these
are the rules of the SDK calls that change them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest
from ..ids import new_object_id
from ..models import Project, User
from ..records import cells

if TYPE_CHECKING:
    from ..hub import Hub


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


def create(hub: Hub, user: User, project_id: str, body: Any) -> dict:
    """``{"name"}`` (1.4.10) adds one batch; ``{"batches": [...]}`` (1.3.x, ``create_batches``) is the
    whole list: every existing batch (by ``_id``) plus new ones (``name`` only)."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be {'name': ...} or {'batches': [...]}")
    with hub.store.write() as db:
        project = hub.project_for(user, project_id)  # read inside the write: no batch slips in between
        new = _new_batches(project, body)
        position = len(project.batches)
        db.executemany(
            "INSERT INTO batches (id, project_id, name, position) VALUES (?, ?, ?, ?)",
            [(batch_id, project.id, name, position + n) for n, (batch_id, name) in enumerate(new)],
        )
    hub._notify("project", {"id": project.id})
    made = [{"_id": batch_id, "name": name} for batch_id, name in new]
    if "batches" in body:
        everything = [b.to_dict() for b in project.batches] + made
        return {"project": {"_id": project.id, "batches": everything}, "batches": made}
    return {"project": made[0], "batch": made[0]}


def assign(hub: Hub, user: User, body: Any) -> dict:
    """Add batches to assets (an asset keeps the batches it had)."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be {'projectId', 'assets', 'batches'}")
    asset_ids = body.get("assets")
    if not isinstance(asset_ids, list) or not asset_ids or not all(isinstance(a, str) for a in asset_ids):
        raise InvalidRequest("assets must be a non-empty list of asset ids")
    project = hub.project_for(user, body.get("projectId"))
    batch_ids = resolve(project, body.get("batches"), "batches")
    if not batch_ids:
        raise InvalidRequest("batches must name at least one batch")
    with hub.store.write() as db:
        rows = db.execute(
            "SELECT a.id, a.pk, a.batches, a.position, a.pre_labeled, t.stage FROM assets a JOIN tasks t "
            "ON t.asset_pk = a.pk WHERE +a.project_id = ? AND a.id IN (SELECT value FROM json_each(?))",
            (project.id, json.dumps(asset_ids)),
        ).fetchall()
        found = {r["id"]: r for r in rows}
        for index, asset_id in enumerate(asset_ids):
            if asset_id not in found:
                raise InvalidRequest(f"assets[{index}]: no asset '{asset_id}' in this project")
        regrouped = []
        for row in found.values():
            current = json.loads(row["batches"])
            added = [b for b in batch_ids if b not in current]
            if not added:
                continue
            now_in = json.dumps(current + added)
            regrouped.append((row["position"], row["batches"], now_in, row["stage"], row["pre_labeled"]))
            db.execute("UPDATE assets SET batches = ? WHERE pk = ?", (now_in, row["pk"]))
            db.executemany(
                "INSERT OR IGNORE INTO asset_batches (batch_id, asset_pk) VALUES (?, ?)",
                [(b, row["pk"]) for b in added],
            )
            db.executemany("UPDATE batches SET asset_count = asset_count + 1 WHERE id = ?", [(b,) for b in added])
        cells.regrouped(db, project.id, regrouped)
    hub._notify("project", {"id": project.id})
    return {"assets": len(found), "batches": batch_ids}
