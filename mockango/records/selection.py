"""A filtered listing as counted cells plus a few exceptions: its total and the positions of any page,
from block counts, never a read of the project.

A :class:`Selection` is ``(D - E) | M`` in position order, where

- ``D`` is a set of cells (:mod:`.cells`) within a range of positions ``[low, high)``: counted;
- ``E`` are positions in ``D`` that do not match after all, and ``M`` positions outside ``D`` that
  do: both found by checking the few rows a filter could not decide from cells (tasks someone
  assigned, touched or ranked; overflow batch groups), at most :data:`SCAN_LIMIT` of them; or,
  where SQL alone decides them (an ``updatedAt`` range), a :class:`QueriedPositions`: counted and
  read a range of positions at a time, never all fetched.

Its size is ``|D| - |E| + |M|``. The k-th member is found level by level: the big blocks' counts
(n/65,536 rows per cell) give the big block that holds it, that block's 64 small blocks the small
one, and a read of at most 1,024 positions the member itself; E and M, sorted lists, adjust the
counts of the blocks they fall in. A page then reads forward from there, block by block, skipping
blocks with no member.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .cells import BIG, MARGIN, OVERFLOW, SMALL, SMALL_PER_BIG, TASKS

SCAN_LIMIT = 100_000
NEAR_AN_END = 1_000  # members this close to the first or last are read directly, without block counts
"""Rows a filter may check one by one (what its cells cannot decide); beyond it the filter is refused."""

_SOURCES = {  # family: (its rows by value then position, the alias holding the position, its value)
    TASKS: ("tasks t INDEXED BY tasks_by_stage", "t", "t.stage"),
    "a": ("assets a INDEXED BY assets_by_pre_labeled_in_order", "a", "a.pre_labeled"),
}


def position_range(first: int, end: int | None) -> tuple[str, list]:
    """An SQL condition on a task ``t`` for positions in [first, end) (``end`` None: no end), and its arguments."""
    if end is None:
        return "t.position >= ?", [first]
    return "t.position >= ? AND t.position < ?", [first, end]


class Positions:
    """A set of positions: a sorted list (rows checked one by one)."""

    def __init__(self, positions: Iterable[int] = ()) -> None:
        self.sorted = sorted(set(positions))

    def count(self, first: int = 0, end: int | None = None) -> int:
        """How many are in [first, end)."""
        stop = len(self.sorted) if end is None else bisect.bisect_left(self.sorted, end)
        return max(stop - bisect.bisect_left(self.sorted, first), 0)

    def between(self, first: int, end: int | None, limit: int | None = None) -> list[int]:
        """Those in [first, end), in order; the first ``limit``."""
        stop = len(self.sorted) if end is None else bisect.bisect_left(self.sorted, end)
        start = bisect.bisect_left(self.sorted, first)
        return self.sorted[start : stop if limit is None else min(stop, start + limit)]

    def last(self, limit: int) -> list[int]:
        """The last ``limit``, in order."""
        return self.sorted[-limit:] if limit > 0 else []

    def blocks(self, size: int, first: int, end: int | None) -> set[int]:
        """The blocks of ``size`` in [first, end) holding one of them."""
        return {p // size for p in self.between(first * size, None if end is None else end * size)}


@dataclass
class PositionQuery:
    """Positions SQL picks exactly: ``SELECT t.position FROM source WHERE condition`` (``t`` a task of the
    project; ``source`` reads the project's rows in position order)."""

    source: str
    condition: str
    args: list


class QueriedPositions(Positions):
    """Checked positions plus those an SQL condition picks (disjoint from them): counted and read by
    ranges of positions through an index in position order, never fetched whole."""

    def __init__(self, db: sqlite3.Connection, project_id: str, query: PositionQuery, checked: Iterable[int]) -> None:
        super().__init__(checked)
        self.db, self.project_id, self.query = db, project_id, query
        self._counts: dict[tuple[int, int | None], int] = {}

    def _select(self, what: str, first: int, end: int | None, tail: str = "", extra: tuple = ()) -> list:
        bounds, bound_args = position_range(first, end)
        return self.db.execute(
            f"SELECT {what} FROM {self.query.source} WHERE t.project_id = ? AND {self.query.condition} "
            f"AND {bounds} {tail}",
            (self.project_id, *self.query.args, *bound_args, *extra),
        ).fetchall()

    def count(self, first: int = 0, end: int | None = None) -> int:
        key = (first, end)
        if key not in self._counts:
            self._counts[key] = self._select("count(*)", first, end)[0][0]
        return super().count(first, end) + self._counts[key]

    def between(self, first: int, end: int | None, limit: int | None = None) -> list[int]:
        queried = [
            row[0]
            for row in self._select(
                "t.position", first, end, "ORDER BY t.position LIMIT ?", (-1 if limit is None else limit,)
            )
        ]
        merged = sorted(queried + super().between(first, end, limit))
        return merged if limit is None else merged[:limit]

    def last(self, limit: int) -> list[int]:
        if limit <= 0:
            return []
        queried = [row[0] for row in self._select("t.position", 0, None, "ORDER BY t.position DESC LIMIT ?", (limit,))]
        return sorted(queried + super().last(limit))[-limit:]

    def blocks(self, size: int, first: int, end: int | None) -> set[int]:
        queried = {
            row[0]
            for row in self._select(
                f"DISTINCT t.position / {int(size)}", first * size, None if end is None else end * size
            )
        }
        return queried | super().blocks(size, first, end)


@dataclass
class Cells:
    """Cells of one family: the values (stages, or pre-labeled '0'/'1') times the groups; ``groups``
    None means every group but ``excluded`` (counted as the margin minus those)."""

    family: str
    values: list[str]
    groups: list[int] | None = None
    excluded: list[int] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)  # every known group -> its members' text
    by_text: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_text = {text: pk for pk, text in self.texts.items()}

    def signed(self) -> list[tuple[int, str, int]]:
        """(group, value, +1/-1) whose block counts add up to this set's."""
        if self.groups is None:
            return [(MARGIN, v, 1) for v in self.values] + [(g, v, -1) for g in self.excluded for v in self.values]
        return [(g, v, 1) for g in self.groups for v in self.values]

    def sql(self) -> tuple[str, list]:
        """An SQL condition on a row (``a`` its asset) that holds exactly for members of these cells."""
        where = [f"{_SOURCES[self.family][2]} IN (SELECT value FROM json_each(?))"]
        args: list = [json.dumps(self.values if self.family == TASKS else [int(v) for v in self.values])]
        known = json.dumps(list(self.texts.values()))
        listed = self.groups if self.groups is not None else self.excluded
        texts = json.dumps([self.texts[g] for g in listed if g in self.texts])
        if self.groups is not None:
            if OVERFLOW in self.groups:
                where.append(
                    "(a.batches IN (SELECT value FROM json_each(?)) OR a.batches NOT IN (SELECT value FROM json_each(?)))"
                )
                args += [texts, known]
            else:
                where.append("a.batches IN (SELECT value FROM json_each(?))")
                args.append(texts)
        elif self.excluded:
            where.append("a.batches NOT IN (SELECT value FROM json_each(?))")
            args.append(texts)
            if OVERFLOW in self.excluded:
                where.append("a.batches IN (SELECT value FROM json_each(?))")
                args.append(known)
        return " AND ".join(where), args

    def by_index(self) -> bool:
        """Whether the cells' rows are read through an index that holds only members (no batch condition)."""
        return self.groups is None and not self.excluded

    def source(self) -> tuple[str, str]:
        """The FROM clause that reads these cells' rows, and the alias whose ``position`` orders them."""
        source, alias, _ = _SOURCES[self.family]
        if alias == "t" and (self.groups is not None or self.excluded):  # the batch list is the asset's
            source += " JOIN assets a ON a.pk = t.asset_pk"
        return source, alias

    def group_of(self, members: str) -> int:
        """The group of an asset with this batches text (the overflow group when none is known)."""
        return self.by_text.get(members, OVERFLOW)

    def holds(self, value: str, members: str) -> bool:
        """Is a row with this value and batches text in these cells (the Python twin of :meth:`sql`)."""
        if value not in self.values:
            return False
        group = self.group_of(members)
        return group in self.groups if self.groups is not None else group not in self.excluded


class Selection:
    """``(D - E) | M`` (see the module): its size and the positions of a page."""

    def __init__(
        self,
        db: sqlite3.Connection,
        project_id: str,
        cells: Cells | None,
        *,
        low: int = 0,
        high: int | None = None,
        excluded: Iterable[int] | Positions = (),
        added: Iterable[int] | Positions = (),
    ) -> None:
        self.db, self.project_id, self.cells = db, project_id, cells
        self.low, self.high = low, high
        self.excluded = excluded if isinstance(excluded, Positions) else Positions(excluded)
        self.added = added if isinstance(added, Positions) else Positions(added)
        self._total: int | None = None
        self._big: list[tuple[int, int]] | None = None

    # ------------------------------------------------------------- counts of D

    def _sums(self, size: int, first: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """(block, members of D) for the blocks of ``size`` in [first, end), in order, empty ones left out."""
        assert self.cells is not None
        bounds, args = ("b.block >= ?", [first]) if end is None else ("b.block >= ? AND b.block < ?", [first, end])
        rows = self.db.execute(
            "SELECT b.block, sum(b.live * json_extract(c.value, '$[2]')) FROM json_each(?) c CROSS JOIN "
            "cell_blocks b ON b.project_id = ? AND b.family = ? AND b.size = ? AND "
            "b.group_pk = json_extract(c.value, '$[0]') AND b.value = json_extract(c.value, '$[1]') "
            f"WHERE {bounds} GROUP BY b.block ORDER BY b.block",
            (json.dumps(self.cells.signed()), self.project_id, self.cells.family, size, *args),
        ).fetchall()
        return [(block, n) for block, n in rows if n]

    def _rows_of_d(self, first: int, end: int, limit: int = -1) -> list[int]:
        """Positions of D's members in [first, end) (at most a small block's worth), in order; ``limit``
        bounds how many."""
        assert self.cells is not None
        source, alias = self.cells.source()
        where, args = self.cells.sql()
        return [
            row[0]
            for row in self.db.execute(
                f"SELECT {alias}.position FROM {source} WHERE {alias}.project_id = ? AND {alias}.position >= ? "
                f"AND {alias}.position < ? AND {where} ORDER BY {alias}.position LIMIT ?",
                (self.project_id, first, end, *args, limit),
            )
        ]

    def _count_rows_of_d(self, first: int, end: int) -> int:
        assert self.cells is not None
        if end <= first:
            return 0
        source, alias = self.cells.source()
        where, args = self.cells.sql()
        return self.db.execute(
            f"SELECT count(*) FROM {source} WHERE {alias}.project_id = ? AND {alias}.position >= ? "
            f"AND {alias}.position < ? AND {where}",
            (self.project_id, first, end, *args),
        ).fetchone()[0]

    def _rank_of_d(self, position: int) -> int:
        """Members of D before ``position``."""
        if self.cells is None or position <= 0:
            return 0
        big_block, small_block = position // BIG, position // SMALL
        before = sum(n for block, n in self._big_sums() if block < big_block)
        if small_block > big_block * SMALL_PER_BIG:
            before += sum(n for _, n in self._sums(SMALL, big_block * SMALL_PER_BIG, small_block))
        return before + self._count_rows_of_d(small_block * SMALL, position)

    def _big_sums(self) -> list[tuple[int, int]]:
        if self._big is None:
            self._big = self._sums(BIG) if self.cells is not None else []
        return self._big

    # ------------------------------------------------------------------ size

    def total(self) -> int:
        if self._total is None:
            if self.cells is None:
                size = 0
            elif self.high is None:
                size = sum(n for _, n in self._big_sums()) - self._rank_of_d(self.low)
            else:
                size = self._rank_of_d(self.high) - self._rank_of_d(self.low)
            self._total = size - self.excluded.count() + self.added.count()
        return self._total

    # --------------------------------------------------------------- members

    def _adjust(self, first: int, end: int) -> int:
        """How E and M change the count of the positions [first, end)."""
        return self.added.count(first, end) - self.excluded.count(first, end)

    def _members_in(self, first: int, end: int, limit: int | None = None) -> list[int]:
        """Members of the selection in [first, end), in order; the first ``limit``."""
        rows: list[int] = []
        if self.cells is not None:
            skipped = self.excluded.between(first, end)
            rows = self._rows_of_d(
                max(first, self.low),
                end if self.high is None else min(end, self.high),
                -1 if limit is None else limit + len(skipped),
            )
            if skipped:
                left_out = set(skipped)
                rows = [p for p in rows if p not in left_out]
        chosen = self.added.between(first, end, limit)
        members = sorted(rows + chosen) if chosen else rows
        return members if limit is None else members[:limit]

    def _blocks(self, size: int, first: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """(block, members of the selection) for blocks of ``size`` in [first, end), D clipped to
        [low, high) at its ends by reading the two partial blocks; empty blocks left out."""
        counts = dict(self._sums(size, first, end)) if self.cells is not None else {}
        for block in self.added.blocks(size, first, end):
            counts.setdefault(block, 0)
        found = []
        for block in sorted(counts):
            start, stop = block * size, (block + 1) * size
            n = counts[block]
            if self.cells is not None and (start < self.low or (self.high is not None and stop > self.high)):
                n = self._count_d(max(start, self.low), stop if self.high is None else min(stop, self.high))
            n += self._adjust(start, stop)
            if n > 0:
                found.append((block, n))
        return found

    def _count_d(self, first: int, end: int) -> int:
        if end <= first:
            return 0
        return self._rank_of_d(end) - self._rank_of_d(first)

    def position_of(self, rank: int) -> int | None:
        """The position of the selection's ``rank``-th member (0-based), None past the last."""
        if rank < 0:
            return None
        holding = None
        for big, n in self._blocks(BIG):
            if rank < n:
                holding = big
                break
            rank -= n
        if holding is None:
            return None
        for small, n in self._blocks(SMALL, holding * SMALL_PER_BIG, (holding + 1) * SMALL_PER_BIG):
            if rank < n:
                members = self._members_in(small * SMALL, (small + 1) * SMALL, rank + 1)
                return members[rank] if rank < len(members) else None
            rank -= n
        return None

    def page(self, offset: int, limit: int, *, descending: bool = False) -> list[int]:
        """The positions of one page (``offset`` members skipped), oldest first or newest first."""
        if limit <= 0 or offset < 0:
            return []
        first, end = offset, offset + limit
        if descending:
            total = self.total()
            first, end = max(total - offset - limit, 0), total - offset
            if end <= 0:
                return []
        if self.cells is not None and self.cells.by_index() and self.excluded.count() <= NEAR_AN_END:
            # Near either end: read the members directly.
            if end <= NEAR_AN_END:
                return self._ends(end, from_start=True)[first:end][:: -1 if descending else 1]
            total = self.total()
            if first >= total:
                return []
            if total - first <= NEAR_AN_END:
                found = self._ends(total - first, from_start=False)[: end - first]
                return found[::-1] if descending else found
        found = self._forward(first, end - first)
        return found[::-1] if descending else found

    def _ends(self, count: int, *, from_start: bool) -> list[int]:
        """The first (or last) ``count`` members, in position order: read straight from the cells' index,
        which holds only members (no block counts needed this close to an end)."""
        assert self.cells is not None
        source, alias = self.cells.source()
        where, args = self.cells.sql()
        bounds, bound_args = f"{alias}.position >= ?", [self.low]
        if self.high is not None:
            bounds += f" AND {alias}.position < ?"
            bound_args.append(self.high)
        rows = [
            row[0]
            for row in self.db.execute(
                f"SELECT {alias}.position FROM {source} WHERE {alias}.project_id = ? AND {bounds} AND {where} "
                f"ORDER BY {alias}.position {'ASC' if from_start else 'DESC'} LIMIT ?",
                (self.project_id, *bound_args, *args, count + self.excluded.count()),
            )
        ]
        if rows:
            left_out = set(self.excluded.between(min(rows), max(rows) + 1))
            rows = sorted(p for p in rows if p not in left_out)
        added = self.added.between(0, None, count) if from_start else self.added.last(count)
        members = sorted(rows + added)
        return members[:count] if from_start else members[-count:] if count else []

    def _forward(self, rank: int, count: int) -> list[int]:
        """The positions of the members ranked [rank, rank + count): from the first, read forward in windows
        of small blocks that hold about as many members as are still wanted (one query each)."""
        start = self.position_of(rank)
        if start is None:
            return []
        found: list[int] = []
        small = start // SMALL
        while len(found) < count:
            big = small // SMALL_PER_BIG
            wanted, held, end = count - len(found), 0, small
            for block, n in self._blocks(SMALL, small, (big + 1) * SMALL_PER_BIG):
                held, end = held + n, block + 1
                if held >= wanted:
                    break
            if held == 0:  # nothing left in this big block: on to the next one that holds a member
                following = [b for b, _ in self._blocks(BIG, big + 1)]
                if not following:
                    break
                small = following[0] * SMALL_PER_BIG
                continue
            found += self._members_in(max(small * SMALL, start), end * SMALL, wanted)
            small = end
        return found
