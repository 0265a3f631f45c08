"""Helpers shared by mockango's own tests: real plugins in threads, the seed's sample script."""

from __future__ import annotations

import contextlib
import os
import runpy
import threading
import time
from pathlib import Path
from unittest import mock

from mockango import MockAngo
from plugin_client import BatchModelPlugin, run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "batch_model_plugin.py"
BOX = {"x": 20, "y": 30, "width": 50, "height": 60}  # the box the demo plugin and the test plugins draw
DEMO_CONFIG = {"dummy-bounding-box": dict(BOX)}
WAIT = 60.0
"""Seconds a test waits for a condition before it fails: far beyond any load, never reached when things work
(wait on the condition, never on a time the machine may not keep)."""
UNRELATED_PLUGINS = ("hypothesispytest", "schemathesis", "faker", "anyio", "pytest_httpserver")
"""pytest plugins that our test and bench extras install and a plugin author's project does not have: each
pytest run our tests start blocks them (``-p no:NAME``); loading them costs ~3 s of CPU per process."""
NO_UNRELATED_PLUGINS = tuple(arg for name in UNRELATED_PLUGINS for arg in ("-p", f"no:{name}"))


class FakeConnection:
    """A PluginConnection that keeps what it is sent (the Hub's only I/O boundary), for Hub-level tests."""

    def __init__(self, name: str = "c1") -> None:
        self.id = name
        self.sent: list[dict] = []

    def send_run(self, event: dict) -> None:
        self.sent.append(event)


@contextlib.contextmanager
def plugin_running(
    host: MockAngo,
    plugin_id: str,
    secret: str,
    callback,
    *,
    wait_live: bool = True,
    plugin_class=BatchModelPlugin,
    **options,
):
    """Run a plugin_client plugin (a BatchModelPlugin unless ``plugin_class`` says) in a background thread;
    stop it on exit, and (when it went live) wait until the host has let its connection go: a run started
    next would otherwise be sent down the closed socket and end as "disconnected" (it did, under load)."""
    plugin = plugin_class(plugin_id, secret, callback, **options)
    errors: list[BaseException] = []

    def serve():
        try:
            run(plugin, host=host.url, connector="WS")
        except BaseException as exc:  # surfaced to the test through `errors`
            errors.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        if wait_live:
            host.wait_live(plugin_id, timeout=10)
        yield plugin, thread, errors
    finally:
        connected = host.hub.connection_count(plugin_id) if wait_live else 0  # this plugin's among them
        plugin.stop()
        thread.join(timeout=10)
        deadline = time.monotonic() + WAIT
        while connected and host.hub.connection_count(plugin_id) >= connected and time.monotonic() < deadline:
            time.sleep(0.01)


def load_sample(host_url: str, plugin_id: str, secret: str) -> dict:
    """The seed's sample script as a module (its ``run_model``), configured by environment variables."""
    with mock.patch.dict(os.environ, ANGO_HOST=host_url, PLUGIN_ID=plugin_id, PLUGIN_SECRET=secret):
        return runpy.run_path(str(SAMPLE), run_name="batch_model_sample")


def task_objects(hub, asset_id: str) -> list[dict]:
    """The objects an asset's task holds, in the import format (as GET /v2/task shows them, less the titles)."""
    tools = hub.tasks.for_asset(asset_id)["answer"]["tools"]
    return [{k: v for k, v in tool.items() if k != "title"} for tool in tools]


def task_id(hub, asset_id: str) -> str:
    return hub.tasks.for_asset(asset_id)["_id"]


def complete_task_with_a_box(host) -> dict:
    """The first asset's task at stage Complete with one Vehicle box (BOX), so an export has a row with a box."""
    vehicle = next(t["schemaId"] for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
    asset = host.assets()[0]
    host.hub.tasks.set_task(
        task_id(host.hub, asset["_id"]),
        stage="Complete",
        answer={"objects": [{"schemaId": vehicle, "bounding-box": BOX}], "classifications": [], "relations": []},
    )
    return asset


def ending_call(host, session_id: str, method: str, path: str, timeout: float = 5.0):
    """The run's calls to ``method path`` once the journal has them: the call that ends a run (an annotate,
    a pluginResponse) is noted in the journal after its answer, so after the run has ended."""
    deadline = time.monotonic() + timeout
    while True:
        result = host.result(session_id)
        if result.calls_to(method, path) or time.monotonic() >= deadline:
            return result
        time.sleep(0.02)


def held_callback(release: threading.Event, answer: str, *, first: str = "working", then: str = "finishing"):
    """A callback that logs ``first``, waits for ``release`` (at most 10 s), logs ``then`` and answers:
    a run that outlives its time limit, and what its plugin sends late."""

    def callback(**data):
        data["logger"].info(first)
        release.wait(10)
        data["logger"].info(then)
        return answer

    return callback


def answer_or_fail(**data):
    """A plugin callback that fails when its config is the JSON string "fail", else answers "done"."""
    if data["configJSON"] == '"fail"':
        raise RuntimeError("asked to fail")
    return "done"


def session_history(host: MockAngo) -> dict:
    """Seven finished sessions: five of plugin "A" (two failed), two of plugin "B".

    Returns the two plugin ids and ``newest_first``: (session id, plugin id, status) of each run.
    """
    first = host.create_plugin("A")
    second = host.create_plugin("B")
    ran = []
    with (
        plugin_running(host, first.id, first.secret, answer_or_fail),
        plugin_running(host, second.id, second.secret, answer_or_fail),
    ):
        for plugin, config in [
            (first, "ok"),
            (first, "fail"),
            (second, "ok"),
            (first, "ok"),
            (first, "fail"),
            (second, "ok"),
            (first, "ok"),
        ]:
            session = host.run(plugin.id, config=f'"{config}"', timeout=10)
            assert session.status == ("failed" if config == "fail" else "succeeded")
            ran.append((session.id, plugin.id, session.status))
    return {"first": first.id, "second": second.id, "newest_first": ran[::-1]}
