"""The host's records, one module per concept, over the SQLite store (:mod:`mockango.store`).

Each module owns its tables (a ``SCHEMA`` string) and every query on them: all of mockango's SQL
is here (and in :mod:`mockango.store`); the rules over the rows are in :mod:`mockango.services`
and :mod:`mockango.runs`. Nothing here imports anything above it. To add a concept: write a
module here with its ``SCHEMA`` (and ``EXPORTED`` tables), and add it to :data:`CONCEPTS`.
"""

from __future__ import annotations

import sqlite3

from . import (
    accounts,
    analytics,
    asset_order,
    attachments,
    cells,
    issues,
    journal,
    labels,
    organization,
    plugins,
    project_deletion,
    project_settings,
    projects,
    session_pages,
    sessions,
    storages,
    tasks,
    uploads,
)

CONCEPTS = (
    accounts,
    organization,
    projects,
    project_deletion,
    asset_order,
    cells,
    plugins,
    sessions,
    session_pages,
    labels,
    journal,
    tasks,
    issues,
    storages,
    project_settings,
    uploads,
    analytics,
    attachments,
)
"""Every concept module, in the order their schemas apply (a table after those it references)."""


def schema() -> str:
    """All the concepts' tables and indexes, as one script."""
    return "\n".join(getattr(module, "SCHEMA", "") for module in CONCEPTS)


def exported_tables() -> list[str]:
    """The tables ``mockango state export`` writes, parents before children."""
    return [table for module in CONCEPTS for table in getattr(module, "EXPORTED", ())]


def derive_after_import(db: sqlite3.Connection) -> None:
    """What a state import derives from the file's rows: tasks for assets that have none, the sessions'
    listings, the asset block counts."""
    tasks.restore_after_import(db)
    session_pages.rebuild(db)
    asset_order.recount(db)
    cells.recount(db)
