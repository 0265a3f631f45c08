"""The dashboard with every plugin type: the create form's type, and the Run dialog asking for what
each type needs (an asset, a bucket and folder, a file and template, options), in a real browser."""

from __future__ import annotations

import base64
import json

import pytest

from plugin_client import AnnotationPayload, Answer, FileExplorerPlugin, InputPlugin, MarkdownPlugin, ModelPlugin
from tests.support import plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from tests.dashboard.browsing import click_and_load, shot, text_of, wait  # noqa: E402

pytestmark = pytest.mark.browser

BOX = {"x": 10, "y": 20, "width": 30, "height": 40}


def finished(page):
    """Wait on a session page until the run has ended; return its status text."""
    wait(page, lambda d: "running" not in d.find_element(By.CSS_SELECTOR, "h1").text)
    page.refresh()
    return text_of(page, "h1")


def test_create_form_takes_the_plugin_type(page, host):
    page.find_element(By.ID, "name").send_keys("Exporter")
    Select(page.find_element(By.ID, "type")).select_by_visible_text("Export")
    page.find_element(By.ID, "defaultConfig").clear()
    click_and_load(page, page.find_element(By.CSS_SELECTOR, "#create-plugin button[type=submit]"))
    wait(page, EC.presence_of_element_located((By.ID, "plugin-secret")))
    (plugin,) = host.hub.list_plugins(host.hub.default_organization.id)
    assert plugin.type == "export"
    assert "ExportPlugin(id, secret, callback)" in text_of(page, "#run-heading")
    assert text_of(page, "#example-command").endswith("examples/export_plugin.py")
    page.get(f"{host.url}/plugins")
    assert text_of(page, f'tr[data-plugin="{plugin.id}"] [data-field="type"]') == "Export"


def test_model_run_dialog_asks_for_an_asset_and_shows_the_stored_answer(page, host):
    record = host.create_plugin("Boxer", class_names=["Car"], type="model")

    def box(data):
        return AnnotationPayload(
            answer=Answer(objects=[{"schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": BOX}])
        )

    asset = host.assets()[2]
    with plugin_running(host, record.id, record.secret, box, plugin_class=ModelPlugin):
        page.get(f"{host.url}/run?plugin={record.id}")
        assert "This is a Model plugin." in text_of(page, "#plugin-type")
        assert not page.find_elements(By.ID, "bucket")
        field = page.find_element(By.ID, "asset")
        field.clear()
        field.send_keys(asset["externalId"])
        Select(page.find_element(By.CSS_SELECTOR, 'select[data-class="Car"]')).select_by_visible_text(
            "Vehicle (bounding-box)"
        )
        click_and_load(page, page.find_element(By.ID, "run-button"))
        assert "succeeded" in finished(page)
    result = json.loads(text_of(page, "#session-result"))
    assert result["assetId"] == asset["_id"] and result["answer"]["objects"][0]["bounding-box"] == BOX
    shot(page, "session-model")


def test_model_answer_errors_are_listed_with_their_paths(page, host):
    host.hub.strict = True  # an unknown schemaId refuses only in strict mode
    record = host.create_plugin("Off ontology", type="model")
    with plugin_running(
        host,
        record.id,
        record.secret,
        lambda data: Answer(objects=[{"schemaId": "0" * 24, "bounding-box": BOX}]),
        plugin_class=ModelPlugin,
    ):
        page.get(f"{host.url}/run?plugin={record.id}")
        click_and_load(page, page.find_element(By.ID, "run-button"))  # the first asset is pre-filled
        assert "failed" in finished(page)
    assert "response.objects[0].schemaId" in text_of(page, "#answer-errors")


def test_file_explorer_dialog_sends_bucket_and_folder_and_shows_the_listing(page, host):
    record = host.create_plugin("Browser", type="file-explorer")

    def listing(data):
        return {"folders": [data["folder"] + "sub/"], "files": [data["folder"] + "a.png"], "scrollToken": None}

    with plugin_running(host, record.id, record.secret, listing, plugin_class=FileExplorerPlugin):
        page.get(f"{host.url}/run?plugin={record.id}")
        page.find_element(By.ID, "bucket").send_keys("photos")
        page.find_element(By.ID, "folder").send_keys("2024/")
        click_and_load(page, page.find_element(By.ID, "run-button"))
        assert "succeeded" in finished(page)
    assert [e.text for e in page.find_elements(By.CSS_SELECTOR, "#listing code.file")] == ["2024/a.png"]
    assert [e.text for e in page.find_elements(By.CSS_SELECTOR, "#listing code.folder")] == ["2024/sub/"]


def test_markdown_dialog_uploads_the_file_in_base64_with_the_template(page, host, tmp_path):
    record = host.create_plugin("Markdown", type="markdown")
    csv = tmp_path / "people.csv"
    csv.write_bytes(b"name\nAda\nGrace\n")

    def count_rows(data):
        rows = base64.b64decode(data["inputFile"]).decode().splitlines()[1:]
        return f"{len(rows)} rows for {data['markdownText']}"

    with plugin_running(host, record.id, record.secret, count_rows, plugin_class=MarkdownPlugin):
        page.get(f"{host.url}/run?plugin={record.id}")
        page.find_element(By.ID, "inputFile").send_keys(str(csv))
        page.find_element(By.ID, "markdownText").send_keys("# |name|")
        click_and_load(page, page.find_element(By.ID, "run-button"))
        assert "succeeded" in finished(page)
    assert text_of(page, '[data-field="message"]') == "2 rows for # |name|"


def test_input_dialog_sends_its_options_and_refuses_bad_json(page, host):
    record = host.create_plugin("Picker", type="input")
    with plugin_running(
        host, record.id, record.secret, lambda data: data["fileExplorerOptions"], plugin_class=InputPlugin
    ):
        page.get(f"{host.url}/run?plugin={record.id}")
        page.find_element(By.ID, "fileExplorerOptions").send_keys('{"files": [')
        click_and_load(page, page.find_element(By.ID, "run-button"))
        assert "'fileExplorerOptions' is not valid JSON" in text_of(page, "#run-error")
        assert host.hub.session_count() == 0
        field = page.find_element(By.ID, "fileExplorerOptions")
        field.clear()
        field.send_keys('{"files": ["a.png"]}')
        click_and_load(page, page.find_element(By.ID, "run-button"))
        assert "succeeded" in finished(page)
    assert json.loads(text_of(page, "#session-result")) == {"files": ["a.png"]}
