"""Label imports as stored: the labels each asset gets, written in one transaction.

Labels live on their asset row (``assets.labels``, see :mod:`.projects`): this module owns no table.
Checking an import against the project is :mod:`mockango.services.labels`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from .. import models
from . import cells

SCHEMA = ""


def store(db: sqlite3.Connection, project_id: str, rows: str, summary: dict[str, Any], session_id: str | None) -> None:
    """Give each asset its labels (``rows``: ``[[asset _id, labels as JSON text], ...]`` as one JSON text), count
    the newly pre-labeled ones on the project and in its cells, and note the import on its run's session when
    one made it."""
    # One statement each: SQLite runs them without the GIL, however many rows the import has.
    first_time = db.execute(
        "SELECT position, batches FROM assets WHERE pre_labeled = 0 AND id IN "
        "(SELECT json_extract(value, '$[0]') FROM json_each(?))",
        (rows,),
    ).fetchall()
    cells.pre_labeled(db, project_id, first_time)
    db.execute(
        "UPDATE assets SET labels = json_extract(row.value, '$[1]'), labeled_by_session = ?, "
        "pre_labeled = 1 FROM json_each(?) AS row WHERE assets.id = json_extract(row.value, '$[0]')",
        (session_id, rows),
    )
    if first_time:
        db.execute(
            "UPDATE projects SET pre_labeled_count = pre_labeled_count + ? WHERE id = ?", (len(first_time), project_id)
        )
    if session_id is not None and db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
        db.execute(
            "INSERT INTO session_imports (session_id, seq, entry) VALUES (?, "
            "(SELECT coalesce(max(seq) + 1, 0) FROM session_imports WHERE session_id = ?), ?)",
            (session_id, session_id, json.dumps({"time": models.iso_time(time.time()), **summary})),
        )
