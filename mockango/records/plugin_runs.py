"""What plugin runs made: the assets a run created (Markdown, File Explorer uploads), in order.

A cloud upload made with a run's API key records its new assets here, so the run's
result can list them; deleting the session or an asset forgets the rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS run_assets (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
"""
EXPORTED = ("run_assets",)


def record_created(db: sqlite3.Connection, session_id: str, asset_ids: Iterable[str]) -> None:
    start = db.execute("SELECT count(*) FROM run_assets WHERE session_id = ?", (session_id,)).fetchone()[0]
    db.executemany("INSERT INTO run_assets (session_id, seq, asset_id) VALUES (?, ?, ?)",
                   [(session_id, start + offset, asset_id) for offset, asset_id in enumerate(asset_ids)])


def created_by(db: sqlite3.Connection, session_id: str) -> list[str]:
    """Ids of the assets a run created that still exist, in creation order."""
    return [row[0] for row in db.execute("SELECT asset_id FROM run_assets WHERE session_id = ? ORDER BY seq",
                                         (session_id,))]
