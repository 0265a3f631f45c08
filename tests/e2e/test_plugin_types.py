"""Every plugin type end to end with plugin_client, over Socket.IO and REST, against a real MockAngo.

Each test plugin is written against plugin_client's API the way the vendor's samples use the
official one: the callback takes ``data``, reads the event's fields and returns its answer.
"""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import pytest

from mockango import MockAngo
from mockango.testing import MockAngoHandle
from plugin_client import (AnnotationPayload, Answer, FileExplorerPlugin, InputPlugin, ModelPlugin, SDK,
                           run)
from plugin_client.rest_connector import RestConnector
from tests.protocol.clients import free_port

CONNECTORS = ["WS", "REST"]
BOX = {"x": 20, "y": 30, "width": 50, "height": 60}


@pytest.fixture
def host():
    with MockAngo(seed=1) as server:
        yield MockAngoHandle(server)


@contextlib.contextmanager
def serving(host: MockAngoHandle, plugin_class, callback, plugin_type: str, connector: str, **create):
    """Register a plugin of ``plugin_type`` and serve ``plugin_class`` for it over ``connector``; stop on exit."""
    port = free_port() if connector == "REST" else None
    record = host.create_plugin(f"{plugin_type} under test", type=plugin_type,
                                callback_url=f"http://127.0.0.1:{port}" if port else None, **create)
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
    assert result.answer == {"objects": [{"schemaId": vehicle, "bounding-box": BOX}], "classifications": [],
                             "relations": []}
    assert result.labels == {}, "a Model answer goes to the asset's task, not to its pre-labels"
    with SDK(host.api_key, host.url) as sdk:
        task = sdk.get_task(result.event["taskId"])["data"]["task"]
    assert task["asset"] == target["_id"]
    assert task["answer"]["tools"] == [{"schemaId": vehicle, "bounding-box": BOX, "title": "Vehicle"}]
    assert result.event["assetId"] == target["_id"] and result.event["dataURL"] == target["data"]
    result.assert_logged(f"labeling {target['_id']}")


@pytest.mark.parametrize("connector", CONNECTORS)
def test_model_answer_off_the_ontology_fails_with_its_json_paths(host, connector):
    def off_ontology(data):
        return Answer(objects=[{"schemaId": "0" * 24, "bounding-box": BOX},
                               {"schemaId": data["categorySchema"][0]["schemaId"],
                                "bounding-box": {**BOX, "width": -5}}])

    with serving(host, ModelPlugin, off_ontology, "model", connector, class_names=["Car"]) as record:
        asset = host.assets()[0]
        result = run_result(host, record, asset=asset["_id"], class_mapping={"Car": "Vehicle"})
    result.assert_failed("the Model plugin's answer was refused")
    paths = [e["path"] for e in result.errors]
    assert "response.objects[0].schemaId" in paths
    assert any(p.startswith("response.objects[1].bounding-box") for p in paths), paths
    assert host.hub.tasks.task_for_asset(asset["_id"]).answer is None


def test_model_callback_returning_the_vendor_samples_dict_is_accepted(host):
    """The vendor's model sample returns ``{"data": url, "answer": {...}}``; plugin_client takes it as is."""
    def vendor_style(data):
        return {"data": data["dataURL"], "answer": {"objects": [
            {"objectId": "100001", "schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": BOX}],
            "classifications": [], "relations": []}}

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
    with serving(host, FileExplorerPlugin, lambda data: {"folders": "a/", "files": [1]}, "file-explorer",
                 "WS") as record:
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
    assert re.search(rf"{plugin_id}\s+offline\s+model\s+Boxer\s+classes: Car", listed.output), listed.output
    plugin = ModelPlugin(plugin_id, secret, box_model, host=host.url)
    thread = threading.Thread(target=run, args=(plugin, host.url), kwargs={"connector": "WS"}, daemon=True)
    thread.start()
    try:
        host.wait_live(plugin_id, timeout=10)
        asset = host.assets()[0]
        done = cli.invoke(main, ["run", *common, "--plugin", plugin_id, "--asset", asset["externalId"],
                                 "--map", "Car=Vehicle", "--timeout", "15"])
        assert done.exit_code == 0, done.output
        assert "status:  succeeded" in done.output and '"assetId": "%s"' % asset["_id"] in done.output
        wrong = cli.invoke(main, ["run", *common, "--plugin", plugin_id, "--bucket", "photos"])
        assert wrong.exit_code == 1
        assert "'bucket' is for File Explorer plugins; 'Boxer' is a Model plugin" in wrong.output
    finally:
        plugin.stop()
        thread.join(5)
