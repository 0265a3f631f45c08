"""plugin_client under faults: GETs retried with backoff and Retry-After, imports never repeated,
a dropped socket reconnected, a run in flight at the drop failed with a clear reason."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from plugin_client import SDK, SDKError
from tests.support import DEMO_CONFIG, plugin_running

BOX = {"objects": [{"schemaId": "vehicle", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}]}


def fast_sdk(host, **options) -> SDK:
    options.setdefault("backoff", 0.01)
    return SDK(host.api_key, host.url, **options)


def assets_calls(host) -> list[int]:
    return [c["status"] for c in host.hub.journal.entries() if c["path"] == f"/v2/project/{host.project_id}/assets"]


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_get_is_retried_through_passing_failures(host, status):
    host.faults.fail("GET", "/v2/project/*/assets", status=status, times=2, retry_after=0 if status == 429 else None)
    answer = fast_sdk(host).get_assets(host.project_id)
    assert answer["data"]["total"] > 0
    assert assets_calls(host) == [status, status, 200]


def test_retries_are_bounded_and_the_error_says_how_many_were_made(host):
    host.faults.fail("GET", "/v2/project/*", status=503, times=None)
    with pytest.raises(SDKError) as caught:
        fast_sdk(host, attempts=3).get_project(host.project_id)
    assert caught.value.status == 503 and caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value) and "injected fault" in caught.value.message
    assert len([c for c in host.hub.journal.entries() if c["path"] == f"/v2/project/{host.project_id}"]) == 3


def test_a_client_error_is_not_retried(host):
    host.faults.fail("GET", "/v2/project/*", status=500, times=None)
    with pytest.raises(SDKError) as caught:
        fast_sdk(host).get_project(host.project_id)
    assert caught.value.status == 500 and caught.value.attempts == 1  # a 500 is a bug, not "come back later"


def test_retry_after_is_honoured_and_capped(host):
    host.faults.fail("GET", "/v2/listProjects", status=429, retry_after=1, times=1)
    started = time.monotonic()
    fast_sdk(host).list_projects()
    assert time.monotonic() - started >= 1.0  # waited what the host asked, not the 10 ms backoff

    host.faults.fail("GET", "/v2/listProjects", status=429, retry_after=600, times=1)
    started = time.monotonic()
    fast_sdk(host, max_retry_after=0.2).list_projects()
    assert 0.2 <= time.monotonic() - started < 30  # capped: did not wait ten minutes


def test_a_label_import_is_never_repeated(host):
    host.faults.fail("POST", "/v2/import/labels", status=503, retry_after=1)
    external_id = host.assets()[0]["externalId"]
    with pytest.raises(SDKError) as caught:
        fast_sdk(host).import_labels(host.project_id, [{"externalId": external_id, **BOX}])
    error = caught.value
    assert (error.status, error.attempts, error.retry_after) == (503, 1, 1.0)
    assert "injected fault" in error.message and error.method == "POST"
    assert [c["status"] for c in host.hub.journal.entries() if c["path"] == "/v2/import/labels"] == [503]
    assert host.assets()[0]["labels"] is None


def test_connection_errors_are_retried_for_gets_only(caplog):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"  # bound, not listening: connections are refused
        sdk = SDK("key", url, attempts=3, backoff=0.01)
        with caplog.at_level(logging.WARNING, logger="plugin_client"), pytest.raises(SDKError) as caught:
            sdk.list_projects()
        assert caught.value.status == 0 and caught.value.attempts == 3
        assert "could not reach the host" in caught.value.message
        retries = [r.getMessage() for r in caplog.records]
        assert len(retries) == 2 and "try 2 of 3" in retries[0] and "try 3 of 3" in retries[1]
        with pytest.raises(SDKError) as caught:
            sdk.import_labels("p", [])
        assert caught.value.status == 0 and caught.value.attempts == 1


def test_a_dropped_socket_reconnects_and_serves_the_next_run(host, demo_plugin):
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: "done"):
        assert host.faults.drop_plugin(demo_plugin.id).hits == 1
        host.wait_live(demo_plugin.id, timeout=10)  # plugin_client reconnected by itself
        assert host.run(demo_plugin.id, config=DEMO_CONFIG, timeout=10).status == "succeeded"


def test_a_run_whose_event_never_arrives_fails_and_the_next_run_is_served(host, demo_plugin):
    calls = []
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: calls.append(data) or "done"):
        host.faults.drop_plugin(demo_plugin.id, when="before_run")
        dropped = host.run(demo_plugin.id, config=DEMO_CONFIG, timeout=10)
        assert (dropped.status, dropped.reason) == ("failed", "the plugin disconnected before it answered")
        host.wait_live(demo_plugin.id, timeout=10)
        served = host.run(demo_plugin.id, config=DEMO_CONFIG, timeout=10)
        assert served.status == "succeeded"
        assert [c["session"] for c in calls] == [served.id]


def test_a_run_in_flight_when_the_socket_drops_fails_and_the_next_run_is_served(host, demo_plugin):
    started, release = threading.Event(), threading.Event()

    def slow_model(**data):
        started.set()
        release.wait(5)
        return "done"

    with plugin_running(host, demo_plugin.id, demo_plugin.secret, slow_model):
        host.faults.drop_plugin(demo_plugin.id, when="after_run", seconds=0.2)
        session = host.start_run(demo_plugin.id, config=DEMO_CONFIG, timeout=10)
        assert started.wait(5)  # the plugin got the event and is working on it
        ended = host.hub.wait_session(session.id, timeout=5)
        assert (ended.status, ended.reason) == ("failed", "the plugin disconnected before it answered")
        release.set()
        host.wait_live(demo_plugin.id, timeout=10)
        started.clear()
        assert host.run(demo_plugin.id, config=DEMO_CONFIG, timeout=10).status == "succeeded"
        assert host.session(session.id).status == "failed"  # the late answer of the old run changed nothing


@pytest.mark.parametrize(
    "header, seconds",
    [
        ("7", 7.0),
        ("0", 0.0),
        ("-3", 0.0),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    from plugin_client.sdk import retry_after_seconds

    assert retry_after_seconds(header) == seconds


def test_a_run_that_comes_before_connect_returns_is_answered(host, demo_plugin, monkeypatch):
    """python-socketio says ``connected`` only when ``connect()`` returns, after the namespace's connect handler
    sent the heartbeat; a run the host sends as soon as that makes the plugin live can come and end first. Here
    the connecting thread is made slow, as a busy machine makes it (CI saw the answer dropped, the run time out)."""
    import socketio

    class SlowToSayConnected(socketio.Client):
        def __setattr__(self, name, value):
            if name == "connected" and value is True:
                time.sleep(3)  # the thread in connect() gets the CPU back late
            super().__setattr__(name, value)

    monkeypatch.setattr(socketio, "Client", SlowToSayConnected)
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: "done") as (plugin, _, errors):
        session = host.run(demo_plugin.id, config=DEMO_CONFIG, timeout=2.5)
        assert (session.status, session.message) == ("succeeded", "done"), session.reason
    assert errors == []
