"""examples/: each plugin type's example, run as a user runs it (a process with ANGO_HOST, PLUGIN_ID,
PLUGIN_SECRET in its environment), against a real MockAngo through the ``mockango`` fixture."""

from __future__ import annotations

from pathlib import Path

from tests.support import task_id

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_every_plugin_type_has_its_example():
    """The dashboard's plugin page points at examples/<type>_plugin.py."""
    from mockango.runs.kinds import PLUGIN_TYPES

    assert all((EXAMPLES / f"{kind.replace('-', '_')}_plugin.py").is_file() for kind in PLUGIN_TYPES)


def test_model_example_boxes_the_middle_of_the_asset(mockango):
    plugin = mockango.spawn_plugin(
        EXAMPLES / "model_plugin.py", type="model", class_names=["Thing"], default_config={"box_share": 0.5}
    )
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
    plugin = mockango.spawn_plugin(
        EXAMPLES / "file_explorer_plugin.py", type="file-explorer", env={"BUCKET_ROOT": str(tmp_path), "PAGE_SIZE": "2"}
    )
    first = plugin.run(bucket="photos", folder="2024/").assert_succeeded()
    assert first.listing == {"folders": [], "files": ["2024/a.png", "2024/b.png"], "scrollToken": "2024/b.png"}
    second = plugin.run(bucket="photos", folder="2024/", scroll_token="2024/b.png").assert_succeeded()
    assert second.listing == {"folders": ["2024/summer/"], "files": ["2024/c.png"], "scrollToken": None}
    outside = plugin.run(bucket="..", folder="")
    outside.assert_failed()
    outside.assert_logged("outside BUCKET_ROOT", level="ERROR")


def test_export_example_writes_the_boxes_as_csv_in_a_zip(mockango):
    import io
    import zipfile

    vehicle = next(t["schemaId"] for t in mockango.hub.default_project.tools() if t["title"] == "Vehicle")
    asset = mockango.assets()[0]
    mockango.hub.tasks.set_task(
        task_id(mockango.hub, asset["_id"]),
        stage="Complete",
        answer={
            "objects": [{"schemaId": vehicle, "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}],
            "classifications": [],
            "relations": [],
        },
    )
    plugin = mockango.spawn_plugin(EXAMPLES / "export_plugin.py", type="export", default_config={"delimiter": ";"})
    result = plugin.run().assert_succeeded()
    assert result.exported_file_name == f"{mockango.project_id}-boxes.zip"
    with zipfile.ZipFile(io.BytesIO(result.exported_bytes)) as zipped:
        rows = zipped.read("boxes.csv").decode().splitlines()
    assert rows == ["externalId;class;x;y;width;height", f"{asset['externalId']};Vehicle;1;2;3;4"]
    result.assert_logged("1 box(es) from 1 task(s)")


def test_markdown_example_makes_an_asset_per_row_in_its_batch(mockango):
    plugin = mockango.spawn_plugin(
        EXAMPLES / "markdown_plugin.py", type="markdown", default_config={"external_id_column": "id"}
    )
    csv = b"id,name,batch\np1,Ada,people\np2,Grace,people\n"
    result = plugin.run(input_file=csv, markdown_text="# |name| &amp; co").assert_succeeded()
    assert result.message == "2 markdown files are uploaded!"
    assert [a["externalId"] for a in result.created_assets] == ["p1", "p2"]
    assert [a["data"] for a in result.created_assets] == ["# Ada & co", "# Grace & co"]  # the text is the data
    people = next(
        b["_id"] for b in mockango.hub.projects.get(mockango.project_id).to_dict()["batches"] if b["name"] == "people"
    )
    assert all(a["batches"] == [people] for a in result.created_assets)


def test_file_explorer_example_uploads_the_chosen_files(mockango, tmp_path):
    import requests

    (tmp_path / "photos" / "2024").mkdir(parents=True)
    (tmp_path / "photos" / "2024" / "a.png").write_bytes(b"first")
    (tmp_path / "photos" / "2024" / "b.png").write_bytes(b"second")
    plugin = mockango.spawn_plugin(
        EXAMPLES / "file_explorer_plugin.py", type="file-explorer", env={"BUCKET_ROOT": str(tmp_path)}
    )
    result = plugin.run(bucket="photos", folder="2024/", upload=True, files=["2024/b.png"])
    result.assert_succeeded().assert_message("1 assets are uploaded!")
    (asset,) = result.created_assets
    assert asset["externalId"] == "2024/b.png"
    assert requests.get(asset["data"], timeout=10).content == b"second"
