"""Starting plugins for the protocol tests: plugin_client in a thread, the official client in a subprocess."""

from __future__ import annotations

import importlib.util
import os
import runpy
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from plugin_client import BatchModelPlugin, run

REPO = Path(__file__).resolve().parents[2]
SEED_SAMPLE = REPO / "examples" / "batch_model_plugin.py"
OFFICIAL_SAMPLES = REPO / "tests" / "official" / "samples"

BOX = {"x": 20, "y": 30, "width": 50, "height": 60}
DEFAULT_CONFIG = {"dummy-bounding-box": BOX}
STARTED, ENDED = "Plugin session is started!", "Plugin session is ended!"
FAILURE = "model exploded on purpose"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> float:
    """Poll ``predicate`` every 20 ms; return the seconds it took, fail the test after ``timeout``."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)
    return time.monotonic() - start


def heartbeat_status(url: str) -> int | None:
    """The status of ``GET {url}/heartbeat`` without a secret; None while nothing listens there."""
    try:
        return requests.get(f"{url}/heartbeat", timeout=2).status_code
    except requests.ConnectionError:
        return None


def seed_callback(monkeypatch, host: str, plugin_id: str, secret: str):
    """The seed's ``run_model`` from examples/batch_model_plugin.py, with its HOST set to ``host``."""
    monkeypatch.setenv("ANGO_HOST", host)
    monkeypatch.setenv("PLUGIN_ID", plugin_id)
    monkeypatch.setenv("PLUGIN_SECRET", secret)
    return runpy.run_path(str(SEED_SAMPLE), run_name="seed_sample")["run_model"]


def failing_callback(**data):
    data["logger"].info(STARTED)
    raise RuntimeError(FAILURE)


class ClientThread:
    """plugin_client's ``run(plugin, host)`` in a thread, with the connector chosen by ``CONNECTOR``."""

    def __init__(self, plugin: BatchModelPlugin, host: str) -> None:
        self.plugin, self.host = plugin, host
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, daemon=True, name=f"plugin {plugin.id}")

    def _main(self) -> None:
        try:
            run(self.plugin, self.host)
        except BaseException as exc:  # noqa: BLE001 - reported by stop()
            self.error = exc

    def start(self) -> ClientThread:
        self.thread.start()
        return self

    def stop(self) -> float:
        """Stop the plugin; return how long ``stop()`` + the thread's end took."""
        start = time.monotonic()
        while self.plugin.connector is None and self.thread.is_alive() and time.monotonic() - start < 5:
            time.sleep(0.01)
        self.plugin.stop()
        self.thread.join(5)
        assert not self.thread.is_alive(), "run() did not return after plugin.stop()"
        return time.monotonic() - start


def official_harness():
    """tests/official/harness.py (read only; owned by the official-client tests), loaded by path."""
    name = "mockango_tests_official_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "official" / "harness.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


class OfficialProcess:
    """One unmodified sample of tests/official/samples run by the official client's interpreter."""

    def __init__(self, python: Path, sample: str, env: dict, log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [str(python), str(OFFICIAL_SAMPLES / sample)],
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(REPO),
        )

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
