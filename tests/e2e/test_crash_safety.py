"""Crash safety against a real ``mockango serve`` process: a few trials of bench/crash.py in CI.

Each trial streams writes (plugins, runs through a connected plugin_client plugin, log
lines, imports), kills the process at a seeded random moment, restarts it on the same
state file and checks that every acknowledged write is there and no import is half
stored. ``bench/crash.py`` runs 50 trials and prints them. (On the JSON snapshot store
that came before the SQLite one, every trial lost acknowledged writes.)
"""

from __future__ import annotations

import pytest
import requests

from bench.crash import Acknowledged, check, project_body, quiet_plugin_client, run_trial, slice_items

pytestmark = pytest.mark.crash


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_mid_stream_loses_no_acknowledged_write(trial):
    quiet_plugin_client()
    result = run_trial(trial, seed=8, signal_name="KILL")
    assert result.problems == [], result.line()


@pytest.mark.parametrize("trial", range(2))
def test_sigterm_mid_stream_stops_cleanly_and_loses_nothing(trial):
    quiet_plugin_client()
    result = run_trial(trial, seed=8, signal_name="TERM")
    assert result.exit_code == 0, result.line()
    assert result.problems == [], result.line()


def test_the_check_catches_lost_and_half_stored_writes(host):
    """The trials' judge is not vacuous: claimed writes that are missing, and a partial import, are reported."""
    http = requests.Session()
    http.headers["apikey"] = host.api_key
    project = http.post(host.url + "/api/projects", json=project_body()).json()["_id"]
    for items in (slice_items(0), slice_items(1)[:4]):  # slice 0 whole, slice 1 cut short
        assert http.post(host.url + "/v2/import/labels", json={"project": project, "jsonContent": items}).ok
    claimed = Acknowledged(
        plugins={"f" * 24: "secret"},
        sessions={"e" * 24: "succeeded"},
        logs=[("e" * 24, "hello")],
        imports={0: None, 2: None},
        started_slices={0, 1, 2},
    )
    problems = check(host.url, host.api_key, project, claimed)
    assert problems == [
        f"acknowledged plugin {'f' * 24} is gone (404)",
        f"acknowledged session {'e' * 24} is gone (404)",
        "1 acknowledged log line(s) lost, e.g. 'hello'",
        "import of slice 1 is half stored: 4 of 10 assets labeled",
        "acknowledged import of slice 2 is lost",
    ]
    # Slice 1's four labels, not claimed at all, are labels no import named.
    assert check(host.url, host.api_key, project, Acknowledged(imports={0: None}, started_slices={0})) == [
        "4 asset(s) labeled that no import named, e.g. a00010"
    ]
    assert (
        check(host.url, host.api_key, project, Acknowledged(imports={0: None}, started_slices={0, 1}))[0]
        == "import of slice 1 is half stored: 4 of 10 assets labeled"
    )
