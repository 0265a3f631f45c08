"""Issue 13.8: a frozen plugin process (SIGSTOP) cannot hold a run past the run's own time limit."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "batch_model_plugin.py"


def test_a_frozen_plugin_times_out_at_the_runs_limit_not_the_socket_timeout(mockango):
    plugin = mockango.spawn_plugin(EXAMPLE, class_names=["Vehicle", "Person"])
    os.kill(plugin.process.pid, signal.SIGSTOP)
    try:
        session = mockango.start_run(plugin, timeout=1.0)
        started = time.monotonic()
        while time.monotonic() - started < 10:
            stored = mockango.hub.sessions.get(session.id)  # the stored row: nobody reads (and so expires) it
            if stored.status != "running":
                break
            time.sleep(0.05)
        assert stored.status == "timed_out"
        assert "within the run's time limit (1 s)" in stored.reason  # the run's limit ended it, not a socket's
        assert "the plugin is still connected" in stored.reason
    finally:
        os.kill(plugin.process.pid, signal.SIGCONT)
        plugin.stop()
