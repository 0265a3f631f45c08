"""The other direction: plugin_client sends nothing the official client does not.

Both clients run the same runs against a mockango host that records their traffic
(traffic.py): the seed sample (labels imported) and a callback that raises, over
Socket.IO and over REST. A recording is folded into names only: Socket.IO event
names and payload fields; HTTP method, path, header names, query parameter names,
body fields; and for REST, what the plugin answers (status, content type, body fields).

The official client's shape (``ango==1.4.10``) is kept in official_traffic.json, so the
comparison runs where PyPI cannot be reached; ``test_official_traffic_is_as_recorded``
(marked ``official``) records it again and fails when it changed. To rewrite the file:

    MOCKANGO_RECORD_OFFICIAL_TRAFFIC=1 .venv/bin/python -m pytest tests/protocol -m official -k traffic
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .clients import DEFAULT_CONFIG, failing_callback, free_port, seed_callback, wait_until
from .traffic import AnswerTap, RecordingHost, extra_answers, extra_names, shape

OFFICIAL_FILE = Path(__file__).with_name("official_traffic.json")
OFFICIAL_VERSION = "1.4.10"
SCENARIOS = ["ws-seed", "ws-raises", "rest-seed", "rest-raises"]
EXPECTED_STATUS = {"seed": "succeeded", "raises": "failed"}


def _record(scenario: str, start) -> dict:
    """Run one scenario; ``start(plugin, connector, raises, port) -> stop()`` starts the client."""
    connector, kind = scenario.split("-")
    rest = connector == "rest"
    port = free_port() if rest else None
    with RecordingHost() as host, AnswerTap(port or 9) as answers:
        hub = host.hub
        hub.rest_plugins.interval = 0.1
        plugin = hub.create_plugin(
            "traffic",
            class_names=["Vehicle"],
            default_config=DEFAULT_CONFIG,
            callback_url=answers.url if rest else None,
        )
        stop = start(host.url, plugin, connector.upper(), kind == "raises", port)
        try:
            hub.wait_live(plugin.id, timeout=30)
            session = hub.start_run(
                hub.default_user, plugin.id, hub.default_project.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30
            )
            session = hub.wait_session(session.id)
            assert session.status == EXPECTED_STATUS[kind], (session.status, session.reason, session.logs)
            if rest:
                answers.probe(plugin.secret)
        finally:
            stop()
        wait_until(lambda: not hub.is_live(plugin.id), 5, "the plugin is gone")
        return {"host": shape(host.records), "answers": answers.shape() if rest else {}}


def _official_shapes() -> dict:
    if not OFFICIAL_FILE.exists():
        pytest.fail(f"{OFFICIAL_FILE.name} is missing: record it (see this module's docstring)")
    return json.loads(OFFICIAL_FILE.read_text())["scenarios"]


@pytest.fixture
def plugin_client_starter(start_client, monkeypatch):
    def start(host_url, plugin, connector, raises, port):
        callback = failing_callback if raises else seed_callback(monkeypatch, host_url, plugin.id, plugin.secret)
        client = start_client(host_url, plugin.id, plugin.secret, callback, connector=connector, port=port)
        return client.stop

    return start


@pytest.fixture
def official_starter(start_official):
    def start(host_url, plugin, connector, raises, port):
        sample = "failing_batch_model.py" if raises else "batch_model_ango_1_4.py"
        proc = start_official(
            OFFICIAL_VERSION, sample, host_url, plugin.id, plugin.secret, connector=connector, port=port
        )
        return proc.stop

    return start


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_plugin_client_sends_nothing_the_official_client_does_not(scenario, plugin_client_starter):
    official = _official_shapes()[scenario]
    ours = _record(scenario, plugin_client_starter)
    # Not vacuous: the same routes and events were seen from both clients.
    assert sorted(ours["host"]["http"]) == sorted(official["host"]["http"])
    assert sorted(ours["host"]["sio"]) == sorted(official["host"]["sio"])
    assert sorted(ours["answers"]) == sorted(official["answers"])
    extra = extra_names(ours["host"], official["host"]) + extra_answers(ours["answers"], official["answers"])
    assert not extra, f"plugin_client ({scenario}) sends what ango=={OFFICIAL_VERSION} never does:\n" + "\n".join(extra)


@pytest.mark.official
def test_official_traffic_is_as_recorded(official_starter):
    recorded = {scenario: _record(scenario, official_starter) for scenario in SCENARIOS}
    if os.environ.get("MOCKANGO_RECORD_OFFICIAL_TRAFFIC"):
        OFFICIAL_FILE.write_text(
            json.dumps({"client": f"ango=={OFFICIAL_VERSION}", "scenarios": recorded}, indent=1) + "\n"
        )
    assert recorded == _official_shapes(), (
        f"the official client's traffic changed: record {OFFICIAL_FILE.name} again and review the diff"
    )
