"""A project's order of assets (and of their tasks), with gaps: where the k-th one is, in O(blocks + block).

An asset's ``position`` is given once, on insert (the project's largest + 1), and never changes:
deleting assets leaves gaps instead of renumbering every later asset (and task) under the
write lock. A page of the whole project therefore cannot be the range ``offset..offset+limit``;
``asset_blocks`` keeps, per project, how many live assets each block of :data:`BLOCK_SIZE`
positions holds. The k-th live asset is found by summing blocks in order up to the one that
holds it (a million assets are ~1,000 small rows), then stepping within the block by the
(project, position) index. Tasks share their asset's position, so the same counts rank them.

The counts are kept set-based in the transactions that insert and delete assets (a per-row
trigger made big transactions quadratic); a project's deletion cascades to its rows; a state
import recounts them (:func:`recount`), and the schema backfills them for a store made before
they existed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable

BLOCK_SIZE = 1024
"""Positions per counted block: deletes touch one row per block; a rank sums ~n/BLOCK_SIZE rows."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS asset_blocks (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    block INTEGER NOT NULL,
    live INTEGER NOT NULL,
    PRIMARY KEY (project_id, block)
) WITHOUT ROWID;
INSERT INTO asset_blocks (project_id, block, live)
    SELECT project_id, position / {BLOCK_SIZE}, count(*) FROM assets
    WHERE NOT EXISTS (SELECT 1 FROM asset_blocks) GROUP BY project_id, position / {BLOCK_SIZE};
"""
# The INSERT above backfills a store made before the counts existed (its one WHERE term is constant:
# with counts present it reads one row, not the assets).

_ORDERED = {"assets": "assets INDEXED BY assets_in_order", "tasks": "tasks INDEXED BY tasks_in_order"}


def next_position(db: sqlite3.Connection, project_id: str) -> int:
    """The position a project's next asset gets: after its last one (one probe of the index)."""
    last = db.execute("SELECT max(position) FROM assets WHERE project_id = ?", (project_id,)).fetchone()[0]
    return 0 if last is None else last + 1


def count_added(db: sqlite3.Connection, first_pk: int) -> None:
    """Count the assets inserted from ``first_pk`` on (one bulk insert) into their blocks."""
    db.execute("INSERT INTO asset_blocks (project_id, block, live) "
               "SELECT project_id, position / ?1, count(*) FROM assets NOT INDEXED WHERE pk >= ?2 "
               "GROUP BY project_id, position / ?1 "
               "ON CONFLICT (project_id, block) DO UPDATE SET live = live + excluded.live",
               (BLOCK_SIZE, first_pk))


def count_removed(db: sqlite3.Connection, project_id: str, positions: Iterable[int]) -> None:
    """Take deleted assets (at ``positions``) off their blocks' counts; a block left empty goes."""
    per_block = Counter(position // BLOCK_SIZE for position in positions)
    db.executemany("UPDATE asset_blocks SET live = live - ? WHERE project_id = ? AND block = ?",
                   [(n, project_id, block) for block, n in per_block.items()])
    db.execute("DELETE FROM asset_blocks WHERE project_id = ? AND block IN (SELECT value FROM json_each(?)) "
               "AND live <= 0", (project_id, json.dumps(list(per_block))))


def recount(db: sqlite3.Connection) -> None:
    """Every project's block counts again from its assets (after a state import)."""
    db.execute("DELETE FROM asset_blocks")
    db.execute("INSERT INTO asset_blocks (project_id, block, live) SELECT project_id, position / ?1, count(*) "
               "FROM assets GROUP BY project_id, position / ?1", (BLOCK_SIZE,))


def position_of_rank(db: sqlite3.Connection, project_id: str, rank: int, table: str = "assets") -> int | None:
    """The position of the project's ``rank``-th (0-based) live asset, or of its task (``table="tasks"``);
    None past the last. O(blocks before it + BLOCK_SIZE), never O(project)."""
    if rank <= 0:
        return 0  # positions start at 0: "position >= 0" begins at the first
    found = db.execute("SELECT block, upto - live FROM (SELECT block, live, sum(live) OVER (ORDER BY block) AS upto "
                       "FROM asset_blocks WHERE project_id = ?) WHERE upto > ? LIMIT 1",
                       (project_id, rank)).fetchone()
    if found is None:
        return None
    block, before = found
    row = db.execute(f"SELECT position FROM {_ORDERED[table]} WHERE project_id = ? AND position >= ? "  # noqa: S608
                     "ORDER BY position LIMIT 1 OFFSET ?", (project_id, block * BLOCK_SIZE, rank - before)).fetchone()
    return None if row is None else row[0]
