"""The Hub: all of a simulated Ango Hub's state and the rules over it.

This is mockango's sans-I/O core. It imports no Flask and opens no socket: the
web layer translates HTTP requests and Socket.IO events into calls on a Hub,
and a Hub hands run events to plugin connections through the small
:class:`PluginConnection` protocol. Every rule (who may see what, what a run
event holds, when a session ends, what an import stores) is a plain method, so
it can be tested without a server, and many Hubs can live in one process.
"""

from __future__ import annotations

import collections
import copy
import itertools
import json
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from . import models
from .assets import check_filters, make_asset, matches, paging
from .errors import AuthenticationError, Conflict, InvalidRequest, LabelImportError, NotFound, RunTimeout
from .ids import key_digest, new_object_id, new_secret, same_secret
from .images import render_png
from .models import Asset, Batch, Organization, Plugin, Project, Session, User
from . import plugin_types
from .plugin_stages import PluginStages
from .plugin_types import kind_of
from .rest_plugins import RestPluginWatcher
from .issues import IssueBook
from .objects import ObjectStore
from .runs import batch_ids_for, category_schema_for, config_json_for, parse_config
from .seed import demo_data
from .storages import StorageBook
from .tasks import TaskBook
from .type_runs import TypeRuns
from .uploads import Uploads

JOURNAL_SIZE = 10_000


class PluginConnection(Protocol):
    """One live link to a plugin process (a Socket.IO socket, a REST callback URL, ...)."""

    id: str

    def send_run(self, event: dict) -> None:
        """Deliver a run event; raise to report that it could not be delivered."""


class Hub:
    """A whole simulated host: organizations, projects, assets, plugins, sessions, labels.

    Thread-safe: one lock guards the state, and one condition wakes whoever waits
    for a plugin to go live or a session to end.
    """

    def __init__(self, *, seed: int = 0, run_timeout: float = 300.0, heartbeat_timeout: float = 150.0,
                 base_url: str = "http://127.0.0.1:8080", populate: bool = True,
                 files_dir: str | None = None) -> None:
        self.seed = seed
        self.run_timeout = run_timeout
        self.heartbeat_timeout = heartbeat_timeout
        """A connection whose last heartbeat is older than this is not live (clients send one a minute)."""
        self.base_url = base_url
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listeners: list = []
        self.rest_plugins = RestPluginWatcher(self)  # heartbeats of plugins with a callback URL
        self.type_runs = TypeRuns(self)
        self.plugin_stages = PluginStages(self)
        self._listeners.append(self.plugin_stages.on_change)
        self.objects = ObjectStore(files_dir)
        """Uploaded files, brushes and exports: in memory, or under ``files_dir`` (``mockango serve``)."""
        self._clear()
        if populate:
            self._load_demo()

    # ------------------------------------------------------------------ state

    def _clear(self) -> None:
        self.organizations: dict[str, Organization] = {}
        self.users: dict[str, User] = {}
        self.projects: dict[str, Project] = {}
        self.assets: dict[str, Asset] = {}
        self.plugins: dict[str, Plugin] = {}
        self.sessions: dict[str, Session] = {}
        self._run_keys: dict[str, tuple[str, str]] = {}   # key_digest(run key) -> (user id, session id)
        self._connections: dict[str, dict[str, PluginConnection]] = {}
        self._connection_plugin: dict[str, str] = {}
        self._heartbeats: dict[str, float] = {}          # connection id -> monotonic time of its last heartbeat
        self.last_heartbeat: dict[str, float] = {}       # plugin id -> wall-clock time of its last heartbeat
        self._turn = itertools.count()
        self.journal: collections.deque[dict] = collections.deque(maxlen=JOURNAL_SIZE)
        """The last HTTP calls (oldest first): see :meth:`record_request`."""
        self.default_organization: Organization | None = None
        self.default_user: User | None = None
        self.default_project: Project | None = None
        # The rest of a project, one concept per module (tasks.py, issues.py, storages.py, ...).
        self.tasks = TaskBook(self)
        self.issues = IssueBook(self)
        self.storages = StorageBook(self)
        self.uploads = Uploads(self)
        self.project_settings: dict[str, dict] = {}
        self.objects.clear()

    def _load_demo(self) -> None:
        data = demo_data(self.seed)
        org = Organization(id=data.organization["id"], name=data.organization["name"])
        self.organizations[org.id] = org
        user = User(id=data.user["id"], name=data.user["name"], email=data.user["email"],
                    organization_id=org.id, api_key=new_secret())
        self.users[user.id] = user
        project = data.project
        self.default_project = self._add_project(org.id, project["name"], project["categorySchema"], data.assets,
                                                 description=project["description"], project_id=project["id"],
                                                 batches=project["batches"])
        self.default_project.created_at = project["createdAt"]
        self.default_organization, self.default_user = org, user

    def reset(self) -> None:
        """Forget everything and load the seeded data again (fresh API key, no plugins).

        Live plugin connections are dropped from the books: their plugins no longer exist.
        """
        with self._lock:
            self._clear()
            self._load_demo()
            self._changed.notify_all()

    def close(self) -> None:
        """Stop the Hub's background work (heartbeat checks of callback-URL plugins)."""
        self.rest_plugins.close()

    def subscribe(self, listener) -> None:
        """Call ``listener(kind, payload)`` after every change (the dashboard uses it)."""
        self._listeners.append(listener)

    def _notify(self, kind: str, payload: dict) -> None:
        self._changed.notify_all()
        for listener in list(self._listeners):
            try:
                listener(kind, payload)
            except Exception:  # a broken listener must not break the host
                traceback.print_exc()

    # --------------------------------------------------- organizations & keys

    def create_organization(self, name: str, *, user_name: str = "Test User",
                            email: str = "user@example.com") -> User:
        """A new organization with one user; returns the user (``user.api_key`` to call the API)."""
        with self._lock:
            org = Organization(id=new_object_id(), name=name)
            user = User(id=new_object_id(), name=user_name, email=email, organization_id=org.id,
                        api_key=new_secret())
            self.organizations[org.id] = org
            self.users[user.id] = user
            return user

    def authenticate(self, api_key: object) -> User:
        """The user an API key belongs to.

        User keys are compared in constant time; run keys (one per run, so there are
        many) are found by their SHA-256 digest, which reveals nothing about the key.
        """
        if not api_key:
            raise AuthenticationError("missing API key: send it in the 'apikey' header")
        with self._lock:
            found = None
            for user in self.users.values():
                if same_secret(api_key, user.api_key):
                    found = user
            if found is None and isinstance(api_key, str):
                run = self._run_keys.get(key_digest(api_key))
                found = self.users.get(run[0]) if run else None
        if found is None:
            raise AuthenticationError("invalid API key: it matches no user of this host")
        return found

    def session_for_key(self, api_key: object) -> str | None:
        """The session whose run event carried this key, if it was a run key."""
        if not isinstance(api_key, str):
            return None
        with self._lock:
            run = self._run_keys.get(key_digest(api_key))
        return run[1] if run else None

    def record_request(self, method: str, path: str, status: int, *, api_key: object = None,
                       query: str = "") -> None:
        """Note one HTTP call in :attr:`journal` (the web layer calls this after every request).

        Each entry is ``{"time", "method", "path", "query", "status", "session"}``; ``session``
        is the run whose per-run API key made the call (None for any other key).
        """
        with self._lock:
            session_id = self.session_for_key(api_key) if api_key and self._run_keys else None
            self.journal.append({"time": time.time(), "method": method, "path": path, "query": query,
                                 "status": status, "session": session_id})

    # ---------------------------------------------------------------- projects

    def _add_project(self, org_id: str, name: str, category_schema: dict, assets: Iterable[Mapping],
                     *, description: str = "", project_id: str | None = None,
                     batches: Iterable[Mapping] | None = None) -> Project:
        project = Project(id=project_id or new_object_id(), name=name, description=description,
                          organization_id=org_id, category_schema=json.loads(json.dumps(category_schema)),
                          batches=[Batch(id=b["_id"], name=b["name"]) for b in batches or []])
        by_name = {b.name: b.id for b in project.batches}
        for index, raw in enumerate(assets):
            asset = make_asset(project, raw, by_name, index)
            self.assets[asset.id] = asset
            project.asset_ids.append(asset.id)
        self.projects[project.id] = project
        self.tasks.add(project, (self.assets[i] for i in project.asset_ids))
        return project

    def create_project(self, name: str, category_schema: Mapping, assets: Iterable[Mapping] = (), *,
                       organization_id: str | None = None, description: str = "") -> Project:
        """A project with your own ontology (``categorySchema`` shape) and assets.

        Each asset is ``{"externalId", "data"}`` with optional ``metadata`` (width/height)
        and ``batches`` (names; new names create batches). ``data`` is kept as given.
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a project needs a non-empty 'name'")
        if not isinstance(category_schema, Mapping):
            raise InvalidRequest("'categorySchema' must be an object with 'tools', 'classifications', 'relations'")
        schema = {"tools": [], "classifications": [], "relations": [], **copy.deepcopy(dict(category_schema))}
        self._check_ontology(schema)
        with self._lock:
            org_id = organization_id or self._default_org_id()
            if org_id not in self.organizations:
                raise NotFound(f"organization '{org_id}' does not exist")
            project = self._add_project(org_id, name, schema, assets, description=description)
            self._notify("project", {"id": project.id})
            return project

    @staticmethod
    def _check_ontology(schema: dict) -> None:
        from .validation import validate_ontology

        report = validate_ontology(schema)
        if not report.ok:
            raise InvalidRequest("the ontology is not valid: " + "; ".join(
                f"{issue.path}: {issue.message}" for issue in report.errors),
                details=[issue.to_dict() for issue in report.errors])

    def _default_org_id(self) -> str:
        if self.default_organization is None:
            raise InvalidRequest("this hub has no default organization: pass organization_id")
        return self.default_organization.id

    def project_for(self, user: User, project_id: str) -> Project:
        """A project the user may see; another organization's project is simply not found."""
        project = self.projects.get(project_id) if isinstance(project_id, str) else None
        if project is None or project.organization_id != user.organization_id:
            raise NotFound(f"project '{project_id}' not found")
        return project

    def list_projects(self, user: User, page: int = 1, limit: int = 10) -> tuple[list[dict], int]:
        page, limit = paging(page, limit)
        with self._lock:
            mine = [p for p in self.projects.values() if p.organization_id == user.organization_id]
            chosen = mine[(page - 1) * limit: page * limit]
            return [p.to_dict() for p in chosen], len(mine)

    def find_assets(self, user: User, project_id: str, *, page: int = 1, limit: int = 10,
                    filters: Mapping | None = None) -> tuple[list[dict], int]:
        """One page of a project's assets matching ``filters`` (keys of ango-host-facts §4)."""
        page, limit = paging(page, limit)
        filters = dict(filters or {})
        check_filters(filters)
        with self._lock:
            project = self.project_for(user, project_id)
            matched = [a for a in (self.assets[i] for i in project.asset_ids) if matches(a, filters)]
            chosen = matched[(page - 1) * limit: page * limit]
            return [a.to_dict(self.base_url) for a in chosen], len(matched)

    def project_assets(self, project_id: str) -> list[dict]:
        """Every asset of a project with its stored labels (a control-side view: no key needed)."""
        with self._lock:
            project = self.projects.get(project_id)
            if project is None:
                raise NotFound(f"project '{project_id}' not found")
            return [self.assets[i].to_dict(self.base_url, with_labels=True) for i in project.asset_ids]

    def asset_file(self, asset_id: str) -> bytes:
        """The PNG served at a hosted asset's URL, of the asset's width x height."""
        asset = self.assets.get(asset_id)
        if asset is None or not asset.hosted:
            raise NotFound(f"no file for asset '{asset_id}'")
        width = int(asset.metadata.get("width") or 640)
        height = int(asset.metadata.get("height") or 480)
        return render_png(width, height, seed=asset.id)

    # ----------------------------------------------------------------- plugins

    def create_plugin(self, name: str, *, class_names: Iterable[str] = (), default_config: Any = None,
                      plugin_type: str = "batch-model", description: str = "",
                      organization_id: str | None = None, callback_url: str | None = None) -> Plugin:
        """Register a plugin; its ``secret`` is what the plugin process connects with."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("a plugin needs a non-empty 'name'")
        kind = kind_of(plugin_type)
        if isinstance(class_names, str) or not isinstance(class_names, Iterable):
            raise InvalidRequest("'classNames' must be a list of non-empty strings")
        class_names = list(class_names)
        if not all(isinstance(c, str) and c for c in class_names):
            raise InvalidRequest("'classNames' must be a list of non-empty strings")
        if class_names and not kind.has_classes:
            raise InvalidRequest(f"'classNames' are for Batch Model and Model plugins; a {kind.title} plugin has none")
        if len(set(class_names)) != len(class_names):
            raise InvalidRequest("'classNames' must not repeat a class")
        if isinstance(default_config, str):
            default_config = parse_config(default_config, "defaultConfig")
        if callback_url is not None and (not isinstance(callback_url, str)
                                         or not callback_url.startswith(("http://", "https://"))):
            raise InvalidRequest(f"'callbackUrl' must be the plugin's http(s) base URL, got {callback_url!r}")
        with self._lock:
            org_id = organization_id or self._default_org_id()
            plugin = Plugin(id=new_object_id(), name=name, organization_id=org_id, secret=new_secret(),
                            type=plugin_type, description=description, class_names=class_names,
                            default_config=copy.deepcopy(default_config), callback_url=callback_url)
            self.plugins[plugin.id] = plugin
            self._notify("plugin", {"id": plugin.id})
        if callback_url:
            self.rest_plugins.wake()
        return plugin

    def plugin_for(self, organization_id: str, plugin_id: str) -> Plugin:
        plugin = self.plugins.get(plugin_id) if isinstance(plugin_id, str) else None
        if plugin is None or plugin.organization_id != organization_id:
            raise NotFound(f"plugin '{plugin_id}' not found")
        return plugin

    def list_plugins(self, organization_id: str) -> list[Plugin]:
        with self._lock:
            return [p for p in self.plugins.values() if p.organization_id == organization_id]

    def delete_plugin(self, organization_id: str, plugin_id: str) -> None:
        with self._lock:
            plugin = self.plugin_for(organization_id, plugin_id)
            del self.plugins[plugin.id]
            for connection_id in list(self._connections.pop(plugin.id, {})):
                self._connection_plugin.pop(connection_id, None)
            self._notify("plugin", {"id": plugin.id, "deleted": True})

    def authenticate_plugin(self, plugin_id: object, secret: object, connection: PluginConnection) -> Plugin:
        """Bind a connection to a plugin when id and secret match: the plugin is then live."""
        with self._lock:
            plugin = self.plugins.get(plugin_id) if isinstance(plugin_id, str) else None
            # Compare against a dummy secret for unknown ids too, so timing tells nothing.
            expected = plugin.secret if plugin else new_secret()
            if not same_secret(secret, expected) or plugin is None:
                raise AuthenticationError("plugin authentication failed: unknown plugin id or wrong secret")
            already = self._connection_plugin.get(connection.id)
            if already is not None and already != plugin.id:
                raise AuthenticationError("this connection is already bound to another plugin")
            self._connections.setdefault(plugin.id, {})[connection.id] = connection
            self._connection_plugin[connection.id] = plugin.id
            self._heartbeats[connection.id] = time.monotonic()
            self.last_heartbeat[plugin.id] = time.time()
            if already is None:
                self._notify("live", {"id": plugin.id, "live": True})
            return plugin

    def connection_closed(self, connection_id: str) -> None:
        """A plugin's link dropped: it stops being live there, and its runs in flight fail."""
        with self._lock:
            plugin_id = self._connection_plugin.pop(connection_id, None)
            self._heartbeats.pop(connection_id, None)
            if plugin_id is None:
                return
            self._connections.get(plugin_id, {}).pop(connection_id, None)
            for session in self.sessions.values():
                if session.connection_id == connection_id and session.status == models.RUNNING:
                    self._finish(session, models.FAILED,
                                 reason="the plugin disconnected before it answered")
            self._notify("live", {"id": plugin_id, "live": self.is_live(plugin_id)})

    def is_bound(self, connection_id: str) -> bool:
        """Whether a connection has authenticated as some plugin."""
        with self._lock:
            return connection_id in self._connection_plugin

    def _fresh_connections(self, plugin_id: str) -> list[PluginConnection]:
        oldest = time.monotonic() - self.heartbeat_timeout
        return [connection for connection_id, connection in self._connections.get(plugin_id, {}).items()
                if self._heartbeats.get(connection_id, 0.0) >= oldest]

    def is_live(self, plugin_id: str) -> bool:
        """Connected, with a heartbeat within :attr:`heartbeat_timeout` (the green light)."""
        with self._lock:
            return bool(self._fresh_connections(plugin_id))

    def wait_live(self, plugin_id: str, timeout: float = 10.0) -> None:
        """Block until the plugin has a live connection."""
        with self._lock:
            if plugin_id not in self.plugins:
                raise NotFound(f"plugin '{plugin_id}' not found")
            if not self._changed.wait_for(lambda: self.is_live(plugin_id), timeout):
                problem = self.rest_plugins.last_problem.get(plugin_id)
                raise RunTimeout(f"plugin '{plugin_id}' did not connect within {timeout:g} s: is its process "
                                 f"running, with this host's URL ({self.base_url}) and the plugin's secret?"
                                 + (f" Last heartbeat check: {problem}" if problem else ""))

    # -------------------------------------------------------------------- runs

    def start_run(self, user: User, plugin_id: str, project_id: str, *, class_mapping: Mapping | None = None,
                  config: Any = None, batches: Iterable[str] | None = None,
                  timeout: float | None = None, **options: Any) -> Session:
        """What clicking Run does: check everything, open a session, send the event to one connection.

        ``options`` are the plugin type's own (``plugin_types.KINDS``): ``asset``, ``task``,
        ``overwrite``, ``workflow`` (Model); ``stage`` (Export); ``bucket``, ``folder``, ``files``,
        ``upload``, ``storage_id``, ``scroll_token`` (File Explorer); ``input_file``,
        ``markdown_text`` (Markdown); ``file_explorer_options`` (Input). Another type's option is refused.
        """
        with self._lock:
            plugin = self.plugin_for(user.organization_id, plugin_id)
            project = self.project_for(user, project_id)
            kind = kind_of(plugin.type)
            given = plugin_types.check_options(kind, plugin.name, {"class_mapping": class_mapping,
                                                                   "batches": batches, **options})
            category_schema = category_schema_for(plugin, project, class_mapping)
            config_json = config_json_for(plugin, config)
            batch_ids = batch_ids_for(project, batches)
            type_fields = self.type_runs.event_fields(kind.name, project, given)
            connections = self._fresh_connections(plugin.id)
            if not connections:
                if self._connections.get(plugin.id):
                    raise Conflict(f"plugin '{plugin.name}' ({plugin.id}) is not live: it is connected but sent no "
                                   f"heartbeat for {self.heartbeat_timeout:g} s; is its process stuck?")
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
            limit = self.run_timeout if timeout is None else timeout
            connection = connections[next(self._turn) % len(connections)]
            session = Session(id=session_id, plugin_id=plugin.id, project_id=project.id,
                              organization_id=user.organization_id, run_by=user.id, event=event,
                              deadline=time.monotonic() + limit, time_limit=limit,
                              connection_id=connection.id, plugin_type=kind.name)
            self.sessions[session.id] = session
            self._run_keys[key_digest(run_key)] = (user.id, session.id)
            self._notify("session", {"id": session.id, "status": session.status})
        try:
            connection.send_run(copy.deepcopy(event))
        except Exception as exc:
            with self._lock:
                self._finish(session, models.FAILED, reason=f"the run event could not be delivered: {exc}")
        return session

    def _session_from(self, connection_id: str | None, payload: Any, *, user: User | None = None) -> Session:
        if not isinstance(payload, Mapping):
            raise InvalidRequest("the payload must be an object with a 'session' id")
        session = self.sessions.get(payload.get("session")) if isinstance(payload.get("session"), str) else None
        if session is None:
            raise NotFound(f"session '{payload.get('session')}' not found")
        if connection_id is not None and self._connection_plugin.get(connection_id) != session.plugin_id:
            raise AuthenticationError("this connection is not the plugin that runs that session")
        if user is not None and user.organization_id != session.organization_id:
            raise NotFound(f"session '{payload.get('session')}' not found")
        return session

    def record_log(self, payload: Any, *, connection_id: str | None = None, user: User | None = None) -> None:
        """A ``log`` event (or a ``POST /v2/pluginLog``): keep it on its session, in order."""
        with self._lock:
            session = self._session_from(connection_id, payload, user=user)
            level = str(payload.get("level", "INFO")).upper()
            entry = {**copy.deepcopy(dict(payload)), "level": level, "msg": payload.get("msg"),
                     "time": models.iso_time(time.time())}
            session.logs.append(entry)
            self._notify("log", {"session": session.id, "entry": entry})

    def record_response(self, payload: Any, *, connection_id: str | None = None, user: User | None = None) -> Session:
        """A ``response``: the run succeeded with its message, or failed when it says ``error``."""
        with self._lock:
            session = self._session_from(connection_id, payload, user=user)
            self._expire(session)
            if session.finished:
                return session
            if payload.get("error"):
                error = payload.get("error")
                reason = error if isinstance(error, str) else "the plugin reported an error"
                self._finish(session, models.FAILED, message=payload.get("response"), reason=reason)
                return session
            outcome = self.type_runs.interpret(session, payload)
            session.result, session.errors = outcome.result, outcome.errors or []
            self._finish(session, models.SUCCEEDED if outcome.ok else models.FAILED, message=outcome.message,
                         reason=outcome.reason)
            return session

    def _finish(self, session: Session, status: str, *, message: Any = None, reason: str | None = None) -> None:
        session.status, session.message, session.reason = status, message, reason
        session.ended_at = time.time()
        self._notify("session", {"id": session.id, "status": status})

    def _expire(self, session: Session) -> None:
        if session.status == models.RUNNING and time.monotonic() >= session.deadline:
            self._finish(session, models.TIMED_OUT,
                         reason=f"no response came back from the plugin within the run's time limit "
                                f"({session.time_limit:g} s); official ango 1.1.x clients send nothing when the callback "
                                "raises, so check the plugin's console")

    def get_session(self, session_id: str, *, organization_id: str | None = None) -> Session:
        with self._lock:
            session = self.sessions.get(session_id)
            if session is None or (organization_id and session.organization_id != organization_id):
                raise NotFound(f"session '{session_id}' not found")
            self._expire(session)
            return session

    def list_sessions(self, organization_id: str, plugin_id: str | None = None) -> list[Session]:
        with self._lock:
            found = [s for s in self.sessions.values() if s.organization_id == organization_id
                     and (plugin_id is None or s.plugin_id == plugin_id)]
            for session in found:
                self._expire(session)
            return found

    def wait_session(self, session_id: str, timeout: float | None = None) -> Session:
        """Block until the session ends (succeeded, failed or timed out); return it."""
        with self._lock:
            session = self.get_session(session_id)
            end = None if timeout is None else time.monotonic() + timeout
            while not session.finished:
                remaining = session.deadline - time.monotonic()
                if end is not None:
                    remaining = min(remaining, end - time.monotonic())
                if remaining <= 0:
                    self._expire(session)
                    if not session.finished:
                        raise RunTimeout(f"session '{session_id}' is still running after {timeout:g} s")
                    break
                self._changed.wait(remaining)
                self._expire(session)
            return session

    # ------------------------------------------------------------------ labels

    def import_labels(self, user: User, project_id: Any, labels: Any, *, session_id: str | None = None,
                      private: bool = False) -> dict:
        """Validate an import against the project; store all of it or nothing.

        Raises :class:`LabelImportError` with every error (JSON paths) when anything is wrong.
        ``private=True`` says nobody else holds ``labels`` (a freshly parsed request body),
        so they are stored without a copy.
        """
        from .validation import validate_labels

        if not isinstance(project_id, str):
            raise InvalidRequest("'project' must be a project id string")
        with self._lock:
            project = self.project_for(user, project_id)
            assets = [self.assets[i] for i in project.asset_ids]
            report = validate_labels(labels, project.category_schema,
                                     [a.reference(self.base_url) for a in assets], project_name=project.name)
            if not report.ok:
                errors = [issue.to_dict() for issue in report.errors]
                shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
                more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
                raise LabelImportError(f"{len(errors)} error(s) in the import, nothing was stored: {shown}{more}",
                                       details=errors, warnings=[w.to_dict() for w in report.warnings])
            # One private copy of the whole import (a JSON round trip is ~10x faster than deepcopy);
            # assets that share an externalId share their item, which is never changed in place.
            stored = labels if private else json.loads(json.dumps(labels))
            for item, asset_ids in zip(stored, report.matches):
                for asset_id in asset_ids:
                    asset = self.assets[asset_id]
                    asset.labels = item
                    asset.labeled_by_session = session_id
            self.tasks.labels_imported([a for ids in report.matches for a in ids], session_id)
            summary = {**report.counts, "warnings": [w.to_dict() for w in report.warnings]}
            session = self.sessions.get(session_id) if session_id else None
            if session is not None:
                session.imports.append({"time": models.iso_time(time.time()), **summary})
            self._notify("labels", {"project": project.id, "session": session_id})
            return summary
