"""examples/: each plugin type's example, run as a user runs it (a process with ANGO_HOST, PLUGIN_ID,
PLUGIN_SECRET in its environment), against a real MockAngo through the ``mockango`` fixture."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_model_example_boxes_the_middle_of_the_asset(mockango):
    plugin = mockango.spawn_plugin(EXAMPLES / "model_plugin.py", type="model", class_names=["Thing"],
                                   default_config={"box_share": 0.5})
    asset = mockango.assets()[0]
    result = plugin.run(asset=asset["_id"], class_mapping={"Thing": "Vehicle"}).assert_succeeded()
    width, height = asset["metadata"]["width"], asset["metadata"]["height"]
    (box,) = [o["bounding-box"] for o in result.answer["objects"]]
    assert box == {"x": width / 4, "y": height / 4, "width": width / 2, "height": height / 2}
    result.assert_called("GET", "/v2/project/*/assets", status=200)
    unmapped = plugin.run(asset=asset["_id"])
    unmapped.assert_failed()
    unmapped.assert_logged("map the model's class to a tool of the project", level="ERROR")


def test_input_example_accepts_images_only(mockango):
    plugin = mockango.spawn_plugin(EXAMPLES / "input_plugin.py", type="input")
    result = plugin.run(file_explorer_options={"files": ["a.png", "notes.txt", "b.JPG"]}).assert_succeeded()
    assert result.result == {"accepted": ["a.png", "b.JPG"], "refused": {"notes.txt": "not an image"}}


def test_file_explorer_example_lists_a_folder_a_page_at_a_time(mockango, tmp_path):
    folder = tmp_path / "photos" / "2024"
    (folder / "summer").mkdir(parents=True)
    for name in ("a.png", "b.png", "c.png"):
        (folder / name).write_bytes(b"png")
    plugin = mockango.spawn_plugin(EXAMPLES / "file_explorer_plugin.py", type="file-explorer",
                                   env={"BUCKET_ROOT": str(tmp_path), "PAGE_SIZE": "2"})
    first = plugin.run(bucket="photos", folder="2024/").assert_succeeded()
    assert first.listing == {"folders": [], "files": ["2024/a.png", "2024/b.png"], "scrollToken": "2024/b.png"}
    second = plugin.run(bucket="photos", folder="2024/", scroll_token="2024/b.png").assert_succeeded()
    assert second.listing == {"folders": ["2024/summer/"], "files": ["2024/c.png"], "scrollToken": None}
    outside = plugin.run(bucket="..", folder="")
    outside.assert_failed()
    outside.assert_logged("outside BUCKET_ROOT", level="ERROR")
