"""``mockango state export`` / ``import``: a store's whole content as one JSON file, readable by hand.

The file is ``{"format": "mockango-state", "version": N, "tables": {"<table>": [{column: value}, ...]}}``,
tables parents first; columns that hold JSON text (ontologies, metadata, labels, run
events, log entries, task answers and history details, issue bodies) are written as JSON
values, not strings. Export streams row by
row (a million assets never sit in memory at once) into a temporary file beside the
target, which replaces the target only once it is complete: a failed export leaves
the old file as it was. Import replaces everything in one transaction: a bad file
changes nothing. Files written by mockango's earlier JSON state (``.mockango/state.json``)
import too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import StateFileError
from .connection import Store

FORMAT = "mockango-state"
VERSION = 1
JSON_COLUMNS = frozenset(
    {
        "category_schema",
        "metadata",
        "batches",
        "labels",
        "class_names",
        "default_config",
        "event",
        "message",
        "entry",
        "answer",
        "details",
        "body",
    }
)


def export_state(store: Store, tables: Iterable[str], path: str | os.PathLike) -> int:
    """Write every row of ``tables`` to ``path`` atomically; returns how many rows were written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
    rows_written = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out, store.read() as db:
            out.write(f'{{"format": "{FORMAT}", "version": {VERSION}, "tables": {{')
            for number, table in enumerate(tables):
                out.write(("," if number else "") + f"\n  {json.dumps(table)}: [")
                cursor = db.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names are ours
                columns = [d[0] for d in cursor.description]
                decode = [c in JSON_COLUMNS for c in columns]
                for index, row in enumerate(cursor):
                    record = {c: (json.loads(v) if d and v is not None else v) for c, v, d in zip(columns, row, decode)}
                    out.write(("," if index else "") + "\n    " + json.dumps(record, ensure_ascii=False))
                    rows_written += 1
                out.write("\n  ]")
            out.write("\n}}\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)  # it holds secrets and API keys
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return rows_written


def read_state_file(path: str | os.PathLike) -> dict[str, list[dict]]:
    """The tables of an exported (or an old ``state.json``) file, or :class:`StateFileError` saying why not."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise StateFileError(f"cannot read the state file {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise StateFileError(
            f"{source} is not a mockango state export (not UTF-8 text; a SQLite state file is "
            "opened with --state, not imported)"
        ) from None
    try:
        state = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise StateFileError(f"{source} is not valid JSON ({exc}): is it a mockango state export?") from None
    if not isinstance(state, dict):
        kind = {type(None): "null", list: "a list", str: "a string", bool: "a boolean"}.get(type(state), "a number")
        raise StateFileError(
            f"{source} holds {kind}, not a mockango state export (an object with 'format' and 'tables')"
        )
    if state.get("format") == FORMAT:
        if state.get("version") != VERSION:
            raise StateFileError(
                f"{source} is a state export of version {state.get('version')!r}; this mockango reads version {VERSION}"
            )
        tables = state.get("tables")
        if not isinstance(tables, dict) or not all(
            isinstance(rows, list) and all(isinstance(r, dict) for r in rows) for rows in tables.values()
        ):
            raise StateFileError(f"{source}: 'tables' must be an object of table name -> list of rows")
        return tables
    if state.get("format") == 2:
        from .legacy import tables_from_v2

        return tables_from_v2(state, source)
    raise StateFileError(f"{source} is not a mockango state export (its 'format' is {state.get('format')!r})")


def import_state(
    store: Store,
    tables: Iterable[str],
    data: dict[str, list[dict]],
    source: Any = "the file",
    finish: Callable[[sqlite3.Connection], object] | None = None,
) -> int:
    """Replace the store's content with ``data`` (from :func:`read_state_file`), all or nothing;
    ``finish`` runs last in the same transaction (to derive rows the export leaves out)."""
    order = list(tables)
    unknown = set(data) - set(order)
    if unknown:
        raise StateFileError(f"{source} has tables this mockango does not know: {sorted(unknown)}")
    count = 0
    with store.write() as db:
        for table in reversed(order):
            db.execute(f"DELETE FROM {table}")  # noqa: S608
        for table in order:
            rows = data.get(table) or []
            if not rows:
                continue
            known = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
            for index, row in enumerate(rows):
                extra = set(row) - known
                if extra:
                    raise StateFileError(f"{source}: tables.{table}[{index}] has unknown columns {sorted(extra)}")
                columns = list(row)
                values = [json.dumps(v) if c in JSON_COLUMNS and v is not None else v for c, v in row.items()]
                try:
                    db.execute(
                        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                        f"VALUES ({', '.join('?' for _ in columns)})",
                        values,
                    )
                except Exception as exc:
                    raise StateFileError(f"{source}: tables.{table}[{index}] cannot be stored: {exc}") from None
                count += 1
        if finish is not None:
            finish(db)
    return count
