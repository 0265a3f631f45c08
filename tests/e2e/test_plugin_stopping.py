"""A plugin script stopped with Ctrl+C ends at once with one line, even with a run in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.serving import stop_process

SLOW_PLUGIN = """
import os
import time

from plugin_client import BatchModelPlugin, run


def run_model(data):
    for line in range(600):
        data["logger"].info(f"line {line}")
        time.sleep(0.05)
    return "done"


run(BatchModelPlugin(id=os.environ["PLUGIN_ID"], secret=os.environ["PLUGIN_SECRET"], callback=run_model),
    host=os.environ["ANGO_HOST"])
"""


def start_slow_plugin(host, tmp_path: Path):
    script = tmp_path / "slow_plugin.py"
    script.write_text(SLOW_PLUGIN, encoding="utf-8")
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    env = {**os.environ, "ANGO_HOST": host.url, "PLUGIN_ID": plugin.id, "PLUGIN_SECRET": plugin.secret}
    process = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    host.wait_live(plugin.id, timeout=30)
    return plugin, process


def ctrl_c(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=10)[1]
    finally:
        stop_process(process)


def test_ctrl_c_stops_an_idle_plugin_with_one_line_and_no_traceback(host, tmp_path):
    _, process = start_slow_plugin(host, tmp_path)
    err = ctrl_c(process)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert process.returncode == 130
    assert err.strip().splitlines()[-1].endswith("plugin_client: stopped (Ctrl+C)"), err


def test_ctrl_c_with_a_run_in_flight_abandons_it_at_once_without_a_line_per_log(host, tmp_path):
    plugin, process = start_slow_plugin(host, tmp_path)
    session = host.start_run(plugin.id, class_mapping={"Vehicle": "Vehicle"})
    deadline = time.monotonic() + 20
    while not host.session(session.id).logs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert host.session(session.id).logs, "the run never logged"
    err = ctrl_c(process)  # the callback would log for 30 s more: the process must not wait for it
    assert process.returncode == 130, err
    assert "Traceback" not in err and "not a connected namespace" not in err, err
    assert "could not send" not in err, err
    assert (
        err.strip()
        .splitlines()[-1]
        .endswith("plugin_client: stopped (Ctrl+C); 1 run in flight abandoned: the host ends it as disconnected")
    ), err
    deadline = time.monotonic() + 20
    while host.session(session.id).status == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    ended = host.session(session.id)
    assert (ended.status, ended.reason) == ("failed", "the plugin disconnected before it answered")
