"""Building a host from its configuration: the store, the notifier, the services and the run engine, wired.

:func:`build_host` is the one place a host is assembled (``Hub``, and through it ``MockAngo``,
``mockango serve`` and the pytest fixtures). Everything the host keeps is in its SQLite store
(a file for ``mockango serve``, memory otherwise); what is process-local (live plugin connections,
the request journal, the run clock, waiters) lives in the parts built here. The host's lifecycle
is here too: seeding, resetting, closing, exporting and importing its state.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Generic, TypeVar

from .config import HostConfig, Settings
from .errors import StateFileError
from .events import HostReset, Notifier
from .faults import Faults
from .ids import check_given_secret, same_secret
from .records import accounts as account_rows
from .records import cells, derive_after_import, exported_tables, schema, session_pages, sessions
from .records import plugins as plugin_rows
from .records.journal import Journal
from .records.projects import Projects
from .runs.engine import RunEngine
from .runs.host_services import HostServices
from .runs.kinds import BUILT_IN, Kinds
from .runs.plugin_stages import PluginStages
from .runs.registration import Registration
from .runs.rest_plugins import RestPluginWatcher
from .services.accounts import AccountService
from .services.analytics import AnalyticsService
from .services.attachments import AttachmentService
from .services.batches import BatchService
from .services.chat_assets import ChatAssets
from .services.context import Context
from .services.deletions import ProjectDeletions
from .services.export_worker import ExportWorkers
from .services.exports import ExportService
from .services.import_worker import ImportWorker
from .services.issues import IssueService
from .services.labels import LabelService
from .services.organization import Organization
from .services.project_admin import ProjectAdmin
from .services.projects import ProjectService
from .services.seed import seeded_template
from .services.storages import StorageService
from .services.tasks import TaskService
from .services.uploads import Uploads, keep_url_secret
from .store import Store
from .store.objects import ObjectStore


class Host:
    """One host's parts. Made by :func:`build_host`; :class:`mockango.hub.Hub` is its public face."""

    def __init__(self, config: HostConfig) -> None:
        self.config = config
        self.seed = config.seed
        self.settings = Settings(config.base_url, config.strict)
        self.notifier = Notifier()
        self.kinds = BUILT_IN if config.kinds is None else Kinds(config.kinds)
        self._baseline_seed: int | None = None  # the seed whose data the memory store's baseline holds
        self._admin_key = None if config.admin_key is None else check_given_secret(config.admin_key, "the admin key")
        self._kept_plugins: list[str] = []  # plugins reset(keep_credentials=True) puts back (serve's demo plugin)
        # In memory, a seeded host starts from a copy of the cached seeded database (no schema to run).
        template = seeded_template(config.seed, schema()) if config.state is None and config.populate else None
        self.store = Store(config.state, schema=schema(), template=template)
        self._seed_copied = template is not None  # opened from the seeded database: nothing to copy in
        self.objects = ObjectStore(None if config.files_dir is None else os.fspath(config.files_dir))
        self.journal = Journal()
        self.faults = Faults(seed=config.seed)
        context = Context(self.store, self.notifier, self.settings, self.objects)
        self.account_service = AccountService(context)
        self.accounts = self.account_service.records
        self.projects = Projects(self.store)
        self.project_service = ProjectService(context)
        self.tasks = TaskService(context)
        self.issues = IssueService(context)
        self.uploads = Uploads(context)
        self.storages = StorageService(context, self.uploads)
        self.batches = BatchService(context)
        self.deletions = ProjectDeletions(self.store)
        self.project_admin = ProjectAdmin(context, self.project_service, self.tasks, self.deletions)
        self.export_workers = (
            ExportWorkers(self.store.path, cpus=config.worker_cpus)
            if self.store.path and not self.store.memory
            else None
        )
        self.exports = ExportService(context, self.tasks, self.export_workers)
        use_worker = config.import_worker and self.store.path is not None and not self.store.memory
        self.import_worker = (
            ImportWorker(self.store.path, cpus=config.worker_cpus) if use_worker and self.store.path else None
        )
        self.labels = LabelService(context, self.import_worker)
        self.organization = Organization(context)
        self.analytics = AnalyticsService(context, self.tasks)
        self.attachments = AttachmentService(context)
        self.chat_assets = ChatAssets(context, self.uploads)
        self.runs = RunEngine(
            store=self.store,
            notifier=self.notifier,
            kinds=self.kinds,
            services=HostServices(
                projects=self.projects,
                tasks=self.tasks,
                uploads=self.uploads,
                objects=self.objects,
                settings=self.settings,
            ),
            tasks=self.tasks,
            journal=self.journal,
            run_timeout=config.run_timeout,
            heartbeat_timeout=config.heartbeat_timeout,
            log_line_limit=config.log_line_limit,
            log_count_limit=config.log_count_limit,
        )
        self.rest_plugins = RestPluginWatcher(self.runs)
        self.registration = Registration(
            store=self.store,
            notifier=self.notifier,
            kinds=self.kinds,
            connections=self.runs.connections,
            rest_plugins=self.rest_plugins,
            engine=self.runs,
            settings=self.settings,
        )
        self.plugin_stages = PluginStages(self.runs, self.tasks, self.accounts)
        self.notifier.subscribe(self.plugin_stages.on_change)
        self.restored = template is None and self._has_data()
        if self.restored:
            self._check_seed()
            with self.store.write() as db:
                session_pages.ensure(db)  # a state file made before the listings' table
                cells.ensure(db)  # ... or before the cell counts
                sessions.fail_interrupted(db)
        elif config.populate:
            self.load_seeded()
        keep_url_secret(self.store, self.objects)
        if self.restored:
            self.deletions.start()  # a delete the last run did not finish

    # ------------------------------------------------------------------ state

    def _has_data(self) -> bool:
        with self.store.read() as db:
            return account_rows.has_organizations(db)

    def _check_seed(self) -> None:
        stored = self.accounts.setting("seed")
        if stored is not None and stored != str(self.seed):
            raise StateFileError(
                f"the state in {self.store.where} was made with --seed {stored}, not {self.seed}: "
                "use that seed, or --fresh to start over"
            )

    def load_seeded(self, api_key: str | None = None) -> None:
        """The seeded data of :attr:`seed`, with ``api_key`` or a fresh one.

        In memory (the fixture), the seeded database image is copied in once per seed and
        marked as the store's baseline; a later reset rolls back to it (undoing only what
        the test wrote), which keeps the fixture's per-test reset far under 1 ms. A file
        store copies the image each time (``mockango serve`` resets only when asked).
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
            account_rows.rotate_key(db, self.accounts.default_id("user") or "", api_key)

    def reset(self, *, keep_credentials: bool = False) -> None:
        """Forget everything and load the seeded data again (fresh API key, no plugins).

        Live plugin connections are dropped from the books: their plugins no longer exist.
        ``keep_credentials`` (``POST /api/reset``): the default user keeps its API key, and the plugins
        :meth:`keep_on_reset` named come back with their ids, secrets and live connections, so the
        credentials a host printed stay good for the scripts and plugin processes that use them.
        """
        user = self.default("user")
        key = user.api_key if keep_credentials and user is not None else None
        plugins = self.runs.plugins
        kept = [p for p in map(plugins.get, self._kept_plugins) if p is not None] if keep_credentials else []
        links = {p.id: self.runs.connections.of_plugin(p.id) for p in kept}
        self.runs.clear()
        self.journal.clear()
        self.objects.clear()
        self.load_seeded(api_key=key)
        if kept:
            organization_id = self.accounts.default_id("organization") or ""
            with self.store.write() as db:
                for plugin in kept:
                    plugin_rows.insert_plugin(db, dataclasses.replace(plugin, organization_id=organization_id))
            for plugin_id, connections in links.items():
                for connection in connections:
                    self.runs.connections.bind(plugin_id, connection)
        else:
            self._kept_plugins.clear()
        keep_url_secret(self.store, self.objects)
        self.notifier.publish(HostReset())

    def keep_on_reset(self, plugin_id: str) -> None:
        """Have ``reset(keep_credentials=True)`` put this plugin back as it is (``mockango serve``'s demo plugin)."""
        if plugin_id not in self._kept_plugins:
            self._kept_plugins.append(plugin_id)

    def set_api_key(self, api_key: str) -> None:
        """Give the default user this API key (``serve --api-key``: known before the host starts)."""
        check_given_secret(api_key, "the API key")
        with self.store.write() as db:
            account_rows.rotate_key(db, self.accounts.default_id("user") or "", api_key)

    def is_admin_key(self, api_key: object) -> bool:
        """True for the key that may reset the whole host: ``admin_key``, else the default user's (constant time)."""
        user = self.default("user")
        expected = self._admin_key or (user.api_key if user is not None else None)
        return expected is not None and same_secret(api_key, expected)

    def close(self) -> None:
        """Stop the background work (heartbeat checks, the run clock, deletions, the import worker);
        the store stays open."""
        self.rest_plugins.close()
        self.runs.close()
        self.deletions.close()
        if self.import_worker is not None:
            self.import_worker.close()

    def held_in_memory(self) -> dict[str, int]:
        """How many entries each in-process book holds (everything else is in the store)."""
        return {
            "run timers": len(self.runs.clock),
            **self.runs.connections.sizes(),
            "journal entries": len(self.journal),
            "listeners": self.notifier.listener_count,
            "waiters": self.notifier.waiter_count,
        }

    def export_state(self, path: str | os.PathLike[str]) -> int:
        """Write the whole state to ``path`` as readable JSON, atomically; returns the rows written."""
        from .store.transfer import export_state

        return export_state(self.store, exported_tables(), path)

    def import_state(self, path: str | os.PathLike[str]) -> int:
        """Replace the whole state with a JSON export (or an old ``state.json``), all or nothing.

        Runs in flight in the file are marked failed; live connections are forgotten.
        """
        from .store.transfer import import_state, read_state_file

        data = read_state_file(path)
        self.runs.clear()
        # Tasks come with the file; assets an older file has no task for get a fresh one.
        count = import_state(self.store, exported_tables(), data, source=path, finish=derive_after_import)
        with self.store.write() as db:
            sessions.fail_interrupted(db)
        self.notifier.publish(HostReset())
        return count

    def default(self, name: str) -> Any:
        """The default organization, user or project (``name``), or None."""
        record_id = self.accounts.default_id(name)
        if name == "project":
            return self.projects.get(record_id)
        return self.accounts.organization(record_id) if name == "organization" else self.accounts.user(record_id)


T = TypeVar("T")


class Through(Generic[T]):
    """A setting of the Hub that one of its parts keeps: read and written there (``hub.run_timeout = 5``)."""

    def __init__(self, part: str, name: str, doc: str) -> None:
        self.part, self.name, self.__doc__ = part, name, doc

    def __get__(self, hub: Any, owner: Any = None) -> T:
        return self if hub is None else getattr(getattr(hub, self.part), self.name)  # type: ignore[return-value]

    def __set__(self, hub: Any, value: T) -> None:
        setattr(getattr(hub, self.part), self.name, value)


def build_host(config: HostConfig) -> Host:
    """A host built from ``config``: its store opened (seeded, or restored from ``config.state``), every
    service and the run engine wired, nothing serving yet."""
    return Host(config)


__all__ = ["Host", "Through", "build_host"]
