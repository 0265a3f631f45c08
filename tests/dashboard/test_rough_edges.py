"""Dashboard rough edges a new user met (issue 11.12): a styled 404, an asset page with its labels,
a 420 px wide window, and a Run link that names a plugin that does not exist."""

from __future__ import annotations

import pytest

from tests.support import DEMO_CONFIG, plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402

from tests.dashboard.browsing import SHOTS, click_and_load, shot, text_of, wait  # noqa: E402

pytestmark = pytest.mark.browser


def test_an_unknown_url_gets_the_dashboards_own_404_page(page, host):
    page.get(f"{host.url}/no/such/page")
    assert text_of(page, "h1") == "Error 404"
    assert text_of(page, "#error-message") == "There is no page at /no/such/page."
    assert page.find_elements(By.CSS_SELECTOR, "header.top nav a")  # the dashboard's header, styled
    color = page.execute_script("return getComputedStyle(document.querySelector('header.top')).backgroundColor")
    assert color == "rgb(36, 41, 47)"
    shot(page, "not-found")


def test_a_run_link_naming_an_unknown_plugin_says_so(page, host):
    host.create_plugin("Real one", class_names=["Vehicle"])
    page.get(f"{host.url}/run?plugin=nope")
    assert text_of(page, "#run-error") == "plugin 'nope' not found: pick one of yours below"
    page.get(f"{host.url}/run?project=elsewhere")
    assert text_of(page, "#run-error") == "project 'elsewhere' not found: pick one of yours below"


def test_the_asset_page_draws_the_labels_lists_each_object_and_zooms(page, host):
    tools = {t["title"]: t for t in host.hub.default_project.tools()}
    point = next(t for t in tools.values() if t["tool"] == "point")
    objects = [
        {
            "schemaId": tools["Vehicle"]["schemaId"],
            "objectId": "car-1",
            "bounding-box": {"x": 100, "y": 80, "width": 240, "height": 160},
        },
        {"schemaId": point["schemaId"], "objectId": "walker-7", "point": [500, 100]},
        {"schemaId": tools["Person"]["schemaId"], "bounding-box": {"x": 10, "y": 10, "width": 20, "height": 20}},
    ]
    first = host.assets()[0]
    host.hub.import_labels(
        host.hub.default_user, host.project_id, [{"externalId": first["externalId"], "objects": objects}]
    )
    page.get(f"{host.url}/projects/{host.project_id}?prelabeled=yes")
    click_and_load(page, page.find_element(By.CSS_SELECTOR, f'figure[data-asset="{first["_id"]}"] a.thumb'))
    assert page.current_url == f"{host.url}/projects/{host.project_id}/assets/{first['_id']}"
    assert text_of(page, "h1") == first["externalId"]

    rows = page.find_elements(By.CSS_SELECTOR, "#objects tbody tr")
    listed = [
        (r.find_element(By.CSS_SELECTOR, ".class-name").text, r.find_elements(By.CSS_SELECTOR, ".object-id"))
        for r in rows
    ]
    assert [(name, [c.text for c in ids]) for name, ids in listed] == [
        ("Vehicle", ["car-1"]),
        (point["title"], ["walker-7"]),
        ("Person", []),
    ]
    view = page.find_element(By.ID, "asset-view")
    rect = view.find_element(By.CSS_SELECTOR, 'rect[data-shape="0"]')
    assert [float(rect.get_attribute(k)) for k in ("x", "y", "width", "height")] == [100, 80, 240, 160]
    assert rect.get_attribute("stroke") == tools["Vehicle"]["color"]
    assert view.find_element(By.CSS_SELECTOR, "image").get_attribute("href") == first["data"]
    labels = [(e.text, e.get_attribute("x"), e.get_attribute("y")) for e in view.find_elements(By.CSS_SELECTOR, "text")]
    assert labels == [
        ("Vehicle · car-1", "100.0", "80.0"),
        (f"{point['title']} · walker-7", "500.0", "100.0"),
        ("Person", "10.0", "10.0"),
    ]

    def width():
        return page.execute_script("return document.getElementById('asset-view').getBoundingClientRect().width")

    page.find_element(By.CSS_SELECTOR, '[data-zoom="1"]').click()
    assert width() == 640 and text_of(page, "#zoom-level") == "100%"
    page.find_element(By.CSS_SELECTOR, '[data-zoom="in"]').click()
    assert width() == 960 and text_of(page, "#zoom-level") == "150%"
    page.find_element(By.CSS_SELECTOR, '[data-zoom="out"]').click()
    page.find_element(By.CSS_SELECTOR, '[data-zoom="out"]').click()
    assert round(width()) == 427
    shot(page, "asset")

    page.get(f"{host.url}/projects/{host.project_id}/assets/not-an-asset")
    assert "asset 'not-an-asset' not found" in text_of(page, "#error-message")


def test_a_420_px_window_has_no_sideways_scroll_and_shows_sign_out(page, host):
    plugin = host.create_plugin("Demo detector", class_names=["Vehicle", "Person"], default_config=DEMO_CONFIG)
    with plugin_running(host, plugin.id, plugin.secret, lambda data: "ok"):
        session = host.run(plugin.id, class_mapping={"Vehicle": "Vehicle"})
    first = host.assets()[0]
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 420, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        for name, path in [
            ("plugins", "/plugins"),
            ("plugin", f"/plugins/{plugin.id}"),
            ("run", "/run"),
            ("sessions", "/sessions"),
            ("session", f"/sessions/{session.id}"),
            ("projects", "/projects"),
            ("project", f"/projects/{host.project_id}"),
            ("asset", f"/projects/{host.project_id}/assets/{first['_id']}"),
            ("404", "/nope"),
        ]:
            page.get(host.url + path)
            wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
            scroll, client = page.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert client == 420 and scroll <= client, f"{path} scrolls sideways: {scroll} px wide"
            signout = page.find_element(By.CSS_SELECTOR, ".signout")
            left, right = page.execute_script(
                "const b = arguments[0].getBoundingClientRect(); return [b.left, b.right];", signout
            )
            assert signout.is_displayed() and 0 <= left and right <= 420, f"{path}: Sign out at {left}..{right}"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.save_screenshot(str(SHOTS / f"narrow-{name}.png"))  # a real 420 px screenshot, to look at
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
