"""The overview, where a browser lands after signing in (issue 22 item 7): the host's URL, the API
key with a copy button, the state file, each plugin with its light and start command, the latest
sessions and the active faults; at 1280 and 420 px."""

from __future__ import annotations

import sys

import pytest

from mockango import Hub, MockAngo
from tests.support import ROOT, plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from tests.dashboard.browsing import text_of, wait  # noqa: E402
from tests.dashboard.conftest import sign_in  # noqa: E402
from tests.dashboard.test_dashboard_security import _violations  # noqa: E402

pytestmark = pytest.mark.browser


def test_signing_in_lands_on_the_overview(page, host):
    plugin = host.create_plugin("Detector", class_names=["Vehicle"])
    with plugin_running(host, plugin.id, plugin.secret, lambda data: "done"):
        session = host.run(plugin.id)
    offline = host.create_plugin("Exporter", type="export")
    host.faults.slow_files(bytes_per_second=10_000)
    sign_in(page, host)
    assert page.current_url == f"{host.url}/"
    assert text_of(page, "h1") == "Overview"
    assert text_of(page, "#host-url") == host.url
    assert text_of(page, "#api-key") == host.api_key
    assert "in memory" in text_of(page, "#state")
    assert text_of(page, "#cli-env") == f"MOCKANGO_URL={host.url} MOCKANGO_API_KEY={host.api_key}"
    rows = {
        row.get_attribute("data-plugin"): row for row in page.find_elements(By.CSS_SELECTOR, "#overview-plugins li")
    }
    assert set(rows) == {plugin.id, offline.id}
    command = rows[offline.id].find_element(By.CSS_SELECTOR, "pre.command").text
    assert f"PLUGIN_ID={offline.id}" in command and f"ANGO_HOST={host.url}" in command
    assert command.endswith(" python your_plugin.py"), command  # typed by a reader, not this machine's path
    assert str(ROOT) not in text_of(page, "main") and sys.executable not in text_of(page, "main")
    assert rows[offline.id].find_element(By.CSS_SELECTOR, ".light").text == "offline"
    assert [r.get_attribute("data-session") for r in page.find_elements(By.CSS_SELECTOR, "#sessions tbody tr")] == [
        session.id
    ]
    assert "image downloads (/files/*) at 10000 bytes/s" in text_of(page, "#overview-faults")
    assert _violations(page) == []

    page.find_element(By.CSS_SELECTOR, 'button[data-copy="api-key"]').click()
    wait(page, lambda d: d.find_element(By.CSS_SELECTOR, 'button[data-copy="api-key"]').text != "Copy")
    assert page.find_element(By.CSS_SELECTOR, 'button[data-copy="api-key"]').text in (
        "Copied",
        "Selected: press Ctrl+C",
    )

    with plugin_running(host, offline.id, offline.secret, lambda data: None):  # the light turns green live
        wait(
            page, EC.text_to_be_present_in_element((By.CSS_SELECTOR, f'li[data-plugin="{offline.id}"] .light'), "live")
        )


def test_the_overview_names_the_state_file_and_fits_420_px(browser, tmp_path):
    with MockAngo(hub=Hub(seed=0, state=tmp_path / "state.sqlite3")) as host:
        sign_in(browser, host)
        assert str(tmp_path / "state.sqlite3") in text_of(browser, "#state")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 420, "height": 800, "deviceScaleFactor": 1, "mobile": True}
        )
        try:
            browser.get(f"{host.url}/")
            scroll, client = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client, f"the overview is {scroll} px wide at 420 px"
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
