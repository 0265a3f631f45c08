"""Storages: the cloud buckets an organization connects (provider, region, keys as given), and
the files in them.

mockango never reaches a cloud: a storage's buckets are folders in the local object store,
filled from Python (:meth:`StorageService.put_file`), listed by ``list_storage_files`` and
``file_explorer``, and turned into assets by ``file_explorer`` with ``upload``. The rows are
:mod:`mockango.records.storages`.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest
from ..ids import new_object_id
from ..models import User, iso_time
from ..records import storages as storage_rows
from ..records.storages import storage_dict
from ..records.values import Record
from ..store.objects import SIGNED_URL_TTL
from .context import Context
from .uploads import Uploads

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


class StorageService:
    """The storages of every organization on one host, and the files in their buckets."""

    def __init__(self, context: Context, uploads: Uploads) -> None:
        self._context = context
        self.store = context.store
        self._uploads = uploads

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
        storage_id = new_object_id()
        with self.store.write() as db:
            storage_rows.insert(db, storage_id, user.organization_id, name, provider, body)
        return self.list(user, storage_id)[0]

    def check(self, user: User, storage_id: Any) -> None:
        with self.store.read() as db:
            self._context.scope(user).storage(db, storage_id)

    def list(self, user: User, storage_id: str | None = None) -> builtins.list[dict]:
        with self.store.read() as db:
            if storage_id:
                return [storage_dict(self._context.scope(user).storage(db, storage_id))]
            return [storage_dict(r) for r in storage_rows.of_organization(db, user.organization_id)]

    def delete(self, user: User, storage_id: Any) -> dict:
        with self.store.write() as db:
            row = self._context.scope(user).storage(db, storage_id)
            storage_rows.delete(db, row["id"])
        self._context.objects.delete_prefix(f"{row['organization_id']}/storages/{row['id']}/")
        return storage_dict(row)

    # ------------------------------------------------------------------ files

    @staticmethod
    def _key(row: Record, bucket: str, path: str) -> str:
        return f"{row['organization_id']}/storages/{row['id']}/{bucket}/{path}"

    def put_file(self, storage_id: str, bucket: str, path: str, data: bytes) -> dict:
        """Put a file in a storage's bucket (what a user would upload to their cloud bucket)."""
        bucket = _check_path(bucket, "bucket")
        path = _check_path(path, "path")
        with self.store.write() as db:
            row = self._context.scope(None).storage(db, storage_id)
            self._context.objects.put(self._key(row, bucket, path), data)
            storage_rows.put_file(db, row["id"], bucket, path, len(data))
        return {"bucket": bucket, "key": path, "size": len(data)}

    def listing(
        self, user: User, storage_id: Any, bucket: Any, folder: Any = "", *, signed: bool = True, extensions: Any = None
    ) -> tuple[builtins.list[dict], builtins.list[str]]:
        """Files and sub-folders directly in ``folder`` of a bucket (one range of the primary key)."""
        bucket = _check_path(bucket, "bucketName")
        folder = _check_path(folder or "", "path", allow_empty=True)
        if extensions is not None and (
            not isinstance(extensions, list) or not all(isinstance(e, str) for e in extensions)
        ):
            raise InvalidRequest("extensions must be a list of file extensions")
        wanted = tuple("." + e.lower().lstrip(".") for e in extensions or [])
        prefix = folder + "/" if folder else ""
        with self.store.read() as db:
            row = self._context.scope(user).storage(db, storage_id)
            found = storage_rows.files_under(db, row["id"], bucket, prefix)
        files, folders = [], set()
        for item in found:
            rest = item["path"][len(prefix) :]
            if "/" in rest:
                folders.add(prefix + rest.split("/", 1)[0])
                continue
            if wanted and not rest.lower().endswith(wanted):
                continue
            shown = {
                "name": rest,
                "key": item["path"],
                "bucket": bucket,
                "size": item["size"],
                "lastModified": iso_time(item["modified_at"]),
            }
            if signed:
                shown["url"] = self._context.objects.url(
                    self._context.base_url, self._key(row, bucket, item["path"]), "GET", SIGNED_URL_TTL
                )
            files.append(shown)
        return files, sorted(folders)

    def file_explorer(self, user: User, body: Any) -> dict:
        """List a folder (a page at a time, ``scrollToken``); with ``upload`` make assets of its files."""
        if not isinstance(body, Mapping):
            raise InvalidRequest("the body must be an object with 'bucket' and 'storageId'")
        files, folders = self.listing(
            user,
            body.get("storageId"),
            body.get("bucket"),
            body.get("folder") or "",
            extensions=body.get("extensions") or None,
        )
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
            start = -1
        if start < 0 or start > len(files):
            raise InvalidRequest(f"scrollToken {token!r} is not one this host gave out")
        page = files[start : start + FILE_EXPLORER_PAGE]
        following = start + FILE_EXPLORER_PAGE if start + FILE_EXPLORER_PAGE < len(files) else None
        answer: dict = {"files": page, "folders": folders, "scrollToken": str(following) if following else None}
        if body.get("upload"):
            assets = [{"data": f["url"], "externalId": f["name"], "storage": body.get("storageId")} for f in files]
            created = self._uploads.add_assets(user, body.get("projectId"), assets, batches=body.get("batches") or None)
            answer["uploaded"] = len(created)
        return answer
