"""Which tasks a ``TaskFilter`` picks, from counted cells and a few checked rows: a page and its total
cost the same at a thousand tasks and at a million.

:meth:`mockango.services.tasks.TaskService.page` hands a checked filter here. Every condition keeps exactly the semantics of
:mod:`mockango.filters` (a row is checked by :func:`~mockango.filters.record_matches` itself
whenever it is checked at all), and each kind of condition is answered its own way:

- ``type``, ``isDraft``, ``isSkipped``, ``createdBy`` are the same on every task: the filter
  matches all tasks or none, decided without reading one;
- ``stage`` and ``status`` (any operator: a task's status follows from its stage) pick stages, and
  ``batches`` (any operator) picks batch groups: together they pick cells (:mod:`.cells`), whose
  members are counted per block (:mod:`.selection`);
- ``createdAt`` ranges (``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$eq``) pick a range of positions,
  found by a binary search (a task's ``createdAt`` grows with its position);
- ``updatedAt`` ranges are the same range for the untouched tasks (their ``updatedAt`` is their
  ``createdAt``); of the touched ones (an index holds them by ``updatedAt``) only those whose
  ``updatedAt`` lands on the other side of a bound than their ``createdAt`` are read, as positions,
  and :class:`UpdatedRange` decides them by comparing times, not rows (:meth:`TaskSearch._moved`);
- ``_id``, ``asset``, ``externalId`` with ``$eq``/``$in`` name their rows: those are read through
  their indexes and checked;
- every other condition holds or fails alike for every task still at its field's default (no
  assignee, review status, updater, issues; priority 0; not a benchmark; no duration; updatedAt
  equal to createdAt). So the tasks off that default (partial indexes hold just them) are read and
  checked one by one, and the rest follow the default: counted with the cells when it holds (the
  checked rows then adjust the count), left out when it fails.

What the cells cannot decide is read and checked: at most :data:`~.selection.SCAN_LIMIT` rows.
A filter that would need more (a ``$regex`` on ``externalId`` over a whole big project, an
``assignee`` condition on a project where most tasks have one, ...) is refused with a 400 saying
which condition and how to narrow it, instead of reading a million rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .. import workflow
from ..errors import InvalidRequest
from ..filters import field_matches
from ..models import iso_time
from . import asset_order, cells
from .selection import SCAN_LIMIT, Cells, PositionQuery, Positions, QueriedPositions, Selection, position_range
from .values import Record

if TYPE_CHECKING:
    import sqlite3

CONSTANTS: dict[str, Any] = {"type": "default", "isDraft": False, "isSkipped": False, "createdBy": None}
IDS = {"_id": "t.id", "asset": "a.id", "externalId": "a.external_id"}
_BY_ID = {
    "_id": "tasks t JOIN assets a ON a.pk = t.asset_pk",
    "asset": "assets a CROSS JOIN tasks t ON t.asset_pk = a.pk",
    "externalId": "assets a INDEXED BY assets_by_external_id CROSS JOIN tasks t ON t.asset_pk = a.pk",
}
_JOIN = "JOIN assets a ON a.pk = t.asset_pk"
DEFAULTS: dict[str, Any] = {
    "assignee": None,
    "reviewStatus": None,
    "updatedBy": None,
    "priority": 0,
    "isBenchmark": False,
    "duration": 0,
    "totalDuration": 0,
    "openIssuesCount": 0,
}
"""What a task nobody worked on holds in these fields (``updatedAt``'s default is its ``createdAt``)."""
# The tasks off a field's default, through a partial index in position order: (source, condition).
OFF_DEFAULT = {
    "assignee": ("tasks t INDEXED BY tasks_by_assignee", "t.assignee IS NOT NULL"),
    "reviewStatus": ("tasks t INDEXED BY tasks_by_review", "t.review_status IS NOT NULL"),
    "updatedBy": ("tasks t INDEXED BY tasks_updated", "t.updated_by IS NOT NULL"),
    "priority": ("tasks t INDEXED BY tasks_prioritized", "t.priority != 0"),
    "isBenchmark": ("tasks t INDEXED BY tasks_benchmarks", "t.is_benchmark != 0"),
    "duration": ("tasks t INDEXED BY tasks_timed", "(t.duration != 0 OR t.total_duration != 0)"),
    "totalDuration": ("tasks t INDEXED BY tasks_timed", "(t.duration != 0 OR t.total_duration != 0)"),
}
"""Partial indexes of the tasks off a field's default, in position order (``tasks_*`` in :mod:`.tasks`)."""
POSITIVE, NEGATIVE = ("$eq", "$in", "$regex"), ("$ne", "$nin")
RANGES = ("$gt", "$gte", "$lt", "$lte", "$eq")
BATCHES_CHECKED = 10_000  # a $regex on batches is matched against at most this many of the project's batches


def _conditions(condition: Any) -> list[tuple[str, Any]]:
    return list(condition.items()) if isinstance(condition, Mapping) else [("$eq", condition)]


def index_keys(condition: Any) -> list[str] | None:
    """The keys an ``$eq``/``$in`` condition names (every match holds one of them), or None."""
    for operator, operand in _conditions(condition):
        if operator == "$eq" and type(operand) is str:
            return [operand]
        if operator == "$in" and not any(v is None for v in operand):
            return list(dict.fromkeys(v for v in operand if type(v) is str))
    return None


FIELD_VALUES: dict[str, Callable[[Record], Any]] = {
    "_id": lambda row: row["id"],
    "stage": lambda row: row["stage"],
    "batches": lambda row: json.loads(row["batches"]),
    "status": lambda row: row["status"],
    "reviewStatus": lambda row: row["review_status"],
    "type": lambda row: "default",
    "assignee": lambda row: row["assignee"],
    "externalId": lambda row: row["external_id"],
    "asset": lambda row: row["asset_id"],
    "createdAt": lambda row: iso_time(row["created_at"]),
    "updatedAt": lambda row: iso_time(row["updated_at"]),
    "createdBy": lambda row: None,
    "updatedBy": lambda row: row["updated_by"],
    "priority": lambda row: row["priority"],
    "duration": lambda row: row["duration"],
    "totalDuration": lambda row: row["total_duration"],
    "openIssuesCount": lambda row: row["open_issues"],
    "isDraft": lambda row: False,
    "isSkipped": lambda row: False,
    "isBenchmark": lambda row: bool(row["is_benchmark"]),
}
"""Each filter field's value in a task row, as the task's view shows it (``TaskService._view``): a checked row
computes only the fields its filter names."""
FIELD_COLUMNS = {
    "_id": "t.id",
    "stage": "t.stage",
    "batches": "a.batches",
    "status": "t.status",
    "reviewStatus": "t.review_status",
    "assignee": "t.assignee",
    "externalId": "a.external_id",
    "asset": "a.id AS asset_id",
    "createdAt": "t.created_at",
    "updatedAt": "t.updated_at",
    "updatedBy": "t.updated_by",
    "priority": "t.priority",
    "duration": "t.duration",
    "totalDuration": "t.total_duration",
    "openIssuesCount": "(SELECT count(*) FROM issues o WHERE o.task_id = t.id AND o.status = 'Open') AS open_issues",
    "isBenchmark": "t.is_benchmark",
}
"""What a checked row reads for each field (the view's columns, ``records.tasks._COLUMNS``)."""


def _meets(condition: Mapping) -> Callable[[str], bool]:
    return lambda stamp: field_matches(stamp, condition)


def _fails(condition: Mapping) -> Callable[[str], bool]:
    return lambda stamp: not field_matches(stamp, condition)


def row_matches(row: Record, filters: Mapping) -> bool:
    """:func:`~mockango.filters.record_matches` of the row's view, field by field."""
    return all(field_matches(FIELD_VALUES[name](row), condition) for name, condition in filters.items())


TOUCHED = "t.updated_at != t.created_at"  # the condition of the index tasks_touched_times
TIME_SPAN = (0.0, 253_402_300_799.0)  # the times iso_time writes with a four-digit year (to 9999-12-31)
TIME_PRECISION = 1e-4  # seconds: a bound's time is known to within this; a time in between is checked as text


def _threshold(holds: Callable[[float], bool]) -> tuple[float | None, float | None]:
    """For ``holds`` false then true along time: (a time where it is false, a later one where it is true),
    at most :data:`TIME_PRECISION` apart; None for an end where it never is false (or true)."""
    low, high = TIME_SPAN
    if holds(low):
        return None, low
    if not holds(high):
        return high, None
    while high - low > TIME_PRECISION:
        middle = (low + high) / 2
        if holds(middle):
            high = middle
        else:
            low = middle
    return low, high


class UpdatedRange:
    """An ``updatedAt`` range condition (string operands, as ``createdAt`` ranges) decided on stored
    times: the filter compares ISO texts, and ``iso_time`` grows with the time, so each bound is a time
    found once by bisection (:func:`_threshold`); a time within :data:`TIME_PRECISION` of one is checked
    as text, exactly as :func:`~mockango.filters.field_matches` does."""

    def __init__(self, condition: Mapping) -> None:
        self.condition = condition
        lower = {op: v for op, v in condition.items() if op in ("$gt", "$gte")}
        upper = {op: v for op, v in condition.items() if op in ("$lt", "$lte")}
        if "$eq" in condition:
            lower["$gte"], upper["$lte"] = condition["$eq"], condition["$eq"]
        self.has_upper = bool(upper)
        # (last time failing the lower bound, first time meeting it), (last meeting the upper, first failing it)
        self.last_false_low, self.first_true_low = (
            _threshold(lambda t: all(field_matches(iso_time(t), {op: v}) for op, v in lower.items()))
            if lower
            else (None, TIME_SPAN[0])
        )
        self.last_true_high, self.first_false_high = (
            _threshold(lambda t: not all(field_matches(iso_time(t), {op: v}) for op, v in upper.items()))
            if upper
            else (TIME_SPAN[1], None)
        )

    def holds(self, updated_at: float) -> bool:
        """Does a task updated at this time meet the condition."""
        if self.last_false_low is not None and updated_at <= self.last_false_low:
            return False
        if self.first_false_high is not None and updated_at >= self.first_false_high:
            return False
        certain_low = self.first_true_low is not None and updated_at >= self.first_true_low
        certain_high = self.last_true_high is not None and updated_at <= self.last_true_high
        return (certain_low and certain_high) or field_matches(iso_time(updated_at), self.condition)


class TooBroad(InvalidRequest):
    """A filter whose undecided part would have mockango check too many rows one by one."""


@dataclass
class Walk:
    """Rows to read and check one by one: ``FROM source WHERE condition`` (``t`` the task). ``holds_all``:
    every match of the filter is among them (so they alone can answer it)."""

    source: str
    condition: str
    args: list = field(default_factory=list)
    holds_all: bool = False
    joins_asset: bool = False  # the source already joins the task's asset as ``a``


EVERY_TASK = Walk("tasks t INDEXED BY tasks_in_order", "1", holds_all=True)


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
        descending: bool = False,
    ) -> None:
        self.db, self.project_id, self.columns = db, project_id, columns
        self.filters, self.descending = dict(filters), descending
        self.rows_by_id: list[sqlite3.Row] | None = None
        self.whole = False
        self.selection = Selection(db, project_id, None)
        if not all(field_matches(CONSTANTS[name], filters[name]) for name in CONSTANTS if name in filters):
            return
        if set(filters) <= set(CONSTANTS):
            self.whole = True  # every task: ranked by the asset block counts
            return
        for name in IDS:
            keys = index_keys(filters[name]) if name in filters else None
            if keys is not None:
                self.rows_by_id = self._by_id(name, keys)
                return
        self.selection = self._plan(stages)

    # ---------------------------------------------------------------- by ids

    def _by_id(self, name: str, keys: list[str]) -> list[sqlite3.Row]:
        found = self.db.execute(
            f"SELECT {self.columns} FROM {_BY_ID[name]} WHERE a.project_id = ? AND {IDS[name]} IN "
            f"(SELECT value FROM json_each(?)) ORDER BY t.position {'DESC' if self.descending else 'ASC'}",
            (self.project_id, json.dumps(keys)),
        ).fetchall()
        return [row for row in found if row_matches(row, self.filters)]

    # ------------------------------------------------------------------ plan

    def _plan(self, stages: list[dict]) -> Selection:
        filters = self.filters
        held = [
            row[0]
            for row in self.db.execute(
                "SELECT stage FROM task_counts WHERE project_id = ? AND count > 0", (self.project_id,)
            )
        ]
        chosen_stages = [
            s
            for s in held
            if ("stage" not in filters or field_matches(s, filters["stage"]))
            and ("status" not in filters or field_matches(workflow.status_at(stages, s), filters["status"]))
        ]
        if not chosen_stages:
            return Selection(self.db, self.project_id, None)
        groups = cells.project_groups(self.db, self.project_id)
        cell_set = Cells(cells.TASKS, chosen_stages, texts={pk: json.dumps(m) for pk, m in groups.items()})
        self.walk_cells = cell_set  # where a match can be: the cells, and the overflow group while undecided
        walks: list[Walk] = []
        default_holds = True  # a task nobody worked on, in the chosen cells, matches
        if "batches" in filters:
            self._plan_batches(filters["batches"], groups, cell_set, walks)
        ordered = cells.in_created_order(self.db, self.project_id)
        updated: UpdatedRange | None = None  # an updatedAt range, decided once the position ranges are known
        walk_low, walk_high = 0, None  # every match is in here (createdAt)
        count_low, count_high = 0, None  # the default holds in here (createdAt, and updatedAt of untouched tasks)
        for name, condition in filters.items():
            if name in (*CONSTANTS, "stage", "status", "batches"):
                continue
            if name in ("createdAt", "updatedAt"):
                interval = self._created_range(condition) if ordered else None
                if interval is None:
                    default_holds = False
                    walks.append(EVERY_TASK)
                    continue
                count_low, count_high = max(count_low, interval[0]), _lower(count_high, interval[1])
                if name == "createdAt":
                    walk_low, walk_high = max(walk_low, interval[0]), _lower(walk_high, interval[1])
                else:
                    updated = UpdatedRange(condition)
            elif name in DEFAULTS:
                holds = field_matches(DEFAULTS[name], condition)
                default_holds &= holds
                walks.append(self._off_default(name, holds_all=not holds))
            else:  # _id, asset, externalId with other operators than $eq/$in
                walk, holds = self._ids_off(name, condition)
                default_holds &= holds
                walks.append(walk)
        count_range = (count_low, count_high)
        counted = cell_set if default_holds else None
        excluded: Positions | list[int]
        added: Positions | list[int]
        if updated is not None and default_holds and not walks and self.walk_cells is cell_set:
            # Only the updatedAt range is undecided: its moved rows are decided by SQL on their times.
            excluded, added = self._moved(updated, cell_set, (walk_low, walk_high), count_range)
        else:
            if updated is not None:
                walks.append(self._moved_walk(updated, count_range))
            if not default_holds:
                # Every match is off some default: the smallest walk that holds them all is enough.
                walks = [min((w for w in walks if w.holds_all), key=lambda w: self._size(w, walk_low, walk_high))]
            excluded, added = self._check(walks, cell_set, counted, (walk_low, walk_high), count_range)
        if counted is not None and count_high is not None and count_high <= count_low:
            counted = None
        return Selection(
            self.db, self.project_id, counted, low=count_low, high=count_high, excluded=excluded, added=added
        )

    def _plan_batches(self, condition: Any, groups: dict[int, list], cell_set: Cells, walks: list[Walk]) -> None:
        """Decide the batches condition for every known group; the overflow group (assets whose batch list
        found no group) is decided when the operators allow it, else its rows are walked and checked."""
        chosen = [pk for pk, members in groups.items() if field_matches(members, condition)]
        operators = {operator for operator, _ in _conditions(condition)}
        overflow = cells.has_overflow(self.db, self.project_id)
        overflow_in = False
        if operators <= {"$exists"}:
            overflow_in = field_matches([], condition)
        elif operators & set(POSITIVE):  # a match holds one of the named (or pattern-matched) batches
            if overflow:
                walks.append(self._members(self._positive_batches(condition), cell_set, holds_all=False))
        elif operators <= {*NEGATIVE, "$exists"}:  # counted; overflow rows holding a named batch are checked
            overflow_in = field_matches([], {op: v for op, v in _conditions(condition) if op == "$exists"})
            if overflow and overflow_in:
                walks.append(self._members(_named(condition), cell_set, holds_all=False))
        elif overflow:  # comparisons of whole lists: every overflow row is checked
            walks.append(self._overflow_rows(cell_set))
        if overflow_in:
            chosen.append(cells.OVERFLOW)
        everything = [*groups, cells.OVERFLOW]
        if 2 * len(chosen) > len(everything):  # the margin minus the few left out costs less
            cell_set.excluded = [g for g in everything if g not in chosen]
        else:
            cell_set.groups = chosen
        if overflow and not overflow_in:  # its rows may still match: the walks look there too
            self.walk_cells = replace(
                cell_set,
                groups=None if cell_set.groups is None else [*cell_set.groups, cells.OVERFLOW],
                excluded=[g for g in cell_set.excluded if g != cells.OVERFLOW],
            )

    def _positive_batches(self, condition: Any) -> list[str]:
        named: list[str] = []
        for operator, operand in _conditions(condition):
            if operator == "$eq" and type(operand) is str:
                named.append(operand)
            elif operator == "$in":
                named += [v for v in operand if type(v) is str]
            elif operator == "$regex":
                found = self.db.execute(
                    "SELECT id FROM batches WHERE project_id = ? LIMIT ?", (self.project_id, BATCHES_CHECKED + 1)
                ).fetchall()
                if len(found) > BATCHES_CHECKED:
                    raise TooBroad(
                        f"filter.batches.$regex: this project has more than {BATCHES_CHECKED:,} batches and mockango "
                        "matches a pattern against at most that many: name the batches ($in) instead"
                    )
                named += [row[0] for row in found if field_matches(row[0], {"$regex": operand})]
        return list(dict.fromkeys(named))

    def _members(self, batch_ids: list[str], cell_set: Cells, *, holds_all: bool) -> Walk:
        """The overflow group's tasks in any of these batches (through the membership index)."""
        return Walk(
            "asset_batches m CROSS JOIN tasks t ON t.asset_pk = m.asset_pk JOIN assets a ON a.pk = t.asset_pk",
            "m.batch_id IN (SELECT value FROM json_each(?)) AND a.batches NOT IN (SELECT value FROM json_each(?))",
            [json.dumps(batch_ids), json.dumps(list(cell_set.texts.values()))],
            holds_all=holds_all,
            joins_asset=True,
        )

    def _overflow_rows(self, cell_set: Cells) -> Walk:
        return Walk(
            "tasks t INDEXED BY tasks_in_order JOIN assets a ON a.pk = t.asset_pk",
            "a.batches NOT IN (SELECT value FROM json_each(?))",
            [json.dumps(list(cell_set.texts.values()))],
            joins_asset=True,
        )

    def _off_default(self, name: str, *, holds_all: bool) -> Walk:
        if name == "openIssuesCount":
            return Walk(
                "issues i INDEXED BY issues_by_project CROSS JOIN tasks t ON t.pk = i.task_pk",
                "i.project_id = t.project_id AND i.status = 'Open'",
                holds_all=holds_all,
            )
        source, condition = OFF_DEFAULT[name]
        return Walk(source, condition, holds_all=holds_all)

    def _ids_off(self, name: str, condition: Any) -> tuple[Walk, bool]:
        """An id field under other operators than $eq/$in: for $ne/$nin (and $exists), the rows holding a
        named value are checked and the others follow the default; anything else checks every row."""
        if not {operator for operator, _ in _conditions(condition)} <= {*NEGATIVE, "$exists"}:
            return EVERY_TASK, False
        holds = field_matches("\x00none of the named values", condition)
        texts = json.dumps([v for v in _named(condition) if type(v) is str])
        if name == "_id":
            return Walk("tasks t", "t.id IN (SELECT value FROM json_each(?))", [texts], holds_all=not holds), holds
        source = "assets a INDEXED BY assets_by_external_id" if name == "externalId" else "assets a"
        column = "a.external_id" if name == "externalId" else "a.id"
        walk = Walk(
            f"{source} CROSS JOIN tasks t ON t.asset_pk = a.pk",
            f"a.project_id = t.project_id AND {column} IN (SELECT value FROM json_each(?))",
            [texts],
            holds_all=not holds,
            joins_asset=True,
        )
        return walk, holds

    # ----------------------------------------------------------- updatedAt

    def _moved_parts(self, updated: UpdatedRange, count_range: tuple[int, int | None]) -> list[tuple[str, list]]:
        """Touched tasks (:data:`TOUCHED`) that may sit on the other side of a bound than
        their createdAt, each part a range of the index by time: inside the counted positions but updated
        past the upper bound, or outside them and updated into the range. Every other task follows its
        createdAt (``updatedAt >= createdAt``)."""
        inside, inside_args = position_range(*count_range)
        parts = []
        if updated.has_upper:
            past = "" if updated.last_true_high is None else " AND t.updated_at > ?"
            past_args = [] if updated.last_true_high is None else [updated.last_true_high]
            parts.append((f"{inside}{past}", [*inside_args, *past_args]))
        into, into_args = [f"NOT ({inside})"], list(inside_args)
        if updated.last_false_low is not None:
            into.append("t.updated_at > ?")
            into_args.append(updated.last_false_low)
        if updated.first_false_high is not None:
            into.append("t.updated_at < ?")
            into_args.append(updated.first_false_high)
        parts.append((" AND ".join(into), into_args))
        return parts

    def _moved_walk(self, updated: UpdatedRange, count_range: tuple[int, int | None]) -> Walk:
        parts = self._moved_parts(updated, count_range)
        return Walk(
            "tasks t INDEXED BY tasks_touched_times",
            f"{TOUCHED} AND (" + " OR ".join(f"({condition})" for condition, _ in parts) + ")",
            [arg for _, args in parts for arg in args],
        )

    def _moved(
        self,
        updated: UpdatedRange,
        cell_set: Cells,
        walk_range: tuple[int, int | None],
        count_range: tuple[int, int | None],
    ) -> tuple[Positions, Positions]:
        """(excluded, added) for a filter whose only undecided condition is an updatedAt range, as SQL over
        the touched tasks' index (counted and paged by ranges of positions, never all read): those whose
        time is past a bound for certain; the few within :data:`TIME_PRECISION` of one are read and
        checked as text."""
        source = "tasks t INDEXED BY tasks_touched_times" + ("" if cell_set.by_index() else f" {_JOIN}")
        where, cell_args = cell_set.sql()
        walk_bounds, walk_args = position_range(*walk_range)
        base, base_args = f"{TOUCHED} AND {where} AND {walk_bounds}", [*cell_args, *walk_args]
        low, high = count_range
        inside, inside_args = position_range(low, high)

        windows = [
            (after, before)
            for after, before in (
                (updated.last_false_low, updated.first_true_low),
                (updated.last_true_high, updated.first_false_high),
            )
            if after is not None and before is not None
        ]
        checked_out: list[int] = []
        checked_in: list[int] = []
        for after, before in windows:
            rows = self.db.execute(
                f"SELECT t.position, t.updated_at FROM {source} WHERE t.project_id = ? AND {base} "
                "AND t.updated_at > ? AND t.updated_at < ? LIMIT ?",
                (self.project_id, *base_args, after, before, SCAN_LIMIT + 1),
            ).fetchall()
            if len(rows) > SCAN_LIMIT:
                raise self._too_broad()
            for position, updated_at in rows:
                counted = position >= low and (high is None or position < high)
                if counted != updated.holds(updated_at):
                    (checked_out if counted else checked_in).append(position)

        # Outside the counted positions, updated into the range for certain (none if no time meets it).
        added: Positions = Positions(checked_in)
        if updated.first_true_low is not None and not (updated.has_upper and updated.last_true_high is None):
            into, into_args = f"NOT ({inside}) AND t.updated_at >= ?", [*inside_args, updated.first_true_low]
            if updated.last_true_high is not None:
                into, into_args = f"{into} AND t.updated_at <= ?", [*into_args, updated.last_true_high]
            query = PositionQuery(source, f"{base} AND {into}", [*base_args, *into_args])
            added = QueriedPositions(self.db, self.project_id, query, checked_in)
        # Counted, but updated past the upper bound for certain.
        excluded: Positions = Positions(checked_out)
        if updated.first_false_high is not None:
            past, past_args = f"{inside} AND t.updated_at >= ?", [*inside_args, updated.first_false_high]
            query = PositionQuery(source, f"{base} AND {past}", [*base_args, *past_args])
            excluded = QueriedPositions(self.db, self.project_id, query, checked_out)
        return excluded, added

    # ----------------------------------------------------------- createdAt

    def _created_range(self, condition: Any) -> tuple[int, int | None] | None:
        """The positions [low, high) whose task's createdAt meets ``condition``, or None when it is not a
        range (found by binary search: createdAt grows with position)."""
        if not isinstance(condition, Mapping) or not condition or not set(condition) <= set(RANGES):
            return None
        if not all(type(v) is str for v in condition.values()):
            return None
        low, high = 0, None
        end = asset_order.next_position(self.db, self.project_id)
        for operator, operand in condition.items():
            check = {"$eq": {"$gte": operand}, "$gt": {"$gt": operand}, "$gte": {"$gte": operand}}.get(operator)
            if check is not None:  # false then true along the positions: the first true is the low end
                low = max(low, self._first(_meets(check), end))
            if operator in ("$lt", "$lte", "$eq"):
                bound = {"$eq": {"$lte": operand}}.get(operator, {operator: operand})
                high = _lower(high, self._first(_fails(bound), end))
        return low, high

    def _first(self, holds: Callable[[str], bool], end: int) -> int:
        """The smallest position from which ``holds(createdAt)`` is true of every later task (``end`` if none)."""
        low, high = 0, end
        while low < high:
            middle = (low + high) // 2
            row = self.db.execute(
                "SELECT position, created_at FROM tasks INDEXED BY tasks_in_order WHERE project_id = ? AND "
                "position >= ? ORDER BY position LIMIT 1",
                (self.project_id, middle),
            ).fetchone()
            if row is None or holds(iso_time(row[1])):
                high = middle
            else:
                low = (row[0] if row[0] >= middle else middle) + 1
        return low

    # ---------------------------------------------------------------- checks

    def _rows(self, walk: Walk, low: int, high: int | None, limit: int, what: str = "") -> list[sqlite3.Row]:
        """The walk's rows in the cells a match can be in, in [low, high), at most ``limit``."""
        join = "" if walk.joins_asset else _JOIN
        bounds, bound_args = position_range(low, high)
        where, args = self.walk_cells.sql()
        return self.db.execute(
            f"SELECT {what or self.columns} FROM {walk.source} {join} WHERE t.project_id = ? AND {walk.condition} "
            f"AND {bounds} AND {where} LIMIT ?",
            (self.project_id, *walk.args, *bound_args, *args, limit),
        ).fetchall()

    def _size(self, walk: Walk, low: int, high: int | None) -> int:
        return len(self._rows(walk, low, high, SCAN_LIMIT + 1, "1"))

    def _too_broad(self) -> TooBroad:
        undecided = [n for n in self.filters if n not in (*CONSTANTS, "stage", "status")]
        return TooBroad(
            f"filter: {', '.join(undecided)} leave(s) more than {SCAN_LIMIT:,} tasks to check one by one, and "
            "mockango checks at most that many (it never reads a whole big project for one page): narrow the "
            "filter with stage, batches or a createdAt range"
        )

    def _check(
        self,
        walks: list[Walk],
        cell_set: Cells,
        counted: Cells | None,
        walk_range: tuple[int, int | None],
        count_range: tuple[int, int | None],
    ) -> tuple[list[int], list[int]]:
        """Check every row the walks reach: the positions the cells count that do not match, and those they
        do not count that do."""
        excluded, added, seen = [], [], set()
        low, high = count_range
        needed = {"t.position", "t.stage", "a.batches"} | {FIELD_COLUMNS[n] for n in self.filters if n in FIELD_COLUMNS}
        for walk in walks:
            rows = self._rows(walk, *walk_range, SCAN_LIMIT + 1, ", ".join(sorted(needed)))
            for row in rows:
                position = row["position"]
                if position in seen:
                    continue
                seen.add(position)
                if len(seen) > SCAN_LIMIT:
                    raise self._too_broad()
                in_range = position >= low and (high is None or position < high)
                in_cells = counted is not None and in_range and counted.holds(row["stage"], row["batches"])
                matches = row_matches(row, self.filters)
                if in_cells and not matches:
                    excluded.append(position)
                elif matches and not in_cells:
                    added.append(position)
        return excluded, added

    # ----------------------------------------------------------- page, total

    def page(self, page: int, limit: int) -> list[sqlite3.Row]:
        offset = (page - 1) * limit
        if self.rows_by_id is not None:
            return self.rows_by_id[offset : offset + limit]
        if self.whole:
            return self._whole_page(offset, limit)
        positions = self.selection.page(offset, limit, descending=self.descending)
        if not positions:
            return []
        rows = self.db.execute(
            f"SELECT {self.columns} FROM tasks t {_JOIN} WHERE t.project_id = ? AND t.position IN "
            "(SELECT value FROM json_each(?))",
            (self.project_id, json.dumps(positions)),
        ).fetchall()
        by_position = {row["position"]: row for row in rows}
        return [by_position[p] for p in positions if p in by_position]

    def total(self) -> int:
        if self.rows_by_id is not None:
            return len(self.rows_by_id)
        if self.whole:
            return self._all_count()
        return self.selection.total()

    def _all_count(self) -> int:
        return self.db.execute(
            "SELECT coalesce(sum(count), 0) FROM task_counts WHERE project_id = ?", (self.project_id,)
        ).fetchone()[0]

    def _whole_page(self, offset: int, limit: int) -> list[sqlite3.Row]:
        """A page of every task: the tasks ranked [first, end) in position order, found through the asset
        block counts (a task has its asset's position), newest first if descending."""
        first, end = offset, offset + limit
        if self.descending:
            total = self._all_count()
            first, end = max(total - offset - limit, 0), total - offset
        start = asset_order.position_of_rank(self.db, self.project_id, first, "tasks")
        if start is None or end <= first:
            return []
        rows = self.db.execute(
            f"SELECT {self.columns} FROM tasks t {_JOIN} WHERE t.project_id = ? AND t.position >= ? "
            "ORDER BY t.position LIMIT ?",
            (self.project_id, start, end - first),
        ).fetchall()
        return rows[::-1] if self.descending else rows


def _named(condition: Any) -> list:
    """The values a $ne/$nin condition names."""
    named: list = []
    for operator, operand in _conditions(condition):
        if operator == "$ne":
            named.append(operand)
        elif operator == "$nin":
            named += list(operand)
    return named


def _lower(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
