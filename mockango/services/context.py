"""What every service is built from, and a caller's scope: what one caller may see of the host.

A service takes a :class:`Context` (the store, the notifier, the host's settings and its object
store) and nothing else of the host. Each call names its caller; :class:`Scope` answers every
"may this caller see it?" in one place: another organization's project, task, issue or storage is
simply not found, as on Ango Hub, and the control side (no caller) sees everything.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..errors import NotFound
from ..events import Notifier
from ..models import Project, User
from ..records import issues as issue_rows
from ..records import storages as storage_rows
from ..records import tasks as task_rows
from ..records.projects import Projects
from ..store import Store
from ..store.objects import ObjectStore


@dataclass(frozen=True)
class Context:
    """The parts of a host a service works with."""

    store: Store
    notifier: Notifier
    settings: Settings
    objects: ObjectStore

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def strict(self) -> bool:
        """Whether rules of unknown evidence refuse (strict mode) rather than warn."""
        return self.settings.strict

    def scope(self, user: User | None) -> Scope:
        return Scope(self.store, user)


class Scope:
    """One caller's view of the host: ``user``'s organization, or everything for the control side (None)."""

    def __init__(self, store: Store, user: User | None) -> None:
        self.user = user
        self._store = store

    @property
    def organization_id(self) -> str | None:
        return self.user.organization_id if self.user is not None else None

    def _sees(self, organization_id: str) -> bool:
        return self.user is None or organization_id == self.user.organization_id

    def project(self, project_id: Any) -> Project:
        """A project the caller may see (NotFound otherwise)."""
        return Projects(self._store).require(project_id, self.organization_id)

    def task(self, db: sqlite3.Connection, task_id: Any) -> sqlite3.Row:
        """A task row the caller may see, read in ``db`` (a transaction's, when the caller will change it)."""
        row = task_rows.task_row(db, task_id) if isinstance(task_id, str) else None
        if row is None or not self._sees(row["organization_id"]):
            raise NotFound(f"task '{task_id}' not found")
        return row

    def issue(self, db: sqlite3.Connection, issue_id: Any) -> sqlite3.Row:
        row = issue_rows.issue_row(db, issue_id) if isinstance(issue_id, str) else None
        if row is None or not self._sees(row["organization_id"]):
            raise NotFound(f"issue '{issue_id}' not found")
        return row

    def storage(self, db: sqlite3.Connection, storage_id: Any) -> sqlite3.Row:
        row = storage_rows.storage_row(db, storage_id) if isinstance(storage_id, str) else None
        if row is None or not self._sees(row["organization_id"]):
            raise NotFound(f"storage '{storage_id}' not found")
        return row
