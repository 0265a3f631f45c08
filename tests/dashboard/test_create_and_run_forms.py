"""The create-a-plugin form follows the type, and the Run dialog offers what a run needs
(issue 22 items 4 and 5), in a real browser."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from tests.dashboard.browsing import click_and_load, wait  # noqa: E402

pytestmark = pytest.mark.browser


def config_text(page) -> dict:
    return json.loads(page.find_element(By.ID, "defaultConfig").get_attribute("value"))


def test_the_create_form_follows_the_type(page, host):
    page.get(f"{host.url}/plugins")
    assert "dummy-bounding-box" in config_text(page)
    assert page.find_element(By.ID, "classNames").is_displayed()
    page.find_element(By.ID, "name").send_keys("Exporter")
    Select(page.find_element(By.ID, "type")).select_by_visible_text("Export")
    assert config_text(page) == {"delimiter": ","}  # what examples/export_plugin.py reads
    assert not page.find_element(By.ID, "classNames").is_displayed()
    click_and_load(page, page.find_element(By.CSS_SELECTOR, "#create-plugin button[type=submit]"))
    wait(page, EC.presence_of_element_located((By.ID, "plugin-secret")))
    (plugin,) = host.hub.list_plugins(host.hub.default_organization.id)
    assert (plugin.type, plugin.default_config, plugin.class_names) == ("export", {"delimiter": ","}, [])


def test_a_config_the_user_wrote_is_kept_when_the_type_changes(page, host):
    page.get(f"{host.url}/plugins")
    types = Select(page.find_element(By.ID, "type"))
    types.select_by_visible_text("Input")
    assert page.find_element(By.ID, "defaultConfig").get_attribute("value") == ""
    types.select_by_visible_text("Model")
    assert config_text(page) == {"box_share": 0.5}
    assert page.find_element(By.ID, "classNames").is_displayed()
    box = page.find_element(By.ID, "defaultConfig")
    box.clear()
    box.send_keys('{"mine": 1}')
    types.select_by_visible_text("Export")
    assert config_text(page) == {"mine": 1}


def test_classes_are_mapped_to_tools_of_the_same_name_at_first(page, host):
    plugin = host.create_plugin("Detector", class_names=["Vehicle", "person", "Bike"])
    tools = {t["title"]: t["schemaId"] for t in host.hub.default_project.tools()}
    page.get(f"{host.url}/run?plugin={plugin.id}")
    chosen = {
        name: Select(
            page.find_element(By.CSS_SELECTOR, f'select[data-class="{name}"]')
        ).first_selected_option.get_attribute("value")
        for name in ("Vehicle", "person", "Bike")
    }
    assert chosen == {"Vehicle": tools["Vehicle"], "person": tools["Person"], "Bike": ""}


def test_an_export_run_offers_the_workflows_stages_with_their_counts(page, host):
    from plugin_client import ExportPlugin, ExportResponse
    from tests.support import plugin_running

    plugin = host.create_plugin("Exporter", type="export")
    host.set_task(host.tasks()[0]["_id"], stage="Review")
    page.get(f"{host.url}/run?plugin={plugin.id}")
    boxes = page.find_elements(By.CSS_SELECTOR, '#stages input[name="stage"]')
    assert [b.get_attribute("value") for b in boxes] == ["Start", "Label", "Review", "Complete"]
    counts = [e.text for e in page.find_elements(By.CSS_SELECTOR, "#stages [data-count]")]
    assert counts == ["(0)", "(24)", "(1)", "(0)"]
    # Complete holds no task: the stages that do are ticked, so the first run exports something.
    assert [b.get_attribute("value") for b in boxes if b.is_selected()] == ["Label", "Review"]
    page.find_element(By.CSS_SELECTOR, '#stages input[value="Label"]').click()

    sent = []

    def export(data):
        sent.append((data["stage"], data["numTasks"]))
        return ExportResponse(file=b"{}", file_name="export.json")

    with plugin_running(host, plugin.id, plugin.secret, export, plugin_class=ExportPlugin):
        click_and_load(page, page.find_element(By.ID, "run-button"))
        wait(page, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "h1 .status"), "succeeded"))
    assert sent == [(["Review"], 1)]


def test_an_unknown_export_stage_is_refused_before_the_run_starts(host):
    from mockango import InvalidRequest

    plugin = host.create_plugin("Exporter", type="export")
    with pytest.raises(
        InvalidRequest, match=r"stage 'Nope' is not a stage of project 'Demo detection' \(stages: Start"
    ):
        host.hub.start_run(host.hub.default_user, plugin.id, host.project_id, stage=["Nope"])
    assert host.sessions() == []


def test_the_create_form_reads_each_types_config_and_classes_from_the_hosts_kinds(browser):
    """A kind given to one host brings its own Default config and says whether it takes class names:
    the form has no table of its own."""
    from typing import ClassVar

    from mockango import Hub, MockAngo
    from mockango.runs.kinds import BUILT_IN, PluginKind
    from tests.dashboard.conftest import sign_in

    class Echo(PluginKind):
        name: ClassVar[str] = "echo"
        title: ClassVar[str] = "Echo"
        example_config: ClassVar[str] = '{"loud": true}'

    class Tagger(PluginKind):
        name: ClassVar[str] = "tagger"
        title: ClassVar[str] = "Tagger"
        has_classes: ClassVar[bool] = True

    with MockAngo(hub=Hub(kinds=[Echo(), Tagger(), *BUILT_IN])) as host:
        sign_in(browser, host)
        browser.get(f"{host.url}/plugins")
        types = Select(browser.find_element(By.ID, "type"))
        assert types.first_selected_option.text == "Echo"  # the table's first kind
        assert config_text(browser) == {"loud": True}
        assert not browser.find_element(By.ID, "classNames").is_displayed()
        types.select_by_visible_text("Tagger")
        assert browser.find_element(By.ID, "defaultConfig").get_attribute("value") == ""
        assert browser.find_element(By.ID, "classNames").is_displayed()
        types.select_by_visible_text("Markdown")
        assert config_text(browser) == {"external_id_column": "name"}
        assert not browser.find_element(By.ID, "classNames").is_displayed()
