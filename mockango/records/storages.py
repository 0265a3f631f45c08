"""Storages: the cloud buckets an organization connects, and the files in them (tables ``storages``,
``storage_files``; the bytes are in the object store). The rules are :mod:`mockango.services.storages`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..models import iso_time
from .values import Record

if TYPE_CHECKING:
    import sqlite3

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


def storage_dict(row: Record) -> dict:
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


def insert(
    db: sqlite3.Connection, storage_id: str, organization_id: str, name: str, provider: str, fields: Mapping[str, Any]
) -> None:
    """A new storage; ``fields``: its ``publicKey``, ``privateKey``, ``region``, ``credentials`` (None: not given)."""
    db.execute(
        "INSERT INTO storages (id, organization_id, name, provider, public_key, private_key, region, "
        "credentials, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            storage_id,
            organization_id,
            name,
            provider,
            fields.get("publicKey"),
            fields.get("privateKey"),
            fields.get("region"),
            fields.get("credentials"),
            time.time(),
        ),
    )


def storage_row(db: sqlite3.Connection, storage_id: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM storages WHERE id = ?", (storage_id,)).fetchone()


def of_organization(db: sqlite3.Connection, organization_id: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT * FROM storages WHERE organization_id = ? ORDER BY created_at, id", (organization_id,)
    ).fetchall()


def delete(db: sqlite3.Connection, storage_id: str) -> None:
    db.execute("DELETE FROM storages WHERE id = ?", (storage_id,))


def put_file(db: sqlite3.Connection, storage_id: str, bucket: str, path: str, size: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO storage_files (storage_id, bucket, path, size, modified_at) VALUES (?, ?, ?, ?, ?)",
        (storage_id, bucket, path, size, time.time()),
    )


def files_under(db: sqlite3.Connection, storage_id: str, bucket: str, prefix: str) -> list[sqlite3.Row]:
    """(path, size, modified_at) of a bucket's files whose path starts with ``prefix``: one range of the key."""
    return db.execute(
        "SELECT path, size, modified_at FROM storage_files WHERE storage_id = ? AND "
        "bucket = ? AND path >= ? AND path < ? ORDER BY path",
        (storage_id, bucket, prefix, prefix + "\U0010ffff"),
    ).fetchall()
