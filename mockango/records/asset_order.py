"""A project's order of assets (and of their tasks), with gaps: where the k-th one is, without a scan.

An asset's ``position`` is given once, on insert (after the project's last), and never changes:
deleting assets leaves gaps instead of renumbering every later asset (and task) under the
write lock. A page of the whole project therefore cannot be the range ``offset..offset+limit``;
``asset_blocks`` keeps, per project, how many live assets each block of positions holds, at two
sizes (:data:`BLOCK_SIZES`: 65,536 and 1,024). The k-th live asset is found by summing the big
blocks in order up to the one that holds it (16 rows at a million assets), then its small blocks
(at most 64), then stepping within the small block by the (project, position) index (at most
1,023 entries). Tasks share their asset's position, so the same counts rank them.

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

BLOCK_SIZES = (65_536, 1_024)
"""Positions per counted block, big to small, each a multiple of the next: a delete updates one row
per size; a rank sums ~n/65,536 big blocks, then at most 64 small ones."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS asset_blocks (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    block INTEGER NOT NULL,
    live INTEGER NOT NULL,
    PRIMARY KEY (project_id, size, block)
) WITHOUT ROWID;
""" + "".join(
    f"""INSERT INTO asset_blocks (project_id, size, block, live)
    SELECT project_id, {size}, position / {size}, count(*)
    FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM asset_blocks WHERE +size = {size})) AS uncounted
    CROSS JOIN assets WHERE 1 GROUP BY project_id, position / {size};
"""
    for size in BLOCK_SIZES
)
# The INSERTs above backfill a store made before the counts existed; with counts present, ``uncounted``
# has no row and the assets are never read (the CROSS JOIN keeps it the outer loop).

_ORDERED = {"assets": "assets INDEXED BY assets_in_order", "tasks": "tasks INDEXED BY tasks_in_order"}


def next_position(db: sqlite3.Connection, project_id: str) -> int:
    """The position a project's next asset gets: after its last one (one probe of the index)."""
    last = db.execute("SELECT max(position) FROM assets WHERE project_id = ?", (project_id,)).fetchone()[0]
    return 0 if last is None else last + 1


def count_added(db: sqlite3.Connection, project_id: str, start: int, added: int) -> None:
    """Count ``added`` new assets at positions ``start`` on (one bulk insert) into their blocks:
    arithmetic on the range, one upsert per block touched, no read of the assets."""
    for size in BLOCK_SIZES:
        blocks = range(start // size, (start + added - 1) // size + 1)
        db.executemany(
            "INSERT INTO asset_blocks (project_id, size, block, live) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (project_id, size, block) DO UPDATE SET live = live + excluded.live",
            [
                (project_id, size, block, min(start + added, (block + 1) * size) - max(start, block * size))
                for block in blocks
            ],
        )


def count_removed(db: sqlite3.Connection, project_id: str, positions: Iterable[int]) -> None:
    """Take deleted assets (at ``positions``) off their blocks' counts; a block left empty goes."""
    positions = list(positions)
    for size in BLOCK_SIZES:
        per_block = Counter(position // size for position in positions)
        db.executemany(
            "UPDATE asset_blocks SET live = live - ? WHERE project_id = ? AND size = ? AND block = ?",
            [(n, project_id, size, block) for block, n in per_block.items()],
        )
        db.execute(
            "DELETE FROM asset_blocks WHERE project_id = ? AND size = ? AND block IN "
            "(SELECT value FROM json_each(?)) AND live <= 0",
            (project_id, size, json.dumps(list(per_block))),
        )


def recount(db: sqlite3.Connection) -> None:
    """Every project's block counts again from its assets (after a state import)."""
    db.execute("DELETE FROM asset_blocks")
    for size in BLOCK_SIZES:
        db.execute(
            "INSERT INTO asset_blocks (project_id, size, block, live) SELECT project_id, :size, position / :size, "
            "count(*) FROM assets GROUP BY project_id, position / :size",
            {"size": size},
        )


def position_of_rank(db: sqlite3.Connection, project_id: str, rank: int, table: str = "assets") -> int | None:
    """The position of a project's ``rank``-th (0-based) live asset, or of its task (``table="tasks"``);
    None past the last. A project without gaps answers from its big blocks and one index probe;
    else it reads ~n/65,536 + 64 count rows and at most 1,023 index entries, never the project."""
    if rank <= 0:
        return 0  # positions start at 0: "position >= 0" begins at the first
    live = db.execute(
        "SELECT coalesce(sum(live), 0) FROM asset_blocks WHERE project_id = ? AND size = ?",
        (project_id, BLOCK_SIZES[0]),
    ).fetchone()[0]
    if rank >= live:
        return None
    if next_position(db, project_id) == live:  # no gaps: positions are 0..live-1
        return rank
    low, high = 0, None  # the blocks (of the current size) that hold the rank
    block = 0
    for level, size in enumerate(BLOCK_SIZES):
        bounds = "block >= ?" if high is None else "block >= ? AND block < ?"
        found = db.execute(
            "SELECT block, upto - live FROM (SELECT block, live, sum(live) OVER (ORDER BY block) AS upto "
            f"FROM asset_blocks WHERE project_id = ? AND size = ? AND {bounds}) WHERE upto > ? LIMIT 1",
            (project_id, size, low, *(() if high is None else (high,)), rank),
        ).fetchone()
        if found is None:
            return None
        block, before = found
        rank -= before
        if level + 1 < len(BLOCK_SIZES):
            ratio = size // BLOCK_SIZES[level + 1]
            low, high = block * ratio, (block + 1) * ratio
    row = db.execute(
        f"SELECT position FROM {_ORDERED[table]} WHERE project_id = ? AND position >= ? "  # noqa: S608
        "ORDER BY position LIMIT 1 OFFSET ?",
        (project_id, block * BLOCK_SIZES[-1], rank),
    ).fetchone()
    return None if row is None else row[0]
