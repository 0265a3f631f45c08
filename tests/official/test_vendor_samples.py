"""The vendor's current plugin samples (github.com/angoai/plugin-samples, 2024), reproduced in samples/, through
both official clients: the set they pin (imerit-ango 1.3.22, pandas 1.5.3, numpy 1.22.3, boto3 1.26.104,
tqdm 4.65.0 on Python 3.8, as their Dockerfile runs them) and the current 1.4.10 (with pandas and numpy).

The README's table of the vendor's samples is written from these tests: each row names the test that holds it.
Run: .venv/bin/python -m pytest tests/official/test_vendor_samples.py -m official -q
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from harness import VENDOR_SAMPLES

from mockango.testing import MockAngoHandle
from tests.support import BOX, complete_task_with_a_box, ending_call, task_id, task_objects

pytestmark = pytest.mark.official

PINNED = VENDOR_SAMPLES
CURRENT = "1.4.10+pandas+numpy"
CLIENTS = [pytest.param(PINNED, id="1.3.22-py3.8"), pytest.param(CURRENT, id="1.4.10")]


@pytest.fixture
def host(host) -> MockAngoHandle:
    return MockAngoHandle(host)


def _run(host, record, proc, timeout=30, **options):
    session = host.server.run(record.id, timeout=timeout, **options)
    result = host.result(session.id)
    assert result.status != "timed_out", proc.describe()
    return result


def _mockango_warnings(result) -> list[tuple[str, str]]:
    return [(e["code"], e["path"]) for e in result.logs if e.get("source") == "mockango"]


# -------------------------------------------------------------------------------------------- batch model


@pytest.mark.parametrize("client", CLIENTS)
def test_batch_model_sample_imports_labels(host, start_plugin, client):
    record = host.create_plugin(
        "Vendor batch model", class_names=["Vehicle"], default_config={"dummy-bounding-box": BOX}
    )
    proc = start_plugin(client, "batch_model_ango_1_4.py", record)
    result = _run(host, record, proc, class_mapping={"Vehicle": "Vehicle"})
    result.assert_succeeded().assert_message("All annotations are imported!")
    result.assert_called("GET", "/v2/project/*/assets", times=1)
    result.assert_called("POST", "/v2/import/labels", status=200, times=1)
    result.assert_labeled(count=10)


# -------------------------------------------------------------------------------------------------- model


def test_model_sample_on_its_pinned_client_answers_and_is_stored(host, start_plugin):
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin(PINNED, "vendor_model.py", record)
    target = host.assets()[2]
    result = _run(host, record, proc, asset=target["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    vehicle = result.category_schema[0]["schemaId"]
    assert result.answer["objects"] == [{"schemaId": vehicle, "bounding-box": BOX}]
    assert task_objects(host.hub, target["_id"]) == result.answer["objects"]
    result.assert_called("GET", "/v2/project/*/assets", times=1)
    assert _mockango_warnings(result) == []


def test_model_sample_without_a_class_mapping_sends_a_box_without_schema_id(host, start_plugin):
    """The vendor's sample with no class mapping answers a box with no schemaId. What the real host does with
    it is not documented: mockango accepts it and says so on the run's log (strict mode refuses it)."""
    record = host.create_plugin("Vendor model", type="model")
    proc = start_plugin(PINNED, "vendor_model.py", record)
    target = host.assets()[4]
    result = _run(host, record, proc, asset=target["_id"])
    result.assert_succeeded()
    assert task_objects(host.hub, target["_id"]) == [{"bounding-box": BOX}]
    assert _mockango_warnings(result) == [("no_schema_id", "response.objects[0]")]
    host.hub.strict = True
    strict = _run(host, record, proc, asset=target["_id"])
    strict.assert_failed("the Model plugin's answer was refused")
    assert [e["code"] for e in strict.errors] == ["no_schema_id"]


def test_model_sample_with_overwrite_off_merges_on_its_pinned_client(host, start_plugin):
    """1.3.22 merges the task's answer (GET /v2/task) into the sample's dict and sends it, externalId and all."""
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin(PINNED, "vendor_model.py", record)
    asset = host.assets()[9]
    person = next(t["schemaId"] for t in host.hub.default_project.tools() if t["title"] == "Person")
    existing = {"schemaId": person, "bounding-box": {"x": 1, "y": 1, "width": 5, "height": 5}}
    host.hub.tasks.set_task(
        task_id(host.hub, asset["_id"]), answer={"objects": [existing], "classifications": [], "relations": []}
    )
    result = _run(host, record, proc, asset=asset["_id"], overwrite=False, class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    result.assert_called("GET", f"/v2/task/{result.event['taskId']}", status=200)
    assert [o["bounding-box"] for o in task_objects(host.hub, asset["_id"])] == [BOX, existing["bounding-box"]]


def test_model_sample_in_workflow_mode_submits_with_its_external_id(host, start_plugin):
    """Issue 19.2: in workflow mode 1.3.22 posts the sample's dict, with its ``externalId``, to
    ``POST /v2/annotate/{task}?nextStage=true``; mockango reads it as it reads a socket answer."""
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin(PINNED, "vendor_model.py", record)
    asset = host.assets()[8]
    result = _run(host, record, proc, asset=asset["_id"], workflow=True, class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    task = host.hub.tasks.for_asset(asset["_id"])
    result = ending_call(host, result.id, "POST", f"/v2/annotate/{task['_id']}")
    result.assert_called("POST", f"/v2/annotate/{task['_id']}", status=200, times=1)
    assert [o["bounding-box"] for o in task_objects(host.hub, asset["_id"])] == [BOX]
    assert task["stage"] != "Start"


@pytest.mark.parametrize("overwrite", [True, False])
def test_model_sample_times_out_on_1_4_10(host, start_plugin, overwrite):
    """1.4.10's ModelPlugin reads ``.answer`` of what the callback returns; the sample's dict has none, so the
    client raises before answering and the run ends at its time limit."""
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin(CURRENT, "vendor_model.py", record)
    session = host.server.run(
        record.id, timeout=3, asset=host.assets()[0]["_id"], overwrite=overwrite, class_mapping={"Car": "Vehicle"}
    )
    assert session.status == "timed_out", proc.describe()
    assert "'dict' object has no attribute 'answer'" in proc.output()


def test_model_sample_in_workflow_mode_fails_on_1_4_10(host, start_plugin):
    """In workflow mode 1.4.10 catches the same error and answers ``{error: true}``: the run fails."""
    record = host.create_plugin("Vendor model", class_names=["Car"], type="model")
    proc = start_plugin(CURRENT, "vendor_model.py", record)
    session = host.server.run(
        record.id, timeout=10, asset=host.assets()[0]["_id"], workflow=True, class_mapping={"Car": "Vehicle"}
    )
    assert session.status == "failed", proc.describe()
    assert task_objects(host.hub, host.assets()[0]["_id"]) == []


# ------------------------------------------------------------------------------------------------- export


@pytest.mark.parametrize("client", CLIENTS)
def test_export_v3_sample_zips_the_rows_it_reads(host, start_plugin, client):
    """The sample reads each row's externalId, asset and ``task.tools[].title`` with its bounding-box."""
    asset = complete_task_with_a_box(host)
    record = host.create_plugin("Vendor export", type="export", default_config={"separator-character": "|"})
    proc = start_plugin(client, "export_ango_1_4.py", record)
    result = _run(host, record, proc)
    result.assert_succeeded()
    assert result.exported_file_name == f"{host.project_id}.zip"
    with zipfile.ZipFile(io.BytesIO(result.exported_bytes)) as zipped:
        rows = json.loads(zipped.read(f"{host.project_id}.json"))
    assert rows == [{"externalId": asset["externalId"], "URL": asset["data"], "Annotations": "Vehicle 20 30 50 60"}]


# ------------------------------------------------------------------------------------------ file explorer


def _storage(host, region="eu-central-1") -> dict:
    return host.hub.storages.create(
        host.hub.default_user,
        {"name": "photos", "provider": "AWS", "region": region, "publicKey": "AKIA", "privateKey": "secret"},
    )


@pytest.mark.parametrize("client", CLIENTS)
def test_file_explorer_sample_uploads_the_files_it_is_given(host, start_plugin, client):
    """Upload needs no S3 call when the run names its files: get_storages, then upload_files_cloud of their
    S3 URLs. (1.3.22's pinned boto3 1.26 cannot be sent to a local S3: browsing is 1.4.10's test below.)"""
    storage = _storage(host)
    record = host.create_plugin("Vendor explorer", type="file-explorer")
    proc = start_plugin(client, "file_explorer_s3_ango_1_4.py", record)
    result = _run(
        host,
        record,
        proc,
        bucket="photos",
        folder="2024/",
        upload=True,
        storage_id=storage["_id"],
        files=["2024/a.png", "2024/b.png"],
    )
    result.assert_succeeded().assert_message("2 assets are uploaded!")
    result.assert_called("GET", "/v2/storages", status=200)
    assert [a["data"] for a in result.created_assets] == [
        "https://photos.s3.eu-central-1.amazonaws.com/2024/a.png",
        "https://photos.s3.eu-central-1.amazonaws.com/2024/b.png",
    ]


def test_file_explorer_sample_browses_a_local_s3_on_1_4_10(host, start_plugin, mockango_s3):
    mockango_s3.put("photos", {"2024/a.png": b"a", "2024/b.png": b"b", "2024/summer/c.png": b"c", "top.png": b"t"})
    storage = _storage(host, region="us-east-1")
    record = host.create_plugin("Vendor explorer", type="file-explorer")
    proc = start_plugin(CURRENT, "file_explorer_s3_ango_1_4.py", record)
    result = _run(host, record, proc, bucket="photos", folder="2024/", storage_id=storage["_id"])
    result.assert_succeeded()
    assert result.listing == {"folders": ["2024/summer/"], "files": ["2024/a.png", "2024/b.png"], "scrollToken": None}


# ----------------------------------------------------------------------------------------------- markdown

CSV = "name,city,team\nAda,London,blue\nGrace,Arlington,red\nAlan,Wilmslow,blue\n"
TEMPLATE = "# |name| &amp; |city|\n\n&lt;b&gt;team |team|&lt;/b&gt;"


@pytest.mark.parametrize("client", CLIENTS)
def test_markdown_sample_uploads_markdown_text_as_the_assets_data(host, start_plugin, client):
    """A Markdown asset's ``data`` is the markdown text itself, as the sample uploads it (and Ango's docs on
    bulk-importing markdown assets describe): stored, listed and exported as that text."""
    record = host.create_plugin(
        "Vendor markdown",
        type="markdown",
        default_config={"batch_name_column": "team", "external_id_columns": [], "upload_batch_size": 2},
    )
    proc = start_plugin(client, "vendor_markdown.py", record)
    result = _run(host, record, proc, input_file=CSV.encode(), markdown_text=TEMPLATE)
    result.assert_succeeded().assert_message("All markdown files are uploaded!")
    assert [a["externalId"] for a in result.created_assets] == ["00000.md", "00001.md", "00002.md"]
    assert [a["data"] for a in result.created_assets] == [
        "# Ada & London\n\n<b>team blue</b>",
        "# Grace & Arlington\n\n<b>team red</b>",
        "# Alan & Wilmslow\n\n<b>team blue</b>",
    ]
    result.assert_called("POST", "/v2/project/*/cloud", status=201, times=2)  # upload_batch_size 2: two calls
    batches = {b.name: b.id for b in host.hub.default_project.batches}
    assert {"blue", "red"} <= set(batches)
    created = {a["externalId"]: a for a in result.created_assets}
    assert created["00001.md"]["batches"] == [batches["red"]]
    first_stage = host.hub.tasks.for_asset(created["00001.md"]["_id"])["stage"]
    rows = host.export(batches=json.dumps([batches["red"]]), stage=json.dumps([first_stage]))
    assert [(r["externalId"], r["asset"]) for r in rows] == [("00001.md", "# Grace & Arlington\n\n<b>team red</b>")]
