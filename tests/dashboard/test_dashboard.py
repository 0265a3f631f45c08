"""The dashboard in a real browser, used the way a plugin developer would use it."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time

import pytest

from plugin_client import SDK
from tests.serving import split_command, stop_process
from tests.support import DEMO_CONFIG, ROOT, SAMPLE, plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from tests.dashboard.browsing import click_and_load, shot, text_of, wait  # noqa: E402

pytestmark = pytest.mark.browser

BOX = {"x": 100, "y": 80, "width": 240, "height": 160}


def test_unsigned_visit_gets_the_sign_in_page_and_the_link_signs_in(browser, host):
    browser.delete_all_cookies()
    browser.get(f"{host.url}/plugins")
    assert "Sign in" in text_of(browser, "h1")
    assert not browser.find_elements(By.CSS_SELECTOR, "nav")

    browser.get(f"{host.url}/?apikey=not-a-key")
    assert "invalid API key" in text_of(browser, "#signin-error")
    shot(browser, "signin")

    browser.get(f"{host.url}/?apikey={host.api_key}")
    assert text_of(browser, "#signin-organization") == host.hub.default_organization.name
    assert browser.get_cookie("mockango_apikey") is None  # not signed in until confirmed
    click_and_load(browser, browser.find_element(By.ID, "signin-confirm"))
    assert browser.current_url == f"{host.url}/"  # the overview
    assert text_of(browser, "h1") == "Overview"
    assert browser.get_cookie("mockango_apikey")["httpOnly"] is True


def test_create_a_plugin_see_its_secret_and_delete_it(page, host):
    page.find_element(By.ID, "name").send_keys("My detector")
    page.find_element(By.ID, "classNames").send_keys("Vehicle, Person")
    click_and_load(page, page.find_element(By.CSS_SELECTOR, "#create-plugin button[type=submit]"))

    wait(page, EC.presence_of_element_located((By.ID, "plugin-secret")))
    (plugin,) = host.hub.list_plugins(host.hub.default_organization.id)
    assert plugin.class_names == ["Vehicle", "Person"]
    assert text_of(page, "#plugin-id") == plugin.id
    assert text_of(page, "#plugin-secret") == plugin.secret
    environment = f"ANGO_HOST={host.url} PLUGIN_ID={plugin.id} PLUGIN_SECRET={plugin.secret}"
    assert "BatchModelPlugin(id, secret, callback)" in text_of(page, "#run-heading")
    # As a reader types them, from the checkout: no path of this machine (the page is photographed for the docs).
    assert text_of(page, "#run-command") == f"{environment} python your_plugin.py"
    example = text_of(page, "#example-command")
    python = os.path.relpath(sys.executable, ROOT)
    assert example == f"{environment} {shlex.quote(python)} {SAMPLE.relative_to(ROOT)}"
    assert str(ROOT) not in text_of(page, "main")
    assert "offline" in text_of(page, "h1 .light")
    shot(page, "plugin")
    env, argv = split_command(example)  # works as printed from the checkout: its Python has plugin_client
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        host.wait_live(plugin.id, timeout=20)
        wait(page, lambda d: "live" == text_of(d, "h1 .light"))
    finally:
        stop_process(process, timeout=5)
    wait(page, lambda d: "offline" == text_of(d, "h1 .light"))

    page.find_element(By.ID, "delete-plugin").click()
    wait(page, EC.alert_is_present()).accept()
    wait(page, EC.url_to_be(f"{host.url}/plugins"))
    assert host.hub.plugin_count() == 0
    assert "No plugins yet" in text_of(page, "#plugins")


def test_invalid_default_config_shows_the_hosts_error_and_creates_nothing(page, host):
    page.find_element(By.ID, "name").send_keys("Broken")
    config = page.find_element(By.ID, "defaultConfig")
    config.clear()
    config.send_keys('{"threshold": 0.5,}')
    click_and_load(page, page.find_element(By.CSS_SELECTOR, "#create-plugin button[type=submit]"))

    error = wait(page, EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-error="defaultConfig"]')))
    assert "'defaultConfig' is not valid JSON" in error.text
    assert page.find_element(By.ID, "defaultConfig").get_attribute("value") == '{"threshold": 0.5,}'
    assert page.find_element(By.ID, "name").get_attribute("value") == "Broken"
    assert host.hub.plugin_count() == 0
    shot(page, "plugins-invalid-config")


def test_run_dialog_shows_the_hosts_errors_plainly(page, host):
    plugin = host.create_plugin("Sleeper", class_names=["Vehicle"])
    page.get(f"{host.url}/run?plugin={plugin.id}")
    Select(page.find_element(By.CSS_SELECTOR, 'select[data-class="Vehicle"]')).select_by_visible_text(
        "Person (bounding-box)"
    )
    config = page.find_element(By.ID, "config")
    assert config.get_attribute("value") == "{}"
    config.clear()
    config.send_keys("{'threshold': 0.5}")
    click_and_load(page, page.find_element(By.ID, "run-button"))
    assert "'config' is not valid JSON" in wait(page, EC.visibility_of_element_located((By.ID, "run-error"))).text
    # What was typed and picked is kept, to fix and run again.
    assert page.find_element(By.ID, "config").get_attribute("value") == "{'threshold': 0.5}"
    assert (
        Select(page.find_element(By.CSS_SELECTOR, 'select[data-class="Vehicle"]')).first_selected_option.text
        == "Person (bounding-box)"
    )

    config = page.find_element(By.ID, "config")
    config.clear()
    config.send_keys('{"threshold": 0.5}')
    click_and_load(page, page.find_element(By.ID, "run-button"))
    assert (
        "is not live: start its process first"
        in wait(page, EC.visibility_of_element_located((By.ID, "run-error"))).text
    )
    assert host.sessions() == []

    page.get(f"{host.url}/sessions/0123456789abcdef01234567")
    assert "session '0123456789abcdef01234567' not found" in text_of(page, "#error-message")
    shot(page, "error")


def labelling_model(host_url: str):
    """A small model: logs a few lines, then pre-labels the first asset with a box (and a polygon and a point)."""

    def callback(**data):
        logger = data["logger"]
        logger.info("model loaded")
        time.sleep(0.3)  # so the session page shows the run in progress
        sdk = SDK(api_key=data["apiKey"], host=host_url)
        asset = sdk.get_assets(data["projectId"], limit=1)["data"]["assets"][0]
        tools = {
            t["tool"]: t["schemaId"]
            for t in sdk.get_project(data["projectId"])["data"]["project"]["categorySchema"]["tools"]
        }
        objects = [
            {"schemaId": data["categorySchema"][0]["schemaId"], "bounding-box": BOX},
            {"schemaId": tools["polygon"], "polygon": [[20, 460], [300, 300], [620, 460]]},
            {"schemaId": tools["point"], "point": [500, 100]},
        ]
        logger.info(f"predicted {len(objects)} objects on {asset['externalId']}")
        sdk.import_labels(data["projectId"], [{"externalId": asset["externalId"], "objects": objects}])
        time.sleep(0.3)
        logger.warning(f"box x from config: {json.loads(data['configJSON'])['dummy-bounding-box']['x']}")
        return "1 asset pre-labeled"

    return callback


def test_run_a_live_plugin_from_the_run_dialog(page, host):
    plugin = host.create_plugin("Demo detector", class_names=["Vehicle", "Person"], default_config=DEMO_CONFIG)
    page.get(f"{host.url}/plugins")
    light = f'[data-plugin="{plugin.id}"] .light'
    assert text_of(page, light) == "offline"

    with plugin_running(host, plugin.id, plugin.secret, labelling_model(host.url)):
        # The light turns green without a reload (the page polls the control API).
        wait(page, EC.text_to_be_present_in_element((By.CSS_SELECTOR, light), "live"))
        assert "live" in page.find_element(By.CSS_SELECTOR, light).get_attribute("class").split()
        shot(page, "plugins")

        click_and_load(page, page.find_element(By.CSS_SELECTOR, f'[data-plugin="{plugin.id}"] td.actions a'))
        wait(page, EC.presence_of_element_located((By.ID, "run-form")))
        assert Select(page.find_element(By.ID, "plugin")).first_selected_option.get_attribute("value") == plugin.id
        assert '"dummy-bounding-box"' in page.find_element(By.ID, "config").get_attribute("value")
        vehicle_tool = next(t for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
        Select(page.find_element(By.CSS_SELECTOR, 'select[data-class="Vehicle"]')).select_by_visible_text(
            "Vehicle (bounding-box)"
        )
        shot(page, "run")
        click_and_load(page, page.find_element(By.ID, "run-button"))

        wait(page, EC.url_contains("/sessions/"))
        session_id = page.current_url.rsplit("/", 1)[1]
        wait(page, EC.text_to_be_present_in_element((By.ID, "log"), "model loaded"))
        wait(page, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "h1 .status"), "succeeded"))
        wait(page, EC.text_to_be_present_in_element((By.ID, "log"), "box x from config: 20"))
        lines = [line.text for line in page.find_elements(By.CSS_SELECTOR, "#log .line")]
        assert [line.split()[1] for line in lines] == ["INFO", "INFO", "WARNING"]
        assert "predicted 3 objects" in lines[1]
        assert text_of(page, '[data-field="message"]') == "1 asset pre-labeled"
        assert vehicle_tool["schemaId"] in text_of(page, "#event-category-schema")
        assert '"dummy-bounding-box"' in text_of(page, "#event-config")
        shot(page, "session")

    session = host.session(session_id)
    assert session.status == "succeeded"
    person_tool = next(t for t in host.hub.default_project.tools() if t["title"] == "Person")
    assert session.event["categorySchema"] == [  # Person was mapped to the same-named tool by the dialog
        {"schemaId": vehicle_tool["schemaId"], "modelClass": "Vehicle"},
        {"schemaId": person_tool["schemaId"], "modelClass": "Person"},
    ]

    page.get(f"{host.url}/sessions")
    assert session_id in text_of(page, "#sessions") and "succeeded" in text_of(page, "#sessions")
    shot(page, "sessions")

    # The project page shows the labelled asset with its box, in the Vehicle tool's colour.
    page.get(f"{host.url}/projects")
    shot(page, "projects")
    click_and_load(page, page.find_element(By.LINK_TEXT, "Demo detection"))
    click_and_load(page, page.find_element(By.CSS_SELECTOR, '[data-filter="yes"]'))
    wait(page, EC.url_contains("prelabeled=yes"))
    cards = page.find_elements(By.CSS_SELECTOR, "#assets figure.asset")
    assert len(cards) == 1
    labeled = host.assets()[0]
    assert cards[0].get_attribute("data-asset") == labeled["_id"]
    rect = cards[0].find_element(By.CSS_SELECTOR, "svg.overlay rect")
    assert rect.get_attribute("stroke") == vehicle_tool["color"]
    assert [float(rect.get_attribute(k)) for k in ("x", "y", "width", "height")] == [100, 80, 240, 160]
    assert cards[0].find_elements(By.CSS_SELECTOR, "svg.overlay polygon")
    assert cards[0].find_elements(By.CSS_SELECTOR, "svg.overlay circle")
    # The box is drawn to the thumbnail's scale (the image is fitted into a 4:3 box).
    image = cards[0].find_element(By.TAG_NAME, "img")
    assert (
        wait(page, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image))
        == labeled["metadata"]["width"]
    )
    scale = min(
        image.size["width"] / labeled["metadata"]["width"], image.size["height"] / labeled["metadata"]["height"]
    )
    assert rect.size["width"] == pytest.approx(240 * scale, abs=2)
    assert rect.size["height"] == pytest.approx(160 * scale, abs=2)
    shot(page, "project-prelabeled")

    click_and_load(page, page.find_element(By.CSS_SELECTOR, '[data-filter="all"]'))
    wait(page, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#assets figure.asset")) == 25)
    shot(page, "project")
    # No script error or failed request on any page along the way.
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []
