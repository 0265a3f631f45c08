"""Pages of an organization's sessions that cost O(limit + log n), whatever the history.

``LIMIT ? OFFSET ?`` walks every row before the page: the last of 1,000 pages read
50,000 index entries. Instead each session has a position (``ord``, 1 = oldest) in
every listing it appears in: its organization's (``plugin_id = status = ''``), its
plugin's, its status's, and its plugin's and status's. Positions are dense, so page
``p`` newest first is the range ``ord`` in ``[total - p*limit + 1, total - (p-1)*limit]``,
one primary-key seek, and the total is the largest ``ord`` (one more seek).

Order is start order: ``seq`` is the session's position in its organization, and a
listing keeps its rows in ``seq`` order. A new session is the newest: it is appended.
When a run ends it moves from the ``running`` listings to its final status's; entering
a listing shifts the rows of sessions that started after it and ended before it (runs
that overlapped it), and leaving one shifts the running sessions that started after it.
Both are bounded by how many runs overlap, never by the history. Sessions are never
deleted one by one (a state import rebuilds the table with :func:`rebuild`).

The table is derived from ``sessions``: not exported, rebuilt after an import, and
built once for a state file made before it existed (:func:`ensure`).
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS session_order (
    organization_id TEXT NOT NULL,
    plugin_id TEXT NOT NULL,
    status TEXT NOT NULL,
    ord INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (organization_id, plugin_id, status, ord)
) WITHOUT ROWID;
"""
ANY = ""
"""``plugin_id`` or ``status`` of a listing that does not filter by it."""


def _listings(plugin_id: str, status: str) -> list[tuple[str, str]]:
    return [(ANY, ANY), (plugin_id, ANY), (ANY, status), (plugin_id, status)]


def total(db: sqlite3.Connection, organization_id: str, plugin_id: str = ANY, status: str = ANY) -> int:
    row = db.execute(
        "SELECT ord FROM session_order WHERE organization_id = ? AND plugin_id = ? AND status = ? "
        "ORDER BY ord DESC LIMIT 1",
        (organization_id, plugin_id, status),
    ).fetchone()
    return row[0] if row else 0


def added(db: sqlite3.Connection, organization_id: str, plugin_id: str, status: str, session_id: str) -> None:
    """A new session (the newest of its organization): appended to its four listings."""
    seq = total(db, organization_id) + 1
    for plugin, state in _listings(plugin_id, status):
        db.execute(
            "INSERT INTO session_order (organization_id, plugin_id, status, ord, seq, session_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                organization_id,
                plugin,
                state,
                seq if plugin == state == ANY else total(db, organization_id, plugin, state) + 1,
                seq,
                session_id,
            ),
        )


def moved(db: sqlite3.Connection, session_id: str, old_status: str, new_status: str) -> None:
    """The session's status changed: it leaves the listings of ``old_status`` (running: few rows, it is
    found from the newest end) and enters those of ``new_status`` at its place in start order."""
    session = db.execute("SELECT organization_id, plugin_id FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if session is None:
        return
    organization_id, plugin_id = session
    seq = None
    for _ord, row_seq, row_session in db.execute(
        "SELECT ord, seq, session_id FROM session_order WHERE organization_id = ? AND plugin_id = ? "
        "AND status = ? ORDER BY ord DESC",
        (organization_id, ANY, old_status),
    ):
        if row_session == session_id:
            seq = row_seq
            break
    if seq is None:  # not listed (cannot happen while every write goes through here): nothing to move
        return
    for plugin in (ANY, plugin_id):
        _leave(db, organization_id, plugin, old_status, seq)
        _enter(db, organization_id, plugin, new_status, seq, session_id)


def _place(db: sqlite3.Connection, listing: tuple[str, str, str], seq: int) -> tuple[int, bool]:
    """Where ``seq`` is in a listing: (the ord of the last row at or before it, whether that row is it)."""
    for ord_, row_seq in db.execute(
        "SELECT ord, seq FROM session_order WHERE organization_id = ? AND plugin_id = ? "
        "AND status = ? ORDER BY ord DESC",
        listing,
    ):
        if row_seq <= seq:
            return ord_, row_seq == seq
    return 0, False


def _shift(db: sqlite3.Connection, listing: tuple[str, str, str], after: int, by: int) -> None:
    """Move every row past ``after`` by ``by`` places; through negative values, so no two rows ever share one."""
    where = "organization_id = ? AND plugin_id = ? AND status = ?"
    db.execute(f"UPDATE session_order SET ord = -(ord + ?) WHERE {where} AND ord > ?", (by, *listing, after))
    db.execute(f"UPDATE session_order SET ord = -ord WHERE {where} AND ord < 0", listing)


def _leave(db: sqlite3.Connection, organization_id: str, plugin_id: str, status: str, seq: int) -> None:
    listing = (organization_id, plugin_id, status)
    ord_, found = _place(db, listing, seq)
    if found:
        db.execute(
            "DELETE FROM session_order WHERE organization_id = ? AND plugin_id = ? AND status = ? AND ord = ?",
            (*listing, ord_),
        )
        if total(db, *listing) > ord_:
            _shift(db, listing, ord_, -1)


def _enter(
    db: sqlite3.Connection, organization_id: str, plugin_id: str, status: str, seq: int, session_id: str
) -> None:
    listing = (organization_id, plugin_id, status)
    before, found = _place(db, listing, seq)
    if found:
        return
    if total(db, *listing) > before:
        _shift(db, listing, before, 1)
    db.execute(
        "INSERT INTO session_order (organization_id, plugin_id, status, ord, seq, session_id) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (*listing, before + 1, seq, session_id),
    )


def window(
    db: sqlite3.Connection,
    organization_id: str,
    *,
    plugin_id: str = ANY,
    status: str = ANY,
    page: int = 1,
    limit: int = 50,
    newest_first: bool = True,
) -> tuple[list[str], int]:
    """The session ids of one page of a listing, in its order, and how many the listing holds.

    ``limit`` -1: every session (oldest first or newest first), for the callers that want them all.
    """
    listing = (organization_id, plugin_id, status)
    count = total(db, *listing)
    if limit < 0:
        low, high = 1, count
    elif newest_first:
        high = count - (page - 1) * limit
        low = max(1, high - limit + 1)
    else:
        low = (page - 1) * limit + 1
        high = min(count, low + limit - 1)
    if high < low:
        return [], count
    rows = db.execute(
        "SELECT session_id FROM session_order WHERE organization_id = ? AND plugin_id = ? "
        f"AND status = ? AND ord BETWEEN ? AND ? ORDER BY ord {'DESC' if newest_first else 'ASC'}",
        (*listing, low, high),
    ).fetchall()
    return [r[0] for r in rows], count


def rebuild(db: sqlite3.Connection) -> None:
    """Every listing again from ``sessions`` (after a state import): start order, as ``started_at, rowid``."""
    db.execute("DELETE FROM session_order")
    db.execute("""
        WITH ordered AS (
            SELECT id, organization_id, plugin_id, status,
                   row_number() OVER (PARTITION BY organization_id ORDER BY started_at, rowid) AS seq
            FROM sessions),
        listed AS (
            SELECT organization_id, '' AS plugin, '' AS state, seq, id FROM ordered
            UNION ALL SELECT organization_id, plugin_id, '', seq, id FROM ordered
            UNION ALL SELECT organization_id, '', status, seq, id FROM ordered
            UNION ALL SELECT organization_id, plugin_id, status, seq, id FROM ordered)
        INSERT INTO session_order (organization_id, plugin_id, status, ord, seq, session_id)
        SELECT organization_id, plugin, state,
               row_number() OVER (PARTITION BY organization_id, plugin, state ORDER BY seq), seq, id
        FROM listed
    """)


def ensure(db: sqlite3.Connection) -> bool:
    """Build the listings of a state file made before this table existed; True when it had to."""
    has_sessions = db.execute("SELECT EXISTS (SELECT 1 FROM sessions)").fetchone()[0]
    if has_sessions and not db.execute("SELECT EXISTS (SELECT 1 FROM session_order)").fetchone()[0]:
        rebuild(db)
        return True
    return False
