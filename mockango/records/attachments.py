"""Attachments of assets (table ``asset_attachments``): each asset's ``{type, value}`` entries, in order."""

from __future__ import annotations

import json
import sqlite3

from .values import to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS asset_attachments (
    asset_pk INTEGER NOT NULL REFERENCES assets(pk) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (asset_pk, seq)
) WITHOUT ROWID;
"""
EXPORTED = ("asset_attachments",)


def asset_pks(
    db: sqlite3.Connection, project_id: str, *, asset_id: str | None = None, external_id: str | None = None
) -> list[int]:
    """The project's asset with that id, or every one with that external id."""
    if asset_id is not None:
        rows = db.execute("SELECT pk FROM assets WHERE id = ? AND project_id = ?", (asset_id, project_id))
    else:
        rows = db.execute(
            "SELECT pk FROM assets INDEXED BY assets_by_external_id WHERE project_id = ? AND external_id = ?",
            (project_id, external_id),
        )
    return [row["pk"] for row in rows]


def add(db: sqlite3.Connection, asset_pk: int, entries: list[dict]) -> None:
    """Attachments after those the asset has."""
    start = db.execute(
        "SELECT coalesce(max(seq) + 1, 0) FROM asset_attachments WHERE asset_pk = ?", (asset_pk,)
    ).fetchone()[0]
    db.executemany(
        "INSERT INTO asset_attachments (asset_pk, seq, entry) VALUES (?, ?, ?)",
        [(asset_pk, start + n, to_json(entry, "attachment")) for n, entry in enumerate(entries)],
    )


def of_assets(db: sqlite3.Connection, asset_ids: list[str]) -> dict[str, list]:
    """Asset id -> its attachments, for the assets that have some: one indexed read."""
    found: dict[str, list] = {}
    for row in db.execute(
        "SELECT a.id, t.entry FROM asset_attachments t JOIN assets a ON a.pk = t.asset_pk "
        "WHERE a.id IN (SELECT value FROM json_each(?)) ORDER BY t.asset_pk, t.seq",
        (json.dumps(asset_ids),),
    ):
        found.setdefault(row["id"], []).append(json.loads(row["entry"]))
    return found
