"""Storages: the cloud buckets an organization connects (provider, region, keys as given), and
the files in them (tables ``storages``, ``storage_files``; the bytes are in the object store).

mockango never reaches a cloud: a storage's buckets are folders in the local object store,
filled from Python (:meth:`StorageBook.put_file`), listed by ``list_storage_files`` and
``file_explorer``, and turned into assets by ``file_explorer`` with ``upload``.
"""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, NotFound
from ..ids import new_object_id
from ..models import User, iso_time
from ..store import RowLike
from ..store.objects import SIGNED_URL_TTL

if TYPE_CHECKING:
    import sqlite3

    from ..hub import Hub

SCHEMA = """
CREATE TABLE IF NOT EXISTS storages (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    provider TEXT NOT NULL,
    public_key TEXT,
    private_key TEXT,
    region TEXT,
    credentials TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS storages_by_organization ON storages(organization_id, created_at);
CREATE TABLE IF NOT EXISTS storage_files (
    storage_id TEXT NOT NULL REFERENCES storages(id) ON DELETE CASCADE,
    bucket TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    modified_at REAL NOT NULL,
    PRIMARY KEY (storage_id, bucket, path)
) WITHOUT ROWID;
"""
EXPORTED = ("storages", "storage_files")

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


def _storage(row: RowLike) -> dict:
    return {
        "_id": row["id"],
        "name": row["name"],
        "provider": row["provider"],
        "publicKey": row["public_key"],
        "privateKey": row["private_key"],
        "region": row["region"],
        "credentials": row["credentials"],
        "organization": row["organization_id"],
        "createdAt": iso_time(row["created_at"]),
    }


class StorageBook:
    """The storages of every organization on one Hub, and the files in their buckets."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self.store = hub.store

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
            db.execute(
                "INSERT INTO storages (id, organization_id, name, provider, public_key, private_key, region, "
                "credentials, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    storage_id,
                    user.organization_id,
                    name,
                    provider,
                    body.get("publicKey"),
                    body.get("privateKey"),
                    body.get("region"),
                    body.get("credentials"),
                    time.time(),
                ),
            )
        return self.list(user, storage_id)[0]

    def _row(self, db: sqlite3.Connection, user: User | None, storage_id: Any) -> sqlite3.Row:
        row = db.execute(
            "SELECT * FROM storages WHERE id = ?", (storage_id if isinstance(storage_id, str) else "",)
        ).fetchone()
        if row is None or (user is not None and row["organization_id"] != user.organization_id):
            raise NotFound(f"storage '{storage_id}' not found")
        return row

    def check(self, user: User, storage_id: Any) -> None:
        with self.store.read() as db:
            self._row(db, user, storage_id)

    def list(self, user: User, storage_id: str | None = None) -> list[dict]:
        with self.store.read() as db:
            if storage_id:
                return [_storage(self._row(db, user, storage_id))]
            return [
                _storage(r)
                for r in db.execute(
                    "SELECT * FROM storages WHERE organization_id = ? ORDER BY created_at, id", (user.organization_id,)
                )
            ]

    def delete(self, user: User, storage_id: Any) -> dict:
        with self.store.write() as db:
            row = self._row(db, user, storage_id)
            db.execute("DELETE FROM storages WHERE id = ?", (row["id"],))
        self._hub.objects.delete_prefix(f"{row['organization_id']}/storages/{row['id']}/")
        return _storage(row)

    # ------------------------------------------------------------------ files

    @staticmethod
    def _key(row: RowLike, bucket: str, path: str) -> str:
        return f"{row['organization_id']}/storages/{row['id']}/{bucket}/{path}"

    def put_file(self, storage_id: str, bucket: str, path: str, data: bytes) -> dict:
        """Put a file in a storage's bucket (what a user would upload to their cloud bucket)."""
        bucket = _check_path(bucket, "bucket")
        path = _check_path(path, "path")
        with self.store.write() as db:
            row = self._row(db, None, storage_id)
            self._hub.objects.put(self._key(row, bucket, path), data)
            db.execute(
                "INSERT OR REPLACE INTO storage_files (storage_id, bucket, path, size, modified_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (storage_id, bucket, path, len(data), time.time()),
            )
        return {"bucket": bucket, "key": path, "size": len(data)}

    def listing(
        self, user: User, storage_id: Any, bucket: Any, folder: Any = "", *, signed: bool = True, extensions: Any = None
    ) -> tuple[builtins.list[dict], builtins.list[str]]:  # `list` here is StorageBook.list
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
            row = self._row(db, user, storage_id)
            found = db.execute(
                "SELECT path, size, modified_at FROM storage_files WHERE storage_id = ? AND "
                "bucket = ? AND path >= ? AND path < ? ORDER BY path",
                (row["id"], bucket, prefix, prefix + "\U0010ffff"),
            ).fetchall()
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
                shown["url"] = self._hub.objects.url(
                    self._hub.base_url, self._key(row, bucket, item["path"]), "GET", SIGNED_URL_TTL
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
            created = self._hub.uploads.add_assets(
                user, body.get("projectId"), assets, batches=body.get("batches") or None
            )
            answer["uploaded"] = len(created)
        return answer
