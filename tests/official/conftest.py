"""Fixtures shared by the official-client tests."""

from __future__ import annotations

import pytest
from harness import SAMPLES, PluginProcess, official_python, start_live

LIVE_TIMEOUT = 60


@pytest.fixture
def start_plugin(host, tmp_path):
    """start_plugin(client, sample, record, extra_env=None) -> a live PluginProcess of that client, stopped after
    the test. ``client`` is a harness version (``"1.4.10"``, ``harness.VENDOR_SAMPLES``, ...)."""
    started: list[PluginProcess] = []

    def start(client: str, sample: str, record, extra_env: dict | None = None) -> PluginProcess:
        log = tmp_path / f"plugin-{len(started)}.log"
        python = official_python(client)
        started.append(
            start_live(host, python, SAMPLES / sample, record, log, extra_env=extra_env, timeout=LIVE_TIMEOUT)
        )
        return started[-1]

    yield start
    for proc in started:
        proc.stop()
