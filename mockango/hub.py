"""The Hub: a simulated Ango Hub, as one object with the public Python API.

mockango's sans-I/O core, seen from outside: it imports no Flask and opens no socket. The web layer
translates HTTP requests and Socket.IO events into calls on a Hub, and tests and scripts call it
directly. Every rule lives below it, one concept per module: the services (:mod:`mockango.services`),
the run engine and the plugin kinds (:mod:`mockango.runs`), the records (:mod:`mockango.records`);
:func:`~mockango.host.build_host` wires them from a :class:`~mockango.config.HostConfig`. Many Hubs
can live in one process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, overload

from .assets import paging
from .config import HostConfig
from .errors import InvalidRequest, NotFound
from .host import Host, Through, build_host
from .models import Caller, Organization, Plugin, Project, Session, User
from .records.journal import JOURNAL_SIZE
from .runs.links import PluginConnection

__all__ = ["Hub", "PluginConnection", "JOURNAL_SIZE"]


class Hub:
    """A whole simulated host: organizations, projects, assets, plugins, sessions, labels.

    Built from ``config`` (:class:`~mockango.config.HostConfig`), or from its settings by name:
    ``Hub(seed=1, run_timeout=30)``. ``state`` is the SQLite file to keep everything in (created when
    missing; runs that were in flight when it was last used are marked failed); without it, the state
    lives in memory. Thread-safe: the store serialises writes, reads never wait for them (file mode),
    and no lock is held across work that grows with a project.
    """

    def __init__(self, config: HostConfig | None = None, /, **settings: Any) -> None:
        self.host: Host = build_host((config or HostConfig()).replace(**settings))
        host = self.host
        self.config, self.store, self.notifier, self.settings = host.config, host.store, host.notifier, host.settings
        self.kinds, self.objects, self.journal, self.faults = host.kinds, host.objects, host.journal, host.faults
        self.accounts, self.projects, self.runs = host.accounts, host.projects, host.runs
        self.tasks, self.issues, self.storages, self.uploads = host.tasks, host.issues, host.storages, host.uploads
        self.batches, self.exports, self.labels = host.batches, host.exports, host.labels
        self.organization, self.analytics, self.attachments = host.organization, host.analytics, host.attachments
        self.chat_assets = host.chat_assets
        self.project_admin, self.deletions, self.registration = host.project_admin, host.deletions, host.registration
        self.import_worker, self.export_workers = host.import_worker, host.export_workers
        self.rest_plugins, self.plugin_stages, self.restored = host.rest_plugins, host.plugin_stages, host.restored
        self.plugins, self.sessions = self.runs.plugins, self.runs.sessions
        self.connections, self.clock = self.runs.connections, self.runs.clock
        self.last_heartbeat = self.connections.last_heartbeat
        """Plugin id -> wall-clock time of its last heartbeat (process-local)."""

    seed: Through[int] = Through("host", "seed", "The seed of the fake data; a :meth:`reset` loads its data.")
    base_url: Through[str] = Through("settings", "base_url", "The URL the host gives out (its server's).")
    strict: Through[bool] = Through("settings", "strict", "Rules of unknown evidence refuse instead of warning.")
    run_timeout: Through[float] = Through("runs", "run_timeout", "A run's time limit unless it sets one (s).")
    heartbeat_timeout: Through[float] = Through("runs", "heartbeat_timeout", "A connection silent longer is not live.")

    def reset(self, *, keep_credentials: bool = False) -> None:
        """Forget everything and load the seeded data again (fresh API key, no plugins, no connections);
        ``keep_credentials``: the API key and the plugins :meth:`keep_on_reset` named stay (``POST /api/reset``)."""
        self.host.reset(keep_credentials=keep_credentials)

    def keep_on_reset(self, plugin_id: str) -> None:
        """Have ``reset(keep_credentials=True)`` put this plugin back as it is (``mockango serve``'s demo plugin)."""
        self.host.keep_on_reset(plugin_id)

    def set_api_key(self, api_key: str) -> None:
        """Give the default user this API key (``serve --api-key``: known before the host starts)."""
        self.host.set_api_key(api_key)

    def is_admin_key(self, api_key: object) -> bool:
        """True for the key that may reset the whole host: ``admin_key``, else the default user's."""
        return self.host.is_admin_key(api_key)

    def close(self) -> None:
        """Stop the background work (heartbeat checks, the run clock, deletions, workers); the store stays open."""
        self.host.close()

    def close_store(self) -> None:
        """Close the store's connections (``mockango serve`` at exit); the Hub is unusable after."""
        self.close()
        self.store.close()

    def held_in_memory(self) -> dict[str, int]:
        """How many entries each in-process book holds; finished runs leave none (``bench/memory.py``)."""
        return self.host.held_in_memory()

    def subscribe(self, listener: Callable[[str, dict], None]) -> None:
        """Call ``listener(kind, fields)`` after every change (the events of :mod:`mockango.events` as names
        and dicts); in Python, ``hub.notifier.subscribe(listener)`` gets the typed event."""
        self.notifier.subscribe_plain(listener)

    def export_state(self, path: Any) -> int:
        """Write the whole state to ``path`` as readable JSON, atomically; returns the rows written."""
        return self.host.export_state(path)

    def import_state(self, path: Any) -> int:
        """Replace the whole state with a JSON export, all or nothing; runs in flight in it are marked failed."""
        return self.host.import_state(path)

    @property
    def default_organization(self) -> Organization | None:
        return self.host.default("organization")

    @property
    def default_user(self) -> User | None:
        return self.host.default("user")

    @property
    def default_project(self) -> Project | None:
        return self.host.default("project")

    @overload
    def require_default(self, name: Literal["organization"]) -> Organization: ...
    @overload
    def require_default(self, name: Literal["user"]) -> User: ...
    @overload
    def require_default(self, name: Literal["project"]) -> Project: ...
    def require_default(self, name: str) -> Organization | User | Project:
        """The default ``organization``, ``user`` or ``project``, for the helpers that act as it; a host
        seeds all three, but a state imported from another may lack one."""
        found = self.host.default(name)
        if found is None:
            raise NotFound(f"this host has no default {name} (its state came without one): name one explicitly")
        return found

    def _organization(self, organization_id: str | None) -> str:
        found = organization_id or self.accounts.default_id("organization")
        if found is None:
            raise InvalidRequest("this hub has no default organization: pass organization_id")
        return found

    def create_organization(self, name: str, *, user_name: str = "Test User", email: str = "user@example.com") -> User:
        """A new organization with one user; returns the user (``user.api_key`` to call the API)."""
        return self.host.account_service.create_organization(name, user_name, email)

    def get_organization(self, organization_id: str) -> Organization | None:
        return self.accounts.organization(organization_id)

    def organization_count(self) -> int:
        return self.host.account_service.count()

    def project_count(self) -> int:
        """How many projects this host has, in every organization."""
        return self.host.project_service.count()

    def get_user(self, user_id: str) -> User | None:
        return self.accounts.user(user_id)

    def authenticate(self, api_key: object) -> User:
        """The user an API key belongs to (see :meth:`identify`)."""
        return self.identify(api_key).user

    def identify(self, api_key: object) -> Caller:
        """The user an API key belongs to, and the run whose key it is (a user's own key: none)."""
        return self.host.account_service.identify(api_key)

    def session_for_key(self, api_key: object) -> str | None:
        """The session whose run event carried this key, if it was a run key."""
        return self.runs.session_for_key(api_key)

    def record_request(
        self, method: str, path: str, status: int, *, run_session: str | None = None, query: str = "", agent: Any = None
    ) -> None:
        """Note one HTTP call in the journal; ``run_session``: the run whose key made the call."""
        self.journal.add(method, path, status, query, run_session, agent)

    def journal_entries(self, session_id: str | None = None) -> list[dict]:
        """The last HTTP calls, oldest first (of one run's key when ``session_id`` is given): each
        ``{"time", "method", "path", "query", "status", "session", "agent"}``."""
        return self.journal.entries(session_id)

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

        Each asset is ``{"externalId", "data"}`` with optional ``metadata`` (width/height), ``batches``
        (names; new names create batches) and ``_id`` (24 hex characters, refused with 409 when any asset
        already has it). All or nothing: a refused asset leaves no project and no asset behind.
        """
        organization = self._organization(organization_id)
        return self.host.project_service.create(organization, name, category_schema, assets, description=description)

    def add_assets(self, project_id: str, assets: Iterable[Mapping], *, organization_id: str | None = None) -> int:
        """Append assets to a project (all or nothing, in one transaction); returns how many were added."""
        return self.host.project_service.add_assets(project_id, assets, organization_id=organization_id)

    def get_project(self, project_id: str) -> Project | None:
        """A project by id, whoever owns it (a control-side view)."""
        return self.projects.get(project_id)

    def project_for(self, user: User, project_id: str) -> Project:
        """A project the user may see; another organization's project is simply not found."""
        return self.projects.require(project_id, user.organization_id)

    def list_projects(self, user: User, page: int = 1, limit: int = 10) -> tuple[list[dict], int]:
        return self.host.project_service.list_for(user, page, limit)

    def find_assets(
        self, user: User, project_id: str, *, page: int = 1, limit: int = 10, filters: Mapping | None = None
    ) -> tuple[list[dict], int]:
        """One page of a project's assets matching ``filters`` (keys of ango-host-facts §4)."""
        return self.host.project_service.find_assets(user, project_id, page=page, limit=limit, filters=filters)

    def page_project_assets(
        self, project_id: str, *, page: int = 1, limit: int = 50, pre_labeled: bool | None = None
    ) -> tuple[list[dict], int]:
        """One page of a project's assets with their labels, and the total (a control-side view)."""
        return self.host.project_service.page_assets(project_id, page=page, limit=limit, pre_labeled=pre_labeled)

    def project_asset(self, project_id: str, asset_id: str) -> dict | None:
        """One asset of a project with its labels (a control-side view), or None."""
        return self.host.project_service.asset(project_id, asset_id)

    def project_assets(self, project_id: str) -> list[dict]:
        """Every asset of a project with its stored labels (a control-side view: no key needed)."""
        return self.host.project_service.all_assets(project_id)

    def asset_file(self, asset_id: str) -> bytes:
        """The PNG served at a hosted asset's URL, of the asset's width x height."""
        return self.host.project_service.asset_file(asset_id)

    def import_labels(
        self, user: User, project_id: Any, labels: Any, *, session_id: str | None = None, private: bool = False
    ) -> dict:
        """Validate an import against the project; store all of it or nothing (:class:`LabelImportError`
        with every error's JSON path). ``private`` is accepted for compatibility."""
        summary = self.labels.import_labels(user, project_id, labels, session_id=session_id)
        self.runs.log_lenient(session_id, "the label import", summary.get("warnings", ()))
        return summary

    def import_label_body(self, user: User, raw: bytes, *, session_id: str | None = None) -> dict:
        """``POST /v2/import/labels`` from its raw body; a big one is prepared by the import worker."""
        summary = self.labels.import_body(user, raw, session_id=session_id)
        self.runs.log_lenient(session_id, "POST /v2/import/labels", summary.get("warnings", ()))
        return summary

    def log_lenient(self, session_id: str | None, what: str, warnings: Iterable[Mapping]) -> None:
        """A WARNING on a run's log for each rule of unknown evidence that was accepted (strict mode refuses it)."""
        self.runs.log_lenient(session_id, what, warnings)

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
        """Register a plugin of a kind this host knows; its ``secret`` is what the plugin process connects with
        (``plugin_id`` and ``secret``: given instead of fresh ones, for scripted and CI use)."""
        return self.registration.create(
            self._organization(organization_id),
            name,
            class_names=class_names,
            default_config=default_config,
            plugin_type=plugin_type,
            description=description,
            callback_url=callback_url,
            plugin_id=plugin_id,
            secret=secret,
        )

    def get_plugin(self, plugin_id: str) -> Plugin | None:
        """A plugin by id, whoever owns it (a control-side view)."""
        return self.plugins.get(plugin_id)

    def plugin_for(self, organization_id: str, plugin_id: str) -> Plugin:
        """A plugin of the organization; another organization's is simply not found."""
        return self.registration.of(organization_id, plugin_id)

    def list_plugins(self, organization_id: str) -> list[Plugin]:
        return self.plugins.for_organization(organization_id)

    def plugins_with_callback(self) -> list[tuple[str, str, str]]:
        """(id, callback URL, secret) of every plugin this host calls over HTTP."""
        return self.plugins.with_callback()

    def plugin_count(self) -> int:
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
        self.registration.wait_live(plugin_id, timeout)

    def start_run(self, user: User, plugin_id: str, project_id: str, **options: Any) -> Session:
        """What clicking Run does: check everything, open a session, send the event to one connection.

        ``options``: ``class_mapping``, ``config``, ``batches``, ``timeout`` (the run's time limit), and
        the plugin kind's own (:mod:`mockango.runs.kinds`): ``asset``, ``task``, ``overwrite``, ``workflow``
        (Model); ``stage`` (Export); ``bucket``, ``folder``, ``files``, ``upload``, ``storage_id``,
        ``scroll_token`` (File Explorer); ``input_file``, ``markdown_text`` (Markdown);
        ``file_explorer_options`` (Input). Another kind's option is refused.
        """
        return self.runs.start(user, plugin_id, project_id, **options)

    def record_log(self, payload: Any, *, connection_id: str | None = None, caller: Caller | None = None) -> None:
        """A ``log`` event (or ``POST /v2/pluginLog``): kept on its session, in order."""
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

    def cancel_session(self, user: User, session_id: str) -> Session:
        """Stop a running session of the user's organization: it ends ``cancelled`` (see :meth:`RunEngine.cancel`)."""
        return self.runs.cancel(user, session_id)

    def wait_session(self, session_id: str, timeout: float | None = None, *, logs_from: int = 0) -> Session:
        """Block until the session ends (succeeded, failed or timed out); return it."""
        return self.runs.wait(session_id, timeout, logs_from=logs_from)
