"""Attachments of assets: ``POST /v2/attachments`` ("Import Attachments", https://docs.imerit.net/api/docs/import-export).

Each item names its asset by ``assetId`` or ``externalId`` (every asset with that external ID) and brings one
attachment as ``attachmentUrl`` + ``attachmentType`` (the API page's shape) or several as ``attachments:
[{type, value}]`` (the shape of Ango's cloud import page, which the SDK's ``create_attachment`` passes through).
All or nothing. The answer is the documented ``{project: {attachmentsImported, assetsUpdated}}``; an asset's
attachments show in ``GET /v2/project/{id}/assets`` as ``attachments: [{type, value}]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest
from ..models import User
from ..records import attachments as attachment_rows
from .context import Context

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


class AttachmentService:
    """Attachments of one host's assets."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def import_(self, user: User, body: Any) -> dict:
        """``POST /v2/attachments``: all or nothing; ``{project: {attachmentsImported, assetsUpdated}}``."""
        if not isinstance(body, Mapping) or not isinstance(body.get("project"), str):
            raise InvalidRequest("the body must be {'project': <project id>, 'attachments': [...]}")
        items = body.get("attachments")
        if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
            raise InvalidRequest(f"attachments must be a list of 1 to {MAX_ITEMS} items")
        project = self._context.scope(user).project(body["project"])
        planned: list[tuple[list[int], list[dict]]] = []
        with self._context.store.read() as db:
            for index, item in enumerate(items):
                where = f"attachments[{index}]"
                if not isinstance(item, Mapping):
                    raise InvalidRequest(f"{where} must be an object")
                entries = _entries(item, where)
                if isinstance(item.get("assetId"), str):
                    pks = attachment_rows.asset_pks(db, project.id, asset_id=item["assetId"])
                    named = f"assetId {item['assetId']!r}"
                elif isinstance(item.get("externalId"), str):
                    pks = attachment_rows.asset_pks(db, project.id, external_id=item["externalId"])
                    named = f"externalId {item['externalId']!r}"
                else:
                    raise InvalidRequest(f"{where} must name its asset by assetId or externalId")
                if not pks:
                    raise InvalidRequest(f"{where}: no asset of project '{project.name}' has {named}")
                planned.append((pks, entries))
        updated: set[int] = set()
        imported = 0
        with self._context.store.write() as db:
            for pks, entries in planned:
                for pk in pks:
                    attachment_rows.add(db, pk, entries)
                    updated.add(pk)
                imported += len(entries)
        return {"project": {"attachmentsImported": imported, "assetsUpdated": len(updated)}}

    def with_attachments(self, assets: list[dict]) -> list[dict]:
        """``assets`` (a page) with ``attachments`` on those that have some: one indexed read for the page."""
        if not assets:
            return assets
        with self._context.store.read() as db:
            found = attachment_rows.of_assets(db, [a["_id"] for a in assets])
        for asset in assets:
            if asset["_id"] in found:
                asset["attachments"] = found[asset["_id"]]
        return assets
