"""Storages: the cloud buckets an organization connects (provider, region, keys as given).

mockango never reaches a cloud: a storage's buckets are folders in the local
object store, filled from Python (:meth:`StorageBook.put_file`) or the control API,
listed by ``list_storage_files`` and ``file_explorer``, and turned into assets by
``file_explorer`` with ``upload``.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidRequest, NotFound
from .ids import new_object_id
from .models import User, iso_time
from .objects import SIGNED_URL_TTL

if TYPE_CHECKING:
    from .hub import Hub

PROVIDERS = ("AWS", "GCP", "AZURE")
_SEGMENT = re.compile(r"^[A-Za-z0-9._ -]{1,200}$")
FILE_EXPLORER_PAGE = 100


def _check_path(path: Any, where: str, *, allow_empty: bool = False) -> str:
    if not isinstance(path, str):
        raise InvalidRequest(f"{where} must be a string path")
    path = path.strip("/")
    if not path and allow_empty:
        return ""
    parts = path.split("/")
    if not all(_SEGMENT.match(p) and p not in (".", "..") for p in parts):
        raise InvalidRequest(f"{where} {path!r} must be '/'-separated names of letters, digits, ' ', '.', '_', '-'")
    return path


class StorageBook:
    """The storages of every organization on one Hub, and the files in their buckets."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._lock = hub._lock
        self.storages: dict[str, dict] = {}
        self._files: dict[str, dict[tuple[str, str], dict]] = {}  # storage id -> (bucket, path) -> info

    def create(self, user: User, body: Any) -> dict:
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be a storage object")
        name, provider = body.get("name"), body.get("provider")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("name must be a non-empty string")
        if provider not in PROVIDERS:
            raise InvalidRequest(f"provider must be one of {list(PROVIDERS)}, got {provider!r}")
        for key in ("publicKey", "privateKey", "region", "credentials"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise InvalidRequest(f"{key} must be a string or null")
        record = {"_id": new_object_id(), "name": name, "provider": provider, "publicKey": body.get("publicKey"),
                  "privateKey": body.get("privateKey"), "region": body.get("region"),
                  "credentials": body.get("credentials"), "organization": user.organization_id,
                  "createdAt": iso_time(time.time())}
        with self._lock:
            self.storages[record["_id"]] = record
            self._files[record["_id"]] = {}
            return copy.deepcopy(record)

    def _storage(self, user: User, storage_id: Any) -> dict:
        record = self.storages.get(storage_id) if isinstance(storage_id, str) else None
        if record is None or record["organization"] != user.organization_id:
            raise NotFound(f"storage '{storage_id}' not found")
        return record

    def list(self, user: User, storage_id: str | None = None) -> list[dict]:
        with self._lock:
            if storage_id:
                return [copy.deepcopy(self._storage(user, storage_id))]
            return [copy.deepcopy(s) for s in self.storages.values() if s["organization"] == user.organization_id]

    def delete(self, user: User, storage_id: Any) -> dict:
        with self._lock:
            record = self._storage(user, storage_id)
            del self.storages[record["_id"]]
            self._files.pop(record["_id"], None)
            self._hub.objects.delete_prefix(f"{record['organization']}/storages/{record['_id']}/")
            return copy.deepcopy(record)

    # ------------------------------------------------------------------ files

    def _key(self, record: dict, bucket: str, path: str) -> str:
        return f"{record['organization']}/storages/{record['_id']}/{bucket}/{path}"

    def put_file(self, storage_id: str, bucket: str, path: str, data: bytes) -> dict:
        """Put a file in a storage's bucket (what a user would upload to their cloud bucket)."""
        bucket = _check_path(bucket, "bucket")
        path = _check_path(path, "path")
        with self._lock:
            record = self.storages.get(storage_id)
            if record is None:
                raise NotFound(f"storage '{storage_id}' not found")
            self._hub.objects.put(self._key(record, bucket, path), data)
            info = {"bucket": bucket, "key": path, "size": len(data), "lastModified": iso_time(time.time())}
            self._files[storage_id][(bucket, path)] = info
            return dict(info)

    def file_url(self, record: dict, bucket: str, path: str) -> str:
        """A signed download URL of a bucket file (what a presigned cloud URL is)."""
        return self._hub.objects.url(self._hub.base_url, self._key(record, bucket, path), "GET", SIGNED_URL_TTL)

    def listing(self, user: User, storage_id: Any, bucket: Any, folder: Any = "", *, signed: bool = True,
                extensions: Any = None) -> tuple[list[dict], list[str]]:
        """Files and sub-folders directly in ``folder`` of a bucket."""
        bucket = _check_path(bucket, "bucketName")
        folder = _check_path(folder or "", "path", allow_empty=True)
        if extensions is not None and (not isinstance(extensions, list)
                                       or not all(isinstance(e, str) for e in extensions)):
            raise InvalidRequest("extensions must be a list of file extensions")
        wanted = tuple("." + e.lower().lstrip(".") for e in extensions or [])
        with self._lock:
            record = self._storage(user, storage_id)
            prefix = folder + "/" if folder else ""
            files, folders = [], set()
            for (file_bucket, path), info in sorted(self._files[record["_id"]].items()):
                if file_bucket != bucket or not path.startswith(prefix):
                    continue
                rest = path[len(prefix):]
                if "/" in rest:
                    folders.add(prefix + rest.split("/", 1)[0])
                    continue
                if wanted and not path.lower().endswith(wanted):
                    continue
                shown = {"name": rest, **info}
                if signed:
                    shown["url"] = self.file_url(record, bucket, path)
                files.append(shown)
            return files, sorted(folders)

    def file_explorer(self, user: User, body: Any) -> dict:
        """List a folder (a page at a time, ``scrollToken``); with ``upload`` make assets of its files."""
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an object with 'bucket' and 'storageId'")
        files, folders = self.listing(user, body.get("storageId"), body.get("bucket"), body.get("folder") or "",
                                      extensions=body.get("extensions") or None)
        chosen = body.get("files")
        if chosen:
            if not isinstance(chosen, list) or not all(isinstance(f, str) for f in chosen):
                raise InvalidRequest("files must be a list of file names in the folder")
            names = {f["name"] for f in files}
            for index, name in enumerate(chosen):
                if name not in names:
                    raise InvalidRequest(f"files[{index}]: no file '{name}' in that folder")
            files = [f for f in files if f["name"] in chosen]
        token = body.get("scrollToken") or 0
        try:
            start = int(token)
        except (TypeError, ValueError):
            raise InvalidRequest(f"scrollToken {token!r} is not one this host gave out")
        page = files[start:start + FILE_EXPLORER_PAGE]
        following = start + FILE_EXPLORER_PAGE if start + FILE_EXPLORER_PAGE < len(files) else None
        answer: dict = {"files": page, "folders": folders, "scrollToken": str(following) if following else None}
        if body.get("upload"):
            project_id = body.get("projectId")
            assets = [{"data": f["url"], "externalId": f["name"], "storage": body.get("storageId")} for f in files]
            created = self._hub.uploads.add_assets(user, project_id, assets, batches=body.get("batches") or None)
            answer["uploaded"] = len(created)
        return answer
