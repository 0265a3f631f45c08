"""Every plugin type end to end with plugin_client, over Socket.IO and REST, against a real MockAngo.

Each test plugin is written against plugin_client's API the way the vendor's samples use the
official one: the callback takes ``data``, reads the event's fields and returns its answer.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mockango import MockAngo
from mockango.testing import MockAngoHandle
from plugin_client import (
    SDK,
    AnnotationPayload,
    Answer,
    ExportPlugin,
    ExportResponse,
    FileExplorerPlugin,
    InputPlugin,
    MarkdownPlugin,
    ModelPlugin,
    run,
)
from plugin_client.rest_connector import RestConnector
from tests.protocol.clients import free_port
from tests.support import BOX, ending_call, task_id, task_objects

CONNECTORS = ["WS", "REST"]


@pytest.fixture
def host(host: MockAngo) -> Iterator[MockAngoHandle]:
    """The shared host (tests/conftest.py) behind the handle the ``mockango`` fixture gives plugin authors;
    the plugins it started are stopped after the test."""
    with MockAngoHandle(host) as handle:
        yield handle


@contextlib.contextmanager
def serving(host: MockAngoHandle, plugin_class, callback, plugin_type: str, connector: str, **create):
    """Register a plugin of ``plugin_type`` and serve ``plugin_class`` for it over ``connector``; stop on exit."""
    port = free_port() if connector == "REST" else None
    record = host.create_plugin(
        f"{plugin_type} under test",
        type=plugin_type,
        callback_url=f"http://127.0.0.1:{port}" if port else None,
        **create,
    )
    plugin = plugin_class(record.id, record.secret, callback, host=host.url)
    if connector == "REST":
        plugin.connector = RestConnector(plugin, host.url, port=port)
        thread = threading.Thread(target=plugin.connector.serve_forever, daemon=True)
    else:
        thread = threading.Thread(target=run, args=(plugin, host.url), kwargs={"connector": "WS"}, daemon=True)
    thread.start()
    try:
        host.wait_live(record.id, timeout=10)
        yield record
    finally:
        plugin.stop()
        thread.join(5)


def box_model(data):
    """A Model plugin as the vendor's sample writes one: one box of the first mapped class on the asset."""
    logger = data["logger"]
    logger.info(f"labeling {data['assetId']} at {data['dataURL']}")
    schema_id = data["categorySchema"][0]["schemaId"]
    return AnnotationPayload(answer=Answer(objects=[{"schemaId": schema_id, "bounding-box": BOX}]))


def run_result(host: MockAngoHandle, record, **options):
    session = host.server.run(record.id, timeout=15, **options)
    return host.result(session.id)


@pytest.mark.parametrize("connector", CONNECTORS)
def test_model_plugin_labels_the_asset_it_was_run_on(host, connector):
    with serving(host, ModelPlugin, box_model, "model", connector, class_names=["Car"]) as record:
        target = host.assets()[4]
        result = run_result(host, record, asset=target["externalId"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    vehicle = result.category_schema[0]["schemaId"]
    assert result.answer == {
        "objects": [{"schemaId": vehicle, "bounding-box": BOX}],
        "classifications": [],
        "relations": [],
    }
    assert result.labels == {}, "a Model answer goes to the asset's task, not to its pre-labels"
    with SDK(host.api_key, host.url) as sdk:
        task = sdk.get_task(result.event["taskId"])["data"]["task"]
    assert task["asset"] == target["_id"]
    assert task["answer"]["tools"] == [{"schemaId": vehicle, "bounding-box": BOX, "title": "Vehicle"}]
    assert result.event["assetId"] == target["_id"] and result.event["dataURL"] == target["data"]
    result.assert_logged(f"labeling {target['_id']}")


def _off_ontology(data):
    return Answer(
        objects=[
            {"schemaId": "0" * 24, "bounding-box": BOX},
            {"schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": {**BOX, "width": -5}},
        ]
    )


def test_model_answer_off_the_ontology_is_stored_with_warnings_on_the_session_log(host):
    """An unknown schemaId and a negative width are rules whose evidence is unknown: accepted, and each
    is a WARNING line the host adds to the run's log (strict mode refuses them: the next test)."""
    with serving(host, ModelPlugin, _off_ontology, "model", "WS", class_names=["Car"]) as record:
        asset = host.assets()[0]
        result = run_result(host, record, asset=asset["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    warned = [e for e in result.logs if e.get("source") == "mockango"]
    assert sorted((e["level"], e["code"], e["path"]) for e in warned) == [
        ("WARNING", "too_small", "response.objects[1].bounding-box.width"),
        ("WARNING", "unknown_schema_id", "response.objects[0].schemaId"),
    ], result.logs
    assert all("strict mode refuses it" in e["msg"] for e in warned)
    assert len(task_objects(host.hub, asset["_id"])) == 2


@pytest.mark.parametrize("connector", CONNECTORS)
def test_model_answer_off_the_ontology_fails_with_its_json_paths(host, connector):
    host.hub.strict = True  # every rule refuses: the answer fails with each error's path
    with serving(host, ModelPlugin, _off_ontology, "model", connector, class_names=["Car"]) as record:
        asset = host.assets()[0]
        result = run_result(host, record, asset=asset["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_failed("the Model plugin's answer was refused")
    paths = [e["path"] for e in result.errors]
    assert "response.objects[0].schemaId" in paths
    assert any(p.startswith("response.objects[1].bounding-box") for p in paths), paths
    assert task_objects(host.hub, asset["_id"]) == []


def test_model_callback_returning_the_vendor_samples_dict_is_accepted(host):
    """The vendor's model sample returns ``{"data": url, "answer": {...}}``; plugin_client takes it as is."""

    def vendor_style(data):
        return {
            "data": data["dataURL"],
            "answer": {
                "objects": [
                    {"objectId": "100001", "schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": BOX}
                ],
                "classifications": [],
                "relations": [],
            },
        }

    with serving(host, ModelPlugin, vendor_style, "model", "WS", class_names=["Car"]) as record:
        result = run_result(host, record, asset=host.assets()[1]["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    assert result.answer["objects"][0]["objectId"] == "100001"


def test_model_callback_that_raises_fails_with_its_traceback(host):
    def broken(data):
        raise RuntimeError("the model file is missing")

    with serving(host, ModelPlugin, broken, "model", "WS") as record:
        result = run_result(host, record, asset=host.assets()[0]["_id"])
    result.assert_failed("the plugin reported an error")
    result.assert_logged("RuntimeError: the model file is missing", level="ERROR")


def folder_lister(root: Path):
    """A File Explorer over a local directory standing in for the bucket (the vendor's sample uses S3)."""

    def callback(data):
        base = root / data["bucket"]
        folder = data.get("folder") or ""
        here = base / folder
        folders = sorted(f"{p.relative_to(base).as_posix()}/" for p in here.iterdir() if p.is_dir())
        files = sorted(p.relative_to(base).as_posix() for p in here.iterdir() if p.is_file())
        return {"folders": folders, "files": files, "scrollToken": None, "success": True}

    return callback


@pytest.mark.parametrize("connector", CONNECTORS)
def test_file_explorer_lists_a_folder(host, connector, tmp_path):
    (tmp_path / "photos" / "2024" / "summer").mkdir(parents=True)
    (tmp_path / "photos" / "2024" / "a.png").write_bytes(b"png")
    with serving(host, FileExplorerPlugin, folder_lister(tmp_path), "file-explorer", connector) as record:
        result = run_result(host, record, bucket="photos", folder="2024/")
    result.assert_succeeded()
    assert result.listing == {"folders": ["2024/summer/"], "files": ["2024/a.png"], "scrollToken": None}
    assert (result.event["bucket"], result.event["folder"], result.event["upload"]) == ("photos", "2024/", False)


def test_file_explorer_answer_of_the_wrong_shape_fails_with_paths(host):
    with serving(
        host, FileExplorerPlugin, lambda data: {"folders": "a/", "files": [1]}, "file-explorer", "WS"
    ) as record:
        result = run_result(host, record, bucket="photos")
    result.assert_failed("the File Explorer's answer was refused")
    assert [e["path"] for e in result.errors] == ["response.folders", "response.files[0]"]


@pytest.mark.parametrize("connector", CONNECTORS)
def test_input_plugin_answer_is_recorded(host, connector):
    def choose(data):
        return {"picked": data["fileExplorerOptions"]["files"][:1]}

    with serving(host, InputPlugin, choose, "input", connector) as record:
        result = run_result(host, record, file_explorer_options={"files": ["x.png", "y.png"]})
    result.assert_succeeded().assert_message({"picked": ["x.png"]})
    assert result.result == {"picked": ["x.png"]}


def test_a_run_that_gets_no_answer_times_out_saying_why(host):
    release = threading.Event()

    def never(data):
        release.wait(10)
        return "late"

    with serving(host, InputPlugin, never, "input", "WS") as record:
        session = host.server.run(record.id, timeout=0.5)
        release.set()
    assert session.status == "timed_out" and "no response came back" in session.reason


def test_sdk_of_every_type_reads_the_project(host):
    """The run key of any type's run works for the SDK calls plugins make."""
    seen = {}

    def read_project(data):
        with SDK(data["apiKey"], host.url) as sdk:
            seen["name"] = sdk.get_project(data["projectId"])["data"]["project"]["name"]
        return "read"

    with serving(host, InputPlugin, read_project, "input", "WS") as record:
        run_result(host, record).assert_succeeded()
    assert seen["name"] == "Demo detection"


def test_cli_creates_a_typed_plugin_and_runs_it_with_its_options(host):
    from click.testing import CliRunner

    from mockango.cli import main

    cli = CliRunner()
    common = ["--url", host.url, "--api-key", host.api_key]
    created = cli.invoke(main, ["plugin", "create", *common, "--name", "Boxer", "--type", "model", "--class", "Car"])
    assert created.exit_code == 0, created.output
    plugin_id = re.search(r"id:\s+(\w+)", created.output).group(1)
    secret = re.search(r"secret:\s+(\S+)", created.output).group(1)
    listed = cli.invoke(main, ["plugin", "list", *common])
    assert re.search(rf"{plugin_id}\s+offline\s+model\s+Boxer\s+Car$", listed.output, re.M), listed.output
    plugin = ModelPlugin(plugin_id, secret, box_model, host=host.url)
    thread = threading.Thread(target=run, args=(plugin, host.url), kwargs={"connector": "WS"}, daemon=True)
    thread.start()
    try:
        host.wait_live(plugin_id, timeout=10)
        asset = host.assets()[0]
        done = cli.invoke(
            main,
            [
                "run",
                *common,
                "--plugin",
                plugin_id,
                "--asset",
                asset["externalId"],
                "--map",
                "Car=Vehicle",
                "--timeout",
                "15",
            ],
        )
        assert done.exit_code == 0, done.output
        assert "status:  succeeded" in done.output and '"assetId": "%s"' % asset["_id"] in done.output
        host.hub.strict = True  # an option of another type refuses only in strict mode
        wrong = cli.invoke(main, ["run", *common, "--plugin", plugin_id, "--bucket", "photos"])
        assert wrong.exit_code == 1
        assert "--bucket is for File Explorer plugins; 'Boxer' is a Model plugin" in wrong.output
    finally:
        plugin.stop()
        thread.join(5)


# ------------------------------------------------------- needing tasks, files and uploads


@pytest.mark.parametrize("connector", CONNECTORS)
def test_model_in_workflow_mode_submits_the_task_and_that_ends_the_run(host, connector):
    with serving(host, ModelPlugin, box_model, "model", connector, class_names=["Car"]) as record:
        asset = host.assets()[6]
        before = host.hub.tasks.for_asset(asset["_id"])
        result = run_result(host, record, asset=asset["_id"], workflow=True, class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    task = host.hub.tasks.for_asset(asset["_id"])
    result = ending_call(host, result.id, "POST", f"/v2/annotate/{task['_id']}")
    result.assert_called("POST", f"/v2/annotate/{task['_id']}", status=200, times=1)
    assert result.calls_to("POST", f"/v2/annotate/{task['_id']}")[0].query == "nextStage=true&isPlugin=true"
    assert task["stage"] != before["stage"], "the task moved on"
    assert result.result["taskId"] == task["_id"] and result.answer["objects"][0]["bounding-box"] == BOX
    assert host.hub.tasks.history_of(host.hub.default_user, task["_id"])[-1]["action"] == "plugin-submit"


def test_model_in_workflow_mode_with_an_invalid_answer_fails_with_the_annotate_errors(host):
    host.hub.strict = True  # an unknown schemaId refuses only in strict mode

    def off(data):
        return Answer(objects=[{"schemaId": "0" * 24, "bounding-box": BOX}])

    with serving(host, ModelPlugin, off, "model", "WS") as record:
        asset = host.assets()[0]
        result = run_result(host, record, asset=asset["_id"], workflow=True)
    result.assert_failed("POST /v2/annotate/")
    assert "answer.objects[0].schemaId" in [e["path"] for e in result.errors]
    assert task_objects(host.hub, asset["_id"]) == []


def test_model_with_overwrite_off_keeps_what_the_task_already_holds(host):
    with serving(host, ModelPlugin, box_model, "model", "WS", class_names=["Car"]) as record:
        asset = host.assets()[7]
        person = next(t["schemaId"] for t in host.hub.default_project.tools() if t["title"] == "Person")
        existing = {"schemaId": person, "bounding-box": {"x": 1, "y": 1, "width": 5, "height": 5}}
        host.hub.tasks.set_task(
            task_id(host.hub, asset["_id"]), answer={"objects": [existing], "classifications": [], "relations": []}
        )
        result = run_result(host, record, asset=asset["_id"], overwrite=False, class_mapping={"Car": "Vehicle"})
    result.assert_succeeded()
    result.assert_called("GET", f"/v2/task/{result.event['taskId']}", status=200)
    boxes = [o["bounding-box"] for o in result.answer["objects"]]
    assert boxes == [BOX, existing["bounding-box"]]


def csv_export(data):
    """An Export plugin as the vendor's sample writes one: the export's boxes as text, zipped."""
    lines = ["externalId,class,x,y,width,height"]
    for task in data["jsonExport"]:
        for obj in task["task"]["tools"]:
            box = obj.get("bounding-box")
            if box:
                lines.append(
                    f"{task['externalId']},{obj['title']},{box['x']},{box['y']},{box['width']},{box['height']}"
                )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("boxes.csv", "\n".join(lines))
    data["logger"].info(f"{data['numTasks']} tasks exported")
    return ExportResponse(file=archive, file_name="boxes.zip")


@pytest.mark.parametrize("connector", CONNECTORS)
def test_export_plugin_uploads_its_file_and_the_session_keeps_it(host, connector):
    vehicle = next(t["schemaId"] for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
    asset = host.assets()[0]
    host.hub.tasks.set_task(
        task_id(host.hub, asset["_id"]),
        stage="Complete",
        answer={"objects": [{"schemaId": vehicle, "bounding-box": BOX}], "classifications": [], "relations": []},
    )
    with serving(host, ExportPlugin, csv_export, "export", connector) as record:
        result = run_result(host, record)
    result.assert_succeeded()
    assert result.exported_file_name == "boxes.zip"
    with zipfile.ZipFile(io.BytesIO(result.exported_bytes)) as zipped:
        text = zipped.read("boxes.csv").decode()
    assert text.splitlines() == ["externalId,class,x,y,width,height", f"{asset['externalId']},Vehicle,20,30,50,60"]
    for path in ("/v2/export", "/v2/getUploadUrl", "/v2/getSignedUrl"):
        result.assert_called("GET", path, status=200, times=1)
    downloaded = requests.get(result.message, timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == result.exported_bytes
    result.assert_logged("1 tasks exported")


def test_export_answer_that_is_not_an_uploaded_file_fails_saying_why(host):
    with serving(
        host, ExportPlugin, lambda data: ExportResponse(file=b"x", file_name="bad name!.zip"), "export", "WS"
    ) as record:
        result = run_result(host, record)
    result.assert_failed("the plugin reported an error")
    result.assert_logged("name must be a file name", level="ERROR")


def test_markdown_plugin_creates_one_asset_per_row_holding_its_markdown(host):
    def render(data):
        rows = list(csv.DictReader(io.StringIO(base64.b64decode(data["inputFile"]).decode())))
        assets = [
            {"data": data["markdownText"].replace("|name|", row["name"]), "externalId": f"{i:03d}.md"}
            for i, row in enumerate(rows)
        ]
        with SDK(data["apiKey"], host.url) as sdk:
            sdk.upload_files_cloud(data["projectId"], assets)
        return f"{len(assets)} markdown files are uploaded!"

    with serving(host, MarkdownPlugin, render, "markdown", "WS") as record:
        result = run_result(host, record, input_file=b"name\nAda\nGrace\n", markdown_text="# Hello |name|")
    result.assert_succeeded().assert_message("2 markdown files are uploaded!")
    assert [a["externalId"] for a in result.created_assets] == ["000.md", "001.md"]
    assert [a["data"] for a in result.created_assets] == ["# Hello Ada", "# Hello Grace"]


def test_markdown_text_as_asset_data_is_an_embedded_markdown_asset_in_any_upload(host):
    """Ango's docs on bulk-importing markdown assets: upload_files_cloud with the markdown itself as ``data``
    (no Markdown plugin needed); the text is kept where a URL would be, and GET assets answers it."""
    with SDK(host.api_key, host.url) as sdk:
        sdk.upload_files_cloud(host.project_id, [{"data": "# not a URL", "externalId": "x.md"}])
        found = sdk.get_assets(host.project_id, external_id="x.md")["data"]["assets"]
    assert [a["data"] for a in found] == ["# not a URL"]


def test_file_explorer_upload_creates_assets_in_the_storage(host):
    with SDK(host.api_key, host.url) as sdk:
        storage = sdk._call(
            "POST",
            "/v2/storages",
            body={
                "name": "photos",
                "provider": "AWS",
                "region": "eu-central-1",
                "bucket": "photos",
                "publicKey": "AKIA",
                "privateKey": "secret",
            },
        )["data"]["storage"]

    def upload(data):
        with SDK(data["apiKey"], host.url) as sdk:
            found = sdk.get_storages(data["storageId"])
            urls = [
                {"data": f"https://{data['bucket']}.s3.{found['region']}.amazonaws.com/{key}", "externalId": key}
                for key in data["files"]
            ]
            sdk.upload_files_cloud(data["projectId"], urls, storage_id=data["storageId"])
        return f"{len(urls)} assets are uploaded!"

    with serving(host, FileExplorerPlugin, upload, "file-explorer", "WS") as record:
        result = run_result(
            host,
            record,
            bucket="photos",
            folder="2024/",
            upload=True,
            storage_id=storage["_id"],
            files=["2024/a.png", "2024/b.png"],
        )
    result.assert_succeeded().assert_message("2 assets are uploaded!")
    assert [a["externalId"] for a in result.created_assets] == ["2024/a.png", "2024/b.png"]
    assert result.result["assets"] == [a["_id"] for a in result.created_assets]


def _plugin_stage_workflow(host, plugin_id: str) -> None:
    host.hub.tasks.set_stages(
        host.hub.default_user,
        host.project_id,
        [
            {"id": "Start", "type": "Start", "next": ["Label"]},
            {"id": "Label", "type": "Label", "next": ["Detector"]},
            {
                "id": "Detector",
                "type": "Plugin",
                "pluginId": plugin_id,
                "classMapping": {"Car": "Vehicle"},
                "next": ["Complete"],
            },
            {"id": "Complete", "type": "Complete", "next": []},
        ],
    )


def test_a_task_reaching_a_plugin_stage_is_sent_to_the_model_plugin(host):
    with serving(host, ModelPlugin, box_model, "model", "WS", class_names=["Car"]) as record:
        _plugin_stage_workflow(host, record.id)
        asset = host.assets()[11]
        task = task_id(host.hub, asset["_id"])
        with SDK(host.api_key, host.url) as sdk:  # a labeler submits the task: it moves on to the plugin stage
            sdk.annotate_task(task, {"objects": [], "classifications": [], "relations": []}, next_stage=True)
        session = _wait_for(
            lambda: next((s for s in host.hub.all_sessions() if s.event.get("taskId") == task and s.finished), None)
        )
    assert session.status == "succeeded", session.reason
    assert session.event["workflow"] is True and session.event["assetId"] == asset["_id"]
    assert host.hub.tasks.for_asset(asset["_id"])["stage"] == "Complete"
    assert [o["bounding-box"] for o in task_objects(host.hub, asset["_id"])] == [BOX]


def test_a_plugin_stage_whose_plugin_is_offline_says_so_in_the_task_history(host):
    record = host.create_plugin("Offline detector", type="model", class_names=["Car"])
    _plugin_stage_workflow(host, record.id)
    asset_id = host.assets()[12]["_id"]
    task = task_id(host.hub, asset_id)
    with SDK(host.api_key, host.url) as sdk:
        sdk.annotate_task(task, {"objects": [], "classifications": [], "relations": []}, next_stage=True)
    entry = _wait_for(
        lambda: next(
            (
                h
                for h in host.hub.tasks.history_of(host.hub.default_user, task)
                if h["action"] == "plugin-stage-refused"
            ),
            None,
        )
    )
    assert "is not live" in entry["reason"] and host.hub.tasks.for_asset(asset_id)["stage"] == "Detector"


def _wait_for(probe, timeout: float = 10.0):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = probe()
        if found:
            return found
        time.sleep(0.02)
    pytest.fail(f"nothing within {timeout:g} s")


def test_a_process_of_another_type_than_the_plugin_gets_a_session_that_says_so(host):
    """Registered as one type, run by another type's class: the session says what does not fit."""
    from plugin_client import BatchModelPlugin

    with serving(
        host, ExportPlugin, lambda data: ExportResponse(file=b"x", file_name="x.json"), "batch-model", "WS"
    ) as record:
        result = run_result(host, record)
    result.assert_failed(
        "the plugin answered as an Export plugin does ({export: true}), but it is registered as a Batch Model plugin"
    )
    with serving(host, BatchModelPlugin, lambda data: "done", "model", "WS") as record:
        result = run_result(host, record, asset=host.assets()[0]["_id"])
    result.assert_failed("the Model plugin's answer was refused")
    assert "is its process running a ModelPlugin?" in result.errors[0]["message"]


def test_cli_runs_a_markdown_plugin_with_a_file_and_a_template(host, tmp_path):
    from click.testing import CliRunner

    from mockango.cli import main

    source = tmp_path / "people.csv"
    source.write_bytes(b"name\nAda\n")

    def echo(data):
        return f"{base64.b64decode(data['inputFile']).decode().splitlines()[1]} with {data['markdownText']}"

    with serving(host, MarkdownPlugin, echo, "markdown", "WS") as record:
        done = CliRunner().invoke(
            main,
            [
                "run",
                "--url",
                host.url,
                "--api-key",
                host.api_key,
                "--plugin",
                record.id,
                "--input-file",
                str(source),
                "--markdown-text",
                "# |name|",
            ],
        )
    assert done.exit_code == 0, done.output
    assert "message: Ada with # |name|" in done.output


def test_an_export_whose_upload_is_refused_fails_saying_so(host):
    host.hub.objects.max_bytes = 5000  # the export itself fits; the plugin's file does not
    with serving(
        host, ExportPlugin, lambda data: ExportResponse(file=b"x" * 10_000, file_name="big.json"), "export", "WS"
    ) as record:
        result = run_result(host, record)
    result.assert_failed("the plugin reported an error")
    result.assert_logged("SDKError: HTTP 413 (PUT ", level="ERROR")
    result.assert_logged("the upload was refused: the file is 10,000 bytes", level="ERROR")
    assert result.exported_bytes is None
