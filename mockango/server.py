"""Serving a Hub over HTTP and Socket.IO, in the foreground or in a background thread.

:class:`MockAngo` is to mockango what moto's ``ThreadedMotoServer`` is to moto: a
real server on 127.0.0.1 and a free port, started and stopped in milliseconds
(the serve loop polls every 10 ms instead of werkzeug's 0.5 s), with the Hub's
state and rules one attribute away.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.serving import BaseWSGIServer

from .config import DEFAULT_HOST, DEFAULT_RUN_TIMEOUT, HostConfig, checked_public_url
from .connections import DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT, BoundedWSGIServer
from .faults import Faults
from .hub import Hub
from .input_limits import MAX_BODY_BYTES
from .models import Plugin, Session
from .request_handler import RequestHandler, VerboseRequestHandler
from .runs.running import RunningSession
from .web import create_app

POLL_INTERVAL = 0.01


def listen(host: str = DEFAULT_HOST, port: int = 0) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: a free one), for :func:`make_wsgi_server`.

    Bound here rather than in werkzeug, which prints and exits the process when the port is taken:
    an OSError tells the caller instead.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def base_url_of(listener: socket.socket) -> str:
    """The base URL a bound socket is reached at (``http://127.0.0.1:PORT``)."""
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if listener.family == socket.AF_INET6 else f"http://{host}:{port}"


def make_wsgi_server(
    hub: Hub,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    verbose: bool = False,
    max_body: int = MAX_BODY_BYTES,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    starting: bool = False,
    listener: socket.socket | None = None,
    public_url: str | None = None,
) -> BoundedWSGIServer:
    """A threaded werkzeug server for ``hub`` speaking HTTP/1.1 with keep-alive, on ``listener`` (from
    :func:`listen`) or on a socket it binds to ``host``:``port``; the host is given the address it serves at.

    ``max_body`` bounds request bodies and uploads (bytes); a request must be whole within
    ``read_timeout`` seconds of its first byte (408); past ``max_connections`` open connections,
    or half of them from one client address, new ones get 503.
    ``starting``: every request gets 503 until ``server.app.extensions["mockango.health"].ready()``.
    ``public_url``: the URL others reach it at when that is not the bound address (a container's
    ``http://mockango:8080``); the URLs the host hands out start with it.
    """
    listener = listener or listen(host, port)
    # The host's Settings: every URL it writes starts there.
    hub.base_url = checked_public_url(public_url) if public_url else base_url_of(listener)
    app = create_app(hub, max_body=max_body, starting=starting)
    hub.objects.max_bytes = max_body  # an upload is a request body: one limit, one message
    handler = VerboseRequestHandler if verbose else RequestHandler
    try:
        server = BoundedWSGIServer(
            host,
            listener.getsockname()[1],
            app,
            handler,
            fd=listener.fileno(),
            read_timeout=read_timeout,
            max_connections=max_connections,
        )
    finally:
        listener.close()  # werkzeug keeps its own duplicate of the socket
    server.daemon_threads = True
    hub.rest_plugins.wake()  # check callback-URL plugins (restored from a state file too) from now on
    return server


def shutdown_now(server: BaseWSGIServer) -> None:
    """``server.shutdown()`` without waiting for the serve loop's next poll (~5 ms saved on average).

    While ``shutdown()`` waits in a helper thread, a connection wakes the loop's
    ``select()`` so it sees the request at once; an early poke only costs one more try.
    """
    stopper = threading.Thread(target=server.shutdown, name="mockango shutdown", daemon=True)
    stopper.start()
    host, port = server.server_address[:2]
    while stopper.is_alive():
        try:
            socket.create_connection((str(host), port), timeout=0.05).close()
        except OSError:
            pass
        stopper.join(0.001)


class MockAngo:
    """A whole mockango host in a background thread, for tests and scripts.

    >>> with MockAngo(seed=1) as hub:
    ...     plugin = hub.create_plugin("My model", class_names=["Vehicle"])
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        host: str = DEFAULT_HOST,
        port: int = 0,
        run_timeout: float = DEFAULT_RUN_TIMEOUT,
        hub: Hub | None = None,
        max_body: int = MAX_BODY_BYTES,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        strict: bool = False,
        config: HostConfig | None = None,
    ) -> None:
        """The settings are :class:`~mockango.config.HostConfig`'s (``config`` gives them all at once); with
        ``hub``, that host is served instead of a new one."""
        self.config = config or HostConfig(
            seed=seed,
            run_timeout=run_timeout,
            host=host,
            port=port,
            max_body=max_body,
            read_timeout=read_timeout,
            max_connections=max_connections,
            strict=strict,
        )
        self.hub = hub or Hub(self.config)
        if strict:
            self.hub.strict = True
        self._chosen_project: str | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> MockAngo:
        if self._server is not None:
            raise RuntimeError("this MockAngo is already running")
        self._server = make_wsgi_server(self.hub, self.config.host, self.config.port, **self.config.serving)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"mockango {self.url}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.hub.close()
        shutdown_now(self._server)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> MockAngo:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # ---------------------------------------------------------------- shortcuts

    @property
    def url(self) -> str:
        """The base URL plugins and SDKs use as their ``host``."""
        return self.hub.base_url

    @property
    def api_key(self) -> str:
        """The default user's API key."""
        return self.hub.require_default("user").api_key

    @property
    def faults(self) -> Faults:
        """Faults on demand: ``faults.fail("GET", "/v2/project/*/assets", times=2, status=503)``, ..."""
        return self.hub.faults

    @property
    def project_id(self) -> str:
        """The project every helper here uses when given none: the one :meth:`use_project` chose,
        else the demo project ("Demo detection")."""
        return self._chosen_project or self.hub.require_default("project").id

    def use_project(self, project_id: str | None) -> None:
        """Make ``project_id`` the default project of runs and of every helper (``tasks``, ``assets``,
        ``set_stages``, ``create_batch``, ``export``, ``issues``...); None goes back to the demo project."""
        if project_id is not None:
            self.hub.projects.require(project_id)
        self._chosen_project = project_id

    def reset(self) -> None:
        """Back to the seeded data: no plugins, no sessions, no labels, no faults, a new API key;
        the demo project is the default again."""
        self._chosen_project = None
        self.hub.reset()
        self.hub.faults.clear()
        self.hub.faults.seed = self.hub.seed

    def create_plugin(
        self,
        name: str,
        class_names: Iterable[str] = (),
        default_config: Any = None,
        description: str = "",
        callback_url: str | None = None,
        *,
        type: str = "batch-model",
    ) -> Plugin:
        """Register a plugin of ``type`` (``mockango.runs.kinds.registry.PLUGIN_TYPES``); with ``callback_url``
        the host calls it (the REST connector)."""
        return self.hub.create_plugin(
            name,
            class_names=class_names,
            default_config=default_config,
            description=description,
            callback_url=callback_url,
            plugin_type=type,
        )

    def wait_live(self, plugin_id: str, timeout: float = 10.0) -> None:
        self.hub.wait_live(plugin_id, timeout=timeout)

    def is_live(self, plugin_id: str) -> bool:
        return self.hub.is_live(plugin_id)

    def start_run(
        self,
        plugin_id: str,
        project_id: str | None = None,
        *,
        class_mapping: Mapping | None = None,
        config: Any = None,
        batches: Iterable[str] | None = None,
        timeout: float | None = None,
        **options: Any,
    ) -> RunningSession:
        """Start a run as the default user and return at once: a :class:`RunningSession` (status
        ``running``; ``wait()`` for its end, ``cancel()`` to stop it).

        ``options`` are the plugin type's own (``asset=`` for Model, ``stage=`` for Export,
        ``bucket=``/``folder=`` for File Explorer, ``input_file=``/``markdown_text=`` for
        Markdown, ``file_explorer_options=`` for Input): see :meth:`Hub.start_run`.
        """
        user = self.hub.require_default("user")
        session = self.hub.start_run(
            user,
            plugin_id,
            project_id or self.project_id,
            class_mapping=class_mapping,
            config=config,
            batches=batches,
            timeout=timeout,
            **options,
        )
        return RunningSession(self.hub.runs, user, session)

    def run(
        self,
        plugin_id: str,
        project_id: str | None = None,
        *,
        class_mapping: Mapping | None = None,
        config: Any = None,
        batches: Iterable[str] | None = None,
        timeout: float | None = None,
        **options: Any,
    ) -> Session:
        """Start a run and wait for it to end; ``timeout`` is the run's time limit in seconds."""
        session = self.start_run(
            plugin_id,
            project_id,
            class_mapping=class_mapping,
            config=config,
            batches=batches,
            timeout=timeout,
            **options,
        )
        return self.hub.wait_session(session.id)

    def session(self, session_id: str) -> Session:
        return self.hub.get_session(session_id)

    def sessions(self, plugin_id: str | None = None) -> list[Session]:
        return self.hub.list_sessions(self.hub.require_default("organization").id, plugin_id=plugin_id)

    def assets(self, project_id: str | None = None) -> list[dict]:
        """The project's assets, each with ``labels`` (its pre-label, or None) and ``isPreLabeled``."""
        return self.hub.project_assets(project_id or self.project_id)

    def create_project(
        self, name: str, category_schema: Mapping, assets: Iterable[Mapping] = (), description: str = ""
    ) -> str:
        """A project with your own ontology and assets in the default organization; returns its id."""
        return self.hub.create_project(name, category_schema, assets, description=description).id

    # ------------------------------------------------- project data (issue 9)

    def tasks(self, project_id: str | None = None) -> list[dict]:
        """Every task of the project (oldest first), each with its stage, status, assignee and answer."""
        return self.hub.tasks.project_tasks(project_id or self.project_id)

    def task_for_asset(self, asset_id: str) -> dict:
        """The task of one asset, as ``GET /v2/task/{id}`` shows it."""
        return self.hub.tasks.for_asset(asset_id)

    def set_task(self, task_id: str, **changes: Any) -> dict:
        """Set up a task for a test: ``stage=``, ``assignee=``, ``priority=``, ``answer=`` (import format)..."""
        return self.hub.tasks.set_task(task_id, **changes)

    def set_stages(self, stages: list[dict], project_id: str | None = None) -> list[dict]:
        """Replace the project's workflow (e.g. add a Plugin stage naming a plugin)."""
        return self.hub.tasks.set_stages(self.hub.require_default("user"), project_id or self.project_id, stages)

    def create_batch(self, name: str, project_id: str | None = None) -> str:
        """A new batch in the project; returns its id."""
        answer = self.hub.batches.create(
            self.hub.require_default("user"), project_id or self.project_id, {"name": name}
        )
        return answer["batch"]["_id"]

    def create_storage(self, name: str = "storage", provider: str = "AWS", **fields: Any) -> str:
        """A storage of the default organization; returns its id (fill it with :meth:`put_storage_file`)."""
        return self.hub.storages.create(
            self.hub.require_default("user"), {"name": name, "provider": provider, **fields}
        )["_id"]

    def put_storage_file(self, storage_id: str, bucket: str, path: str, data: bytes) -> None:
        """Put a file in a storage's bucket, as a user would in their cloud bucket."""
        self.hub.storages.put_file(storage_id, bucket, path, data)

    def file(self, url: str) -> bytes:
        """The bytes behind a URL of mockango's object store (an upload, brush or export URL)."""
        return self.hub.objects.get(self.hub.objects.key_of_url(url))

    def export(self, project_id: str | None = None, **options: str) -> list[dict]:
        """The project's export rows, with ``GET /v2/export``'s options (e.g. ``stage='["Label"]'``)."""
        return self.hub.exports.rows(self.hub.require_default("user"), project_id or self.project_id, options)

    def issues(self, project_id: str | None = None) -> list[dict]:
        return self.hub.issues.find(self.hub.require_default("user"), project_id or self.project_id)

    def create_organization(self, name: str):
        """Another organization with one user (``.api_key``): for isolation tests."""
        return self.hub.create_organization(name)
