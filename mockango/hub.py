"""The Hub: a simulated Ango Hub's state and the rules over it, as one facade.

This is mockango's sans-I/O core. It imports no Flask and opens no socket: the
web layer translates HTTP requests and Socket.IO events into calls on a Hub,
and a Hub hands run events to plugin connections through the small
:class:`PluginConnection` protocol. Every rule is a plain method, so it can be
tested without a server, and many Hubs can live in one process.

State lives in a SQLite store (:mod:`mockango.store`: a file for ``mockango serve``,
memory otherwise), one module per concept (:mod:`mockango.records`); the Hub keeps
only what is process-local: live plugin connections and heartbeats, the request
journal, the clock that ends runs at their time limit, and the condition that
wakes whoever waits for a plugin to go live or a run to end.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import json
import logging
import os
import sqlite3
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

from . import models
from .assets import check_filters, hosted_size, paging
from .errors import AuthenticationError, Conflict, Forbidden, InvalidRequest, NotFound, RunTimeout, StateFileError
from .faults import Faults
from .ids import check_given_object_id, check_given_secret, new_object_id, new_secret, same_secret
from .images import render_png
from .input_limits import MAX_NAME_LENGTH, check_free_form, check_text, check_value
from .models import Caller, Organization, Plugin, Project, Session, User
from .records import accounts, asset_order, cells, plugins, project_deletion, projects, schema, session_pages, sessions
from .records.accounts import Accounts
from .records.issues import IssueBook
from .records.journal import JOURNAL_SIZE, Journal
from .records.plugins import Connections, PluginConnection, Plugins
from .records.projects import Projects
from .records.sessions import SessionClock, Sessions
from .records.storages import StorageBook
from .records.tasks import TaskBook, restore_after_import
from .records.values import to_json
from .runs.kinds import registry as plugin_types
from .runs.kinds.registry import kind_of
from .runs.options import batch_ids_for, category_schema_for, config_json_for, parse_config, time_limit_for
from .runs.plugin_stages import PluginStages
from .runs.rest_plugins import RestPluginWatcher
from .runs.timeout_reason import timed_out_reason
from .runs.type_runs import TypeRuns
from .services import attachments
from .services.deletions import ProjectDeletions
from .services.export_worker import ExportWorkers
from .services.import_worker import ImportWorker, WorkerUnavailable, prepare_body
from .services.organization import Organization as OrganizationService
from .services.seed import demo_data
from .services.uploads import Uploads, keep_url_secret
from .store import Store
from .store.objects import ObjectStore

logger = logging.getLogger(__name__)

__all__ = ["Hub", "PluginConnection", "JOURNAL_SIZE"]

LOG_LINE_LIMIT = 64 * 1024  # characters of one log message kept; the rest is cut, and the entry says so
LOG_COUNT_LIMIT = 10_000  # log lines kept per session; later ones are counted, and the session says so
SESSION_PAGE_LIMIT = 1000


def _seed_into(store: Store, seed: int) -> None:
    data = demo_data(seed)
    with store.write() as db:
        org_id = data.organization["id"]
        accounts.insert_organization(db, org_id, data.organization["name"])
        accounts.insert_user(db, data.user["id"], org_id, data.user["name"], data.user["email"])
        project = data.project
        projects.insert_project(
            db,
            org_id,
            project["name"],
            project["categorySchema"],
            description=project["description"],
            project_id=project["id"],
            created_at=project["createdAt"],
            batches=project["batches"],
        )
        projects.add_assets(db, project["id"], data.assets, trusted=True, start=0)
        for name, record_id in (("organization", org_id), ("user", data.user["id"]), ("project", project["id"])):
            accounts.set_default(db, name, record_id)
        accounts.set_setting(db, "seed", str(seed))


@functools.lru_cache(maxsize=16)
def seeded_template(seed: int, schema_text: str) -> Store:
    """The seeded database of ``seed``, in memory: built once per process, copied into each new Hub
    (never written after it is seeded; :meth:`Store.copy_from` holds its lock while copying)."""
    template = Store(schema=schema_text)
    _seed_into(template, seed)
    return template


def _derive_after_import(db: sqlite3.Connection) -> None:
    """What an import derives from the file's rows: tasks for assets that have none, the sessions' listings,
    the asset block counts."""
    restore_after_import(db)
    session_pages.rebuild(db)
    asset_order.recount(db)
    cells.recount(db)


class Hub:
    """A whole simulated host: organizations, projects, assets, plugins, sessions, labels.

    ``state`` is the SQLite file to keep everything in (created when missing; runs that
    were in flight when it was last used are marked failed); without it, the state
    lives in memory. Thread-safe: the store serialises writes, reads never wait for
    them (file mode), and no lock is held across work that grows with a project.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        run_timeout: float = 300.0,
        heartbeat_timeout: float = 150.0,
        base_url: str = "http://127.0.0.1:8080",
        populate: bool = True,
        state: str | os.PathLike | None = None,
        log_line_limit: int = LOG_LINE_LIMIT,
        log_count_limit: int = LOG_COUNT_LIMIT,
        files_dir: str | os.PathLike | None = None,
        import_worker: bool = True,
        admin_key: str | None = None,
        strict: bool = False,
    ) -> None:
        self.seed = seed
        self._admin_key = None if admin_key is None else check_given_secret(admin_key, "the admin key")
        """The key that may reset the whole host (POST /api/reset); None: the default user's key."""
        self._kept_plugins: list[str] = []  # plugins reset(keep_credentials=True) puts back (serve's demo plugin)
        self.strict = strict
        """Strict mode: rules whose evidence is unknown refuse instead of warning (mockango.validation.evidence)."""
        self.run_timeout = run_timeout
        self.heartbeat_timeout = heartbeat_timeout
        """A connection whose last heartbeat is older than this is not live (clients send one a minute)."""
        self.base_url = base_url
        self.log_line_limit = log_line_limit
        self.log_count_limit = log_count_limit
        self._changed = threading.Condition(threading.RLock())
        self._generation = 0  # bumped (under _changed) after every change; waiters compare it
        self._listeners: list = []
        self._turn = itertools.count()
        self._baseline_seed: int | None = None  # the seed whose data the memory store's baseline holds
        # In memory, a seeded Hub starts from a copy of the cached seeded database (no schema to run).
        template = seeded_template(seed, schema()) if state is None and populate else None
        self.store = Store(state, schema=schema(), template=template)
        self._seed_copied = template is not None  # opened from the seeded database: nothing to copy in
        self.accounts = Accounts(self.store)
        self.projects = Projects(self.store)
        self.plugins = Plugins(self.store)
        self.sessions = Sessions(self.store)
        # The rest of a project (issue 9), one concept per module: tasks and stages, issues, storages, uploads.
        self.tasks = TaskBook(self)
        self.issues = IssueBook(self)
        self.storages = StorageBook(self)
        self.uploads = Uploads(self)
        self.organization = OrganizationService(self)
        self.type_runs = TypeRuns(self)
        self.plugin_stages = PluginStages(self)
        self._listeners.append(self.plugin_stages.on_change)
        self.objects = ObjectStore(files_dir)
        """Uploaded files, brushes and exports: in memory, or under ``files_dir`` (``mockango serve``)."""
        self.connections = Connections(self._changed)
        self.journal = Journal()
        self.clock = SessionClock(self._expire_by_clock)
        self._listeners.append(self._forget_ended_runs)
        self.last_heartbeat = self.connections.last_heartbeat
        """Plugin id -> wall-clock time of its last heartbeat (process-local)."""
        self.restored = False
        """True when ``state`` already held a host's data (nothing was seeded)."""
        if template is None and self._has_data():
            self._check_seed()
            self.restored = True
            with self.store.write() as db:
                session_pages.ensure(db)  # a state file made before the listings' table
                cells.ensure(db)  # ... or before the cell counts
                sessions.fail_interrupted(db)
        elif populate:
            self._load_seeded()
        keep_url_secret(self)
        self.rest_plugins = RestPluginWatcher(self)  # heartbeats of plugins with a callback URL
        self.faults = Faults(seed=seed)
        """Faults on demand (latency, failures, dropped sockets): see :mod:`mockango.faults`."""
        self.import_worker = ImportWorker(self.store.path) if import_worker and not self.store.memory else None
        """Parses and validates big label imports in another process (file stores only; None: every
        import runs in its request's thread): see :mod:`.services.import_worker`."""
        self.export_workers = None if self.store.memory else ExportWorkers(self.store.path)
        """Write big exports in worker processes (file stores only; see :mod:`.services.export_worker`)."""
        self.deletions = ProjectDeletions(self.store)
        """Removes deleted projects' rows a chunk at a time (see :mod:`.services.deletions`)."""
        if self.restored:
            self.deletions.start()  # a delete the last run did not finish

    # ------------------------------------------------------------------ state

    def _has_data(self) -> bool:
        with self.store.read() as db:
            return db.execute("SELECT EXISTS (SELECT 1 FROM organizations)").fetchone()[0] == 1

    def _check_seed(self) -> None:
        stored = self.accounts.setting("seed")
        if stored is not None and stored != str(self.seed):
            raise StateFileError(
                f"the state in {self.store.where} was made with --seed {stored}, not {self.seed}: "
                "use that seed, or --fresh to start over"
            )

    def _load_seeded(self, api_key: str | None = None) -> None:
        """The seeded data of :attr:`seed`, with ``api_key`` or a fresh one.

        In memory (the fixture), the seeded database is copied in once per seed and
        marked as the store's baseline; a later reset rolls back to it (undoing only what
        the test wrote), which keeps the fixture's per-test reset far under 1 ms. A file
        store copies it each time (``mockango serve`` resets only when asked).
        """
        template = seeded_template(self.seed, schema())
        if not self.store.memory:
            self.store.copy_from(template)
        elif self.store.has_baseline and self._baseline_seed == self.seed:
            self.store.back_to_baseline()
        else:
            if not self._seed_copied:
                self.store.copy_from(template)
            self._seed_copied = False
            self.store.mark_baseline()
            self._baseline_seed = self.seed
        with self.store.write() as db:
            accounts.rotate_key(db, self.accounts.default_id("user"), api_key)

    def reset(self, *, keep_credentials: bool = False) -> None:
        """Forget everything and load the seeded data again (fresh API key, no plugins).

        Live plugin connections are dropped from the books: their plugins no longer exist.
        ``keep_credentials`` (``POST /api/reset``): the default user keeps its API key, and the plugins
        :meth:`keep_on_reset` named come back with their ids, secrets and live connections, so the
        credentials a host printed stay good for the scripts and plugin processes that use them.
        """
        key = self.default_user.api_key if keep_credentials else None
        kept = [p for p in map(self.plugins.get, self._kept_plugins) if p is not None] if keep_credentials else []
        with self._changed:
            links = {p.id: dict(self.connections.by_plugin.get(p.id, {})) for p in kept}
        self.clock.clear()
        self.connections.clear()
        self.journal.clear()
        self.objects.clear()
        self._load_seeded(api_key=key)
        if kept:
            with self.store.write() as db:
                for plugin in kept:
                    plugins.insert_plugin(db, dataclasses.replace(plugin, organization_id=self._default_org_id()))
            with self._changed:
                for plugin_id, connections in links.items():
                    for connection in connections.values():
                        self.connections.bind(plugin_id, connection)
        else:
            self._kept_plugins.clear()
        keep_url_secret(self)
        self._notify("reset", {})

    def keep_on_reset(self, plugin_id: str) -> None:
        """Have ``reset(keep_credentials=True)`` put this plugin back as it is (``mockango serve``'s demo plugin)."""
        if plugin_id not in self._kept_plugins:
            self._kept_plugins.append(plugin_id)

    def set_api_key(self, api_key: str) -> None:
        """Give the default user this API key (``serve --api-key``: known before the host starts)."""
        check_given_secret(api_key, "the API key")
        with self.store.write() as db:
            accounts.rotate_key(db, self.accounts.default_id("user"), api_key)

    def is_admin_key(self, api_key: object) -> bool:
        """True for the key that may reset the whole host: ``admin_key``, else the default user's (constant time)."""
        expected = self._admin_key or (self.default_user.api_key if self.default_user else None)
        return expected is not None and same_secret(api_key, expected)

    def close(self) -> None:
        """Stop the Hub's background work (heartbeat checks, the run clock, the import worker); the store stays open."""
        self.rest_plugins.close()
        self.clock.close()
        self.deletions.close()
        if self.import_worker is not None:
            self.import_worker.close()

    def close_store(self) -> None:
        """Close the store's connections (``mockango serve`` at exit); the Hub is unusable after."""
        self.close()
        self.store.close()

    def held_in_memory(self) -> dict[str, int]:
        """How many entries each of the Hub's in-process books holds (everything else is in the store).

        Runs in flight and live connections have entries; an ended run has none (its timer is
        forgotten), and the journal is bounded (:data:`~mockango.records.journal.JOURNAL_SIZE`).
        ``bench/memory.py`` prints these, and a test checks that finished runs leave nothing here.
        """
        with self._changed:
            connections = {
                "connections": len(self.connections.plugin_of),
                "connected plugins": len(self.connections.by_plugin),
                "heartbeats": len(self.connections.heartbeats),
            }
        return {
            "run timers": len(self.clock),
            **connections,
            "journal entries": len(self.journal),
            "listeners": len(self._listeners),
        }

    def _forget_ended_runs(self, kind: str, payload: dict) -> None:
        """Every ending of a run is notified as ``session`` with its final status: the clock drops its timer."""
        if kind == "session" and payload.get("status") in models.FINAL_STATUSES:
            self.clock.forget(payload["id"])

    def subscribe(self, listener) -> None:
        """Call ``listener(kind, payload)`` after every change (the dashboard uses it)."""
        self._listeners.append(listener)

    def _notify(self, kind: str, payload: dict) -> None:
        """Wake waiters and tell listeners; call it after the change is committed, outside any store lock."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()
        for listener in list(self._listeners):
            try:
                listener(kind, payload)
            except Exception:  # a broken listener must not break the host
                traceback.print_exc()

    def export_state(self, path: str | os.PathLike) -> int:
        """Write the whole state to ``path`` as readable JSON, atomically; returns the rows written."""
        from .records import exported_tables
        from .store.transfer import export_state

        return export_state(self.store, exported_tables(), path)

    def import_state(self, path: str | os.PathLike) -> int:
        """Replace the whole state with a JSON export (or an old ``state.json``), all or nothing.

        Runs in flight in the file are marked failed; live connections are forgotten.
        """
        from .records import exported_tables
        from .store.transfer import import_state, read_state_file

        data = read_state_file(path)
        self.clock.clear()
        self.connections.clear()
        # Tasks come with the file; assets an older file has no task for get a fresh one.
        count = import_state(self.store, exported_tables(), data, source=path, finish=_derive_after_import)
        with self.store.write() as db:
            sessions.fail_interrupted(db)
        self._notify("reset", {})
        return count

    # ----------------------------------------------------------------- defaults

    @property
    def default_organization(self) -> Organization | None:
        return self.accounts.organization(self.accounts.default_id("organization"))

    @property
    def default_user(self) -> User | None:
        return self.accounts.user(self.accounts.default_id("user"))

    @property
    def default_project(self) -> Project | None:
        return self.projects.get(self.accounts.default_id("project"))

    def _default_org_id(self) -> str:
        org_id = self.accounts.default_id("organization")
        if org_id is None:
            raise InvalidRequest("this hub has no default organization: pass organization_id")
        return org_id

    # --------------------------------------------------- organizations & keys

    def create_organization(self, name: str, *, user_name: str = "Test User", email: str = "user@example.com") -> User:
        """A new organization with one user; returns the user (``user.api_key`` to call the API)."""
        check_text(name, "name", max_length=MAX_NAME_LENGTH, required=True)
        check_text(user_name, "user_name", max_length=MAX_NAME_LENGTH, required=True)
        check_text(email, "email", max_length=MAX_NAME_LENGTH, required=True)
        return self.accounts.create_organization(name, user_name, email)

    def get_organization(self, organization_id: str) -> Organization | None:
        return self.accounts.organization(organization_id)

    def organization_count(self) -> int:
        """How many organizations this host has."""
        with self.store.read() as db:
            return db.execute("SELECT count(*) FROM organizations").fetchone()[0]

    def project_count(self) -> int:
        """How many projects this host has, in every organization."""
        with self.store.read() as db:
            return db.execute(
                f"SELECT count(*) FROM projects WHERE {project_deletion.visible('projects.id')}"
            ).fetchone()[0]

    def get_user(self, user_id: str) -> User | None:
        return self.accounts.user(user_id)

    def authenticate(self, api_key: object) -> User:
        """The user an API key belongs to (see :meth:`identify`)."""
        return self.identify(api_key).user

    def identify(self, api_key: object) -> Caller:
        """The user an API key belongs to, and the run whose key it is (a user's own key: none).

        Keys are found by their SHA-256 digest (one index probe, and the digest
        reveals nothing about the key); a user's key is then compared in constant time.
        """
        if not api_key:
            raise AuthenticationError("missing API key: send it in the 'apikey' header")
        if isinstance(api_key, str):
            found = self.accounts.user_by_key(api_key)
            if found is not None:
                return Caller(found)
            run = self.sessions.by_key(api_key)
            if run is not None and run[2] != "running":
                raise AuthenticationError(
                    f"this API key was the run key of session {run[1]}, which has ended "
                    f"({run[2] or 'deleted'}): a run key acts only while its run is running; "
                    "use your own API key"
                )
            found = self.accounts.user(run[0]) if run else None
            if found is not None and run is not None:
                return Caller(found, run[1])
        raise AuthenticationError("invalid API key: it matches no user of this host")

    def session_for_key(self, api_key: object) -> str | None:
        """The session whose run event carried this key, if it was a run key."""
        if not isinstance(api_key, str) or not api_key:
            return None
        run = self.sessions.by_key(api_key)
        return run[1] if run else None

    # ----------------------------------------------------------------- journal

    def record_request(
        self,
        method: str,
        path: str,
        status: int,
        *,
        run_session: str | None = None,
        query: str = "",
        agent: str | None = None,
    ) -> None:
        """Note one HTTP call in the journal (the web layer calls this after every request);
        ``run_session``: the run whose key made the call."""
        self.journal.add(method, path, status, query, run_session, agent)

    def journal_entries(self, session_id: str | None = None) -> list[dict]:
        """The last HTTP calls, oldest first (of one run's key when ``session_id`` is given).

        Each entry is ``{"time", "method", "path", "query", "status", "session", "agent"}`` (``agent``:
        the caller's User-Agent).
        """
        return self.journal.entries(session_id)

    # ---------------------------------------------------------------- projects

    def create_project(
        self,
        name: str,
        category_schema: Mapping,
        assets: Iterable[Mapping] = (),
        *,
        organization_id: str | None = None,
        description: str = "",
    ) -> Project:
        """A project with your own ontology (``categorySchema`` shape) and assets.

        Each asset is ``{"externalId", "data"}`` with optional ``metadata`` (width/height),
        ``batches`` (names; new names create batches) and ``_id`` (24 hex characters, refused
        with 409 when any asset already has it). ``data`` is kept as given. All or nothing:
        a refused asset leaves no project and no asset behind.
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a project needs a non-empty 'name'")
        check_text(name, "name", max_length=MAX_NAME_LENGTH)
        check_text(description, "description")
        if not isinstance(category_schema, Mapping):
            raise InvalidRequest("'categorySchema' must be an object with 'tools', 'classifications', 'relations'")
        check_value(dict(category_schema), where="categorySchema")
        # Assets are checked one by one as they are stored (what each keeps: text, metadata), so a
        # million of them stream through in bounded memory.
        schema_ = {"tools": [], "classifications": [], "relations": [], **copy.deepcopy(dict(category_schema))}
        self._check_ontology(schema_)
        org_id = organization_id or self._default_org_id()
        if self.accounts.organization(org_id) is None:
            raise NotFound(f"organization '{org_id}' does not exist")
        with self.store.write() as db:
            project_id = projects.insert_project(db, org_id, name, schema_, description=description)
            projects.add_assets(db, project_id, assets, start=0)
        self._notify("project", {"id": project_id})
        return self.projects.get(project_id)

    def add_assets(self, project_id: str, assets: Iterable[Mapping], *, organization_id: str | None = None) -> int:
        """Append assets to a project (all or nothing, in one transaction); returns how many were added."""
        project = self.projects.require(project_id, organization_id)
        with self.store.write() as db:
            added = projects.add_assets(db, project.id, assets)
        self._notify("project", {"id": project.id})
        return added

    def _check_ontology(self, schema_: dict) -> None:
        from .validation import validate_ontology

        report = validate_ontology(schema_, strict=self.strict)
        if not report.ok:
            raise InvalidRequest(
                "the ontology is not valid: " + "; ".join(f"{issue.path}: {issue.message}" for issue in report.errors),
                details=[issue.to_dict() for issue in report.errors],
            )

    def get_project(self, project_id: str) -> Project | None:
        """A project by id, whoever owns it (a control-side view)."""
        return self.projects.get(project_id)

    def project_for(self, user: User, project_id: str) -> Project:
        """A project the user may see; another organization's project is simply not found."""
        return self.projects.require(project_id, user.organization_id)

    def list_projects(self, user: User, page: int = 1, limit: int = 10) -> tuple[list[dict], int]:
        page, limit = paging(page, limit)
        found, total = self.projects.page_for_organization(user.organization_id, page, limit)
        return [p.to_dict() for p in found], total

    def find_assets(
        self, user: User, project_id: str, *, page: int = 1, limit: int = 10, filters: Mapping | None = None
    ) -> tuple[list[dict], int]:
        """One page of a project's assets matching ``filters`` (keys of ango-host-facts §4)."""
        page, limit = paging(page, limit)
        filters = dict(filters or {})
        check_filters(filters)
        project = self.project_for(user, project_id)
        found, total = self.projects.find_assets(project, self.base_url, page=page, limit=limit, filters=filters)
        return attachments.with_attachments(self, found), total

    def page_project_assets(
        self, project_id: str, *, page: int = 1, limit: int = 50, pre_labeled: bool | None = None
    ) -> tuple[list[dict], int]:
        """One page of a project's assets with their labels, and the total (a control-side view).

        ``pre_labeled`` keeps only assets with (True) or without (False) a stored pre-label
        (the dashboard's project page filter).
        """
        page, limit = paging(page, limit)
        project = self.projects.require(project_id)
        filters = {} if pre_labeled is None else {"isPreLabeled": pre_labeled}
        return self.projects.find_assets(
            project, self.base_url, page=page, limit=limit, filters=filters, with_labels=True
        )

    def project_asset(self, project_id: str, asset_id: str) -> dict | None:
        """One asset of a project with its labels (a control-side view), or None."""
        project = self.projects.require(project_id)
        found, _ = self.projects.find_assets(
            project, self.base_url, page=1, limit=1, filters={"_id": asset_id}, with_labels=True
        )
        return found[0] if found else None

    def project_assets(self, project_id: str) -> list[dict]:
        """Every asset of a project with its stored labels (a control-side view: no key needed)."""
        project = self.projects.require(project_id)
        return list(self.projects.iter_assets(project.id, self.base_url))

    def asset_file(self, asset_id: str) -> bytes:
        """The PNG served at a hosted asset's URL, of the asset's width x height."""
        row = self.projects.hosted_asset(asset_id)
        if row is None:
            raise NotFound(f"no file for asset '{asset_id}'")
        try:
            width, height = hosted_size(json.loads(row["metadata"]))
        except InvalidRequest as exc:  # only a hand-edited state file can hold such a size
            raise NotFound(f"no file for asset '{asset_id}': {exc.message}")
        return render_png(width, height, seed=row["id"])

    # ----------------------------------------------------------------- plugins

    def create_plugin(
        self,
        name: str,
        *,
        class_names: Iterable[str] = (),
        default_config: Any = None,
        plugin_type: str = "batch-model",
        description: str = "",
        organization_id: str | None = None,
        callback_url: str | None = None,
        plugin_id: str | None = None,
        secret: str | None = None,
    ) -> Plugin:
        """Register a plugin; its ``secret`` is what the plugin process connects with.

        ``plugin_id`` and ``secret`` (for scripted and CI use, known before the host starts): the id
        and secret to give it instead of fresh ones; an id another plugin has is refused (409).
        """
        if plugin_id is not None:
            check_given_object_id(plugin_id, "the plugin id")
        if secret is not None:
            check_given_secret(secret, "the plugin secret")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a plugin needs a non-empty 'name'")
        check_text(name, "name", max_length=MAX_NAME_LENGTH)
        check_text(description, "description")
        kind = kind_of(plugin_type)
        if isinstance(class_names, (str, bytes, Mapping)) or not isinstance(class_names, Iterable):
            raise InvalidRequest(f"'classNames' must be a list of non-empty strings, got {type(class_names).__name__}")
        class_names = list(class_names)
        if not all(isinstance(c, str) and c for c in class_names):
            raise InvalidRequest("'classNames' must be a list of non-empty strings")
        check_value(class_names, where="classNames")
        if class_names and not kind.has_classes:
            raise InvalidRequest(
                f"class names ('classNames') are for Batch Model and Model plugins; {kind.a_title} plugin has none"
            )
        if len(set(class_names)) != len(class_names):
            raise InvalidRequest("'classNames' must not repeat a class")
        if not isinstance(description, str):
            raise InvalidRequest("'description' must be a string")
        if isinstance(default_config, str):
            default_config = parse_config(default_config, "defaultConfig")
        check_free_form(default_config, "defaultConfig")
        if callback_url is not None and (
            not isinstance(callback_url, str) or not callback_url.startswith(("http://", "https://"))
        ):
            raise InvalidRequest(f"'callbackUrl' must be the plugin's http(s) base URL, got {callback_url!r}")
        org_id = organization_id or self._default_org_id()
        plugin = Plugin(
            id=plugin_id or new_object_id(),
            name=name,
            organization_id=org_id,
            secret=secret or new_secret(),
            type=plugin_type,
            description=description,
            class_names=class_names,
            default_config=copy.deepcopy(default_config),
            callback_url=callback_url,
        )
        with self.store.write() as db:
            if plugin_id is not None and plugins.exists(db, plugin_id):
                raise Conflict(f"a plugin with id {plugin_id} already exists: delete it first, or give another id")
            plugins.insert_plugin(db, plugin)
        self._notify("plugin", {"id": plugin.id})
        if callback_url:
            self.rest_plugins.wake()
        return plugin

    def get_plugin(self, plugin_id: str) -> Plugin | None:
        """A plugin by id, whoever owns it (a control-side view)."""
        return self.plugins.get(plugin_id)

    def plugin_for(self, organization_id: str, plugin_id: str) -> Plugin:
        plugin = self.plugins.get(plugin_id)
        if plugin is None or plugin.organization_id != organization_id:
            raise NotFound(f"plugin '{plugin_id}' not found")
        return plugin

    def list_plugins(self, organization_id: str) -> list[Plugin]:
        return self.plugins.for_organization(organization_id)

    def plugins_with_callback(self) -> list[tuple[str, str, str]]:
        """(id, callback URL, secret) of every plugin this host calls over HTTP."""
        return self.plugins.with_callback()

    def plugin_count(self) -> int:
        """How many plugins exist, in every organization."""
        return self.plugins.count()

    def delete_plugin(self, organization_id: str, plugin_id: str) -> None:
        plugin = self.plugin_for(organization_id, plugin_id)
        with self.store.write() as db:
            db.execute("DELETE FROM plugins WHERE id = ?", (plugin.id,))
        self.connections.drop_plugin(plugin.id)
        self._notify("plugin", {"id": plugin.id, "deleted": True})

    def authenticate_plugin(self, plugin_id: object, secret: object, connection: PluginConnection) -> Plugin:
        """Bind a connection to a plugin when id and secret match: the plugin is then live."""
        plugin = self.plugins.get(plugin_id)
        # Compare against a dummy secret for unknown ids too, so timing tells nothing.
        expected = plugin.secret if plugin else new_secret()
        if not same_secret(secret, expected) or plugin is None:
            raise AuthenticationError("plugin authentication failed: unknown plugin id or wrong secret")
        with self._changed:
            already = self.connections.plugin_of.get(connection.id)
            if already is not None and already != plugin.id:
                raise AuthenticationError("this connection is already bound to another plugin")
            first = self.connections.bind(plugin.id, connection)
        if first:
            self._notify("live", {"id": plugin.id, "live": True})
        return plugin

    def connection_closed(self, connection_id: str) -> None:
        """A plugin's link dropped: it stops being live there, and its runs in flight fail."""
        plugin_id = self.connections.unbind(connection_id)
        if plugin_id is None:
            return
        ended = []
        for session_id in self.sessions.running_on(connection_id):
            with self.store.write() as db:
                if sessions.finish(db, session_id, models.FAILED, reason="the plugin disconnected before it answered"):
                    ended.append(session_id)
        for session_id in ended:
            self._notify("session", {"id": session_id, "status": models.FAILED})
        self._notify("live", {"id": plugin_id, "live": self.is_live(plugin_id)})

    def is_bound(self, connection_id: str) -> bool:
        """Whether a connection has authenticated as some plugin."""
        with self._changed:
            return connection_id in self.connections.plugin_of

    def connection_count(self, plugin_id: str) -> int:
        """How many connections speak for the plugin (live or not)."""
        return self.connections.count(plugin_id)

    def is_live(self, plugin_id: str) -> bool:
        """Connected, with a heartbeat within :attr:`heartbeat_timeout` (the green light)."""
        return bool(self.connections.fresh(plugin_id, self.heartbeat_timeout))

    def wait_live(self, plugin_id: str, timeout: float = 10.0) -> None:
        """Block until the plugin has a live connection."""
        if self.plugins.get(plugin_id) is None:
            raise NotFound(f"plugin '{plugin_id}' not found")
        with self._changed:
            if not self._changed.wait_for(lambda: self.is_live(plugin_id), timeout):
                problem = self.rest_plugins.last_problem.get(plugin_id)
                raise RunTimeout(
                    f"plugin '{plugin_id}' did not connect within {timeout:g} s: is its process "
                    f"running, with this host's URL ({self.base_url}) and the plugin's secret?"
                    + (f" Last heartbeat check: {problem}" if problem else "")
                )

    # -------------------------------------------------------------------- runs

    def start_run(
        self,
        user: User,
        plugin_id: str,
        project_id: str,
        *,
        class_mapping: Mapping | None = None,
        config: Any = None,
        batches: Iterable[str] | None = None,
        timeout: float | None = None,
        **options: Any,
    ) -> Session:
        """What clicking Run does: check everything, open a session, send the event to one connection.

        ``options`` are the plugin type's own (``plugin_types.KINDS``): ``asset``, ``task``,
        ``overwrite``, ``workflow`` (Model); ``stage`` (Export); ``bucket``, ``folder``, ``files``,
        ``upload``, ``storage_id``, ``scroll_token`` (File Explorer); ``input_file``,
        ``markdown_text`` (Markdown); ``file_explorer_options`` (Input). Another type's option is refused.
        """
        limit = time_limit_for(timeout, self.run_timeout)
        plugin = self.plugin_for(user.organization_id, plugin_id)
        project = self.project_for(user, project_id)
        kind = kind_of(plugin.type)
        option_warnings: list[dict] = []
        given = plugin_types.check_options(
            kind,
            plugin.name,
            {"class_mapping": class_mapping, "batches": batches, **options},
            strict=self.strict,
            warnings_out=option_warnings,
        )
        category_schema = category_schema_for(plugin, project, class_mapping)
        config_json = config_json_for(plugin, config)
        batch_ids = batch_ids_for(project, batches)
        type_fields = self.type_runs.event_fields(kind.name, project, given)
        connections = self.connections.fresh(plugin.id, self.heartbeat_timeout)
        if not connections:
            if self.connections.count(plugin.id):
                raise Conflict(
                    f"plugin '{plugin.name}' ({plugin.id}) is not live: it is connected but sent no "
                    f"heartbeat for {self.heartbeat_timeout:g} s; is its process stuck?"
                )
            raise Conflict(f"plugin '{plugin.name}' ({plugin.id}) is not live: start its process first")
        session_id = new_object_id()
        run_key = new_secret()
        event = {
            "projectId": project.id,
            "categorySchema": category_schema,
            "apiKey": run_key,
            "orgId": user.organization_id,
            "runBy": user.id,
            "session": session_id,
            "batches": batch_ids,
            "tags": list(batch_ids),
            "configJSON": config_json,
            **type_fields,
        }
        connection = connections[next(self._turn) % len(connections)]
        session = Session(
            id=session_id,
            plugin_id=plugin.id,
            project_id=project.id,
            organization_id=user.organization_id,
            run_by=user.id,
            event=event,
            deadline=time.monotonic() + limit,
            time_limit=limit,
            connection_id=connection.id,
            plugin_type=kind.name,
        )
        with self.store.write() as db:
            sessions.insert_session(db, session, run_key)
        self.log_lenient(session.id, "the run's options", option_warnings)
        self.clock.add(session.id, session.deadline)
        self._notify("session", {"id": session.id, "status": session.status})
        try:
            connection.send_run(copy.deepcopy(event))
        except Exception as exc:
            self._finish(session.id, models.FAILED, reason=f"the run event could not be delivered: {exc}")
            return self.get_session(session.id)
        return session

    def _session_from(
        self,
        db,
        connection_id: str | None,
        payload: Any,
        *,
        user: User | None,
        bound_plugin: str | None,
        caller_session: str | None,
    ):
        """The session a plugin's payload is about, if this caller may speak for it."""
        if not isinstance(payload, Mapping):
            raise InvalidRequest("the payload must be an object with a 'session' id")
        session_id = payload.get("session")
        row = (
            db.execute(
                "SELECT id, organization_id, plugin_id, run_by, status, deadline_at, time_limit, "
                "log_count FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if isinstance(session_id, str)
            else None
        )
        if row is None or (user is not None and user.organization_id != row["organization_id"]):
            raise NotFound(f"session '{session_id}' not found")
        if connection_id is not None and bound_plugin != row["plugin_id"]:
            raise AuthenticationError("this connection is not the plugin that runs that session")
        if user is not None:
            if caller_session is not None and caller_session != row["id"]:
                raise Forbidden(
                    f"this run's API key belongs to session '{caller_session}': it may log to and "
                    f"answer only that session, not '{row['id']}'"
                )
            if caller_session is None and user.id != row["run_by"]:
                raise Forbidden(
                    f"session '{row['id']}' was started by another user: a user's API key may log to "
                    "and answer only the sessions that user started"
                )
        return row

    def _bound_plugin(self, connection_id: str | None) -> str | None:
        if connection_id is None:
            return None
        with self._changed:
            return self.connections.plugin_of.get(connection_id)

    def record_log(self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None) -> None:
        """A ``log`` event (or a ``POST /v2/pluginLog``): keep it on its session, in order.

        Over REST (``caller``), a run's key may log only to its own session and a user's key only to
        sessions that user started. Beyond :attr:`log_count_limit` lines a session keeps counting
        what it drops; a message longer than :attr:`log_line_limit` is cut, and says so.
        """
        bound = self._bound_plugin(connection_id)
        user, caller_session = (caller.user, caller.run_session) if caller is not None else (None, None)
        level = str(payload.get("level", "INFO")).upper() if isinstance(payload, Mapping) else "INFO"
        entry = self._log_entry(payload, level) if isinstance(payload, Mapping) else None
        with self.store.write() as db:
            row = self._session_from(
                db, connection_id, payload, user=user, bound_plugin=bound, caller_session=caller_session
            )
            if row["status"] != models.RUNNING:  # kept, marked late: it shows what the plugin did after all
                entry = {**entry, "late": True}
            if row["log_count"] >= self.log_count_limit:
                db.execute("UPDATE sessions SET dropped_logs = dropped_logs + 1 WHERE id = ?", (row["id"],))
                return
            db.execute(
                "INSERT INTO session_logs (session_id, seq, entry) VALUES (?, ?, ?)",
                (row["id"], row["log_count"], to_json(entry, "the log entry")),
            )
            db.execute("UPDATE sessions SET log_count = log_count + 1 WHERE id = ?", (row["id"],))
        self._notify("log", {"session": row["id"], "entry": entry})

    def log_lenient(self, session_id: str | None, what: str, warnings: Iterable[Mapping]) -> None:
        """Put on a run's log a WARNING for each rule of unknown evidence that was accepted (strict mode refuses it)."""
        from .validation.evidence import RULES

        if session_id is None:
            return
        for warning in warnings:
            code = warning.get("code")
            if code in RULES and not RULES[code].refuses:
                self.host_log(
                    session_id,
                    "WARNING",
                    f"mockango accepted {what} although {warning.get('path')}: [{code}] {warning.get('message')} "
                    "(what the real host does here is unknown; strict mode refuses it)",
                    code=code,
                    path=warning.get("path"),
                )

    def host_log(self, session_id: str, level: str, msg: str, **fields: Any) -> None:
        """A log line the host itself adds to a session (``"source": "mockango"``), in order with the plugin's."""
        entry = {**fields, "level": level, "msg": msg, "source": "mockango", "time": models.iso_time(time.time())}
        with self.store.write() as db:
            row = db.execute("SELECT id, log_count FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None or row["log_count"] >= self.log_count_limit:
                return
            db.execute(
                "INSERT INTO session_logs (session_id, seq, entry) VALUES (?, ?, ?)",
                (row["id"], row["log_count"], to_json(entry, "the log entry")),
            )
            db.execute("UPDATE sessions SET log_count = log_count + 1 WHERE id = ?", (row["id"],))
        self._notify("log", {"session": session_id, "entry": entry})

    def _log_entry(self, payload: Mapping, level: str) -> dict:
        entry = {**dict(payload), "level": level, "msg": payload.get("msg"), "time": models.iso_time(time.time())}
        message = entry["msg"]
        if isinstance(message, str) and len(message) > self.log_line_limit:
            cut = len(message) - self.log_line_limit
            entry["msg"] = (
                message[: self.log_line_limit] + f"... [{cut} characters cut: the host keeps "
                f"{self.log_line_limit} per log line]"
            )
            entry["truncated"] = True
        text = to_json(entry, "the log entry")
        if len(text) > 2 * self.log_line_limit + 4096:  # large fields besides 'msg': keep only the log's own
            entry = {key: entry.get(key) for key in ("session", "level", "msg", "time")}
            entry["truncated"] = True
            entry["msg"] = (
                f"{entry['msg']} [other fields of this entry dropped: {len(text)} characters is over the host's limit]"
                if isinstance(entry["msg"], str)
                else entry["msg"]
            )
        return entry

    def record_response(
        self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None
    ) -> Session:
        """A ``response``: the run succeeded with its message, or failed when it says ``error``.

        A response to a session that has ended (or whose time limit has passed) is kept as a
        late answer. Over REST, the same rule as :meth:`record_log` decides who may answer a session.
        """
        bound = self._bound_plugin(connection_id)
        user, caller_session = (caller.user, caller.run_session) if caller is not None else (None, None)
        with self.store.read() as db:
            row = self._session_from(
                db, connection_id, payload, user=user, bound_plugin=bound, caller_session=caller_session
            )
        outcome = None
        if row["status"] == models.RUNNING and time.time() < row["deadline_at"] and not payload.get("error"):
            # What the answer means for the plugin's type (a Model answer is validated and stored here),
            # outside the transaction that ends the session: storing it takes transactions of its own.
            outcome = self.type_runs.interpret(self.sessions.get(row["id"], with_logs=False), payload)
        status = None
        with self.store.write() as db:
            row = db.execute("SELECT id, status, deadline_at FROM sessions WHERE id = ?", (row["id"],)).fetchone()
            expired = row["status"] == models.RUNNING and time.time() >= row["deadline_at"]
            if row["status"] == models.RUNNING and not expired:
                message, result, errors = payload.get("response"), None, None
                if payload.get("error"):
                    error = payload.get("error")
                    status = models.FAILED
                    reason = error if isinstance(error, str) else "the plugin reported an error"
                else:
                    status = models.SUCCEEDED if outcome.ok else models.FAILED
                    reason, message, result, errors = outcome.reason, outcome.message, outcome.result, outcome.errors
                if not sessions.finish(
                    db, row["id"], status, message=message, reason=reason, result=result, errors=errors
                ):
                    status = None
        if status is not None:
            self._notify("session", {"id": row["id"], "status": status})
            return self.sessions.get(row["id"])
        if expired:
            self._expire(self.sessions.get(row["id"]))
        late = {**dict(payload), "time": models.iso_time(time.time())}
        with self.store.write() as db:
            sessions.add_late_answer(db, row["id"], to_json(late, "the response"))
        self._notify("late", {"session": row["id"]})
        return self.sessions.get(row["id"])

    def _finish(
        self,
        session_id: str,
        status: str,
        *,
        message: Any = None,
        reason: str | None = None,
        result: Any = None,
        errors: list | None = None,
    ) -> bool:
        with self.store.write() as db:
            changed = sessions.finish(
                db, session_id, status, message=message, reason=reason, result=result, errors=errors
            )
        if changed:
            self._notify("session", {"id": session_id, "status": status})
        return changed

    def _timeout_reason(self, session: Session) -> str:
        """What the host knows about a run that timed out (see :mod:`mockango.runs.timeout_reason`)."""
        with self._changed:
            connected = session.connection_id in self.connections.plugin_of
        agents = sorted({entry.get("agent") or "no User-Agent" for entry in self.journal.entries(session.id)})
        return timed_out_reason(
            session.time_limit, connected=connected, agents=agents, last_log=self.sessions.last_log(session.id)
        )

    def _expire(self, session: Session, **reading: Any) -> Session:
        """End a running session past its deadline (the clock does it too; reads must not wait for it).

        ``reading``: how to read it again once ended (``with_logs``, ``logs_from`` of :meth:`Sessions.get`).
        """
        if session.status == models.RUNNING and time.monotonic() >= session.deadline:
            self._finish(session.id, models.TIMED_OUT, reason=self._timeout_reason(session))
            return self.sessions.get(session.id, **reading) or session
        return session

    def _expire_by_clock(self, session_id: str) -> None:
        session = self.sessions.get(session_id, with_logs=False)
        if session is not None:
            self._expire(session)

    def get_session(self, session_id: str, *, organization_id: str | None = None, logs_from: int = 0) -> Session:
        """One session; ``logs_from``: only its log lines from that index on (0: all), read by an index range."""
        session = self.sessions.get(session_id, logs_from=logs_from)
        if session is None or (organization_id and session.organization_id != organization_id):
            raise NotFound(f"session '{session_id}' not found")
        return self._expire(session, logs_from=logs_from)

    def list_sessions(self, organization_id: str, plugin_id: str | None = None) -> list[Session]:
        """Every session of an organization (of one plugin), oldest first. Prefer :meth:`page_sessions`."""
        found, _ = self.sessions.page(organization_id, plugin_id=plugin_id, page=1, limit=-1, newest_first=False)
        return [self._expire(session) for session in found]

    def page_sessions(
        self,
        organization_id: str,
        *,
        plugin_id: str | None = None,
        status: str | None = None,
        page: int = 1,
        limit: int = 50,
        with_logs: bool = True,
    ) -> tuple[list[Session], int]:
        """One page of an organization's sessions, newest first, and how many match.

        Its cost is O(limit + log n) in the organization's sessions, on any page, with any filter;
        ``with_logs=False`` leaves the sessions' logs, imports and late answers unread.
        """
        page, limit = paging(page, limit)
        if status is not None and status not in (models.RUNNING, *models.FINAL_STATUSES):
            raise InvalidRequest(
                f"'status' must be one of running, {', '.join(sorted(models.FINAL_STATUSES))}, got {status!r}"
            )
        found, total = self.sessions.page(
            organization_id, plugin_id=plugin_id, status=status, page=page, limit=limit, with_logs=with_logs
        )
        return [self._expire(session) for session in found], total

    def all_sessions(self) -> list[Session]:
        """Every session of every organization, oldest first (test reports)."""
        with self.store.read() as db:
            rows = db.execute("SELECT * FROM sessions ORDER BY started_at, rowid").fetchall()
            return [sessions.session_from(db, row) for row in rows]

    def session_count(self) -> int:
        return self.sessions.count()

    def cancel_session(self, user: User, session_id: str) -> Session:
        """Stop a running session of the user's organization: it ends ``cancelled`` at once, saying who.

        The plugin is not told: Ango's clients listen for no such event (1.1.6, 1.3.22 and 1.4.10
        handle only connect, disconnect and ``plugin`` on the socket, and serve only ``/plugin`` and
        ``/heartbeat`` over REST), so what it sends for the session afterwards is kept, marked late.
        A session that has ended already is a :class:`Conflict`.
        """
        session = self.get_session(session_id, organization_id=user.organization_id)
        if session.finished or not self._finish(session.id, models.CANCELLED, reason=f"cancelled by {user.email}"):
            ended = self.get_session(session_id)
            raise Conflict(
                f"session '{session_id}' has ended ({ended.status}): only a running session can be cancelled"
            )
        return self.get_session(session_id)

    def wait_session(self, session_id: str, timeout: float | None = None, *, logs_from: int = 0) -> Session:
        """Block until the session ends (succeeded, failed or timed out); return it (its log lines from
        ``logs_from`` on). While it waits it reads only the session's row, however much it logs."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._changed:
                generation = self._generation
            session = self.sessions.get(session_id, with_logs=False)
            if session is None:
                raise NotFound(f"session '{session_id}' not found")
            if self._expire(session, with_logs=False).finished:
                return self.get_session(session_id, logs_from=logs_from)
            remaining = session.deadline - time.monotonic()
            if end is not None:
                remaining = min(remaining, end - time.monotonic())
                if end - time.monotonic() <= 0:
                    raise RunTimeout(f"session '{session_id}' is still running after {timeout:g} s")
            with self._changed:
                if self._generation == generation and remaining > 0:
                    self._changed.wait(remaining)

    # ------------------------------------------------------------------ labels

    def import_labels(
        self, user: User, project_id: Any, labels: Any, *, session_id: str | None = None, private: bool = False
    ) -> dict:
        """Validate an import against the project; store all of it or nothing.

        Only the assets the items name are read (one indexed query), so an import's cost
        follows its own size, not the project's. Raises :class:`LabelImportError` with every
        error (JSON paths) when anything is wrong. ``private`` is accepted for compatibility:
        labels are always stored as a JSON copy.
        """
        from .records.labels import import_labels

        if not isinstance(project_id, str):
            raise InvalidRequest("'project' must be a project id string")
        project = self.project_for(user, project_id)
        summary = import_labels(self, project, labels, session_id=session_id)
        self._notify("labels", {"project": project.id, "session": session_id})
        self.log_lenient(session_id, "the label import", summary.get("warnings", ()))
        return summary

    def import_label_body(self, user: User, raw: bytes, *, session_id: str | None = None) -> dict:
        """``POST /v2/import/labels`` from its raw body (``{"project": ..., "jsonContent": [...]}``).

        Answers as :meth:`import_labels` does. A big body is parsed and validated by the import
        worker (another process: the server's other requests keep the GIL meanwhile); only the
        check of who may import and the write happen here.
        """
        from .records.labels import store_import

        answer = None
        if self.import_worker is not None and self.import_worker.wants(raw):
            try:
                answer = self.import_worker.prepare(raw, self.base_url, strict=self.strict)
                if answer.project_id is not None:
                    self.project_for(user, answer.project_id)  # another organization's project: not found
                answer.raise_error()
            except WorkerUnavailable as exc:
                logger.warning("%s; importing in the server instead", exc)
                answer = None
        if answer is None:
            answer = prepare_body(self.projects, raw, self.base_url, user.organization_id, strict=self.strict)
            answer.raise_error()
        summary = store_import(self.store, answer.prepared, session_id=session_id)
        self._notify("labels", {"project": answer.project_id, "session": session_id})
        self.log_lenient(session_id, "POST /v2/import/labels", summary.get("warnings", ()))
        return summary
