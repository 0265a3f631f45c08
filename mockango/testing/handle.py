"""The host for one test: :class:`MockAngoHandle`, the ``mockango`` fixture's object."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import MockangoError
from ..models import Plugin
from ..server import MockAngo
from .plugins import LIVE_TIMEOUT, PluginStartError, RunningPlugin, ServedPlugin, SpawnedPlugin
from .results import RestCall, RunResult

DEFAULT_RUN_TIMEOUT = 30.0
"""A run's time limit in tests, in seconds (the host's own default is 300)."""


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class MockAngoHandle:
    """A mockango host for one test: the ``mockango`` fixture's object.

    Wraps a running :class:`MockAngo` (``server``); every attribute of ``MockAngo``
    (``hub``, ``url``, ``api_key``, ``create_plugin``, ``sessions``, ...) is
    available here too. Without ``server`` it makes its own (use it as a context
    manager, or call :meth:`start` and :meth:`close`).
    """

    def __init__(self, server: MockAngo | None = None, *, seed: int = 0, strict: bool = False) -> None:
        self._owns_server = server is None
        self.server = server if server is not None else MockAngo(seed=seed, strict=strict)
        self._plugins: list[ServedPlugin | SpawnedPlugin] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.server, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {n for n in dir(self.server) if not n.startswith("_")})

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> MockAngoHandle:
        if not self.server.running:
            self.server.start()
        return self

    def close(self) -> None:
        """Stop every plugin started here; stop the server too when this handle made it."""
        plugins, self._plugins = self._plugins, []
        for plugin in reversed(plugins):
            plugin.stop()
        if self._owns_server:
            self.server.stop()

    def __enter__(self) -> MockAngoHandle:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def reset(self, seed: int | None = None) -> None:
        """Back to the seeded data (of ``seed`` when given) and the demo project as default."""
        if seed is not None:
            self.hub.seed = seed
        self.server.reset()

    # ------------------------------------------------------------------ project

    @property
    def project_id(self) -> str:
        """The project runs and helpers use by default: the demo project, or the one :meth:`use_project` made."""
        return self.server.project_id

    def use_project(self, project: Mapping | str | os.PathLike, *, base: str | os.PathLike | None = None) -> str:
        """Create a project and make it the default of runs and of every helper (``tasks()``,
        ``assets()``, ``set_stages()``, ``export()``...); returns its id.

        ``project`` is ``{"name", "categorySchema", "assets", "description"}`` or the path of
        a JSON file holding that (relative to ``base``).
        """
        if isinstance(project, Mapping):
            spec = project
        else:
            path = Path(project)
            if base is not None and not path.is_absolute():
                path = Path(base) / path
            spec = json.loads(path.read_text(encoding="utf-8"))
        project_id = self.server.create_project(
            spec.get("name", "Test project"),
            spec.get("categorySchema", {}),
            spec.get("assets", []),
            description=spec.get("description", ""),
        )
        self.server.use_project(project_id)
        return project_id

    def assets(self, project_id: str | None = None) -> list[dict]:
        """The project's assets with their stored ``labels`` (default: :attr:`project_id`)."""
        return self.server.assets(project_id or self.project_id)

    def labels(self, project_id: str | None = None) -> dict[str, Any]:
        """The stored pre-labels of the project, by external id (unlabeled assets left out)."""
        return {a["externalId"]: a["labels"] for a in self.assets(project_id) if a["labels"] is not None}

    @property
    def journal(self) -> list[RestCall]:
        """Every HTTP call the host answered since the last reset (bounded), oldest first."""
        return [RestCall.from_entry(entry) for entry in self.hub.journal_entries()]

    # ------------------------------------------------------------------ plugins

    def _register(
        self, name: str, class_names: Iterable[str], default_config: Any, plugin_type: str = "batch-model"
    ) -> Plugin:
        return self.server.create_plugin(name, class_names=class_names, default_config=default_config, type=plugin_type)

    @contextlib.contextmanager
    def serve_plugin(
        self,
        callback_or_plugin: Any,
        *,
        name: str | None = None,
        class_names: Iterable[str] = (),
        default_config: Any = None,
        connector: str | None = None,
        set_env: bool = True,
        timeout: float = LIVE_TIMEOUT,
        type: str | None = None,
    ) -> Iterator[ServedPlugin]:
        """Run a plugin_client plugin in a background thread: live on entry, stopped on exit.

        ``callback_or_plugin`` is a callback (a plugin is registered on the host for it,
        named ``name`` or after the function, of plugin type ``type``, default Batch Model) or a
        plugin_client plugin (``BatchModelPlugin``, ``ModelPlugin``, ``ExportPlugin``, ...) whose
        id and secret belong to a plugin already created on this host.
        With ``set_env`` (the default), ``MOCKANGO_URL``, ``ANGO_HOST``, ``PLUGIN_ID`` and
        ``PLUGIN_SECRET`` are set in ``os.environ`` inside the block (as
        :meth:`spawn_plugin` sets them for a process) and restored after, so a callback
        that reads its host from the environment at call time finds this one.
        """
        from plugin_client import Plugin as ClientPlugin

        if isinstance(callback_or_plugin, ClientPlugin):
            client = callback_or_plugin
            plugin = self.hub.get_plugin(client.id)
            if plugin is None:
                raise PluginStartError(
                    f"plugin '{client.id}' does not exist on this host: create it with "
                    "create_plugin() and build the plugin from its id and secret, "
                    "or pass the callback itself"
                )
        elif callable(callback_or_plugin):
            plugin_type = type or "batch-model"
            plugin = self._register(
                name or str(getattr(callback_or_plugin, "__name__", "plugin")), class_names, default_config, plugin_type
            )
            client = _client_class(plugin_type)(plugin.id, plugin.secret, callback_or_plugin)
        else:
            raise TypeError(f"serve_plugin needs a callback or a plugin_client plugin, got {callback_or_plugin!r}")
        served = ServedPlugin(self, plugin, client, connector)
        self._plugins.append(served)
        with _environment(self._plugin_env(plugin) if set_env else {}):
            try:
                served.start(timeout)
                yield served
            finally:
                served.stop()
                with contextlib.suppress(ValueError):
                    self._plugins.remove(served)

    def spawn_plugin(
        self,
        argv: str | Sequence[str],
        env: Mapping[str, str] | None = None,
        *,
        name: str | None = None,
        class_names: Iterable[str] = (),
        default_config: Any = None,
        plugin: Plugin | None = None,
        cwd: str | os.PathLike | None = None,
        timeout: float = LIVE_TIMEOUT,
        type: str = "batch-model",
    ) -> SpawnedPlugin:
        """Start a plugin script as a subprocess and wait until it is live.

        The process gets ``MOCKANGO_URL`` and ``ANGO_HOST`` (this host's URL),
        ``PLUGIN_ID``, ``PLUGIN_SECRET`` and ``PYTHONUNBUFFERED=1`` on top of this
        process's environment and ``env``. ``argv`` is a command line (a list), or
        the path of a ``.py`` script to run with this Python. A plugin is registered
        for it unless ``plugin`` is given. The process is killed when the test
        ends (or on :meth:`SpawnedPlugin.stop`); under pytest its output is added
        to the report of a failed test. ``type`` is the plugin type registered for it.
        """
        if isinstance(argv, (str, os.PathLike)):
            text = os.fspath(argv)
            argv = [sys.executable, text] if text.endswith(".py") else shlex.split(text)
        argv = [os.fspath(part) for part in argv]
        if plugin is None:
            plugin = self._register(name or Path(argv[-1]).stem or "plugin", class_names, default_config, type)
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {}), **self._plugin_env(plugin)}
        spawned = SpawnedPlugin(self, plugin, argv, full_env, cwd)
        self._plugins.append(spawned)
        try:
            spawned.wait_live(timeout)
        except BaseException:
            spawned.stop()
            raise
        return spawned

    def _plugin_env(self, plugin: Plugin) -> dict[str, str]:
        return {"MOCKANGO_URL": self.url, "ANGO_HOST": self.url, "PLUGIN_ID": plugin.id, "PLUGIN_SECRET": plugin.secret}

    @property
    def plugins(self) -> list[RunningPlugin]:
        """The plugins spawned here, and those served here whose ``with`` block is still open."""
        return list(self._plugins)

    # --------------------------------------------------------------------- runs

    def run(
        self,
        plugin: Any = None,
        project_id: str | None = None,
        *,
        class_mapping: Mapping | None = None,
        config: Any = None,
        batches: Iterable[str] | None = None,
        timeout: float = DEFAULT_RUN_TIMEOUT,
        **options: Any,
    ) -> RunResult:
        """Run a plugin as the default user, wait for the end, and return a :class:`RunResult`.

        ``plugin`` is a served/spawned plugin, a :class:`~mockango.models.Plugin` or an id;
        when omitted, the one plugin started here. ``timeout`` is the run's time limit:
        a plugin that does not answer gives ``status == "timed_out"``. ``options`` are the
        plugin type's own (``asset=``, ``stage=``, ``bucket=``, ...: see :meth:`MockAngo.start_run`).
        """
        session = self.start_run(
            plugin, project_id, class_mapping=class_mapping, config=config, batches=batches, timeout=timeout, **options
        )
        return self.result(self.hub.wait_session(session.id).id)

    def start_run(self, plugin: Any = None, project_id: str | None = None, **options: Any):
        """Start a run and return at once: a :class:`~mockango.RunningSession` (``wait()``, ``cancel()``;
        ``result(session.id)`` later); options as :meth:`run`."""
        options.setdefault("timeout", DEFAULT_RUN_TIMEOUT)
        return self.server.start_run(self._plugin_id(plugin), project_id or self.project_id, **options)

    def result(self, session_id: str) -> RunResult:
        """A :class:`RunResult` for any session of this host (e.g. one started by ``start_run``)."""
        hub = self.hub
        session = hub.get_session(session_id)
        plugin = hub.get_plugin(session.plugin_id)
        assets = hub.project_assets(session.project_id)
        calls = [RestCall.from_entry(entry) for entry in hub.journal_entries(session.id)]
        exported = (
            hub.runs.services.exported_file(session.result["url"], session.organization_id)
            if (session.plugin_type == "export" and isinstance(session.result, dict))
            else None
        )
        created_ids = (session.result or {}).get("assets") if isinstance(session.result, dict) else None
        created = (
            [a for a in assets if a["_id"] in set(created_ids)]
            if (session.plugin_type in ("markdown", "file-explorer") and created_ids)
            else []
        )
        labels = {a["externalId"]: a["labels"] for a in assets if a.get("labeledBySession") == session.id}
        return RunResult(
            session,
            plugin_name=plugin.name if plugin else session.plugin_id,
            labels=labels,
            asset_ids=[a["externalId"] for a in assets],
            calls=calls,
            exported=exported,
            created_assets=created,
        )

    def _plugin_id(self, plugin: Any) -> str:
        if isinstance(plugin, str):
            return plugin
        if isinstance(plugin, (RunningPlugin, Plugin)):
            return plugin.id
        if plugin is not None:
            raise TypeError(f"plugin must be a served/spawned plugin, a Plugin or an id, got {plugin!r}")
        if len(self._plugins) == 1:
            return self._plugins[0].id
        if not self._plugins:
            raise ValueError("no plugin to run: start one with serve_plugin() or spawn_plugin(), or pass plugin=")
        raise ValueError(f"{len(self._plugins)} plugins are running here: pass plugin= to say which one to run")

    # ------------------------------------------------------------------ reports

    def report_sections(self) -> list[tuple[str, str]]:
        """Titled texts for a failed test's report: spawned plugins' output and the runs' outcomes."""
        sections = []
        for plugin in self._plugins:
            if isinstance(plugin, SpawnedPlugin):
                code = plugin.returncode
                state = "running" if code is None else f"exited with status {code}"
                sections.append((f"mockango plugin '{plugin.name}' output ({state})", plugin.output or "(no output)"))
        try:
            sessions = self.hub.all_sessions()
            runs = [self.result(s.id).describe() for s in sessions]
        except MockangoError:
            runs = []
        if runs:
            sections.append((f"mockango runs ({self.url})", "\n".join(runs)))
        return sections


def _client_class(plugin_type: str):
    """The plugin_client class for a plugin type."""
    import plugin_client

    classes = {
        "batch-model": plugin_client.BatchModelPlugin,
        "model": plugin_client.ModelPlugin,
        "export": plugin_client.ExportPlugin,
        "file-explorer": plugin_client.FileExplorerPlugin,
        "markdown": plugin_client.MarkdownPlugin,
        "input": plugin_client.InputPlugin,
    }
    if plugin_type not in classes:
        raise ValueError(f"plugin type {plugin_type!r} is not one of {list(classes)}")
    return classes[plugin_type]
