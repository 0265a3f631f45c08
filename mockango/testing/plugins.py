"""Plugins under test: served by plugin_client in a thread, or spawned as a process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import MockangoError, RunTimeout
from ..models import Plugin
from .results import RunResult, _indent

if TYPE_CHECKING:
    from ..hub import Hub


class PluginHandle(Protocol):
    """What a plugin started for a test needs of the handle that started it (:class:`~.handle.MockAngoHandle`)."""

    @property
    def hub(self) -> Hub: ...

    @property
    def url(self) -> str: ...

    def run(self, plugin: Any, project_id: str | None = None, **options: Any) -> RunResult: ...


LIVE_TIMEOUT = 15.0
"""How long a served or spawned plugin may take to connect, in seconds."""


class PluginStartError(MockangoError):
    """A served or spawned plugin did not go live (it crashed, was refused, or never connected)."""

    status = 500


class RunningPlugin:
    """What serve_plugin and spawn_plugin give: the plugin's record on the host, and ``run``."""

    def __init__(self, host: PluginHandle, plugin: Plugin) -> None:
        self.host = host
        self.plugin = plugin

    @property
    def id(self) -> str:
        return self.plugin.id

    @property
    def secret(self) -> str:
        return self.plugin.secret

    @property
    def name(self) -> str:
        return self.plugin.name

    @property
    def live(self) -> bool:
        return self.host.hub.is_live(self.plugin.id)

    def run(self, project_id: str | None = None, **options: Any) -> RunResult:
        """Run this plugin: :meth:`~.handle.MockAngoHandle.run` with ``plugin=self``."""
        return self.host.run(self, project_id, **options)

    def wait_live(self, timeout: float = LIVE_TIMEOUT) -> None:
        """Wait until the plugin is live; fail at once, saying why, if it stops first."""
        end = time.monotonic() + timeout
        while True:
            try:
                self.host.hub.wait_live(self.id, timeout=0.05)
                return
            except RunTimeout:
                pass
            if not self._alive():
                raise PluginStartError(f"plugin '{self.name}' stopped before it went live: {self._why()}")
            if time.monotonic() >= end:
                detail = self._why()
                raise PluginStartError(
                    f"plugin '{self.name}' did not go live on {self.host.url} within "
                    f"{timeout:g} s" + (f": {detail}" if detail else "")
                )

    def _alive(self) -> bool:
        raise NotImplementedError

    def _why(self) -> str:
        return ""


class ServedPlugin(RunningPlugin):
    """A plugin_client plugin running in a background thread of this process."""

    def __init__(self, host: PluginHandle, plugin: Plugin, client: Any, connector: str | None) -> None:
        super().__init__(host, plugin)
        self.client = client
        """The :class:`plugin_client.BatchModelPlugin`."""
        self.error: BaseException | None = None
        """What ``plugin_client.run`` raised, if it ended with an exception."""
        self._thread = threading.Thread(
            target=self._serve, args=(connector,), daemon=True, name=f"mockango plugin {plugin.name}"
        )

    def _serve(self, connector: str | None) -> None:
        from plugin_client import run

        try:
            run(self.client, self.host.url, connector=connector)
        except BaseException as exc:  # kept for the test: a thread's exception is otherwise lost
            self.error = exc

    def start(self, timeout: float = LIVE_TIMEOUT) -> ServedPlugin:
        self._thread.start()
        self.wait_live(timeout)
        return self

    def _alive(self) -> bool:
        return self._thread.is_alive()

    def _why(self) -> str:
        return f"plugin_client.run raised {self.error!r}" if self.error else ""

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ``plugin_client.run`` and wait for its thread (a few milliseconds)."""
        self.client.stop()
        if self._thread.is_alive():
            self._thread.join(timeout)


class SpawnedPlugin(RunningPlugin):
    """A plugin script running as a subprocess, with its output kept in a temporary file."""

    def __init__(
        self,
        host: PluginHandle,
        plugin: Plugin,
        argv: list[str],
        env: dict[str, str],
        cwd: str | os.PathLike | None,
    ) -> None:
        super().__init__(host, plugin)
        self.argv = argv
        fd, self._output_path = tempfile.mkstemp(prefix="mockango-plugin-", suffix=".log")
        try:
            self.process = subprocess.Popen(
                argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.STDOUT
            )
        except BaseException:
            os.close(fd)
            os.unlink(self._output_path)
            raise
        os.close(fd)
        self._final_output: str | None = None

    @property
    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        if self._final_output is not None:
            return self._final_output
        try:
            with open(self._output_path, encoding="utf-8", errors="replace") as file:
                return file.read()
        except FileNotFoundError:
            return ""

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def _alive(self) -> bool:
        return self.process.poll() is None

    def _why(self) -> str:
        code = self.process.poll()
        text = self.output.rstrip()
        exited = f"the process exited with status {code}" if code is not None else "the process is running"
        return f"{exited}; its output:\n{_indent(text) if text else '    (none)'}"

    def stop(self, timeout: float = 3.0) -> None:
        """Terminate the process (kill it if it does not end within ``timeout``); keep its output."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._final_output is None:
            self._final_output = self.output
            with contextlib.suppress(OSError):
                os.unlink(self._output_path)

    def __enter__(self) -> SpawnedPlugin:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
