"""Fixtures of the protocol tests; the machinery is in clients.py."""

from __future__ import annotations

import pytest

from plugin_client import BatchModelPlugin

from .clients import ClientThread, OfficialProcess, official_harness


@pytest.fixture
def start_client(monkeypatch):
    """start_client(host, plugin_id, secret, callback, connector="REST", port=None) -> ClientThread."""
    started: list[ClientThread] = []

    def start(
        host: str, plugin_id: str, secret: str, callback, *, connector: str = "REST", port: int | None = None
    ) -> ClientThread:
        monkeypatch.setenv("CONNECTOR", connector)
        if port is not None:
            monkeypatch.setenv("PORT", str(port))
        client = ClientThread(BatchModelPlugin(plugin_id, secret, callback), host).start()
        started.append(client)
        return client

    yield start
    for client in started:
        if client.thread.is_alive():
            client.stop()


@pytest.fixture
def start_official(tmp_path):
    """start_official(version, sample, host, plugin_id, secret, connector="WS", port=None) -> OfficialProcess."""
    started: list[OfficialProcess] = []

    def start(
        version: str,
        sample: str,
        host: str,
        plugin_id: str,
        secret: str,
        *,
        connector: str = "WS",
        port: int | None = None,
    ) -> OfficialProcess:
        python = official_harness().official_python(version)
        env = {"ANGO_HOST": host, "PLUGIN_ID": plugin_id, "PLUGIN_SECRET": secret, "CONNECTOR": connector}
        if port is not None:
            env["PORT"] = str(port)
        proc = OfficialProcess(python, sample, env, tmp_path / f"official-{len(started)}.log")
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
