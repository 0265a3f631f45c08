"""The official client ``ango==1.4.10`` (module ``imerit_ango``) with ``CONNECTOR=REST`` against mockango.

Unmodified samples from tests/official/samples run in the official client's own venv
(tests/official/harness.py); the host calls them over HTTP. Skipped when PyPI cannot
be reached to build that venv.
"""

from __future__ import annotations

import pytest

from mockango import MockAngo, MockangoError

from .clients import FAILURE, STARTED, free_port, heartbeat_status, wait_until
from .test_rest_connector import POLL, _check_seed_run, _context, _rest_plugin

pytestmark = pytest.mark.official

VERSION = "1.4.10"
LIVE_TIMEOUT = 30  # the official client imports FastAPI and uvicorn before it serves (~1 s)


@pytest.fixture
def mock():
    with MockAngo(seed=1, run_timeout=30) as host:
        host.hub.rest_plugins.interval = POLL
        yield host


def _go_live(mock, plugin, proc) -> None:
    try:
        mock.wait_live(plugin.id, timeout=LIVE_TIMEOUT)
    except MockangoError as exc:
        pytest.fail(f"the official plugin never went live: {exc}\n{proc.output()}")


def test_official_rest_seed_sample_round_trip(mock, start_official):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    proc = start_official(
        VERSION, "batch_model_ango_1_4.py", mock.url, plugin.id, plugin.secret, connector="REST", port=port
    )
    _go_live(mock, plugin, proc)

    session = mock.run(plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
    _check_seed_run(mock, session)
    proc.stop()
    wait_until(
        lambda: not mock.is_live(plugin.id),
        POLL + mock.hub.rest_plugins.timeout + 1,
        "the host notices the official plugin stopped",
    )


def test_official_rest_callback_raises_fails_the_session(mock, start_official):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    proc = start_official(
        VERSION, "failing_batch_model.py", mock.url, plugin.id, plugin.secret, connector="REST", port=port
    )
    _go_live(mock, plugin, proc)

    session = mock.run(plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
    assert session.status == "failed", _context(session)
    assert "HTTP 500" in session.reason
    assert [(e["level"], e["msg"]) for e in session.logs] == [
        ("INFO", STARTED),
        ("ERROR", f"Plugin callback failed: {FAILURE}"),
    ], _context(session)
    assert mock.is_live(plugin.id), "the official plugin stays up after a failed run"


def test_official_rest_wrong_secret_is_never_live(mock, start_official):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    start_official(
        VERSION, "batch_model_ango_1_4.py", mock.url, plugin.id, "not-the-secret", connector="REST", port=port
    )
    url = f"http://127.0.0.1:{port}"

    wait_until(lambda: heartbeat_status(url) == 401, LIVE_TIMEOUT, f"the official plugin serves on {url}")
    with pytest.raises(MockangoError, match="401"):
        mock.wait_live(plugin.id, timeout=3 * POLL + 0.5)
