"""Every plugin type on the Hub without a server: creation, run events, and what answers mean."""

from __future__ import annotations

import base64

import pytest

from mockango import Hub, InvalidRequest, NotFound
from mockango.runs import kinds as plugin_types
from mockango.runs.kinds import PLUGIN_TYPES
from tests.support import FakeConnection


@pytest.fixture
def hub():
    return Hub(seed=7)


def live(hub: Hub, plugin_type: str, **options):
    plugin = hub.create_plugin(f"{plugin_type} plugin", plugin_type=plugin_type, **options)
    connection = FakeConnection(f"c-{plugin.id}")
    hub.authenticate_plugin(plugin.id, plugin.secret, connection)
    return plugin, connection


def run(hub: Hub, plugin, **options):
    return hub.start_run(hub.default_user, plugin.id, hub.default_project.id, **options)


def answer(hub: Hub, session, response, **extra):
    return hub.record_response({"response": response, "session": session.id, **extra})


def assets(hub: Hub) -> list[dict]:
    return hub.project_assets(hub.default_project.id)


def task_tools(hub: Hub, asset_id: str) -> list[dict]:
    """The objects an asset's task holds, as GET /v2/task shows them (``tools``, with titles)."""
    return hub.tasks.for_asset(asset_id)["answer"]["tools"]


def vehicle_id(hub: Hub) -> str:
    return next(t["schemaId"] for t in hub.default_project.tools() if t["title"] == "Vehicle")


def test_every_type_can_be_created_and_unknown_ones_are_refused(hub):
    assert PLUGIN_TYPES == ("batch-model", "model", "export", "file-explorer", "markdown", "input")
    for plugin_type in PLUGIN_TYPES:
        plugin = hub.create_plugin(plugin_type, plugin_type=plugin_type, default_config={"k": plugin_type})
        assert plugin.to_dict(live=False)["type"] == plugin_type
        assert plugin.default_config == {"k": plugin_type}
    assert hub.create_plugin("m", plugin_type="model", class_names=["Car"]).class_names == ["Car"]
    with pytest.raises(
        InvalidRequest, match=r"class names \('classNames'\) are for Batch Model and Model plugins; an Export"
    ):
        hub.create_plugin("e", plugin_type="export", class_names=["Car"])
    with pytest.raises(InvalidRequest, match="not an Ango Hub plugin type"):
        hub.create_plugin("x", plugin_type="Model")


def test_model_run_event_names_one_asset_its_task_and_the_1_1_labeltask(hub):
    plugin, connection = live(hub, "model", class_names=["Car"])
    asset = assets(hub)[3]
    session = run(hub, plugin, asset=asset["externalId"], class_mapping={"Car": "Vehicle"})
    event = connection.sent[0]
    assert event["assetId"] == asset["_id"] and event["dataURL"] == asset["data"]
    task = hub.tasks.for_asset(asset["_id"])
    assert event["taskId"] == task["_id"] and event["overwrite"] is True and event["workflow"] is False
    assert event["labeltask"] == {"_id": task["_id"], "answer": {"tools": [], "classifications": [], "relations": []}}
    assert event["categorySchema"] == [{"schemaId": vehicle_id(hub), "modelClass": "Car"}]
    assert session.plugin_type == "model"
    second = run(hub, plugin, asset=asset["_id"], overwrite=False, workflow=True)
    assert (connection.sent[1]["overwrite"], connection.sent[1]["workflow"]) == (False, True)
    assert second.event["assetId"] == asset["_id"]


def test_model_run_refuses_a_missing_asset_and_options_of_other_types(hub):
    hub.strict = True  # an option of another type refuses only in strict mode (test below: the lenient default)
    plugin, connection = live(hub, "model")
    with pytest.raises(InvalidRequest, match="a Model run needs 'asset'"):
        run(hub, plugin)
    with pytest.raises(NotFound, match="asset 'nope.png' is not an asset of project 'Demo detection'"):
        run(hub, plugin, asset="nope.png")
    with pytest.raises(InvalidRequest, match="'bucket' is for File Explorer plugins; 'model plugin' is a Model"):
        run(hub, plugin, asset=assets(hub)[0]["_id"], bucket="b")
    with pytest.raises(InvalidRequest, match="'overwrite' must be true or false"):
        run(hub, plugin, asset=assets(hub)[0]["_id"], overwrite="no")
    batch, _ = live(hub, "batch-model")
    with pytest.raises(InvalidRequest, match="'asset' is for Model plugins; 'batch-model plugin' is a Batch Model"):
        run(hub, batch, asset=assets(hub)[0]["_id"])
    assert connection.sent == [] and hub.session_count() == 0


def test_a_valid_model_answer_is_stored_on_the_asset_in_both_client_shapes(hub):
    plugin, _ = live(hub, "model")
    box = {"schemaId": vehicle_id(hub), "bounding-box": {"x": 1, "y": 2, "width": 30, "height": 40}}
    first_asset, second_asset = (a["_id"] for a in assets(hub)[:2])
    session = run(hub, plugin, asset=first_asset)
    # 1.4.10 and plugin_client: the answer itself.
    session = answer(hub, session, {"objects": [box], "classifications": [], "relations": []})
    assert session.status == "succeeded", session.reason
    assert task_tools(hub, first_asset) == [{**box, "title": "Vehicle"}]
    task = hub.tasks.for_asset(first_asset)
    assert session.result == {
        "assetId": first_asset,
        "taskId": task["_id"],
        "answer": {"objects": [box], "classifications": [], "relations": []},
    }
    last = hub.tasks.history_of(hub.default_user, task["_id"])[-1]
    assert (last["action"], last["actor"]) == ("plugin-answer", f"session:{session.id}")
    assert assets(hub)[0]["isPreLabeled"] is False, "a Model answer goes to the task, not to the pre-labels"
    # 1.3.22 with the vendor's sample: {data, answer}.
    session = run(hub, plugin, asset=second_asset)
    url = assets(hub)[1]["data"]
    session = answer(hub, session, {"data": url, "answer": {"objects": [box], "classifications": [], "relations": []}})
    assert session.status == "succeeded", session.reason
    assert task_tools(hub, second_asset) == [{**box, "title": "Vehicle"}]


def test_an_invalid_model_answer_fails_with_every_error_and_stores_nothing(hub):
    hub.strict = True  # the unknown schemaId and the negative width refuse only in strict mode
    plugin, _ = live(hub, "model")
    asset_id = assets(hub)[0]["_id"]
    session = run(hub, plugin, asset=asset_id)
    bad = {
        "objects": [
            {"schemaId": "0" * 24, "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}},
            {"schemaId": vehicle_id(hub), "bounding-box": {"x": 1, "y": 2, "width": -3, "height": 4}},
        ],
        "classifications": [],
        "relations": [],
    }
    session = answer(hub, session, bad)
    assert session.status == "failed"
    paths = [e["path"] for e in session.errors]
    assert "response.objects[0].schemaId" in paths
    assert any(p.startswith("response.objects[1].bounding-box") for p in paths), paths
    assert "the Model plugin's answer was refused with" in session.reason and "response.objects[0]" in session.reason
    assert task_tools(hub, asset_id) == []
    other = run(hub, plugin, asset=asset_id)
    other = answer(hub, other, {"data": "http://elsewhere/x.png", "answer": ["not", "an", "object"]})
    assert other.status == "failed" and other.errors[0]["path"] == "response.answer"
    third = run(hub, plugin, asset=asset_id)
    third = answer(hub, third, "done")
    assert third.status == "failed" and third.errors[0]["path"] == "response"


def test_a_model_answer_belongs_to_its_runs_asset_whatever_externalid_or_data_it_names(hub):
    """Issue 19.2: one reader for Model answers and annotate. 1.3.22's merge adds ``externalId``; the vendor's
    older sample answered ``{data, answer}``. Neither redirects the answer: it is stored on the run's asset."""
    plugin, _ = live(hub, "model")
    target, other = assets(hub)[0], assets(hub)[1]
    box = {"schemaId": vehicle_id(hub), "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}
    session = answer(hub, run(hub, plugin, asset=target["_id"]), {"externalId": target["externalId"], "objects": [box]})
    assert session.status == "succeeded" and task_tools(hub, target["_id"])[0]["bounding-box"] == box["bounding-box"]
    session = answer(hub, run(hub, plugin, asset=target["_id"]), {"data": other["data"], "answer": {"objects": [box]}})
    assert session.status == "succeeded" and task_tools(hub, other["_id"]) == []
    assert [e["code"] for e in session.logs if e.get("source") == "mockango"] == []  # answer_other_asset: not a rule


def test_export_run_event_and_answers(hub):
    plugin, connection = live(hub, "export")
    run(hub, plugin, batches=[hub.default_project.batches[0].name])
    assert connection.sent[0]["stage"] == ["Complete"]
    assert connection.sent[0]["batches"] == [hub.default_project.batches[0].id]
    run(hub, plugin, stage="Review")
    assert connection.sent[1]["stage"] == ["Review"]
    session = run(hub, plugin)
    session = hub.record_response({"response": "just text", "session": session.id})
    assert session.status == "failed" and "must answer {export: true" in session.reason
    hub.strict = True
    with pytest.raises(InvalidRequest, match="'classMapping' is for Batch Model / Model plugins"):
        run(hub, plugin, class_mapping={})


def test_an_option_of_another_type_is_dropped_with_a_warning_on_the_runs_log(hub):
    """Rule run_option_other_type has no host counterpart (evidence unknown): by default the option is left out
    of the event and the run's log says so; strict mode refuses it (the tests above)."""
    plugin, connection = live(hub, "model")
    session = run(hub, plugin, asset=assets(hub)[0]["_id"], bucket="b")
    assert "bucket" not in connection.sent[0]
    [line] = [e for e in hub.get_session(session.id).logs if e.get("source") == "mockango"]
    assert line["level"] == "WARNING" and line["code"] == "run_option_other_type"
    assert "'bucket' is for File Explorer plugins" in line["msg"]


def test_file_explorer_event_and_listing(hub):
    plugin, connection = live(hub, "file-explorer")
    session = run(hub, plugin, bucket="photos", folder="2024/", scroll_token="k")
    event = connection.sent[0]
    assert {k: event[k] for k in ("bucket", "folder", "files", "upload", "storageId", "scrollToken")} == {
        "bucket": "photos",
        "folder": "2024/",
        "files": None,
        "upload": False,
        "storageId": None,
        "scrollToken": "k",
    }
    session = answer(
        hub, session, {"folders": ["2024/a/"], "files": ["2024/x.png"], "scrollToken": None, "success": True}
    )
    assert session.status == "succeeded"
    assert session.result == {"folders": ["2024/a/"], "files": ["2024/x.png"], "scrollToken": None}
    bad = run(hub, plugin, bucket="photos")
    bad = answer(hub, bad, {"folders": "2024/a/", "files": ["ok", 3]})
    assert bad.status == "failed"
    assert [e["path"] for e in bad.errors] == ["response.folders", "response.files[1]"]
    with pytest.raises(InvalidRequest, match="a File Explorer run needs 'bucket'"):
        run(hub, plugin)


def test_markdown_event_carries_the_file_in_base64(hub):
    plugin, connection = live(hub, "markdown")
    csv = b"name,city\nAda,London\n"
    run(hub, plugin, input_file=csv, markdown_text="# |name| from |city|")
    assert base64.b64decode(connection.sent[0]["inputFile"]) == csv
    assert connection.sent[0]["markdownText"] == "# |name| from |city|"
    with pytest.raises(InvalidRequest, match="'inputFile' must be the file's bytes or its content in base64"):
        run(hub, plugin, input_file="not base64!", markdown_text="x")
    with pytest.raises(InvalidRequest, match="a Markdown run needs 'inputFile', 'markdownText'"):
        run(hub, plugin)


def test_input_event_and_answer_recorded(hub):
    plugin, connection = live(hub, "input")
    session = run(hub, plugin, file_explorer_options={"bucket": "b"})
    assert connection.sent[0]["fileExplorerOptions"] == {"bucket": "b"}
    session = answer(hub, session, {"chosen": ["a.png"]})
    assert session.status == "succeeded" and session.result == {"chosen": ["a.png"]}
    run(hub, plugin)
    assert connection.sent[1]["fileExplorerOptions"] == []


def test_option_names_map_both_ways():
    for option in {o for kind in plugin_types.KINDS.values() for o in kind.options}:
        assert plugin_types.FIELD_OPTIONS[plugin_types.OPTION_FIELDS[option]] == option
