"""Attachments of assets: ``POST /v2/attachments`` ("Import Attachments", https://docs.imerit.net/api/docs/import-export).

Each item names its asset by ``assetId`` or ``externalId`` (every asset with that external ID) and brings one
attachment as ``attachmentUrl`` + ``attachmentType`` (the API page's shape) or several as ``attachments:
[{type, value}]`` (the shape of Ango's cloud import page, which the SDK's ``create_attachment`` passes through).
All or nothing. The answer is the documented ``{project: {attachmentsImported, assetsUpdated}}``; an asset's
attachments show in ``GET /v2/project/{id}/assets`` as ``attachments: [{type, value}]``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest
from ..records.values import to_json

if TYPE_CHECKING:
    from ..hub import Hub
    from ..models import User

SCHEMA = """
CREATE TABLE IF NOT EXISTS asset_attachments (
    asset_pk INTEGER NOT NULL REFERENCES assets(pk) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (asset_pk, seq)
) WITHOUT ROWID;
"""
EXPORTED = ("asset_attachments",)

MAX_ITEMS = 10_000


def _entries(item: Mapping, where: str) -> list[dict]:
    if item.get("attachmentUrl") is not None or item.get("attachmentType") is not None:
        url, kind = item.get("attachmentUrl"), item.get("attachmentType")
        if not isinstance(url, str) or not isinstance(kind, str):
            raise InvalidRequest(f"{where}: attachmentUrl and attachmentType must both be strings")
        return [{"type": kind, "value": url}]
    found = item.get("attachments")
    if not isinstance(found, list) or not found:
        raise InvalidRequest(f"{where} needs attachmentUrl and attachmentType (or attachments: [{{type, value}}])")
    for index, entry in enumerate(found):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("type"), str) or "value" not in entry:
            raise InvalidRequest(f"{where}.attachments[{index}] must be {{'type', 'value'}}")
    return [{"type": e["type"], "value": e["value"]} for e in found]


def import_attachments(hub: Hub, user: User, body: Any) -> dict:
    if not isinstance(body, Mapping) or not isinstance(body.get("project"), str):
        raise InvalidRequest("the body must be {'project': <project id>, 'attachments': [...]}")
    items = body.get("attachments")
    if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
        raise InvalidRequest(f"attachments must be a list of 1 to {MAX_ITEMS} items")
    project = hub.project_for(user, body["project"])
    planned: list[tuple[list[int], list[dict]]] = []
    with hub.store.read() as db:
        for index, item in enumerate(items):
            where = f"attachments[{index}]"
            if not isinstance(item, Mapping):
                raise InvalidRequest(f"{where} must be an object")
            entries = _entries(item, where)
            if isinstance(item.get("assetId"), str):
                rows = db.execute(
                    "SELECT pk FROM assets WHERE id = ? AND project_id = ?", (item["assetId"], project.id)
                ).fetchall()
                named = f"assetId {item['assetId']!r}"
            elif isinstance(item.get("externalId"), str):
                rows = db.execute(
                    "SELECT pk FROM assets INDEXED BY assets_by_external_id WHERE project_id = ? AND external_id = ?",
                    (project.id, item["externalId"]),
                ).fetchall()
                named = f"externalId {item['externalId']!r}"
            else:
                raise InvalidRequest(f"{where} must name its asset by assetId or externalId")
            if not rows:
                raise InvalidRequest(f"{where}: no asset of project '{project.name}' has {named}")
            planned.append(([r["pk"] for r in rows], entries))
    updated: set[int] = set()
    imported = 0
    with hub.store.write() as db:
        for pks, entries in planned:
            for pk in pks:
                start = db.execute(
                    "SELECT coalesce(max(seq) + 1, 0) FROM asset_attachments WHERE asset_pk = ?", (pk,)
                ).fetchone()[0]
                db.executemany(
                    "INSERT INTO asset_attachments (asset_pk, seq, entry) VALUES (?, ?, ?)",
                    [(pk, start + n, to_json(e, "attachment")) for n, e in enumerate(entries)],
                )
                updated.add(pk)
            imported += len(entries)
    return {"project": {"attachmentsImported": imported, "assetsUpdated": len(updated)}}


def with_attachments(hub: Hub, assets: list[dict]) -> list[dict]:
    """``assets`` (a page) with ``attachments`` on those that have some: one indexed read for the page."""
    if not assets:
        return assets
    with hub.store.read() as db:
        found: dict[str, list] = {}
        for row in db.execute(
            "SELECT a.id, t.entry FROM asset_attachments t JOIN assets a ON a.pk = t.asset_pk "
            "WHERE a.id IN (SELECT value FROM json_each(?)) ORDER BY t.asset_pk, t.seq",
            (json.dumps([a["_id"] for a in assets]),),
        ):
            found.setdefault(row["id"], []).append(json.loads(row["entry"]))
    for asset in assets:
        if asset["_id"] in found:
            asset["attachments"] = found[asset["_id"]]
    return assets
