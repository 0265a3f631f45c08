"""Plugin types other than Batch Model with the official ``ango`` client, unmodified, against mockango.

Samples in ``samples/`` read the event the way the vendor's samples do. 1.3.22 is the
version the vendor's samples pin; it is built like the others and skipped when pip cannot
reach the index.

Run: .venv/bin/python -m pytest tests/official -m official -q
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
import requests
from harness import SAMPLES, PluginProcess, official_python

from mockango import MockAngo, MockangoError
from mockango.testing import MockAngoHandle
from tests.support import BOX, ending_call, task_id, task_objects

pytestmark = pytest.mark.official

LIVE_TIMEOUT = 30


@pytest.fixture
def host(host: MockAngo) -> Iterator[MockAngoHandle]:
    """The shared host (tests/conftest.py) behind the handle the ``mockango`` fixture gives plugin authors;
    the plugins it started are stopped after the test."""
    with MockAngoHandle(host) as handle:
        yield handle


@pytest.fixture
def start_plugin(host, tmp_path):
    """start_plugin(version, sample, record, extra_env=None) -> a live PluginProcess."""
    started: list[PluginProcess] = []

    def start(version: str, sample: str, record, extra_env: dict | None = None) -> PluginProcess:
        proc = PluginProcess(
            official_python(version),
            SAMPLES / sample,
            host=host.url,
            plugin_id=record.id,
            secret=record.secret,
            log_path=tmp_path / f"plugin-{len(started)}.log",
            extra_env=extra_env,
        )
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
    assert result.answer == {
        "objects": [{"schemaId": vehicle, "bounding-box": BOX}],
        "classifications": [],
        "relations": [],
    }
    assert task_objects(host.hub, target["_id"]) == result.answer["objects"]
    result.assert_logged(f"Plugin session is started! asset {target['_id']}")


def test_model_plugin_1_4_answer_off_the_ontology_fails_with_paths(host, start_plugin):
    record = host.create_plugin("Model 1.4", class_names=["Car"], type="model")
    proc = start_plugin("1.4.10", "model_ango_1_4.py", record)
    asset = host.assets()[0]
    result = _run(
        host,
        record,
        proc,
        asset=asset["_id"],
        class_mapping={"Car": "Vehicle"},
        config={"schemaId": "0" * 24, "height": -1},
    )
    result.assert_failed("the Model plugin's answer was refused")
    paths = [e["path"] for e in result.errors]
    assert "response.objects[0].schemaId" in paths, paths
    assert task_objects(host.hub, asset["_id"]) == []


def test_vendor_model_sample_dict_answer_works_on_1_3_22(host, start_plugin):
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin("1.3.22", "model_dict_answer.py", record)
    target = host.assets()[5]
    result = _run(host, record, proc, asset=target["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    assert result.answer["objects"][0]["bounding-box"] == BOX
    assert task_objects(host.hub, target["_id"]) == result.answer["objects"]


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
    proc = start_plugin(
        "1.4.10", "file_explorer_ango_1_4.py", record, extra_env={"BUCKET_ROOT": str(tmp_path / "bucket-root")}
    )
    result = _run(host, record, proc, bucket="photos", folder="2024/")
    result.assert_succeeded()
    assert result.listing == {"folders": ["2024/summer/"], "files": ["2024/a.png"], "scrollToken": None}


def test_input_plugin_1_4_answer_is_recorded(host, start_plugin):
    record = host.create_plugin("Input", type="input")
    proc = start_plugin("1.4.10", "input_ango_1_4.py", record)
    result = _run(host, record, proc, file_explorer_options={"files": ["a.png", "b.txt"]})
    result.assert_succeeded().assert_message({"taken": ["a.png"]})
    assert json.loads(result.config_json) == {}


@pytest.mark.parametrize("version, sample", [("1.4.10", "model_ango_1_4.py"), ("1.1.6", "model_ango_1_1.py")])
def test_model_plugin_in_workflow_mode_submits_the_task(host, start_plugin, version, sample):
    """1.4.10 posts ``{answer: {objects, ...}}`` to annotate; 1.1.x reads ``labeltask`` and posts its
    objects under ``tools``. Either way the task is submitted and moves on, and that ends the run."""
    record = host.create_plugin(f"Model {version}", class_names=["Car"], type="model")
    proc = start_plugin(version, sample, record)
    asset = host.assets()[8]
    result = _run(host, record, proc, asset=asset["_id"], workflow=True, class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    task = host.hub.tasks.for_asset(asset["_id"])
    result = ending_call(host, result.id, "POST", f"/v2/annotate/{task['_id']}")
    result.assert_called("POST", f"/v2/annotate/{task['_id']}", status=200, times=1)
    assert [o["bounding-box"] for o in task_objects(host.hub, asset["_id"])] == [BOX]
    assert result.result["stage"] == task["stage"] != "Start"


def test_model_plugin_1_4_overwrite_off_merges_the_tasks_answer(host, start_plugin):
    record = host.create_plugin("Model 1.4", class_names=["Car"], type="model")
    proc = start_plugin("1.4.10", "model_ango_1_4.py", record)
    asset = host.assets()[9]
    person = next(t["schemaId"] for t in host.hub.default_project.tools() if t["title"] == "Person")
    existing = {"schemaId": person, "bounding-box": {"x": 1, "y": 1, "width": 5, "height": 5}}
    host.hub.tasks.set_task(
        task_id(host.hub, asset["_id"]), answer={"objects": [existing], "classifications": [], "relations": []}
    )
    result = _run(host, record, proc, asset=asset["_id"], overwrite=False, class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    assert [o["bounding-box"] for o in result.answer["objects"]] == [BOX, existing["bounding-box"]]


def test_export_plugin_1_4_uploads_and_the_session_keeps_the_file(host, start_plugin):
    asset = _complete_task_with_a_box(host)
    record = host.create_plugin("Export 1.4", type="export", default_config={"separator-character": "|"})
    proc = start_plugin("1.4.10", "export_ango_1_4.py", record)
    result = _run(host, record, proc)
    result.assert_succeeded()
    assert result.exported_file_name == f"{host.project_id}.zip"
    with zipfile.ZipFile(io.BytesIO(result.exported_bytes)) as zipped:
        rows = json.loads(zipped.read(f"{host.project_id}.json"))
    assert rows == [{"externalId": asset["externalId"], "URL": asset["data"], "Annotations": "Vehicle 20 30 50 60"}]
    result.assert_logged("Plugin session is started! 1 tasks")


def test_markdown_plugin_1_4_creates_markdown_assets(host, start_plugin):
    record = host.create_plugin("Markdown 1.4", type="markdown")
    proc = start_plugin("1.4.10", "markdown_ango_1_4.py", record)
    result = _run(
        host,
        record,
        proc,
        input_file=b"name,city\nAda,London\nGrace,Arlington\n",
        markdown_text="# |name| &amp; |city|",
    )
    result.assert_succeeded().assert_message("All markdown files are uploaded!")
    assert [a["externalId"] for a in result.created_assets] == ["00000.md", "00001.md"]
    assert [requests.get(a["data"], timeout=10).text for a in result.created_assets] == [
        "# Ada & London",
        "# Grace & Arlington",
    ]


def test_file_explorer_1_4_upload_creates_assets(host, start_plugin, tmp_path):
    storage = host.hub.storages.create(
        host.hub.default_user, {"name": "photos", "provider": "AWS", "region": "eu-central-1"}
    )
    record = host.create_plugin("Explorer", type="file-explorer")
    proc = start_plugin("1.4.10", "file_explorer_ango_1_4.py", record, extra_env={"BUCKET_ROOT": str(tmp_path)})
    result = _run(
        host,
        record,
        proc,
        bucket="photos",
        folder="2024/",
        upload=True,
        storage_id=storage["_id"],
        files=["2024/a.png"],
    )
    result.assert_succeeded().assert_message("1 assets are uploaded!")
    assert [a["data"] for a in result.created_assets] == ["https://photos.s3.eu-central-1.amazonaws.com/2024/a.png"]


def test_vendor_style_file_explorer_browses_s3_offline(host, start_plugin, mockango_s3):
    """The vendor's File Explorer reads its storage (get_storages) and lists the bucket with boto3;
    a moto server on loopback is the bucket (AWS_ENDPOINT_URL), so it runs unchanged."""
    mockango_s3.put("photos", {"2024/a.png": b"a", "2024/b.png": b"b", "2024/summer/c.png": b"c", "top.png": b"t"})
    storage = host.hub.storages.create(
        host.hub.default_user,
        {"name": "photos", "provider": "AWS", "region": "us-east-1", "publicKey": "AKIA", "privateKey": "secret"},
    )
    record = host.create_plugin("S3 explorer", type="file-explorer")
    proc = start_plugin("1.4.10", "file_explorer_s3_ango_1_4.py", record)
    result = _run(host, record, proc, bucket="photos", folder="2024/", storage_id=storage["_id"])
    result.assert_succeeded()
    assert result.listing == {"folders": ["2024/summer/"], "files": ["2024/a.png", "2024/b.png"], "scrollToken": None}
    uploaded = _run(host, record, proc, bucket="photos", folder="2024/", storage_id=storage["_id"], upload=True)
    uploaded.assert_succeeded().assert_message("2 assets are uploaded!")
    assert [a["externalId"] for a in uploaded.created_assets] == ["2024/a.png", "2024/b.png"]


def _complete_task_with_a_box(host) -> dict:
    vehicle = next(t["schemaId"] for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
    asset = host.assets()[0]
    host.hub.tasks.set_task(
        task_id(host.hub, asset["_id"]),
        stage="Complete",
        answer={"objects": [{"schemaId": vehicle, "bounding-box": BOX}], "classifications": [], "relations": []},
    )
    return asset


def test_export_and_workflow_model_over_rest_answer_through_the_api(host, start_plugin):
    """With CONNECTOR=REST, 1.4.10's Export plugin answers by POST /v2/pluginResponse and a workflow
    Model plugin by POST /v2/annotate; both reply null to the host's POST /plugin, and the runs end."""
    from tests.protocol.clients import free_port

    asset = _complete_task_with_a_box(host)
    export_port, model_port = free_port(), free_port()
    exporter = host.create_plugin("Export REST", type="export", callback_url=f"http://127.0.0.1:{export_port}")
    model = host.create_plugin(
        "Model REST", type="model", class_names=["Car"], callback_url=f"http://127.0.0.1:{model_port}"
    )
    export_proc = start_plugin(
        "1.4.10", "export_ango_1_4.py", exporter, extra_env={"CONNECTOR": "REST", "PORT": str(export_port)}
    )
    model_proc = start_plugin(
        "1.4.10", "model_ango_1_4.py", model, extra_env={"CONNECTOR": "REST", "PORT": str(model_port)}
    )
    exported = _run(host, exporter, export_proc)
    exported.assert_succeeded()
    ending_call(host, exported.id, "POST", "/v2/pluginResponse").assert_called(
        "POST", "/v2/pluginResponse", status=200, times=1
    )
    with zipfile.ZipFile(io.BytesIO(exported.exported_bytes)) as zipped:
        assert json.loads(zipped.read(f"{host.project_id}.json"))[0]["externalId"] == asset["externalId"]
    target = host.assets()[13]
    annotated = _run(host, model, model_proc, asset=target["_id"], workflow=True, class_mapping={"Car": "Vehicle"})
    annotated.assert_succeeded()
    assert task_objects(host.hub, target["_id"])[0]["bounding-box"] == BOX


def test_export_1_4_whose_upload_is_refused_logs_why_and_times_out(host, start_plugin):
    """1.4.10 logs a refused PUT and answers nothing: the session ends on its time limit, its log says why."""
    host.hub.objects.max_bytes = 5000  # the export itself fits; the plugin's padded file does not
    _complete_task_with_a_box(host)
    record = host.create_plugin("Export 1.4", type="export", default_config={"pad": 10_000})
    proc = start_plugin("1.4.10", "export_ango_1_4.py", record)
    session = host.server.run(record.id, timeout=4)
    assert session.status == "timed_out", proc.describe()
    errors = [e["msg"] for e in session.logs if e["level"] == "ERROR"]
    assert any(m.startswith("HTTP error occurred: 413") for m in errors), session.logs
    assert "Plugin session is ended!" in [e["msg"] for e in session.logs], "the export itself went through"
