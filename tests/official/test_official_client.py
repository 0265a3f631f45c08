"""The official ``ango`` client from PyPI, unmodified, against mockango.

Each client version runs in its own cached virtual environment (see harness.py) as a
real subprocess that connects to a MockAngo served on loopback. The tests skip when
PyPI cannot be reached to build that environment.

Run: .venv/bin/python -m pytest tests/official -m official -q
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from harness import SAMPLES, PluginProcess, official_python, prepare

from mockango import MockAngo, MockangoError

pytestmark = pytest.mark.official

VERSIONS = [pytest.param("1.4.10", id="ango-1.4.10"), pytest.param("1.1.6", id="ango-1.1.6")]
ALL_VERSIONS = ["1.4.10", "1.1.6"]

BOX = {"x": 20, "y": 30, "width": 50, "height": 60}
DEFAULT_CONFIG = {"dummy-bounding-box": BOX}
STARTED, ENDED = "Plugin session is started!", "Plugin session is ended!"
FAILURE = "model exploded on purpose"  # what samples/failing_batch_model.py raises

LIVE_TIMEOUT = 30  # seconds; the client needs ~0.5 s to import and connect


@pytest.fixture(scope="session")
def official_venvs():
    """Build every version's venv up front, in parallel (each test still asks for its own)."""
    prepare(ALL_VERSIONS)


@pytest.fixture
def hub():
    with MockAngo(seed=1) as h:
        yield h


@pytest.fixture
def start_plugin(hub, tmp_path, official_venvs):
    """start_plugin(version, sample, plugin, secret=None) -> a running PluginProcess."""
    started: list[PluginProcess] = []

    def start(
        version: str, sample: str, plugin, secret: str | None = None, extra_env: dict | None = None
    ) -> PluginProcess:
        proc = PluginProcess(
            official_python(version),
            SAMPLES / sample,
            host=hub.url,
            plugin_id=plugin.id,
            secret=plugin.secret if secret is None else secret,
            log_path=tmp_path / f"plugin-{len(started)}.log",
            extra_env=extra_env,
        )
        started.append(proc)
        proc.start()
        return proc

    yield start
    for proc in started:
        proc.stop()


def _go_live(hub, plugin, proc: PluginProcess) -> None:
    try:
        hub.wait_live(plugin.id, timeout=LIVE_TIMEOUT)
    except MockangoError as exc:
        pytest.fail(f"plugin never went live: {exc}\n{proc.describe()}")


def _sample(version: str) -> str:
    return "batch_model_ango_1_4.py" if version.startswith("1.4") else "batch_model_ango_1_1.py"


def _project(hub) -> dict:
    """The default project as the REST API shows it (an independent view of the ontology)."""
    r = requests.get(f"{hub.url}/v2/project/{hub.project_id}", headers={"apikey": hub.api_key}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["data"]["project"]


def _tool_id(hub, title: str) -> str:
    tools = _project(hub)["categorySchema"]["tools"]
    return next(t["schemaId"] for t in tools if t["title"] == title)


def _session_text(session) -> str:
    return (
        f"session {session.id}: status={session.status!r} message={session.message!r} "
        f"reason={getattr(session, 'reason', None)!r}\nlogs={json.dumps(session.logs, indent=1, default=str)}"
    )


def _my_model(hub):
    return hub.create_plugin("My model", class_names=["Vehicle", "Person"], default_config=DEFAULT_CONFIG)


# ---------------------------------------------------------------------------------------- the seed sample


@pytest.mark.parametrize("version", VERSIONS)
def test_seed_sample_completes_a_run(hub, start_plugin, version):
    plugin = _my_model(hub)
    proc = start_plugin(version, _sample(version), plugin)
    _go_live(hub, plugin, proc)
    before = hub.assets(hub.project_id)
    assert len(before) > 10, "the default project needs more than 10 assets for this test to mean anything"
    assert not any(a["isPreLabeled"] for a in before)

    session = hub.run(plugin.id, hub.project_id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
    context = f"{_session_text(session)}\n{proc.describe()}"

    assert session.status == "succeeded", context
    assert session.message == "All annotations are imported!", context
    assert [(log["level"], log["msg"]) for log in session.logs] == [("INFO", STARTED), ("INFO", ENDED)], context

    vehicle = _tool_id(hub, "Vehicle")
    assets = hub.assets(hub.project_id)
    assert [a["_id"] for a in assets] == [a["_id"] for a in before], "asset order changed"
    for i, asset in enumerate(assets):
        if i < 10:
            assert asset["isPreLabeled"] is True, f"asset #{i} {asset['externalId']} not labeled\n{context}"
            labels = asset["labels"]
            assert labels["externalId"] == asset["externalId"]
            assert len(labels["objects"]) == 1, labels
            assert labels["objects"][0]["schemaId"] == vehicle, labels
            assert labels["objects"][0]["bounding-box"] == BOX, labels
        else:
            assert asset["isPreLabeled"] is False and asset["labels"] is None, (
                f"asset #{i} {asset['externalId']} (not among the first 10) got labels: {asset['labels']}"
            )


@pytest.mark.parametrize("version", VERSIONS)
def test_seed_sample_without_class_mapping(hub, start_plugin, version):
    """No class mapped -> categorySchema null -> the sample answers and imports nothing."""
    plugin = _my_model(hub)
    proc = start_plugin(version, _sample(version), plugin)
    _go_live(hub, plugin, proc)

    session = hub.run(plugin.id, hub.project_id, class_mapping={}, timeout=30)
    context = f"{_session_text(session)}\n{proc.describe()}"
    assert session.status == "succeeded", context
    assert session.message == "Please complete class mapping!", context
    assert [(log["level"], log["msg"]) for log in session.logs] == [
        ("INFO", STARTED),
        ("WARNING", "Please complete class mapping!"),
        ("INFO", ENDED),
    ], context
    assert not any(a["isPreLabeled"] for a in hub.assets(hub.project_id))


# ---------------------------------------------------------------------------------------- failures


def test_callback_raises_fails_the_session_on_1_4(hub, start_plugin):
    plugin = _my_model(hub)
    proc = start_plugin("1.4.10", "failing_batch_model.py", plugin)
    _go_live(hub, plugin, proc)

    session = hub.run(plugin.id, hub.project_id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
    context = f"{_session_text(session)}\n{proc.describe()}"
    assert session.status == "failed", context
    assert [(log["level"], log["msg"]) for log in session.logs] == [
        ("INFO", STARTED),
        ("ERROR", f"Plugin callback failed: {FAILURE}"),
    ], context
    assert not any(a["isPreLabeled"] for a in hub.assets(hub.project_id))
    # The process survives a failing callback and stays live for the next run.
    assert proc.running, proc.describe()
    assert hub.is_live(plugin.id)


def test_callback_raises_times_out_on_1_1(hub, start_plugin):
    """1.1.x sends nothing back when the callback raises: the run must end by its time limit."""
    plugin = _my_model(hub)
    proc = start_plugin("1.1.6", "failing_batch_model.py", plugin)
    _go_live(hub, plugin, proc)

    t0 = time.monotonic()
    session = hub.run(plugin.id, hub.project_id, class_mapping={"Vehicle": "Vehicle"}, timeout=3)
    elapsed = time.monotonic() - t0
    context = f"{_session_text(session)}\n{proc.describe()}"
    assert session.status == "timed_out", context
    assert elapsed >= 2.5, f"the run ended after {elapsed:.1f}s, before its 3 s limit\n{context}"
    reason = getattr(session, "reason", None) or ""
    assert "within the run's time limit (3 s)" in reason, f"not ended by its limit\n{context}"
    assert [(log["level"], log["msg"]) for log in session.logs] == [("INFO", STARTED)], context
    assert "model exploded on purpose" in proc.output(), "the traceback should be on the plugin's stderr"
    assert proc.running and hub.is_live(plugin.id), proc.describe()


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_secret_never_goes_live(hub, start_plugin, version):
    plugin = _my_model(hub)
    proc = start_plugin(version, _sample(version), plugin, secret="not-the-secret")
    with pytest.raises(MockangoError):
        hub.wait_live(plugin.id, timeout=3)
    with pytest.raises(MockangoError):
        hub.start_run(plugin.id, hub.project_id, class_mapping={"Vehicle": "Vehicle"}, timeout=5)
    assert not hub.sessions(plugin.id) or all(s.status != "running" for s in hub.sessions(plugin.id)), proc.describe()


# ---------------------------------------------------------------------------------------- the event itself


@pytest.mark.parametrize("version", VERSIONS)
def test_event_fields_reach_the_callback(hub, start_plugin, version):
    """Both calling conventions, the batches (1.1.x reads them from 'tags'), configJSON a string."""
    plugin = _my_model(hub)
    proc = start_plugin(version, "probe_batch_model.py", plugin)
    _go_live(hub, plugin, proc)
    batch = _project(hub)["batches"][0]["_id"]

    session = hub.run(plugin.id, hub.project_id, class_mapping={"Vehicle": "Vehicle"}, batches=[batch], timeout=30)
    context = f"{_session_text(session)}\n{proc.describe()}"
    assert session.status == "succeeded", context
    seen = json.loads(session.message)
    assert seen["style"] == ("positional" if version.startswith("1.4") else "keywords"), seen
    assert seen["batches"] == [batch], seen
    assert seen["configJSONType"] == "str", seen
    assert {"projectId", "categorySchema", "apiKey", "orgId", "runBy", "session", "configJSON"} <= set(seen["keys"])
    assert [log["msg"] for log in session.logs] == ["probe"], context


@pytest.mark.parametrize("version", VERSIONS)
def test_two_runs_at_once_on_one_socket(hub, start_plugin, version):
    """Both clients handle each event in a thread of its own: two runs overlap on one socket."""
    plugin = _my_model(hub)
    proc = start_plugin(version, "probe_batch_model.py", plugin)
    _go_live(hub, plugin, proc)
    first = hub.start_run(plugin.id, hub.project_id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
    second = hub.start_run(plugin.id, hub.project_id, class_mapping={"Person": "Person"}, timeout=30)
    for started in (first, second):
        session = hub.hub.wait_session(started.id)
        context = f"{_session_text(session)}\n{proc.describe()}"
        assert session.status == "succeeded", context
        assert [log["msg"] for log in session.logs] == ["probe"], context
        assert session.event["session"] == started.id


# The REST connector with the official client: tests/protocol/test_official_rest.py.
