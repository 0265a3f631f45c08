"""Cells: the counted parts of a project that filters are made of, so a filtered page and its total
are found from counts, never by reading the project.

Every asset of a project is in one *batch group*: the exact list of batches it is in (its
``batches`` text, so ``[]`` is a group too). Batches overlap; groups do not. Every task is then
in one cell of the task family, ``(group, stage)``, and every asset in one cell of the asset
family, ``(group, pre-labeled)``; each family also keeps its margin, ``(MARGIN, stage)`` and
``(MARGIN, pre-labeled)``, the cells of every group at once. Any condition on a task's stage,
status and batches (any operator) picks a set of cells, and so does any condition on an asset's
batches and isPreLabeled: the condition is decided once per group and stage, not per row.

Each cell counts its members per block of positions, at the two sizes of :mod:`.asset_order`
(``cell_blocks``): the members of a set of cells are counted, and the k-th one found, by summing
~n/65,536 big blocks and at most 64 small ones per cell, then stepping through at most 1,024
positions (:mod:`.selection`). The counts are kept, in the writing transaction, by every change
that moves a task or asset between cells: new assets (:func:`count_new`), a stage move
(:func:`moved`), a first pre-label (:func:`pre_labeled`), batches added (:func:`regrouped`),
deletes (:func:`forget`); a state import recounts (:func:`recount`), and a store made before
them is counted once when opened (:func:`ensure`).

A project keeps at most :data:`GROUP_LIMIT` groups: assets whose list would make more share the
overflow group (:data:`OVERFLOW`), whose batch conditions are answered by walking the batch
membership index instead (bounded; see :mod:`.task_query`).

``created_order`` records the projects whose assets' ``created_at`` does not grow with their
position (only a state file can hold one: new assets never go back in time, see
:func:`mockango.records.projects.add_assets`); elsewhere a ``createdAt`` range is a range of
positions.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable

from .asset_order import BLOCK_SIZES

SCHEMA = """
CREATE TABLE IF NOT EXISTS batch_groups (
    pk INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    members TEXT NOT NULL,
    UNIQUE (project_id, members)
);
CREATE TABLE IF NOT EXISTS cell_blocks (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    family TEXT NOT NULL,
    size INTEGER NOT NULL,
    group_pk INTEGER NOT NULL,
    value TEXT NOT NULL,
    block INTEGER NOT NULL,
    live INTEGER NOT NULL,
    PRIMARY KEY (project_id, family, size, group_pk, value, block)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS created_out_of_order (
    project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE
) WITHOUT ROWID;
"""

TASKS, ASSETS = "t", "a"
"""The two families: tasks by (group, stage), assets by (group, pre-labeled '0'/'1')."""
MARGIN = -1
"""The group of a margin cell: every group at once."""
OVERFLOW = 0
"""The group of assets whose batch list found no room among the project's groups."""
GROUP_LIMIT = 64
"""Batch groups a project keeps (a condition is decided for each: more would cost every filtered page)."""
SMALL, BIG = BLOCK_SIZES[-1], BLOCK_SIZES[0]
SMALL_PER_BIG = BIG // SMALL


class Groups:
    """A project's batch groups, by their members' text, within one transaction; new ones are made
    while there is room, else an asset goes to the overflow group."""

    def __init__(self, db: sqlite3.Connection, project_id: str) -> None:
        self.db, self.project_id = db, project_id
        self.by_text: dict[str, int] = dict(
            db.execute("SELECT members, pk FROM batch_groups WHERE project_id = ?", (project_id,)).fetchall()
        )

    def of(self, members: str, *, make: bool = True) -> int:
        found = self.by_text.get(members)
        if found is None:
            if not make or len(self.by_text) >= GROUP_LIMIT:
                return OVERFLOW
            inserted = self.db.execute(
                "INSERT INTO batch_groups (project_id, members) VALUES (?, ?)", (self.project_id, members)
            ).lastrowid
            assert inserted is not None  # an INSERT into a rowid table always gives one
            found = self.by_text[members] = inserted
        return found


def project_groups(db: sqlite3.Connection, project_id: str) -> dict[int, list]:
    """The project's batch groups: pk -> the batch ids their assets are in."""
    return {
        pk: json.loads(members)
        for pk, members in db.execute("SELECT pk, members FROM batch_groups WHERE project_id = ?", (project_id,))
    }


class Deltas:
    """Changes to cell counts made by one write, added up and stored at once (:meth:`store`)."""

    def __init__(self, db: sqlite3.Connection, project_id: str) -> None:
        self.db, self.project_id = db, project_id
        self.groups = Groups(db, project_id)
        self.small: Counter = Counter()  # (family, group, value, small block) -> change

    def add(self, family: str, group: int, value: str, position: int, change: int) -> None:
        """One member more (``change`` 1) or fewer (-1) at ``position``, in the cell and its margin."""
        block = position // SMALL
        self.small[(family, group, value, block)] += change
        self.small[(family, MARGIN, value, block)] += change

    def add_task(self, members: str, stage: str, position: int, change: int) -> None:
        self.add(TASKS, self.groups.of(members), stage, position, change)

    def add_asset(self, members: str, pre: int, position: int, change: int) -> None:
        self.add(ASSETS, self.groups.of(members), "1" if pre else "0", position, change)

    def store(self) -> None:
        changes = {key: n for key, n in self.small.items() if n}
        self.small.clear()
        if not changes:
            return
        big: Counter = Counter()
        for (family, group, value, block), n in changes.items():
            big[(family, group, value, block // SMALL_PER_BIG)] += n
        for size, counted in ((SMALL, changes), (BIG, big)):
            rows = [(self.project_id, family, size, g, v, b, n) for (family, g, v, b), n in counted.items() if n]
            self.db.executemany(
                "INSERT INTO cell_blocks (project_id, family, size, group_pk, value, block, live) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, family, size, group_pk, value, block) "
                "DO UPDATE SET live = live + excluded.live",
                rows,
            )
            if any(n < 0 for *_, n in rows):
                self.db.execute(
                    "DELETE FROM cell_blocks WHERE project_id = ? AND size = ? AND live <= 0 AND "
                    "(family, group_pk, value, block) IN (SELECT json_extract(value, '$[0]'), json_extract(value, "
                    "'$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?))",
                    (self.project_id, size, json.dumps([[f, g, v, b] for _, f, _, g, v, b, n in rows if n < 0])),
                )


def count_new(db: sqlite3.Connection, project_id: str, stage: str, members_at: Counter, start: int, added: int) -> None:
    """Count ``added`` new assets (at positions ``start``..) and their tasks (at ``stage``, not pre-labeled):
    ``members_at`` counts them by (batches text, small block); margins by arithmetic on the range."""
    deltas = Deltas(db, project_id)
    for (members, block), n in members_at.items():
        group = deltas.groups.of(members)
        deltas.small[(TASKS, group, stage, block)] += n
        deltas.small[(ASSETS, group, "0", block)] += n
    for block in range(start // SMALL, (start + added - 1) // SMALL + 1):
        n = min(start + added, (block + 1) * SMALL) - max(start, block * SMALL)
        deltas.small[(TASKS, MARGIN, stage, block)] += n
        deltas.small[(ASSETS, MARGIN, "0", block)] += n
    deltas.store()


def moved(db: sqlite3.Connection, project_id: str, rows: Iterable[tuple[int, str, str, str]]) -> None:
    """Tasks moved between stages: (position, batches text, old stage, new stage) each."""
    deltas = Deltas(db, project_id)
    for position, members, old, new in rows:
        if old != new:
            deltas.add_task(members, old, position, -1)
            deltas.add_task(members, new, position, 1)
    deltas.store()


def pre_labeled(db: sqlite3.Connection, project_id: str, rows: Iterable[tuple[int, str]]) -> None:
    """Assets pre-labeled for the first time: (position, batches text) each."""
    deltas = Deltas(db, project_id)
    for position, members in rows:
        deltas.add_asset(members, 0, position, -1)
        deltas.add_asset(members, 1, position, 1)
    deltas.store()


def regrouped(db: sqlite3.Connection, project_id: str, rows: Iterable[tuple[int, str, str, str, int]]) -> None:
    """Assets whose batches changed: (position, old batches text, new text, their task's stage, pre-labeled)."""
    deltas = Deltas(db, project_id)
    for position, old, new, stage, pre in rows:
        if old != new:
            deltas.add_task(old, stage, position, -1)
            deltas.add_task(new, stage, position, 1)
            deltas.add_asset(old, pre, position, -1)
            deltas.add_asset(new, pre, position, 1)
    deltas.store()


def forget(db: sqlite3.Connection, project_id: str, rows: Iterable[tuple[int, str, str, int]]) -> None:
    """Assets (and their tasks) about to be deleted: (position, batches text, stage, pre-labeled) each."""
    deltas = Deltas(db, project_id)
    for position, members, stage, pre in rows:
        deltas.add_task(members, stage, position, -1)
        deltas.add_asset(members, pre, position, -1)
    deltas.store()


def recount(db: sqlite3.Connection) -> None:
    """Every project's groups and cell counts again from its assets and tasks (after a state import):
    set-based, one pass over the assets per block size."""
    db.execute("DELETE FROM cell_blocks")
    db.execute("DELETE FROM batch_groups")
    db.execute("DELETE FROM created_out_of_order")
    db.execute(
        "INSERT INTO batch_groups (project_id, members) SELECT project_id, batches FROM ("
        "SELECT project_id, batches, min(pk) AS first, row_number() OVER (PARTITION BY project_id "
        "ORDER BY min(pk)) AS n FROM assets GROUP BY project_id, batches) WHERE n <= ? ORDER BY project_id, first",
        (GROUP_LIMIT,),
    )
    for size in BLOCK_SIZES:
        for family, value in ((TASKS, "t.stage"), (ASSETS, "CAST(a.pre_labeled AS TEXT)")):
            for group, grouped in (("coalesce(g.pk, 0)", "coalesce(g.pk, 0), "), (str(MARGIN), "")):
                db.execute(
                    "INSERT INTO cell_blocks (project_id, family, size, group_pk, value, block, live) "
                    f"SELECT a.project_id, :family, :size, {group}, {value}, a.position / :size, count(*) FROM assets a "
                    "JOIN tasks t ON t.asset_pk = a.pk LEFT JOIN batch_groups g ON g.project_id = a.project_id "
                    f"AND g.members = a.batches GROUP BY a.project_id, {grouped}{value}, a.position / :size",
                    {"family": family, "size": size},
                )
    db.execute(
        "INSERT INTO created_out_of_order (project_id) SELECT DISTINCT project_id FROM (SELECT project_id, "
        "created_at < max(created_at) OVER (PARTITION BY project_id ORDER BY position ROWS BETWEEN UNBOUNDED "
        "PRECEDING AND 1 PRECEDING) AS back FROM assets) WHERE back"
    )


def ensure(db: sqlite3.Connection) -> None:
    """Count a store made before the cells (once: a store with assets but no counts)."""
    if db.execute("SELECT EXISTS (SELECT 1 FROM cell_blocks)").fetchone()[0]:
        return
    if db.execute("SELECT EXISTS (SELECT 1 FROM assets)").fetchone()[0]:
        recount(db)


def has_overflow(db: sqlite3.Connection, project_id: str, family: str = TASKS) -> bool:
    """Whether any of the project's assets is in the overflow group (its batch list found no group)."""
    return (
        db.execute(
            "SELECT 1 FROM cell_blocks WHERE project_id = ? AND family = ? AND size = ? AND group_pk = ? LIMIT 1",
            (project_id, family, BIG, OVERFLOW),
        ).fetchone()
        is not None
    )


def in_created_order(db: sqlite3.Connection, project_id: str) -> bool:
    """True when the project's ``created_at`` grows with position (a createdAt range is a position range)."""
    return db.execute("SELECT 1 FROM created_out_of_order WHERE project_id = ?", (project_id,)).fetchone() is None
