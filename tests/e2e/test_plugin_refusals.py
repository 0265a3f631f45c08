"""A plugin script the host refuses ends with one line that says what to do, not a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from tests.serving import printed, start_serve, stop_process
from tests.support import SAMPLE

pytestmark = pytest.mark.slow  # `mockango serve` processes

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def start_sample(url: str, plugin_id: str, secret: str) -> subprocess.Popen:
    env = {**os.environ, "ANGO_HOST": url, "PLUGIN_ID": plugin_id, "PLUGIN_SECRET": secret}
    return subprocess.Popen(
        [sys.executable, str(SAMPLE)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_wrong_secret_ends_the_plugin_with_one_line_and_exit_1(host):
    plugin = host.create_plugin("Mine", class_names=["Vehicle"])
    process = start_sample(host.url, plugin.id, "not-the-secret")
    try:
        _, err = process.communicate(timeout=30)
    finally:
        stop_process(process)
    assert process.returncode == 1
    assert "Traceback" not in err, err
    assert "connected to" not in err, err  # it never was: the host refused the heartbeat at once
    assert err.strip().splitlines()[-1] == (
        f"plugin_client: the host at {host.url} refused plugin {plugin.id}: unknown plugin id or wrong secret. "
        "Check PLUGIN_ID and PLUGIN_SECRET against the plugin's page on that host."
    )


def test_serve_fresh_under_a_running_plugin_ends_it_saying_the_host_was_reset(tmp_path):
    serve, banner = start_serve(MOCKANGO, tmp_path)
    url, plugin_id, secret = (
        re.search(r"serving at (\S+)", banner).group(1),
        printed(banner, "Plugin"),
        printed(banner, "Plugin secret"),
    )
    process = start_sample(url, plugin_id, secret)
    try:
        wait_until_connected(process)
        stop_process(serve)
        serve, _ = start_serve(MOCKANGO, tmp_path, "--fresh", "--port", url.rsplit(":", 1)[1])
        _, err = process.communicate(timeout=30)
    finally:
        stop_process(process)
        stop_process(serve)
    assert process.returncode == 1
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == (
        f"plugin_client: the host at {url} no longer knows plugin {plugin_id}, which it accepted before: it "
        "was reset (e.g. `mockango serve --fresh`) or the plugin was deleted. Restart this process with the plugin "
        "id and secret the host shows now."
    )


def wait_until_connected(process: subprocess.Popen) -> None:
    """Read the plugin's log (stderr) up to the line saying it connected."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if "connected to" in line:
            return
        assert line, "the plugin process ended before it connected"
    raise AssertionError("the plugin did not connect within 20 s")
