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
import functools
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .assets import check_filters, hosted_size, paging
from .config import Address, HostConfig
from .errors import AuthenticationError, InvalidRequest, NotFound, RunTimeout, StateFileError
from .events import (
    HostReset,
    LabelsImported,
    Notifier,
    ProjectChanged,
)
from .faults import Faults
from .images import render_png
from .input_limits import MAX_NAME_LENGTH, check_text, check_value
from .models import Caller, Organization, Plugin, Project, Session, User
from .records import accounts, asset_order, project_deletion, projects, schema, session_pages, sessions
from .records.accounts import Accounts
from .records.issues import IssueBook
from .records.journal import JOURNAL_SIZE, Journal
from .records.projects import Projects
from .records.sessions import Sessions
from .records.storages import StorageBook
from .records.tasks import TaskBook, restore_after_import
from .runs.engine import RunEngine
from .runs.host_services import HostServices
from .runs.kinds import BUILT_IN
from .runs.links import PluginConnection
from .runs.plugin_stages import PluginStages
from .runs.registration import Registration
from .runs.rest_plugins import RestPluginWatcher
from .services.deletions import ProjectDeletions
from .services.export_worker import ExportWorkers
from .services.import_worker import ImportWorker, WorkerUnavailable, prepare_body
from .services.seed import demo_data
from .services.uploads import Uploads, keep_url_secret
from .store import Store
from .store.objects import ObjectStore

logger = logging.getLogger(__name__)

__all__ = ["Hub", "PluginConnection", "JOURNAL_SIZE"]


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
def seeded_image(seed: int, schema_text: str) -> bytes:
    """The seeded database of ``seed`` as bytes: built once per process, copied into each new Hub."""
    template = Store(schema=schema_text)
    _seed_into(template, seed)
    image = template.image()
    template.close()
    return image


def _derive_after_import(db: sqlite3.Connection) -> None:
    """What an import derives from the file's rows: tasks for assets that have none, the sessions' listings,
    the asset block counts."""
    restore_after_import(db)
    session_pages.rebuild(db)
    asset_order.recount(db)


class Hub:
    """A whole simulated host: organizations, projects, assets, plugins, sessions, labels.

    ``state`` is the SQLite file to keep everything in (created when missing; runs that
    were in flight when it was last used are marked failed); without it, the state
    lives in memory. Thread-safe: the store serialises writes, reads never wait for
    them (file mode), and no lock is held across work that grows with a project.
    """

    def __init__(self, config: HostConfig | None = None, /, **settings: Any) -> None:
        """A host built from ``config`` (:class:`~mockango.config.HostConfig`), or from its settings given
        by name: ``Hub(seed=1, run_timeout=30)``."""
        config = (config or HostConfig()).replace(**settings)
        self.config = config
        self.seed = config.seed
        self.address = Address(config.base_url)
        self.notifier = Notifier()
        """Tells listeners what changed and wakes waiters (see :mod:`mockango.events`)."""
        self._baseline_seed: int | None = None  # the seed whose data the memory store's baseline holds
        # In memory, a seeded Hub starts from the cached seeded image (no schema to run).
        image = seeded_image(config.seed, schema()) if config.state is None and config.populate else None
        self.store = Store(config.state, schema=schema(), image=image)
        self._image_loaded = image is not None  # opened from the seeded image: nothing to copy in
        self.accounts = Accounts(self.store)
        self.projects = Projects(self.store)
        self.sessions = Sessions(self.store)
        # The rest of a project (issue 9), one concept per module: tasks and stages, issues, storages, uploads.
        self.tasks = TaskBook(self)
        self.issues = IssueBook(self)
        self.storages = StorageBook(self)
        self.uploads = Uploads(self)
        self.objects = ObjectStore(config.files_dir)
        """Uploaded files, brushes and exports: in memory, or under ``files_dir`` (``mockango serve``)."""
        self.journal = Journal()
        self.kinds = config.kinds or BUILT_IN
        """The plugin kinds this host knows (:mod:`mockango.runs.kinds`)."""
        self.runs = RunEngine(
            store=self.store,
            notifier=self.notifier,
            kinds=self.kinds,
            services=HostServices(
                projects=self.projects,
                tasks=self.tasks,
                uploads=self.uploads,
                objects=self.objects,
                address=self.address,
            ),
            tasks=self.tasks,
            journal=self.journal,
            run_timeout=config.run_timeout,
            heartbeat_timeout=config.heartbeat_timeout,
            log_line_limit=config.log_line_limit,
            log_count_limit=config.log_count_limit,
        )
        self.plugins = self.runs.plugins
        self.connections = self.runs.connections
        self.clock = self.runs.clock
        self.rest_plugins = RestPluginWatcher(self.runs)  # heartbeats of plugins with a callback URL
        self.registration = Registration(
            store=self.store,
            notifier=self.notifier,
            kinds=self.kinds,
            connections=self.connections,
            rest_plugins=self.rest_plugins,
        )
        self.plugin_stages = PluginStages(self.runs, self.tasks, self.accounts)
        self.notifier.subscribe(self.plugin_stages.on_change)
        self.last_heartbeat = self.connections.last_heartbeat
        """Plugin id -> wall-clock time of its last heartbeat (process-local)."""
        self.restored = False
        """True when ``state`` already held a host's data (nothing was seeded)."""
        if image is None and self._has_data():
            self._check_seed()
            self.restored = True
            with self.store.write() as db:
                session_pages.ensure(db)  # a state file made before the listings' table
                sessions.fail_interrupted(db)
        elif config.populate:
            self._load_seeded()
        keep_url_secret(self)
        self.faults = Faults(seed=config.seed)
        """Faults on demand (latency, failures, dropped sockets): see :mod:`mockango.faults`."""
        self.import_worker = ImportWorker(self.store.path) if config.import_worker and not self.store.memory else None
        """Parses and validates big label imports in another process (file stores only; None: every
        import runs in its request's thread): see :mod:`.services.import_worker`."""
        self.export_workers = None if self.store.memory else ExportWorkers(self.store.path)
        """Write big exports in worker processes (file stores only; see :mod:`.services.export_worker`)."""
        self.deletions = ProjectDeletions(self.store)
        """Removes deleted projects' rows a chunk at a time (see :mod:`.services.deletions`)."""
        if self.restored:
            self.deletions.start()  # a delete the last run did not finish

    @property
    def base_url(self) -> str:
        """The URL this host gives out in absolute URLs (set by the server that serves it)."""
        return self.address.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        self.address.base_url = url

    @property
    def run_timeout(self) -> float:
        return self.runs.run_timeout

    @run_timeout.setter
    def run_timeout(self, seconds: float) -> None:
        self.runs.run_timeout = seconds

    @property
    def heartbeat_timeout(self) -> float:
        """A connection whose last heartbeat is older than this is not live (clients send one a minute)."""
        return self.runs.heartbeat_timeout

    @heartbeat_timeout.setter
    def heartbeat_timeout(self, seconds: float) -> None:
        self.runs.heartbeat_timeout = seconds

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

    def _load_seeded(self) -> None:
        """The seeded data of :attr:`seed`, with a fresh API key.

        In memory (the fixture), the seeded database image is copied in once per seed and
        marked as the store's baseline; a later reset rolls back to it (undoing only what
        the test wrote), which keeps the fixture's per-test reset far under 1 ms. A file
        store copies the image each time (``mockango serve`` resets only when asked).
        """
        image = seeded_image(self.seed, schema())
        if not self.store.memory:
            template = Store(schema=schema())
            template.load_image(image)
            self.store.copy_from(template)
            template.close()
        elif self.store.has_baseline and self._baseline_seed == self.seed:
            self.store.back_to_baseline()
        else:
            if not self._image_loaded:
                self.store.load_image(image)
            self._image_loaded = False
            self.store.mark_baseline()
            self._baseline_seed = self.seed
        with self.store.write() as db:
            accounts.rotate_key(db, self.accounts.default_id("user"))

    def reset(self) -> None:
        """Forget everything and load the seeded data again (fresh API key, no plugins).

        Live plugin connections are dropped from the books: their plugins no longer exist.
        """
        self.runs.clear()
        self.journal.clear()
        self.objects.clear()
        self._load_seeded()
        keep_url_secret(self)
        self.notifier.publish(HostReset())

    def close(self) -> None:
        """Stop the Hub's background work (heartbeat checks, the run clock, the import worker); the store stays open."""
        self.rest_plugins.close()
        self.runs.close()
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
        return {
            "run timers": len(self.clock),
            **self.connections.sizes(),
            "journal entries": len(self.journal),
            "listeners": self.notifier.listener_count,
            "waiters": self.notifier.waiter_count,
        }

    def subscribe(self, listener: Callable[[str, dict], None]) -> None:
        """Call ``listener(kind, fields)`` after every change: the events of :mod:`mockango.events` as
        plain names and dicts (``"live", {"id": ..., "live": False}``). In Python, prefer
        ``hub.notifier.subscribe(listener)``, which gets the typed event."""
        self.notifier.subscribe_plain(listener)

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
        self.runs.clear()
        # Tasks come with the file; assets an older file has no task for get a fresh one.
        count = import_state(self.store, exported_tables(), data, source=path, finish=_derive_after_import)
        with self.store.write() as db:
            sessions.fail_interrupted(db)
        self.notifier.publish(HostReset())
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
            found = self.accounts.user(run[0]) if run else None
            if found is not None and run is not None:
                return Caller(found, run[1])
        raise AuthenticationError("invalid API key: it matches no user of this host")

    def session_for_key(self, api_key: object) -> str | None:
        """The session whose run event carried this key, if it was a run key."""
        return self.runs.session_for_key(api_key)

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
        self.notifier.publish(ProjectChanged(project_id))
        return self.projects.get(project_id)

    def add_assets(self, project_id: str, assets: Iterable[Mapping], *, organization_id: str | None = None) -> int:
        """Append assets to a project (all or nothing, in one transaction); returns how many were added."""
        project = self.projects.require(project_id, organization_id)
        with self.store.write() as db:
            added = projects.add_assets(db, project.id, assets)
        self.notifier.publish(ProjectChanged(project.id))
        return added

    @staticmethod
    def _check_ontology(schema_: dict) -> None:
        from .validation import validate_ontology

        report = validate_ontology(schema_)
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
        return self.projects.find_assets(project, self.base_url, page=page, limit=limit, filters=filters)

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
    ) -> Plugin:
        """Register a plugin of a kind this host knows; its ``secret`` is what the plugin process connects with."""
        return self.registration.create(
            organization_id or self._default_org_id(),
            name,
            class_names=class_names,
            default_config=default_config,
            plugin_type=plugin_type,
            description=description,
            callback_url=callback_url,
        )

    def get_plugin(self, plugin_id: str) -> Plugin | None:
        """A plugin by id, whoever owns it (a control-side view)."""
        return self.plugins.get(plugin_id)

    def plugin_for(self, organization_id: str, plugin_id: str) -> Plugin:
        return self.registration.of(organization_id, plugin_id)

    def list_plugins(self, organization_id: str) -> list[Plugin]:
        return self.plugins.for_organization(organization_id)

    def plugins_with_callback(self) -> list[tuple[str, str, str]]:
        """(id, callback URL, secret) of every plugin this host calls over HTTP."""
        return self.plugins.with_callback()

    def plugin_count(self) -> int:
        """How many plugins exist, in every organization."""
        return self.plugins.count()

    def delete_plugin(self, organization_id: str, plugin_id: str) -> None:
        self.registration.delete(organization_id, plugin_id)

    def authenticate_plugin(self, plugin_id: object, secret: object, connection: PluginConnection) -> Plugin:
        """Bind a connection to a plugin when id and secret match: the plugin is then live."""
        return self.runs.authenticate_plugin(plugin_id, secret, connection)

    def connection_closed(self, connection_id: str) -> None:
        """A plugin's link dropped: it stops being live there, and its runs in flight fail."""
        self.runs.connection_closed(connection_id)

    def is_bound(self, connection_id: str) -> bool:
        """Whether a connection has authenticated as some plugin."""
        return self.connections.plugin_of_connection(connection_id) is not None

    def connection_count(self, plugin_id: str) -> int:
        """How many connections speak for the plugin (live or not)."""
        return self.connections.count(plugin_id)

    def is_live(self, plugin_id: str) -> bool:
        """Connected, with a heartbeat within :attr:`heartbeat_timeout` (the green light)."""
        return self.runs.is_live(plugin_id)

    def wait_live(self, plugin_id: str, timeout: float = 10.0) -> None:
        """Block until the plugin has a live connection."""
        if self.plugins.get(plugin_id) is None:
            raise NotFound(f"plugin '{plugin_id}' not found")
        if not self.runs.wait_live(plugin_id, timeout):
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

        ``options`` are the plugin kind's own (:mod:`mockango.runs.kinds`): ``asset``, ``task``,
        ``overwrite``, ``workflow`` (Model); ``stage`` (Export); ``bucket``, ``folder``, ``files``,
        ``upload``, ``storage_id``, ``scroll_token`` (File Explorer); ``input_file``,
        ``markdown_text`` (Markdown); ``file_explorer_options`` (Input). Another kind's option is refused.
        """
        return self.runs.start(
            user,
            plugin_id,
            project_id,
            class_mapping=class_mapping,
            config=config,
            batches=batches,
            timeout=timeout,
            **options,
        )

    def record_log(self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None) -> None:
        """A ``log`` event (or a ``POST /v2/pluginLog``): keep it on its session, in order (see :class:`RunEngine`)."""
        self.runs.record_log(payload, connection_id=connection_id, caller=caller)

    def record_response(
        self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None
    ) -> Session:
        """A ``response``: the run succeeded with its message, or failed when it says ``error``."""
        return self.runs.record_response(payload, connection_id=connection_id, caller=caller)

    def get_session(self, session_id: str, *, organization_id: str | None = None, logs_from: int = 0) -> Session:
        """One session; ``logs_from``: only its log lines from that index on (0: all), read by an index range."""
        return self.runs.get(session_id, organization_id=organization_id, logs_from=logs_from)

    def list_sessions(self, organization_id: str, plugin_id: str | None = None) -> list[Session]:
        """Every session of an organization (of one plugin), oldest first. Prefer :meth:`page_sessions`."""
        return self.runs.page(organization_id, plugin_id=plugin_id, limit=-1, newest_first=False)[0]

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
        """One page of an organization's sessions, newest first, and how many match: O(limit + log n)."""
        page, limit = paging(page, limit)
        return self.runs.page(
            organization_id, plugin_id=plugin_id, status=status, page=page, limit=limit, with_logs=with_logs
        )

    def all_sessions(self) -> list[Session]:
        """Every session of every organization, oldest first (test reports)."""
        return self.sessions.all()

    def session_count(self) -> int:
        return self.sessions.count()

    def wait_session(self, session_id: str, timeout: float | None = None, *, logs_from: int = 0) -> Session:
        """Block until the session ends (succeeded, failed or timed out); return it."""
        return self.runs.wait(session_id, timeout, logs_from=logs_from)

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
        self.notifier.publish(LabelsImported(project.id, session_id))
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
                answer = self.import_worker.prepare(raw, self.base_url)
                if answer.project_id is not None:
                    self.project_for(user, answer.project_id)  # another organization's project: not found
                answer.raise_error()
            except WorkerUnavailable as exc:
                logger.warning("%s; importing in the server instead", exc)
                answer = None
        if answer is None:
            answer = prepare_body(self.projects, raw, self.base_url, user.organization_id)
            answer.raise_error()
        summary = store_import(self.store, answer.prepared, session_id=session_id)
        self.notifier.publish(LabelsImported(answer.project_id, session_id))
        return summary
