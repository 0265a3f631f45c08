"""The Hub's concepts, one module each, over the SQLite store (:mod:`mockango.store`).

Each module owns its tables (a ``SCHEMA`` string), its queries and its rules,
and is small enough to read in one sitting; :class:`mockango.hub.Hub` is a thin
facade over them. To add a concept (tasks, files, exports, ...): write a module
here with its ``SCHEMA`` (and ``EXPORTED`` tables), add it to :data:`CONCEPTS`,
and give the Hub the methods callers need.
"""

from __future__ import annotations

from ..services import analytics, attachments, project_admin, uploads
from . import (
    accounts,
    asset_order,
    cells,
    issues,
    journal,
    labels,
    organization,
    plugins,
    project_deletion,
    projects,
    session_pages,
    sessions,
    storages,
    tasks,
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
    project_admin,
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
