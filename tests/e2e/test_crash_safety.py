"""Crash safety against a real ``mockango serve`` process: a few trials of bench/crash.py in CI.

Each trial streams writes (plugins, runs through a connected plugin_client plugin, log
lines, imports), kills the process at a seeded random moment, restarts it on the same
state file and checks that every acknowledged write is there and no import is half
stored. ``bench/crash.py`` runs 50 trials and prints them.
"""

from __future__ import annotations

import pytest

from bench.crash import quiet_plugin_client, run_trial
from mockango import cli

STATE_DEFAULT = next(option.default for option in cli.serve.params if option.name == "state_path")
JSON_SNAPSHOT_STORE = str(STATE_DEFAULT).endswith(".json")
KNOWN_LOSS = pytest.mark.xfail(
    JSON_SNAPSHOT_STORE, strict=True,
    reason="issue 8: the JSON snapshot store saves 0.2 s after a change, and not at all on SIGTERM or SIGKILL")

pytestmark = [pytest.mark.crash, KNOWN_LOSS]


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_mid_stream_loses_no_acknowledged_write(trial):
    quiet_plugin_client()
    result = run_trial(trial, seed=8, signal_name="KILL")
    assert result.problems == [], result.line()


@pytest.mark.parametrize("trial", range(2))
def test_sigterm_mid_stream_stops_cleanly_and_loses_nothing(trial):
    quiet_plugin_client()
    result = run_trial(trial, seed=8, signal_name="TERM")
    assert result.exit_code in (0, -15, 143), result.line()
    assert result.problems == [], result.line()
