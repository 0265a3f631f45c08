"""Which tasks a ``TaskFilter`` picks, found through indexes: a page reads what it walks, not the project.

:meth:`TaskBook.page` hands a checked filter here. Every condition keeps exactly the
semantics of :mod:`mockango.filters` (tests compare against that brute force); each becomes:

- a constant when the field is the same on every task (``type``, ``isDraft``, ``isSkipped``,
  ``createdBy``): the filter then matches every task or none, decided without reading one;
- a set of stages for ``stage`` and ``status`` under any operator (a task's status follows from
  its stage), decided over the few stages that hold tasks;
- an SQL condition with the same meaning as the Python check (NULLs and mixed types included);
- a Python check (:func:`record_matches`) on the rows walked, for what SQL cannot say the same
  way (``$regex``, dates, comparisons of a batch list).

The rows come from a *walk* in position order over the smallest index that holds every match:
ids (``_id``, ``asset``, ``externalId``), assignees and review statuses (partial indexes of the
tasks that have one), batches (membership index), stages, or the few tasks off their default
``priority`` (0) or ``isBenchmark`` (false) when the condition refuses the default (partial indexes
in position order); sizes come from counters, or are counted up to :data:`ESTIMATE_CAP`. A walk
over several keys merges them in position order. A page costs O(rows walked until offset + limit
match). The total comes from a counter when the filter is a stage set (``task_counts``) or one
batch (its row); one batch at a stage set is its counter minus its tasks at the other stages
when those are fewer; else the total counts the walk's rows: in SQL when no Python check is
left, else by checking them.

Still O(project) (no index says them): a filter that only the Python check can answer (dates,
``$regex``, ``updatedBy``, ``duration``, ``openIssuesCount``) or that most tasks' defaults match
(``priority <= 0``, ``isBenchmark: false``) walks the whole project for its total; its page is
cheap when matches are dense.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import workflow
from ..filters import field_matches, record_matches
from . import asset_order

if TYPE_CHECKING:
    import sqlite3

CONSTANTS: dict[str, Any] = {"type": "default", "isDraft": False, "isSkipped": False, "createdBy": None}
TEXT_COLUMNS = {
    "_id": "t.id",
    "stage": "t.stage",
    "status": "t.status",
    "reviewStatus": "t.review_status",
    "assignee": "t.assignee",
    "externalId": "a.external_id",
    "asset": "a.id",
    "updatedBy": "t.updated_by",
}
NUMBER_COLUMNS = {
    "priority": "t.priority",
    "duration": "t.duration",
    "totalDuration": "t.total_duration",
    "isBenchmark": "t.is_benchmark",
    "openIssuesCount": "(SELECT count(*) FROM issues i WHERE i.task_id = t.id AND i.status = 'Open')",
}
COMPARISONS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
ESTIMATE_CAP = 10_000  # an index whose size has no counter is counted up to this many entries
MAX_CHUNK = 1_000
_JOIN = "JOIN assets a ON a.pk = t.asset_pk"
# A walk's sources: table expression and the condition naming its key (``?`` the key).
_SOURCES = {
    "whole": (f"tasks t INDEXED BY tasks_in_order {_JOIN}", "1"),
    "stage": (f"tasks t INDEXED BY tasks_by_stage {_JOIN}", "t.stage = ?"),
    "assignee": (f"tasks t INDEXED BY tasks_by_assignee {_JOIN}", "t.assignee = ?"),
    "reviewStatus": (f"tasks t INDEXED BY tasks_by_review {_JOIN}", "t.review_status = ?"),
    "batches": (f"asset_batches m CROSS JOIN tasks t ON t.asset_pk = m.asset_pk {_JOIN}", "m.batch_id = ?"),
    # Partial indexes in position order of the few tasks off a field's default (no key):
    "priority": (f"tasks t INDEXED BY tasks_prioritized {_JOIN}", "t.priority != 0"),
    "isBenchmark": (f"tasks t INDEXED BY tasks_benchmarks {_JOIN}", "t.is_benchmark != 0"),
}
KEYLESS = ("whole", "priority", "isBenchmark")
SPARSE_DEFAULTS: dict[str, Any] = {"priority": 0, "isBenchmark": False}
"""Fields almost every task holds at their default: a condition the default fails walks the others."""


# Few rows hold a given id: they are fetched at once through the id's index, then sorted.
_BY_ID = {
    "_id": f"tasks t {_JOIN}",
    "asset": "assets a CROSS JOIN tasks t ON t.asset_pk = a.pk",
    "externalId": "assets a INDEXED BY assets_by_external_id CROSS JOIN tasks t ON t.asset_pk = a.pk",
}


def _key_args(kind: str, key: str) -> list[str]:
    return [] if kind in KEYLESS else [key]


def _number(value: Any) -> bool:
    """A value SQLite compares as Python does: a finite int, float or bool that fits 64 bits."""
    if type(value) is float:
        return math.isfinite(value)
    return type(value) in (int, bool) and abs(value) < 2**63


def _conditions(condition: Any) -> list[tuple[str, Any]]:
    return list(condition.items()) if isinstance(condition, Mapping) else [("$eq", condition)]


def _in_list(column: str, values: list) -> tuple[str, list]:
    return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(values)]


def text_sql(column: str, operator: str, operand: Any) -> tuple[str, list] | None:
    """``operator`` on a text column that may be NULL, meaning what :func:`field_matches` means; None
    when SQL cannot (``$regex``)."""
    if operator == "$exists":
        return (f"{column} IS NOT NULL" if operand else f"{column} IS NULL"), []
    if operator in ("$eq", "$ne"):
        if operand is None:
            return (f"{column} IS NULL" if operator == "$eq" else f"{column} IS NOT NULL"), []
        if type(operand) is not str:  # a text value or None never equals it
            return ("0" if operator == "$eq" else "1"), []
        return (f"{column} = ?" if operator == "$eq" else f"({column} IS NULL OR {column} != ?)"), [operand]
    if operator in ("$in", "$nin"):
        texts = [v for v in operand if type(v) is str]
        with_null = any(v is None for v in operand)
        member, args = _in_list(column, texts)
        if operator == "$in":
            return (f"({member} OR {column} IS NULL)" if with_null else member), args
        return (
            f"({column} IS NOT NULL AND NOT {member})" if with_null else f"({column} IS NULL OR NOT {member})"
        ), args
    if operator in COMPARISONS:  # str with str compares by code point, as UTF-8 bytes do; else False
        if type(operand) is not str:
            return "0", []
        return f"{column} {COMPARISONS[operator]} ?", [operand]
    return None


def number_sql(column: str, operator: str, operand: Any) -> tuple[str, list] | None:
    """``operator`` on a NOT NULL number column, meaning what :func:`field_matches` means."""
    if operator == "$exists":
        return ("1" if operand else "0"), []
    if operator == "$regex":
        return "0", []
    if operator in ("$in", "$nin"):
        if not all(_number(v) or not isinstance(v, (int, float)) for v in operand):
            return None  # NaN or a huge int: leave it to Python
        member, args = _in_list(column, [v for v in operand if _number(v)])
        return (member if operator == "$in" else f"NOT {member}"), args
    if not _number(operand):
        if isinstance(operand, (int, float)):
            return None
        return ("1" if operator == "$ne" else "0"), []  # == is False, and < > raise TypeError: False
    symbol = {"$eq": "=", "$ne": "!=", **COMPARISONS}[operator]
    return f"{column} {symbol} ?", [operand]


def batches_sql(operator: str, operand: Any) -> tuple[str, list] | None:
    """``operator`` on a task's batch list (any member matches; ``$ne``/``$nin``: every member)."""
    if operator == "$exists":
        return ("1" if operand else "0"), []
    if operator in ("$eq", "$ne", "$in", "$nin"):
        listed = [operand] if operator in ("$eq", "$ne") else operand
        member, args = _in_list("x.batch_id", [v for v in listed if type(v) is str])
        held = f"EXISTS (SELECT 1 FROM asset_batches x WHERE x.asset_pk = t.asset_pk AND {member})"
        return (held if operator in ("$eq", "$in") else f"NOT {held}"), args
    return None


def index_keys(condition: Any, *, nulls_matter: bool = True) -> list[str] | None:
    """The keys an ``$eq``/``$in`` condition names: every match holds one of them. None when a
    match may hold none (``$in`` with null on a column whose index leaves NULL out)."""
    for operator, operand in _conditions(condition):
        if operator == "$eq" and type(operand) is str:
            return [operand]
        if operator == "$in" and not (nulls_matter and any(v is None for v in operand)):
            return list(dict.fromkeys(v for v in operand if type(v) is str))
    return None


class TaskSearch:
    """One filtered listing of a project's tasks in one read snapshot: plan once, then page and count."""

    def __init__(
        self,
        db: sqlite3.Connection,
        project_id: str,
        stages: list[dict],
        filters: Mapping,
        *,
        columns: str,
        view: Callable[[Mapping], dict],
        descending: bool = False,
    ) -> None:
        self.db, self.project_id, self.columns, self.view = db, project_id, columns, view
        self.descending = descending
        self.where, self.args = ["t.project_id = ?"], [project_id]
        self.residual: dict[str, Any] = {}
        self.empty = False
        self.counted_by_stage = True  # every condition is about stage or status (or a constant)
        held = {
            row[0]: row[1]
            for row in db.execute(
                "SELECT stage, count FROM task_counts WHERE project_id = ? AND count > 0", (project_id,)
            )
        }
        self.stage_set: dict[str, int] | None = None
        self.held = held
        for name, condition in filters.items():
            if name in CONSTANTS:
                self.empty |= not field_matches(CONSTANTS[name], condition)
            elif name in ("stage", "status"):
                self._narrow_stages(held, stages, name, condition)
            else:
                self.counted_by_stage = False
                self._compile(name, condition)
        self.all_count = sum(held.values())
        if self.stage_set is not None and len(self.stage_set) == len(held):
            self.stage_set = None  # every stage holding tasks: no narrowing
        self.unstaged = (list(self.where), list(self.args))  # the SQL conditions but the stage set
        if self.stage_set is not None:
            sql, args = _in_list("t.stage", list(self.stage_set))
            self.where.append(sql)
            self.args.extend(args)
            self.empty |= not self.stage_set
        self.filters = filters
        self.walk = self._choose_walk()

    # ------------------------------------------------------------------ plan

    def _narrow_stages(self, held: dict[str, int], stages: list[dict], name: str, condition: Any) -> None:
        chosen = self.stage_set if self.stage_set is not None else held
        self.stage_set = {
            stage: count
            for stage, count in chosen.items()
            if field_matches(stage if name == "stage" else workflow.status_at(stages, stage), condition)
        }

    def _compile(self, name: str, condition: Any) -> None:
        left: dict[str, Any] = {}
        for operator, operand in _conditions(condition):
            if name in TEXT_COLUMNS:
                sql = text_sql(TEXT_COLUMNS[name], operator, operand)
            elif name in NUMBER_COLUMNS:
                sql = number_sql(NUMBER_COLUMNS[name], operator, operand)
            elif name == "batches":
                sql = batches_sql(operator, operand)
            else:
                sql = None
            if sql is None:
                left[operator] = operand
            elif sql[0] == "0":
                self.empty = True
            elif sql[0] != "1":
                self.where.append(sql[0])
                self.args.extend(sql[1])
        if left:
            self.residual[name] = left

    def _bounded_count(self, kind: str, key: str) -> int:
        source, key_where = _SOURCES[kind]
        return self.db.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE t.project_id = ? AND {key_where} LIMIT ?)",
            (self.project_id, *_key_args(kind, key), ESTIMATE_CAP),
        ).fetchone()[0]

    def _choose_walk(self) -> tuple[str, list[str]]:
        """The smallest index walk that yields every match: (kind, keys)."""
        for name in _BY_ID:
            keys = index_keys(self.filters.get(name)) if name in self.filters else None
            if keys is not None:
                return name, keys
        choices: list[tuple[int, str, list[str]]] = [(self.all_count, "whole", [""])]
        if self.stage_set is not None:
            choices.append((sum(self.stage_set.values()), "stage", list(self.stage_set)))
        for name in ("assignee", "reviewStatus"):
            keys = index_keys(self.filters[name]) if name in self.filters else None
            if keys is not None:
                choices.append((sum(self._bounded_count(name, k) for k in keys), name, keys))
        for name, default in SPARSE_DEFAULTS.items():
            if name in self.filters and not field_matches(default, self.filters[name]):
                choices.append((self._bounded_count(name, ""), name, [""]))
        keys = index_keys(self.filters["batches"], nulls_matter=False) if "batches" in self.filters else None
        if keys is not None:
            size = self.db.execute(
                "SELECT coalesce(sum(asset_count), 0) FROM batches WHERE +project_id = ? AND id IN "
                "(SELECT value FROM json_each(?))",
                (self.project_id, json.dumps(keys)),
            ).fetchone()
            choices.append((size[0], "batches", keys))
        _, kind, keys = min(choices, key=lambda choice: choice[0])
        return kind, keys

    # ------------------------------------------------------------------ walks

    def _stream(self, kind: str, key: str, first_chunk: int) -> Iterator[sqlite3.Row]:
        """Matching rows (SQL conditions) over one key of an index, in position order, read in chunks."""
        source, key_where = _SOURCES[kind]
        marker = "m.asset_pk" if kind == "batches" else "t.position"
        order, after = ("DESC", "<") if self.descending else ("ASC", ">")
        base = f"SELECT {self.columns}, {marker} AS marker FROM {source} WHERE {' AND '.join(self.where)} AND "
        key_args = _key_args(kind, key)
        chunk, last = first_chunk, None
        keyset_args: list[Any]
        while True:
            keyset, keyset_args = ("", []) if last is None else (f" AND {marker} {after} ?", [last])
            rows = self.db.execute(
                f"{base}{key_where}{keyset} ORDER BY {marker} {order} LIMIT ?",
                (*self.args, *key_args, *keyset_args, chunk),
            ).fetchall()
            yield from rows
            if len(rows) < chunk:
                return
            last, chunk = rows[-1]["marker"], min(chunk * 2, MAX_CHUNK)

    def _matches(self, first_chunk: int) -> Iterator[sqlite3.Row]:
        """Every match in position order (the Python check applied), each once."""
        kind, keys = self.walk
        if kind in _BY_ID:
            sql, args = _in_list(TEXT_COLUMNS[kind], keys)
            rows: Iterator = iter(
                self.db.execute(
                    f"SELECT {self.columns} FROM {_BY_ID[kind]} WHERE a.project_id = ? AND {sql} AND "
                    f"{' AND '.join(self.where)} ORDER BY t.position {'DESC' if self.descending else 'ASC'}",
                    (self.project_id, *args, *self.args),
                ).fetchall()
            )
        else:
            streams = [self._stream(kind, key, first_chunk) for key in keys]
            rows = (
                streams[0]
                if len(streams) == 1
                else heapq.merge(*streams, key=lambda row: row["position"], reverse=self.descending)
            )
        previous = None
        for row in rows:
            if row["position"] == previous:  # in two of the batches walked
                continue
            previous = row["position"]
            if not self.residual or record_matches(self.view(row), self.residual):
                yield row

    # ----------------------------------------------------------- page, total

    def page(self, page: int, limit: int) -> list[sqlite3.Row]:
        if self.empty:
            return []
        offset = (page - 1) * limit
        kind, keys = self.walk
        if kind == "whole" and len(self.where) == 1 and not self.residual:
            # The whole project: the page is the tasks ranked [first, end) in position order, found
            # through the asset block counts (a task has its asset's position), newest first if descending.
            first, end = offset, offset + limit
            if self.descending:
                first, end = max(self.all_count - page * limit, 0), self.all_count - offset
            start = asset_order.position_of_rank(self.db, self.project_id, first, "tasks")
            if start is None or end <= first:
                return []
            rows = self.db.execute(
                f"SELECT {self.columns} FROM tasks t {_JOIN} WHERE t.project_id = ? AND t.position >= ? "
                "ORDER BY t.position LIMIT ?",
                (self.project_id, start, end - first),
            ).fetchall()
            return rows[::-1] if self.descending else rows
        found = []
        for index, row in enumerate(self._matches(min(offset + limit, MAX_CHUNK))):
            if index >= offset:
                found.append(row)
                if len(found) == limit:
                    break
        return found

    def total(self) -> int:
        if self.empty:
            return 0
        kind, keys = self.walk
        if self.counted_by_stage:
            return sum(self.stage_set.values()) if self.stage_set is not None else self.all_count
        only_batch = (
            set(self.filters) == {"batches"}
            and kind == "batches"
            and len(keys) == 1
            and len(_conditions(self.filters["batches"])) == 1
        )
        if only_batch:
            row = self.db.execute(
                "SELECT asset_count FROM batches WHERE id = ? AND project_id = ?", (keys[0], self.project_id)
            ).fetchone()
            return row[0] if row else 0
        if self.residual or kind in _BY_ID:
            return sum(1 for _ in self._matches(MAX_CHUNK))
        where = " AND ".join(self.where)
        if kind == "batches" and len(keys) > 1:  # batches overlap: count each task once
            sql, args = _in_list("batch_id", keys)
            return self.db.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT asset_pk FROM asset_batches WHERE {sql}) "
                f"chosen CROSS JOIN tasks t ON t.asset_pk = chosen.asset_pk {_JOIN} WHERE {where}",
                (*args, *self.args),
            ).fetchone()[0]
        if kind == "batches" and self.stage_set is not None:
            outside = self._batch_outside_stages(keys[0])
            if outside is not None:
                return outside
        source, key_where = _SOURCES[kind]
        return sum(
            self.db.execute(
                f"SELECT count(*) FROM {source} WHERE {where} AND {key_where}", (*self.args, *_key_args(kind, key))
            ).fetchone()[0]
            for key in keys
        )

    def _batch_outside_stages(self, batch_id: str) -> int | None:
        """One batch at a set of stages (``get_tasks(stage=..., batches=[b])``): its counter minus its
        tasks at the other stages, when those are fewer than the batch (e.g. most tasks still at Label)."""
        if (
            set(self.filters) - set(CONSTANTS) - {"stage", "status"} != {"batches"}
            or len(_conditions(self.filters["batches"])) != 1
        ):
            return None
        row = self.db.execute(
            "SELECT asset_count FROM batches WHERE id = ? AND project_id = ?", (batch_id, self.project_id)
        ).fetchone()
        others = [stage for stage in self.held if stage not in (self.stage_set or {})]
        if row is None or sum(self.held[stage] for stage in others) >= row[0]:
            return None
        where, args = self.unstaged
        source, key_where = _SOURCES["stage"]
        outside = sum(
            self.db.execute(
                f"SELECT count(*) FROM {source} WHERE {' AND '.join(where)} AND {key_where}", (*args, stage)
            ).fetchone()[0]
            for stage in others
        )
        return row[0] - outside
