"""The session page's Cancel button stops a running session (issue 22), at 1280 and 420 px."""

from __future__ import annotations

import threading

import pytest

from tests.support import plugin_running

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from tests.dashboard.browsing import text_of, wait  # noqa: E402
from tests.dashboard.test_dashboard_security import _violations  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 420])
def test_the_cancel_button_ends_a_running_session(page, host, width):
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    release = threading.Event()

    def held(data):
        data["logger"].info("working")
        release.wait(20)
        return "done, too late"

    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        with plugin_running(host, plugin.id, plugin.secret, held):
            session = host.start_run(plugin.id)
            page.get(f"{host.url}/sessions/{session.id}")
            button = page.find_element(By.ID, "cancel-session")
            assert button.is_displayed()
            left, right = page.execute_script(
                "const b = arguments[0].getBoundingClientRect(); return [b.left, b.right];", button
            )
            assert 0 <= left and right <= width
            button.click()
            wait(page, EC.alert_is_present()).accept()
            wait(page, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "h1 .status"), "cancelled"))
            assert "cancelled by" in text_of(page, '[data-field="reason"]')
            # A cancel is someone's choice, not the run's error: its reason is not shown as one.
            assert page.find_elements(By.CSS_SELECTOR, '[data-field="reason"] .error') == []
            assert not page.find_element(By.ID, "cancel-session").is_displayed()
            release.set()
            # The plugin's answer after the cancel shows up, marked late, without a reload.
            wait(page, EC.text_to_be_present_in_element((By.ID, "late-answers"), "done, too late"))
        assert host.session(session.id).status == "cancelled"
        page.get(f"{host.url}/sessions/{session.id}")  # as the server draws it
        assert page.find_elements(By.CSS_SELECTOR, '[data-field="reason"] .error') == []
        page.get(f"{host.url}/sessions")
        row = page.find_element(By.CSS_SELECTOR, f'tr[data-session="{session.id}"] [data-field="outcome"] span')
        assert row.text.startswith("cancelled by") and "error-text" not in row.get_attribute("class")
        scroll, client = page.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client
        assert _violations(page) == []
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_an_ended_session_has_no_cancel_button_and_a_forged_post_changes_nothing(page, host):
    plugin = host.create_plugin("Quick", class_names=["Vehicle"])
    with plugin_running(host, plugin.id, plugin.secret, lambda data: "done"):
        session = host.run(plugin.id)
    page.get(f"{host.url}/sessions/{session.id}")
    assert not page.find_element(By.ID, "cancel-session").is_displayed()
    page.get(f"{host.url}/sessions?status=cancelled")  # a status the filter offers
    assert text_of(page, "#session-total").startswith("0 sessions match")
    forged = page.execute_script(
        "const r = await fetch(arguments[0], {method: 'POST', headers: {'Content-Type': "
        "'application/x-www-form-urlencoded'}, body: 'confirm=other'}); return r.status;",
        f"{host.url}/sessions/{session.id}/cancel",
    )
    assert forged == 400 and host.session(session.id).status == "succeeded"
