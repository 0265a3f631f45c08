"""Assets: how a project's asset records are made from user input, paged and filtered.

Plain functions over the records in :mod:`mockango.models`; the Hub holds the state
and the lock, these hold the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest
from .ids import new_object_id
from .models import Asset, Batch, Project

MAX_PAGE_LIMIT = 1000
MAX_HOSTED_SIDE = 4096
"""Largest width or height of a hosted asset's image (a 4096x4096 PNG takes ~0.2 s to make)."""
DEFAULT_HOSTED_SIZE = (640, 480)
FILTER_KEYS = ("_id", "externalId", "isPreLabeled", "batches")


def make_asset(project: Project, raw: Mapping, batch_ids_by_name: dict, index: int) -> Asset:
    where = f"assets[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidRequest(f"{where} must be an object with 'externalId' and 'data'")
    external_id, data = raw.get("externalId"), raw.get("data")
    if not isinstance(external_id, str) or not external_id:
        raise InvalidRequest(f"{where}.externalId must be a non-empty string")
    if not isinstance(data, str) or not data:
        raise InvalidRequest(f"{where}.data must be a URL string")
    metadata = raw.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise InvalidRequest(f"{where}.metadata must be an object")
    batch_ids = []
    for name_or_id in raw.get("batches") or []:
        if name_or_id in batch_ids_by_name.values():
            batch_ids.append(name_or_id)
        elif name_or_id in batch_ids_by_name:
            batch_ids.append(batch_ids_by_name[name_or_id])
        else:
            batch = Batch(id=new_object_id(), name=str(name_or_id))
            project.batches.append(batch)
            batch_ids_by_name[batch.name] = batch.id
            batch_ids.append(batch.id)
    hosted = raw.get("hosted", False)
    if not isinstance(hosted, bool):
        raise InvalidRequest(f"{where}.hosted must be true or false, got {hosted!r}")
    if hosted:
        hosted_size(metadata, where=f"{where}.metadata")
    asset = Asset(id=raw.get("_id") or new_object_id(), project_id=project.id, external_id=external_id,
                  data=data, metadata=dict(metadata), batches=batch_ids, hosted=hosted)
    if isinstance(raw.get("createdAt"), float):
        asset.created_at = raw["createdAt"]
    return asset


def hosted_size(metadata: Mapping, *, where: str = "metadata") -> tuple[int, int]:
    """The width and height a hosted asset's image is made at: whole numbers of 1 to MAX_HOSTED_SIDE pixels."""
    size = []
    for side, default in zip(("width", "height"), DEFAULT_HOSTED_SIZE):
        value = metadata.get(side)
        if value is None:
            value = default
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HOSTED_SIDE:
            raise InvalidRequest(f"{where}.{side} of a hosted asset must be a whole number of pixels from 1 to "
                                 f"{MAX_HOSTED_SIDE}, got {value!r}")
        size.append(value)
    return size[0], size[1]


def paging(page: Any, limit: Any) -> tuple[int, int]:
    try:
        page, limit = int(page), int(limit)
    except (TypeError, ValueError):
        raise InvalidRequest(f"'page' and 'limit' must be whole numbers, got page={page!r}, limit={limit!r}")
    if page < 1:
        raise InvalidRequest(f"'page' must be 1 or more, got {page}")
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InvalidRequest(f"'limit' must be between 1 and {MAX_PAGE_LIMIT}, got {limit}")
    return page, limit


def check_filters(filters: Mapping) -> None:
    """Refuse filter keys and values the real host would not understand, saying which."""
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise InvalidRequest(f"unknown filter key(s) {sorted(unknown)}: use {', '.join(FILTER_KEYS)}")
    batches = filters.get("batches")
    if batches is not None and (not isinstance(batches, list) or not all(isinstance(b, str) for b in batches)):
        raise InvalidRequest("filter 'batches' must be a list of batch ids")
    if "isPreLabeled" in filters and not isinstance(filters["isPreLabeled"], bool):
        raise InvalidRequest("filter 'isPreLabeled' must be true or false")


def matches(asset: Asset, filters: Mapping) -> bool:
    if "_id" in filters and asset.id != filters["_id"]:
        return False
    if "externalId" in filters and asset.external_id != filters["externalId"]:
        return False
    if "isPreLabeled" in filters and asset.is_pre_labeled != filters["isPreLabeled"]:
        return False
    if filters.get("batches") and not set(filters["batches"]) <= set(asset.batches):
        return False
    return True
