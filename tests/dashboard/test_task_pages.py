"""What a plugin answered, in the browser (issue 22 item 1): a project's tasks by stage, status and
assignee; a task page with its answer over its asset and its history; the asset page with both the
pre-label and the task's answer; stage counts that link to their tasks."""

from __future__ import annotations

import pytest

from plugin_client import Answer, ModelPlugin
from tests.support import plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from tests.dashboard.browsing import click_and_load, text_of, wait  # noqa: E402
from tests.dashboard.test_dashboard_security import _violations  # noqa: E402

pytestmark = pytest.mark.browser

PRE_LABEL_BOX = {"x": 20, "y": 30, "width": 50, "height": 60}
ANSWER_BOX = {"x": 100, "y": 80, "width": 240, "height": 160}


def answered_asset(host) -> tuple[dict, str]:
    """The third demo asset with a pre-label, then a Model plugin's answer; returns it and the run's session id."""
    tools = {t["title"]: t for t in host.hub.default_project.tools()}
    asset = host.assets()[2]
    host.hub.import_labels(
        host.hub.default_user,
        host.project_id,
        [
            {
                "externalId": asset["externalId"],
                "objects": [{"schemaId": tools["Person"]["schemaId"], "bounding-box": PRE_LABEL_BOX}],
            }
        ],
    )
    plugin = host.create_plugin("Boxer", class_names=["Car"], type="model")

    def box(data):
        return Answer(objects=[{"schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": ANSWER_BOX}])

    with plugin_running(host, plugin.id, plugin.secret, box, plugin_class=ModelPlugin):
        session = host.run(plugin.id, asset=asset["_id"], class_mapping={"Car": "Vehicle"})
    assert session.status == "succeeded", session.reason
    return asset, session.id


def rect_of(page, layer: str) -> list[float]:
    rect = page.find_element(By.CSS_SELECTOR, f'#asset-view g[data-layer="{layer}"] rect')
    return [float(rect.get_attribute(k)) for k in ("x", "y", "width", "height")]


def test_a_model_answer_shows_on_the_project_the_task_and_the_asset_page(page, host):
    asset, session_id = answered_asset(host)
    task_id = host.task_for_asset(asset["_id"])["_id"]

    page.get(f"{host.url}/projects/{host.project_id}")
    card = page.find_element(By.CSS_SELECTOR, f'figure[data-asset="{asset["_id"]}"]')
    assert card.find_element(By.CSS_SELECTOR, ".answer-tag").text == "answered · 1 object"
    assert card.find_element(By.CSS_SELECTOR, ".labeled-tag").text == "pre-labeled · 1 object"
    click_and_load(page, card.find_element(By.CSS_SELECTOR, "a.task-tag"))
    assert page.current_url == f"{host.url}/tasks/{task_id}"

    assert text_of(page, '#task-facts [data-field="stage"]') == "Label"
    assert rect_of(page, "answer") == [100, 80, 240, 160]
    assert rect_of(page, "prelabel") == [20, 30, 50, 60]
    assert "own answer" in text_of(page, "#answer-state")
    layers = [r.get_attribute("data-layer") for r in page.find_elements(By.CSS_SELECTOR, "#objects tbody tr")]
    assert layers == ["prelabel", "answer"]
    rows = page.find_elements(By.CSS_SELECTOR, "#history tbody tr")
    assert [r.get_attribute("data-action") for r in rows] == ["import", "plugin-answer"]
    answered = rows[-1]
    assert "1 object" in answered.text
    assert _violations(page) == []
    click_and_load(page, answered.find_element(By.CSS_SELECTOR, ".actor a"))
    assert page.current_url == f"{host.url}/sessions/{session_id}"

    page.get(f"{host.url}/projects/{host.project_id}/assets/{asset['_id']}")
    assert rect_of(page, "answer") == [100, 80, 240, 160]
    assert rect_of(page, "prelabel") == [20, 30, 50, 60]
    geometry = [e.text for e in page.find_elements(By.CSS_SELECTOR, "#objects td.geometry")]
    assert geometry == ["bounding-box: x 20, y 30, 50 × 60", "bounding-box: x 100, y 80, 240 × 160"]
    page.find_element(By.CSS_SELECTOR, '[data-layer-toggle="prelabel"]').click()
    assert not page.find_element(By.CSS_SELECTOR, '#asset-view g[data-layer="prelabel"] rect').is_displayed()
    assert page.find_element(By.CSS_SELECTOR, '#asset-view g[data-layer="answer"] rect').is_displayed()
    assert text_of(page, "#asset-task a") == "Label · TODO"
    assert _violations(page) == []


def test_stage_counts_link_to_the_tasks_filtered_by_stage_status_and_assignee(page, host):
    tasks = host.tasks()
    host.set_task(tasks[0]["_id"], stage="Complete")
    host.set_task(tasks[1]["_id"], assignee="ada@example.com")
    host.set_task(tasks[2]["_id"], assignee="ada@example.com", stage="Review")

    page.get(f"{host.url}/projects/{host.project_id}")
    link = page.find_element(By.CSS_SELECTOR, '#stages li[data-stage="Label"] a.stage-count')
    assert link.text == "23 tasks"
    click_and_load(page, link)
    assert text_of(page, "#task-total") == "23"
    assert {e.text for e in page.find_elements(By.CSS_SELECTOR, '#tasks [data-field="stage"]')} == {"Label"}
    assert Select(page.find_element(By.ID, "stage")).first_selected_option.get_attribute("value") == "Label"

    page.get(f"{host.url}/projects/{host.project_id}/tasks?status=Completed")
    assert text_of(page, "#task-total") == "1"
    assert text_of(page, '#tasks [data-field="status"]') == "Completed"

    page.get(f"{host.url}/projects/{host.project_id}/tasks")
    page.find_element(By.ID, "assignee").send_keys("ada@example.com")
    click_and_load(page, page.find_element(By.CSS_SELECTOR, "#task-filters button"))
    assert text_of(page, "#task-total") == "2"
    assert [e.text for e in page.find_elements(By.CSS_SELECTOR, '#tasks [data-field="stage"]')] == ["Label", "Review"]
    Select(page.find_element(By.ID, "stage")).select_by_value("Review")
    click_and_load(page, page.find_element(By.CSS_SELECTOR, "#task-filters button"))
    assert text_of(page, "#task-total") == "1"
    assert _violations(page) == []

    page.get(f"{host.url}/projects/{host.project_id}/tasks?stage=Nope")
    assert "query parameter 'stage' must be one of Start, Label, Review, Complete" in text_of(page, "#error-message")


def test_the_tasks_list_is_paged(page, host):
    assets = [{"externalId": f"a-{n:03}.png", "data": f"https://example.com/{n}.png"} for n in range(120)]
    project = host.create_project("Many", {"tools": []}, assets)
    page.get(f"{host.url}/projects/{project}/tasks?page=3")
    names = [e.text for e in page.find_elements(By.CSS_SELECTOR, "#tasks .asset-name")]
    assert names == [f"a-{n:03}.png" for n in range(100, 120)]
    assert "Page 3 of 3" in text_of(page, "#pager")
    page.get(f"{host.url}/projects/{project}/tasks?page=9")  # past the end: the last page
    assert "Page 3 of 3" in text_of(page, "#pager")


@pytest.mark.parametrize("width", [1280, 420])
def test_the_task_pages_fit_the_window(page, host, width):
    asset, _ = answered_asset(host)
    task_id = host.task_for_asset(asset["_id"])["_id"]
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        for path in (f"/projects/{host.project_id}/tasks", f"/tasks/{task_id}"):
            page.get(host.url + path)
            wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
            scroll, client = page.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client, f"{path} is {scroll} px wide in a {width} px window"
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_projects_list_links_each_stages_count_to_its_tasks(page, host):
    host.set_task(host.tasks()[0]["_id"], stage="Review")
    page.get(f"{host.url}/projects")
    row = page.find_element(By.CSS_SELECTOR, f'tr[data-project="{host.project_id}"]')
    counts = {a.get_attribute("data-stage"): a.text for a in row.find_elements(By.CSS_SELECTOR, ".stage-counts a")}
    assert counts == {"Start": "Start 0", "Label": "Label 24", "Review": "Review 1", "Complete": "Complete 0"}
    click_and_load(page, row.find_element(By.CSS_SELECTOR, '.stage-counts a[data-stage="Review"]'))
    assert text_of(page, "#task-total") == "1"
