"""Plugin types other than Batch Model with the official ``ango`` client, unmodified, against mockango.

Samples in ``samples/`` read the event the way the vendor's samples do; the vendor's current samples
themselves, on the client they pin and on 1.4.10, are test_vendor_samples.py.

Run: .venv/bin/python -m pytest tests/official -m official -q
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from harness import PluginProcess

from mockango import MockAngo
from mockango.testing import MockAngoHandle
from tests.support import BOX, complete_task_with_a_box, ending_call, task_id, task_objects

pytestmark = pytest.mark.official


@pytest.fixture
def host(host: MockAngo) -> Iterator[MockAngoHandle]:
    """The shared host (tests/conftest.py) behind the handle the ``mockango`` fixture gives plugin authors;
    the plugins it started are stopped after the test."""
    with MockAngoHandle(host) as handle:
        yield handle


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
    host.hub.strict = True  # an unknown schemaId and a negative height refuse only in strict mode
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


def test_export_and_workflow_model_over_rest_answer_through_the_api(host, start_plugin):
    """With CONNECTOR=REST, 1.4.10's Export plugin answers by POST /v2/pluginResponse and a workflow
    Model plugin by POST /v2/annotate; both reply null to the host's POST /plugin, and the runs end."""
    from tests.protocol.clients import free_port

    asset = complete_task_with_a_box(host)
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
    complete_task_with_a_box(host)
    record = host.create_plugin("Export 1.4", type="export", default_config={"pad": 10_000})
    proc = start_plugin("1.4.10", "export_ango_1_4.py", record)
    session = host.server.run(record.id, timeout=4)
    assert session.status == "timed_out", proc.describe()
    errors = [e["msg"] for e in session.logs if e["level"] == "ERROR"]
    assert any(m.startswith("HTTP error occurred: 413") for m in errors), session.logs
    assert "Plugin session is ended!" in [e["msg"] for e in session.logs], "the export itself went through"
