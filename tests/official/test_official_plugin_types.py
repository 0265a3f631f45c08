"""Plugin types other than Batch Model with the official ``ango`` client, unmodified, against mockango.

Samples in ``samples/`` read the event the way the vendor's samples do. 1.3.22 is the
version the vendor's samples pin; it is built like the others and skipped when pip cannot
reach the index.

Run: .venv/bin/python -m pytest tests/official -m official -q
"""
from __future__ import annotations

import json

import pytest

from harness import SAMPLES, PluginProcess, official_python
from mockango import MockAngo, MockangoError
from mockango.testing import MockAngoHandle

pytestmark = pytest.mark.official

LIVE_TIMEOUT = 30
BOX = {"x": 20, "y": 30, "width": 50, "height": 60}


@pytest.fixture
def host():
    with MockAngo(seed=1) as server:
        yield MockAngoHandle(server)


@pytest.fixture
def start_plugin(host, tmp_path):
    """start_plugin(version, sample, record, extra_env=None) -> a live PluginProcess."""
    started: list[PluginProcess] = []

    def start(version: str, sample: str, record, extra_env: dict | None = None) -> PluginProcess:
        proc = PluginProcess(official_python(version), SAMPLES / sample, host=host.url, plugin_id=record.id,
                             secret=record.secret, log_path=tmp_path / f"plugin-{len(started)}.log",
                             extra_env=extra_env)
        started.append(proc)
        proc.start()
        try:
            host.wait_live(record.id, timeout=LIVE_TIMEOUT)
        except MockangoError as exc:
            pytest.fail(f"plugin never went live: {exc}\n{proc.describe()}")
        return proc

    yield start
    for proc in started:
        proc.stop()


def _run(host: MockAngoHandle, record, proc: PluginProcess, **options):
    session = host.server.run(record.id, timeout=20, **options)
    result = host.result(session.id)
    assert result.status != "timed_out", proc.describe()
    return result


def test_model_plugin_1_4_answer_is_validated_and_stored(host, start_plugin):
    record = host.create_plugin("Model 1.4", class_names=["Car"], type="model")
    proc = start_plugin("1.4.10", "model_ango_1_4.py", record)
    target = host.assets()[2]
    result = _run(host, record, proc, asset=target["externalId"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    vehicle = result.category_schema[0]["schemaId"]
    assert result.answer == {"objects": [{"schemaId": vehicle, "bounding-box": BOX}], "classifications": [],
                             "relations": []}
    assert host.hub.tasks.task_for_asset(target["_id"]).answer == result.answer
    result.assert_logged(f"Plugin session is started! asset {target['_id']}")


def test_model_plugin_1_4_answer_off_the_ontology_fails_with_paths(host, start_plugin):
    record = host.create_plugin("Model 1.4", class_names=["Car"], type="model")
    proc = start_plugin("1.4.10", "model_ango_1_4.py", record)
    asset = host.assets()[0]
    result = _run(host, record, proc, asset=asset["_id"], class_mapping={"Car": "Vehicle"},
                  config={"schemaId": "0" * 24, "height": -1})
    result.assert_failed("the Model plugin's answer was refused")
    paths = [e["path"] for e in result.errors]
    assert "response.objects[0].schemaId" in paths, paths
    assert host.hub.tasks.task_for_asset(asset["_id"]).answer is None


def test_vendor_model_sample_dict_answer_works_on_1_3_22(host, start_plugin):
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin("1.3.22", "model_dict_answer.py", record)
    target = host.assets()[5]
    result = _run(host, record, proc, asset=target["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    assert result.answer["objects"][0]["bounding-box"] == BOX
    assert host.hub.tasks.task_for_asset(target["_id"]).answer == result.answer


def test_vendor_model_sample_dict_answer_fails_on_1_4_10(host, start_plugin):
    """1.4.10 reads ``payload.answer`` of what the callback returned; a dict has none, so the client
    raises before answering and the run ends on its time limit."""
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin("1.4.10", "model_dict_answer.py", record)
    session = host.server.run(record.id, timeout=3, asset=host.assets()[0]["_id"], class_mapping={"Car": "Vehicle"})
    assert session.status == "timed_out", proc.describe()
    assert "'dict' object has no attribute 'answer'" in proc.output()


def test_model_plugin_1_1_reads_labeltask_and_answers(host, start_plugin):
    record = host.create_plugin("Model 1.1", class_names=["Car"], type="model")
    proc = start_plugin("1.1.6", "model_ango_1_1.py", record)
    target = host.assets()[3]
    result = _run(host, record, proc, asset=target["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    assert result.answer["objects"][0]["bounding-box"] == BOX


def test_file_explorer_1_4_lists_a_folder(host, start_plugin, tmp_path):
    bucket = tmp_path / "bucket-root" / "photos"
    (bucket / "2024" / "summer").mkdir(parents=True)
    (bucket / "2024" / "a.png").write_bytes(b"png")
    record = host.create_plugin("Explorer", type="file-explorer")
    proc = start_plugin("1.4.10", "file_explorer_ango_1_4.py", record,
                        extra_env={"BUCKET_ROOT": str(tmp_path / "bucket-root")})
    result = _run(host, record, proc, bucket="photos", folder="2024/")
    result.assert_succeeded()
    assert result.listing == {"folders": ["2024/summer/"], "files": ["2024/a.png"], "scrollToken": None}


def test_input_plugin_1_4_answer_is_recorded(host, start_plugin):
    record = host.create_plugin("Input", type="input")
    proc = start_plugin("1.4.10", "input_ango_1_4.py", record)
    result = _run(host, record, proc, file_explorer_options={"files": ["a.png", "b.txt"]})
    result.assert_succeeded().assert_message({"taken": ["a.png"]})
    assert json.loads(result.config_json) == {}
