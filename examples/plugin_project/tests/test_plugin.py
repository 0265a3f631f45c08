"""The center-box plugin, tested the way it runs on Ango Hub: through a local mockango host."""

import sys
from pathlib import Path

import center_box
import pytest

SCRIPT = Path(center_box.__file__)


def test_labels_every_asset_with_a_centred_box(mockango):
    with mockango.serve_plugin(center_box.run_model, class_names=["object"]) as plugin:
        result = plugin.run(class_mapping={"object": "Vehicle"}, config={"box_fraction": 0.5})

    result.assert_succeeded().assert_message("Labeled 25 assets")
    result.assert_labeled(count=25)
    first = mockango.assets()[0]  # 640 x 480
    assert result.labels_for(first["externalId"])["objects"] == [
        {
            "schemaId": result.category_schema[0]["schemaId"],
            "bounding-box": {"x": 160, "y": 120, "width": 320, "height": 240},
        }
    ]
    result.assert_called("GET", "/v2/project/*/assets", times=3)  # 25 assets, pages of 10
    result.assert_called("POST", "/v2/import/labels", status=200, times=1)
    assert result.imports[0]["objects"] == 25


def test_asks_for_a_class_mapping(mockango):
    with mockango.serve_plugin(center_box.run_model, class_names=["object"]) as plugin:
        result = plugin.run()  # no class_mapping: categorySchema is null

    result.assert_succeeded().assert_message("Please complete class mapping!")
    result.assert_logged("No class mapping", level="WARNING")
    result.assert_not_called()
    assert result.event["categorySchema"] is None


def test_a_bad_config_fails_the_run_with_the_traceback_in_the_logs(mockango):
    with mockango.serve_plugin(center_box.run_model, class_names=["object"]) as plugin:
        result = plugin.run(class_mapping={"object": "Vehicle"}, config={"box_fraction": 2})

    result.assert_failed()
    result.assert_logged("box_fraction must be in (0, 1], got 2.0", level="ERROR")
    assert result.labels == {}


def test_runs_only_on_the_selected_batch_and_skips_labeled_assets(mockango):
    with mockango.serve_plugin(center_box.run_model, class_names=["object"]) as plugin:
        first = plugin.run(class_mapping={"object": "Vehicle"}, batches=["Batch 2"])
        second = plugin.run(class_mapping={"object": "Vehicle"})

    first.assert_succeeded().assert_message("Labeled 10 assets")
    second.assert_succeeded().assert_message("Labeled 15 assets")  # the other 15 only
    assert len(mockango.labels()) == 25


@pytest.mark.mockango(project="small_project.json")
def test_on_a_project_of_our_own(mockango):
    with mockango.serve_plugin(center_box.run_model, class_names=["object"]) as plugin:
        result = plugin.run(class_mapping={"object": "Car"}, config={"box_fraction": 0.2})

    result.assert_labels(
        {
            "lot-1.jpg": {
                "externalId": "lot-1.jpg",
                "objects": [{"schemaId": "car-box", "bounding-box": {"x": 400, "y": 200, "width": 200, "height": 100}}],
            },
            "lot-2.jpg": {
                "externalId": "lot-2.jpg",
                "objects": [{"schemaId": "car-box", "bounding-box": {"x": 160, "y": 160, "width": 80, "height": 80}}],
            },
        }
    )


def test_the_script_runs_unchanged_as_a_process(mockango):
    plugin = mockango.spawn_plugin([sys.executable, str(SCRIPT)], class_names=["object"])

    result = plugin.run(class_mapping={"object": "Person"})

    result.assert_succeeded().assert_message("Labeled 25 assets")
    assert "connected to" in plugin.output
