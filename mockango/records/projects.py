"""Projects with their ontology, their assets and batches (and which assets are in which batch).

Every lookup a request makes has an index: an asset by id, by (project, externalId),
by (project, data URL), by batch (``asset_batches``), by pre-labeled flag, and a
project's assets in a stable order (``position``, growing in creation order; deletes leave gaps,
and a page of the whole project finds its first row through :mod:`.asset_order`'s block counts).
Filtered pages come in ``pk`` order, which is the same order (assets only ever append), and every
index ends in ``pk``, so a page never sorts. Counts are kept on the project and batch rows, so no listing counts by scanning.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..assets import hosted_size
from ..errors import Conflict, InvalidRequest, NotFound
from ..ids import new_object_id
from ..input_limits import check_value
from ..models import Batch, Project, iso_time
from ..store import Store
from . import asset_order, cells, project_deletion
from .project_deletion import visible
from .selection import SCAN_LIMIT, Cells, Selection
from .tasks import add_tasks_for_assets
from .values import from_json, to_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category_schema TEXT NOT NULL,
    created_at REAL NOT NULL,
    asset_count INTEGER NOT NULL DEFAULT 0,
    pre_labeled_count INTEGER NOT NULL DEFAULT 0
);
DROP INDEX IF EXISTS projects_by_organization;
CREATE INDEX IF NOT EXISTS projects_in_organization ON projects(organization_id, created_at, id);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    asset_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS batches_by_project ON batches(project_id, position);
CREATE INDEX IF NOT EXISTS batches_by_name ON batches(project_id, name);
CREATE TABLE IF NOT EXISTS assets (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    data TEXT NOT NULL,
    hosted INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    batches TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL,
    labels TEXT,
    labeled_by_session TEXT,
    pre_labeled INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS assets_in_order ON assets(project_id, position);
CREATE INDEX IF NOT EXISTS assets_by_external_id ON assets(project_id, external_id);
CREATE INDEX IF NOT EXISTS assets_by_data ON assets(project_id, data);
-- (an index on the URL's file name tripled the cost of every asset insert: file-name imports scan instead)
DROP INDEX IF EXISTS assets_by_file_name;
DROP INDEX IF EXISTS assets_by_pre_labeled;
CREATE INDEX IF NOT EXISTS assets_by_pre_labeled_in_order ON assets(project_id, pre_labeled, position);
CREATE TABLE IF NOT EXISTS asset_batches (
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    asset_pk INTEGER NOT NULL REFERENCES assets(pk) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, asset_pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS asset_batches_by_asset ON asset_batches(asset_pk);
"""
EXPORTED = ("projects", "batches", "assets", "asset_batches")

CHUNK = 10_000  # assets per executemany: bounded memory whatever the project's size
PRELOADED_BATCHES = 1_000  # a project with at most this many batches has them read at once
JSON_CACHE_SIZE = 10_000  # encoded batch lists and flat metadata kept per add_assets call
OBJECT_ID = re.compile(r"[0-9a-f]{24}")
ASSET_COLUMNS = (
    "id, project_id, position, external_id, data, hosted, metadata, batches, created_at, labels, "
    "labeled_by_session, pre_labeled"
)


def project_from(store: Store, row: sqlite3.Row) -> Project:
    """A project record; its batches are read when first asked for (one per asset is possible, and a
    request that only checks access must not pay for them)."""
    project_id = row["id"]

    def batches() -> list[Batch]:
        with store.read() as db:
            return [
                Batch(id=b["id"], name=b["name"])
                for b in db.execute(
                    "SELECT id, name FROM batches WHERE project_id = ? ORDER BY position", (project_id,)
                )
            ]

    def named(values: list[str]) -> list[Batch]:
        text = json.dumps([v for v in values if isinstance(v, str)])
        with store.read() as db:
            return [
                Batch(id=b["id"], name=b["name"])
                for b in db.execute(
                    "SELECT id, name, position FROM batches WHERE +project_id = :project AND id IN (SELECT value FROM "
                    "json_each(:values)) UNION SELECT id, name, position FROM batches INDEXED BY batches_by_name "
                    "WHERE project_id = :project AND name IN "
                    "(SELECT value FROM json_each(:values)) ORDER BY position",
                    {"project": project_id, "values": text},
                )
            ]

    return Project(
        id=project_id,
        name=row["name"],
        description=row["description"],
        organization_id=row["organization_id"],
        category_schema=json.loads(row["category_schema"]),
        asset_count=row["asset_count"],
        created_at=row["created_at"],
        pre_labeled_count=row["pre_labeled_count"],
        batch_loader=batches,
        batch_finder=named,
    )


def asset_selection(
    db: sqlite3.Connection, project_id: str, batch_ids: list[str], pre_labeled: bool | None
) -> Selection:
    """The project's assets in all of ``batch_ids`` (any, when empty) and pre-labeled or not (either, when
    None), as counted cells: the groups whose batch list holds them all; the overflow group's assets in
    the first batch are read through the membership index and checked (at most ``SCAN_LIMIT``)."""
    groups = cells.project_groups(db, project_id)
    values = ["0", "1"] if pre_labeled is None else ["1" if pre_labeled else "0"]
    texts = {pk: json.dumps(members) for pk, members in groups.items()}
    chosen = Cells(cells.ASSETS, values, texts=texts)
    added: list[int] = []
    if batch_ids:
        wanted = set(batch_ids)
        chosen.groups = [pk for pk, members in groups.items() if wanted <= set(members)]
        overflow = (
            []
            if not cells.has_overflow(db, project_id, cells.ASSETS)
            else db.execute(
                "SELECT a.position, a.batches, a.pre_labeled FROM asset_batches m CROSS JOIN assets a ON a.pk = m.asset_pk "
                "WHERE m.batch_id = ? AND a.project_id = ? AND a.batches NOT IN (SELECT value FROM json_each(?)) LIMIT ?",
                (batch_ids[0], project_id, json.dumps(list(texts.values())), SCAN_LIMIT + 1),
            ).fetchall()
        )
        if len(overflow) > SCAN_LIMIT:
            raise InvalidRequest(
                f"filter batches: more than {SCAN_LIMIT:,} assets of batch '{batch_ids[0]}' have no batch group of their "
                "own, and mockango checks at most that many one by one: filter on fewer, smaller batches"
            )
        added = [
            position for position, members, pre in overflow if wanted <= set(json.loads(members)) and str(pre) in values
        ]
    return Selection(db, project_id, chosen, added=added)


def asset_dict(row: sqlite3.Row, base_url: str, *, with_labels: bool = False) -> dict:
    """An asset as the REST API shows it (and, ``with_labels``, with its stored pre-label)."""
    data = base_url.rstrip("/") + row["data"] if row["hosted"] else row["data"]
    body = {
        "_id": row["id"],
        "externalId": row["external_id"],
        "data": data,
        "project": row["project_id"],
        "batches": json.loads(row["batches"]),
        "metadata": json.loads(row["metadata"]),
        "isPreLabeled": bool(row["pre_labeled"]),
        "createdAt": iso_time(row["created_at"]),
    }
    if with_labels:
        body["labels"] = from_json(row["labels"])
        body["labeledBySession"] = row["labeled_by_session"]
    return body


class BatchBook:
    """A project's batches while assets are added: names and ids to ids, new names make new batches.

    A project with few batches has them all read up front; one with many (one per asset is
    possible) has each name or id looked up once, through an index, when an asset first names it.
    """

    def __init__(self, db: sqlite3.Connection, project_id: str) -> None:
        self.db, self.project_id = db, project_id
        self.by_name: dict[str, str] = {}
        self.ids: set[str] = set()
        last = db.execute("SELECT max(position) FROM batches WHERE project_id = ?", (project_id,)).fetchone()[0]
        self.next_position = 0 if last is None else last + 1
        few = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM batches WHERE project_id = ? LIMIT ?)",
            (project_id, PRELOADED_BATCHES + 1),
        ).fetchone()[0]
        self.complete = few <= PRELOADED_BATCHES  # then a name missing here is a new batch
        if self.complete:
            for row in db.execute("SELECT id, name FROM batches WHERE project_id = ? ORDER BY position", (project_id,)):
                self.by_name.setdefault(row["name"], row["id"])
                self.ids.add(row["id"])
        self.members: dict[str, int] = {}  # batch id -> assets added to it now
        last = db.execute(
            "SELECT created_at FROM assets WHERE project_id = ? ORDER BY position DESC LIMIT 1", (project_id,)
        ).fetchone()
        self.last_created = last[0] if last else float("-inf")  # the project's newest asset's createdAt

    def add(self, batch_id: str, name: str) -> str:
        self.db.execute(
            "INSERT INTO batches (id, project_id, name, position) VALUES (?, ?, ?, ?)",
            (batch_id, self.project_id, name, self.next_position),
        )
        self.next_position += 1
        self.by_name[name] = batch_id
        self.ids.add(batch_id)
        return batch_id

    def resolve(self, name_or_id: Any) -> str:
        if name_or_id in self.ids:
            return name_or_id
        found = self.by_name.get(name_or_id)
        if found is None and not self.complete:
            found = self._look_up(name_or_id)
        return found if found is not None else self.add(new_object_id(), str(name_or_id))

    def _look_up(self, name_or_id: Any) -> str | None:
        row = self.db.execute(
            "SELECT id FROM batches WHERE id = ? AND +project_id = ?", (name_or_id, self.project_id)
        ).fetchone()
        if row is not None:
            self.ids.add(row[0])
            return row[0]
        row = self.db.execute(
            "SELECT id FROM batches INDEXED BY batches_by_name WHERE project_id = ? AND name = ? "
            "ORDER BY position LIMIT 1",
            (self.project_id, name_or_id),
        ).fetchone()
        if row is not None:
            self.by_name[name_or_id] = row[0]
            self.ids.add(row[0])
            return row[0]
        return None

    def flush_counts(self) -> None:
        self.db.executemany(
            "UPDATE batches SET asset_count = asset_count + ? WHERE id = ?",
            [(n, batch_id) for batch_id, n in self.members.items()],
        )
        self.members.clear()


class AssetIds:
    """Ids for new assets shaped like MongoDB ObjectIds (the real host's): seconds, 5 random bytes, a counter.

    Consecutive ids sort in creation order, so a bulk insert appends to the id index
    instead of writing all over it (~25% faster at 1M assets than random ids).
    """

    def __init__(self) -> None:
        self._prefix = ""
        self._count = 1 << 24

    def __call__(self) -> str:
        if self._count >= 1 << 24:
            self._prefix = "%08x" % (int(time.time()) & 0xFFFFFFFF) + secrets.token_hex(5)
            self._count = secrets.randbelow(1 << 16)
        self._count += 1
        return self._prefix + "%06x" % (self._count - 1)


def _plain(metadata: dict) -> bool:
    """Flat, ASCII keys, whole numbers or ASCII text: nothing :func:`check_value` could refuse (the usual
    ``{"width": 640, "height": 480}``), decided in a fraction of its cost."""
    for key, value in metadata.items():
        kind = type(value)
        if type(key) is not str or not key.isascii() or not (kind is int or (kind is str and value.isascii())):
            return False
    return True


def _asset_values(
    raw: Any,
    index: int,
    project_id: str,
    position: int,
    book: BatchBook,
    trusted: bool,
    new_id: AssetIds,
    batch_json: dict,
) -> tuple[tuple, list[str]]:
    """One asset's row from a client's ``assets[index]``, or InvalidRequest naming what is wrong.

    Checks take the exact-type fast path first (``type(x) is dict``): ABC checks cost
    microseconds each, which a million assets multiply into seconds.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise InvalidRequest(f"assets[{index}] must be an object with 'externalId' and 'data'")
    external_id, data = raw.get("externalId"), raw.get("data")
    if type(external_id) is not str or not external_id:
        raise InvalidRequest(f"assets[{index}].externalId must be a non-empty string")
    if type(data) is not str or not data:
        raise InvalidRequest(f"assets[{index}].data must be a URL string")
    if not (external_id.isascii() and data.isascii()):  # ASCII holds no lone surrogate: skip the check
        check_value(external_id, where=f"assets[{index}].externalId")
        check_value(data, where=f"assets[{index}].data")
    metadata = raw.get("metadata") or {}
    if type(metadata) is not dict:
        if not isinstance(metadata, Mapping):
            raise InvalidRequest(f"assets[{index}].metadata must be an object")
        metadata = dict(metadata)
    plain = not metadata or _plain(metadata)
    if not plain:
        check_value(metadata, where=f"assets[{index}].metadata")
    names = raw.get("batches") or ()
    if type(names) is not list and (isinstance(names, (str, bytes)) or not isinstance(names, Iterable)):
        raise InvalidRequest(f"assets[{index}].batches must be a list of batch names or ids")
    if names and not (type(names) is list and all(type(name) is str and name.isascii() for name in names)):
        check_value(list(names), where=f"assets[{index}].batches")  # ASCII text needs no check
    batch_ids = [book.resolve(name) for name in names] if names else []
    asset_id = raw.get("_id")
    if asset_id is None:
        asset_id = new_id()
    elif not trusted and (type(asset_id) is not str or not OBJECT_ID.fullmatch(asset_id)):
        raise InvalidRequest(
            f"assets[{index}]._id must be 24 lowercase hex characters (or left out: the host assigns one)"
        )
    hosted = raw.get("hosted", False)
    if type(hosted) is not bool:
        raise InvalidRequest(f"assets[{index}].hosted must be true or false, got {hosted!r}")
    if hosted:
        hosted_size(metadata, where=f"assets[{index}].metadata")
    created = raw["createdAt"] if trusted and type(raw.get("createdAt")) is float else time.time()
    # createdAt grows with position (a createdAt range is then a range of positions: records/task_query.py)
    created = max(created, book.last_created)
    book.last_created = created
    key = tuple(batch_ids)
    batches = batch_json.get(key)
    if batches is None:
        batches = batch_json[key] = json.dumps(batch_ids)
    if not metadata:
        metadata_json = "{}"
    elif plain and len(batch_json) < JSON_CACHE_SIZE:  # the same few shapes recur: encode each once
        shape = ("metadata", *metadata.items())
        cached = batch_json.get(shape)
        if cached is None:
            cached = batch_json[shape] = to_json(metadata, f"assets[{index}].metadata")
        metadata_json = cached
    else:
        metadata_json = to_json(metadata, f"assets[{index}].metadata")
    values = (asset_id, project_id, position, external_id, data, 1 if hosted else 0, metadata_json, batches, created)
    return values, batch_ids


def add_assets(
    db: sqlite3.Connection, project_id: str, assets: Iterable[Any], *, trusted: bool = False, start: int | None = None
) -> int:
    """Append assets to a project in chunks (executemany) inside the caller's transaction; returns how many.

    A client may name an asset's ``_id`` (24 hex characters) to get stable ids; an id
    already used by any asset, of any organization, is refused with 409 and nothing is
    stored: a client's id never addresses a record it does not own.
    """
    if start is None:
        start = asset_order.next_position(db, project_id)
    first_pk = db.execute("SELECT coalesce(max(pk), 0) + 1 FROM assets").fetchone()[0]
    book = BatchBook(db, project_id)
    new_id = AssetIds()
    batch_json: dict[tuple, str] = {}  # the same batch lists and flat metadata recur: encode each once
    added = 0
    chunk: list[tuple] = []
    memberships: list[tuple[str, int]] = []
    chosen: list[tuple[int, str]] = []  # (index, id) of the ids the client picked
    members_at: Counter = Counter()  # (batches text, small block) -> new assets: their cells' counts
    for index, raw in enumerate(assets):
        pk = first_pk + index
        values, batch_ids = _asset_values(raw, index, project_id, start + index, book, trusted, new_id, batch_json)
        chunk.append((pk, *values))
        members_at[(values[7], (start + index) // cells.SMALL)] += 1
        if not trusted and raw.get("_id") is not None:
            chosen.append((index, values[0]))
        for batch_id in dict.fromkeys(batch_ids):
            memberships.append((batch_id, pk))
        if len(chunk) >= CHUNK:
            _insert(db, chunk, memberships, book, chosen)
            added += len(chunk)
            chunk, memberships, chosen = [], [], []
    if chunk:
        _insert(db, chunk, memberships, book, chosen)
        added += len(chunk)
    book.flush_counts()
    if added:
        asset_order.count_added(db, project_id, start, added)
        add_tasks_for_assets(db, first_pk)
        first_stage = db.execute("SELECT first_stage FROM workflows WHERE project_id = ?", (project_id,)).fetchone()
        cells.count_new(db, project_id, first_stage[0] if first_stage else "Label", members_at, start, added)
    db.execute("UPDATE projects SET asset_count = asset_count + ? WHERE id = ?", (added, project_id))
    return added


def _insert(
    db: sqlite3.Connection,
    rows: list[tuple],
    memberships: list[tuple[str, int]],
    book: BatchBook,
    chosen: list[tuple[int, str]],
) -> None:
    """Write one chunk; ``chosen`` are the (index, id) a client picked, checked first (ids the host
    makes are new by construction, and the UNIQUE index refuses the impossible repeat anyway)."""
    if chosen:
        _refuse_taken_ids(db, chosen)
    db.executemany(
        f"INSERT INTO assets (pk, {ASSET_COLUMNS[: -len(', labels, labeled_by_session, pre_labeled')]}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if memberships:
        db.executemany("INSERT INTO asset_batches (batch_id, asset_pk) VALUES (?, ?)", memberships)
        for batch_id, _ in memberships:
            book.members[batch_id] = book.members.get(batch_id, 0) + 1


def _refuse_taken_ids(db: sqlite3.Connection, chosen: list[tuple[int, str]]) -> None:
    """A client's ``_id`` may not repeat one in the same request, nor name any existing asset (409)."""
    index_of: dict[str, int] = {}
    for index, asset_id in chosen:
        if asset_id in index_of:
            raise InvalidRequest(f"assets[{index}]._id '{asset_id}' repeats an earlier asset's")
        index_of[asset_id] = index
    taken = db.execute(
        "SELECT id FROM assets WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1", (json.dumps(list(index_of)),)
    ).fetchone()
    if taken is not None:
        raise Conflict(
            f"assets[{index_of[taken[0]]}]._id '{taken[0]}' is already used by another asset: "
            "leave '_id' out and the host assigns one"
        )


def insert_project(
    db: sqlite3.Connection,
    org_id: str,
    name: str,
    category_schema: dict,
    *,
    description: str = "",
    project_id: str | None = None,
    created_at: float | None = None,
    batches: Iterable[Mapping] = (),
) -> str:
    project_id = project_id or new_object_id()
    db.execute(
        "INSERT INTO projects (id, organization_id, name, description, category_schema, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            project_id,
            org_id,
            name,
            description,
            to_json(category_schema, "categorySchema"),
            time.time() if created_at is None else created_at,
        ),
    )
    for position, batch in enumerate(batches):
        db.execute(
            "INSERT INTO batches (id, project_id, name, position) VALUES (?, ?, ?, ?)",
            (batch["_id"], project_id, batch["name"], position),
        )
    return project_id


def count_visible(db: sqlite3.Connection) -> int:
    """How many projects there are, in every organization (deleted ones not counted)."""
    return db.execute(f"SELECT count(*) FROM projects WHERE {visible('projects.id')}").fetchone()[0]


def set_category_schema(db: sqlite3.Connection, project_id: str, schema: Mapping) -> None:
    db.execute("UPDATE projects SET category_schema = ? WHERE id = ?", (to_json(schema, "categorySchema"), project_id))


def copy_batches(db: sqlite3.Connection, source_id: str, clone_id: str) -> None:
    """The source project's batches (names and order, no assets) for its clone."""
    names = [r[0] for r in db.execute("SELECT name FROM batches WHERE project_id = ? ORDER BY position", (source_id,))]
    db.executemany(
        "INSERT INTO batches (id, project_id, name, position) VALUES (?, ?, ?, ?)",
        [(new_object_id(), clone_id, name, n) for n, name in enumerate(names)],
    )


def add_batches(db: sqlite3.Connection, project_id: str, new: list[tuple[str, str]], first_position: int) -> None:
    """New batches ``(id, name)`` after the project's ``first_position`` ones."""
    db.executemany(
        "INSERT INTO batches (id, project_id, name, position) VALUES (?, ?, ?, ?)",
        [(batch_id, project_id, name, first_position + n) for n, (batch_id, name) in enumerate(new)],
    )


def assets_with_batches(db: sqlite3.Connection, project_id: str, asset_ids: list[str]) -> list[sqlite3.Row]:
    """(id, pk, batches, position, pre_labeled, and the task's stage) of those of the assets that are the project's."""
    return db.execute(
        "SELECT a.id, a.pk, a.batches, a.position, a.pre_labeled, t.stage FROM assets a JOIN tasks t "
        "ON t.asset_pk = a.pk WHERE +a.project_id = ? AND a.id IN (SELECT value FROM json_each(?))",
        (project_id, json.dumps(asset_ids)),
    ).fetchall()


def join_batches(db: sqlite3.Connection, asset_pk: int, batches: list[str], added: list[str]) -> str:
    """An asset's batches become ``batches``, ``added`` among them new: memberships and counts follow.
    Returns the asset's batches as stored (JSON)."""
    stored = json.dumps(batches)
    db.execute("UPDATE assets SET batches = ? WHERE pk = ?", (stored, asset_pk))
    db.executemany(
        "INSERT OR IGNORE INTO asset_batches (batch_id, asset_pk) VALUES (?, ?)", [(b, asset_pk) for b in added]
    )
    db.executemany("UPDATE batches SET asset_count = asset_count + 1 WHERE id = ?", [(b,) for b in added])
    return stored


class Projects:
    """Queries over projects and assets; writes happen in the caller's :meth:`Store.write` block."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, project_id: Any) -> Project | None:
        if not isinstance(project_id, str):
            return None
        row = self.store.one(f"SELECT * FROM projects WHERE id = ? AND {visible('projects.id')}", (project_id,))
        return project_from(self.store, row) if row else None

    def require(self, project_id: Any, organization_id: str | None = None) -> Project:
        project = self.get(project_id)
        if project is None or (organization_id is not None and project.organization_id != organization_id):
            raise NotFound(f"project '{project_id}' not found")
        return project

    def first_batches(self, project_id: str, limit: int) -> tuple[list[Batch], int]:
        """A project's first ``limit`` batches and how many it has (a page shows a few, not all)."""
        with self.store.read() as db:
            total = db.execute("SELECT count(*) FROM batches WHERE project_id = ?", (project_id,)).fetchone()[0]
            first = db.execute(
                "SELECT id, name FROM batches WHERE project_id = ? ORDER BY position LIMIT ?", (project_id, limit)
            ).fetchall()
            return [Batch(id=b["id"], name=b["name"]) for b in first], total

    def batch_names(self, project_id: str, batch_ids: Iterable[str]) -> dict[str, str]:
        """The names of the given batches of a project, by id (ids of no batch left out)."""
        with self.store.read() as db:
            return {
                row["id"]: row["name"]
                for row in db.execute(
                    "SELECT id, name FROM batches WHERE id IN (SELECT value FROM json_each(?)) AND +project_id = ?",
                    (json.dumps(list(dict.fromkeys(batch_ids))), project_id),
                )
            }

    def page_for_organization(self, organization_id: str, page: int, limit: int) -> tuple[list[Project], int]:
        with self.store.read() as db:
            hidden = project_deletion.hidden_in_organization(db, organization_id)
            shown = f"AND {visible('projects.id')}" if hidden else ""  # no probe per row when none is hidden
            total = (
                db.execute(
                    "SELECT count(*) FROM projects INDEXED BY projects_in_organization WHERE organization_id = ?",
                    (organization_id,),
                ).fetchone()[0]
                - hidden
            )
            # The page's rows are found in the covering index (organization, created_at, id): the rows
            # skipped to reach a deep page are index entries, not table rows.
            rows = db.execute(
                "SELECT * FROM projects WHERE rowid IN (SELECT rowid FROM projects INDEXED BY projects_in_organization "
                f"WHERE organization_id = ? {shown} ORDER BY created_at, id LIMIT ? OFFSET ?) "
                "ORDER BY created_at, id",
                (organization_id, limit, (page - 1) * limit),
            ).fetchall()
            return [project_from(self.store, row) for row in rows], total

    def find_assets(
        self, project: Project, base_url: str, *, page: int, limit: int, filters: Mapping, with_labels: bool = False
    ) -> tuple[list[dict], int]:
        """One page of the project's assets matching ``filters``: O(limit + log n) through an index.

        The most selective filter picks the index (``_id``, then externalId, then a batch, then
        isPreLabeled); the others are checked on the rows it yields. Pages are in ``pk`` order.
        """
        offset = (page - 1) * limit
        batch_ids = list(dict.fromkeys(filters.get("batches") or []))
        columns = ", ".join("a." + c for c in ASSET_COLUMNS.split(", "))
        where = ["a.project_id = ?"]
        args: list[Any] = [project.id]
        source = "assets a"
        if "_id" in filters:
            where.append("a.id = ?")
            args.append(filters["_id"])
        if "externalId" in filters:
            where.append("a.external_id = ?")
            args.append(filters["externalId"])
            if "_id" not in filters:
                source = "assets a INDEXED BY assets_by_external_id"
        if "isPreLabeled" in filters:
            where.append("a.pre_labeled = ?")
            args.append(1 if filters["isPreLabeled"] else 0)
            if "_id" not in filters and "externalId" not in filters and not batch_ids:
                source = "assets a INDEXED BY assets_by_pre_labeled_in_order"
        order = "a.pk"
        if batch_ids and "_id" not in filters and "externalId" not in filters:
            # Walk the first batch's members in pk order; the rest must hold each one too.
            source = "asset_batches m CROSS JOIN assets a"
            where.insert(0, "m.batch_id = ? AND a.pk = m.asset_pk")
            args.insert(0, batch_ids[0])
            rest = batch_ids[1:]
            order = "m.asset_pk"
        else:
            rest = batch_ids
        for batch_id in rest:
            where.append("EXISTS (SELECT 1 FROM asset_batches x WHERE x.batch_id = ? AND x.asset_pk = a.pk)")
            args.append(batch_id)
        with self.store.read() as db:
            if len(where) == 1:
                # The whole project: the page starts at the offset-th asset's position (block counts).
                total = project.asset_count
                first = asset_order.position_of_rank(db, project.id, offset)
                rows = (
                    []
                    if first is None
                    else db.execute(
                        f"SELECT {ASSET_COLUMNS} FROM assets WHERE project_id = ? AND position >= ? "
                        "ORDER BY position LIMIT ?",
                        (project.id, first, limit),
                    ).fetchall()
                )
            elif "_id" in filters or "externalId" in filters:  # a few rows, through their index
                sql = f"FROM {source} WHERE {' AND '.join(where)}"
                total = self._count(db, project, filters, batch_ids, sql, args)
                rows = db.execute(
                    f"SELECT {columns} {sql} ORDER BY {order} LIMIT ? OFFSET ?", (*args, limit, offset)
                ).fetchall()
            else:  # batches and isPreLabeled: counted cells (records/cells.py), never a walk of the project
                chosen = asset_selection(db, project.id, batch_ids, filters.get("isPreLabeled"))
                total = chosen.total()
                positions = chosen.page(offset, limit)
                rows = db.execute(
                    f"SELECT {ASSET_COLUMNS} FROM assets WHERE project_id = ? AND position IN "
                    "(SELECT value FROM json_each(?)) ORDER BY position",
                    (project.id, json.dumps(positions)),
                ).fetchall()
            return [asset_dict(row, base_url, with_labels=with_labels) for row in rows], total

    @staticmethod
    def _count(
        db: sqlite3.Connection, project: Project, filters: Mapping, batch_ids: list[str], sql: str, args: list
    ) -> int:
        keys = {key for key in filters if key != "batches" or batch_ids}
        if keys == {"isPreLabeled"}:  # kept on the project row
            labeled = project.pre_labeled_count
            return labeled if filters["isPreLabeled"] else project.asset_count - labeled
        if keys == {"batches"} and len(batch_ids) == 1:  # kept on the batch row
            row = db.execute(
                "SELECT asset_count FROM batches WHERE id = ? AND project_id = ?", (batch_ids[0], project.id)
            ).fetchone()
            return row[0] if row else 0
        return db.execute(f"SELECT count(*) {sql}", args).fetchone()[0]

    def iter_assets(self, project_id: str, base_url: str, *, with_labels: bool = True) -> Iterator[dict]:
        """Every asset of a project in order, read in chunks (each chunk its own snapshot)."""
        position = 0
        while True:
            with self.store.read() as db:
                rows = db.execute(
                    f"SELECT {ASSET_COLUMNS} FROM assets WHERE project_id = ? AND position >= ? "
                    "ORDER BY position LIMIT ?",
                    (project_id, position, CHUNK),
                ).fetchall()
            for row in rows:
                yield asset_dict(row, base_url, with_labels=with_labels)
            if len(rows) < CHUNK:
                return
            position = rows[-1]["position"] + 1

    def hosted_asset(self, asset_id: str) -> sqlite3.Row | None:
        with self.store.read() as db:
            return db.execute(
                f"SELECT id, metadata FROM assets WHERE id = ? AND hosted = 1 AND {visible('assets.project_id')}",
                (asset_id,),
            ).fetchone()

    def organization_of_asset(self, asset_id: str) -> str | None:
        """The organization an asset belongs to (None: no such asset)."""
        with self.store.read() as db:
            row = db.execute(
                "SELECT projects.organization_id FROM assets JOIN projects ON projects.id = assets.project_id "
                "WHERE assets.id = ?",
                (asset_id,),
            ).fetchone()
        return row[0] if row else None

    def named_by(self, project_id: str, external_ids: list[str], data_urls: list[str], base_url: str) -> list[dict]:
        """The assets an import's items name (by externalId, data URL, or the file name that ends the URL):
        one indexed query, not the project.

        Each is the reference the validator needs (``_id``, ``externalId``, ``data``, ``metadata``).
        """
        base = base_url.rstrip("/")
        hosted_paths = [url[len(base) :] for url in data_urls if url.startswith(base + "/")]
        file_names = [name for name in data_urls if name and "/" not in name]
        with self.store.read() as db:
            rows = db.execute(
                "SELECT pk, id, external_id, data, hosted, metadata FROM assets INDEXED BY assets_by_external_id "
                "WHERE project_id = :project AND external_id IN (SELECT value FROM json_each(:external_ids)) UNION "
                "SELECT pk, id, external_id, data, hosted, metadata FROM assets INDEXED BY assets_by_data "
                "WHERE project_id = :project AND data IN (SELECT value FROM json_each(:urls)) ORDER BY pk",
                {
                    "project": project_id,
                    "external_ids": json.dumps(external_ids),
                    "urls": json.dumps(data_urls + hosted_paths),
                },
            ).fetchall()
            if file_names:
                # A file name matches the end of a URL, which no index orders: this one case reads the project's
                # URLs (in the assets_by_data index), once for all the names. Imports by externalId or URL do not.
                wanted = set(file_names)
                known = {row["pk"] for row in rows}
                hits = [
                    pk
                    for pk, data in db.execute(
                        "SELECT pk, data FROM assets INDEXED BY assets_by_data WHERE project_id = ?", (project_id,)
                    )
                    if pk not in known and "/" in data and data.rsplit("/", 1)[1] in wanted
                ]
                if hits:
                    rows += db.execute(
                        "SELECT pk, id, external_id, data, hosted, metadata FROM assets "
                        "WHERE pk IN (SELECT value FROM json_each(?))",
                        (json.dumps(hits),),
                    ).fetchall()
                rows.sort(key=lambda row: row["pk"])
        return [
            {
                "_id": row["id"],
                "externalId": row["external_id"],
                "data": base + row["data"] if row["hosted"] else row["data"],
                "metadata": json.loads(row["metadata"]),
            }
            for row in rows
        ]
